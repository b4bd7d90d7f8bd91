"""JSON formats: problems in (from files and tests), plans out (CLI, HA actions).

The problem format mirrors the data model field by field, units in the names.
Reading is strict: a wrong type, a naive datetime or an unknown key raises
:class:`ModelError` naming the field (``vehicles[1].departure``), because a typo
that silently fell back to a default would plan the wrong night.

The plan format is what Home Assistant's ``get_plan`` action and diagnostics
return, so it is stable and JSON-safe: ISO 8601 datetimes with offsets, numbers
rounded to 6 decimals, one value per step in every series.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import math
from typing import TYPE_CHECKING, Any

from .model import (
    DEFAULT_VOLTAGE_V,
    Charger,
    Horizon,
    ModelError,
    Problem,
    Site,
    Vehicle,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .model import Plan

_DIGITS = 6


class _Fields:
    """One JSON object being read, with its path for error messages.

    Every accessor removes the key it read, so :meth:`done` can reject the keys
    nobody asked for.
    """

    def __init__(self, data: object, path: str) -> None:
        """Wrap ``data``, which must be a JSON object."""
        if not isinstance(data, Mapping):
            raise ModelError(f"{path or 'problem'}: expected an object")
        self.path = path
        self.left: dict[str, Any] = dict(data)

    def where(self, key: str) -> str:
        """The full name of ``key``, as error messages show it."""
        return f"{self.path}.{key}" if self.path else key

    def take(self, key: str, *, required: bool) -> object:
        """The raw value of ``key``; None when optional and missing or null."""
        if key not in self.left:
            if required:
                raise ModelError(f"{self.where(key)}: missing")
            return None
        return self.left.pop(key)

    def number(self, key: str, default: float | None = None) -> float:
        """A finite number; ``default`` when missing (required without one)."""
        value = self.take(key, required=default is None)
        if value is None and default is not None:
            return default
        return _number(value, self.where(key))

    def optional_number(self, key: str) -> float | None:
        """A finite number, or None when missing or null."""
        value = self.take(key, required=False)
        return None if value is None else _number(value, self.where(key))

    def integer(self, key: str, default: int | None = None) -> int:
        """An integer; ``default`` when missing (required without one)."""
        value = self.take(key, required=default is None)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ModelError(f"{self.where(key)}: expected an integer")
        return value

    def string(self, key: str, default: str | None = None) -> str:
        """A non-empty string; ``default`` when missing (required without one)."""
        value = self.take(key, required=default is None)
        if value is None and default is not None:
            return default
        if not isinstance(value, str) or not value:
            raise ModelError(f"{self.where(key)}: expected a non-empty string")
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        """A JSON boolean, ``default`` when missing."""
        value = self.take(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ModelError(f"{self.where(key)}: expected true or false")
        return value

    def moment(self, key: str, default: datetime | None = None) -> datetime:
        """An ISO 8601 datetime with an offset; ``default`` when missing or null."""
        value = self.take(key, required=default is None)
        if value is None and default is not None:
            return default
        where = self.where(key)
        if not isinstance(value, str):
            raise ModelError(f"{where}: expected an ISO 8601 datetime")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ModelError(
                f"{where}: {value!r} is not an ISO 8601 datetime"
            ) from None
        if moment.utcoffset() is None:
            raise ModelError(f"{where}: {value!r} needs a UTC offset")
        return moment

    def numbers(self, key: str, *, required: bool) -> tuple[float, ...] | None:
        """A list of finite numbers, or None when optional and missing or null."""
        value = self.take(key, required=required)
        if value is None and not required:
            return None
        where = self.where(key)
        if not isinstance(value, list):
            raise ModelError(f"{where}: expected a list of numbers")
        return tuple(_number(item, f"{where}[{i}]") for i, item in enumerate(value))

    def objects(self, key: str) -> list[_Fields]:
        """A list of JSON objects, each wrapped with its own path."""
        value = self.take(key, required=True)
        where = self.where(key)
        if not isinstance(value, list):
            raise ModelError(f"{where}: expected a list")
        return [_Fields(item, f"{where}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        """Reject keys that were not read: most likely a typo."""
        if self.left:
            names = ", ".join(self.where(key) for key in sorted(self.left))
            raise ModelError(f"unknown field {names}")


def _number(value: object, where: str) -> float:
    """``value`` as a float if it is a finite JSON number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(f"{where}: expected a number")
    if not math.isfinite(value):
        raise ModelError(f"{where}: expected a finite number")
    return float(value)


def problem_from_dict(data: Mapping[str, Any]) -> Problem:
    """Read and validate a problem in the JSON problem format.

    ``horizon.steps`` defaults to the number of prices. A vehicle's ``arrival``
    may be null or left out: it is plugged in now, at the horizon start. Errors
    from the model's own checks are prefixed with the object they concern.
    """
    root = _Fields(data, "")
    prices = root.numbers("prices", required=True) or ()
    fields = _Fields(root.take("horizon", required=True), "horizon")
    horizon = _build(
        "horizon",
        lambda: Horizon(
            start=fields.moment("start"),
            step_minutes=fields.integer("step_minutes"),
            steps=fields.integer("steps", len(prices)),
            first_share=fields.number("first_share", 1.0),
        ),
    )
    fields.done()
    site = _site(_Fields(root.take("site", required=True), "site"))
    chargers = tuple(_charger(item) for item in root.objects("chargers"))
    vehicles = tuple(_vehicle(item, horizon.start) for item in root.objects("vehicles"))
    currency = root.string("currency", "EUR")
    previous = _previous(root.take("previous_current_a", required=False))
    root.done()
    return Problem(
        horizon=horizon,
        site=site,
        prices=prices,
        chargers=chargers,
        vehicles=vehicles,
        currency=currency,
        previous_current_a=previous,
    )


def _previous(raw: object) -> tuple[tuple[str, float], ...] | None:
    """The previous plan's currents: an object of charger id to amperes."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ModelError("previous_current_a: expected an object of charger ids")
    return tuple(
        (str(key), _number(value, f"previous_current_a.{key}"))
        for key, value in raw.items()
    )


def _build[T](path: str, make: Callable[[], T]) -> T:
    """Run ``make``, naming ``path`` in any ModelError it raises."""
    try:
        return make()
    except ModelError as err:
        if str(err).startswith((f"{path}.", f"{path}:")):  # names the field
            raise
        raise ModelError(f"{path}: {err}") from None


def _site(fields: _Fields) -> Site:
    """Read the ``site`` object; limits must not be negative."""
    limit_value = fields.left.get("import_limit_kw")
    limit: float | tuple[float, ...]
    if isinstance(limit_value, list):
        limit = fields.numbers("import_limit_kw", required=True) or ()
    else:
        limit = fields.number("import_limit_kw")
    if min(limit if isinstance(limit, tuple) else (limit,), default=0) < 0:
        raise ModelError("site.import_limit_kw: must not be negative")
    fuse = fields.optional_number("fuse_limit_a")
    if fuse is not None and fuse <= 0:
        raise ModelError("site.fuse_limit_a: must be > 0")
    phases = fields.integer("phases", 3)
    if phases not in (1, 3):
        raise ModelError("site.phases: must be 1 or 3")
    voltage = fields.number("voltage_v", DEFAULT_VOLTAGE_V)
    if voltage <= 0:
        raise ModelError("site.voltage_v: must be > 0")
    site = Site(
        import_limit_kw=limit,
        fuse_limit_a=fuse,
        phases=phases,
        voltage_v=voltage,
        base_load_kw=fields.numbers("base_load_kw", required=False),
        fixed_load_a=_fixed_loads(fields),
    )
    fields.done()
    return site


def _fixed_loads(fields: _Fields) -> tuple[tuple[float, float, float], ...] | None:
    """``fixed_load_a``: per step, the current on L1, L2 and L3 (or null)."""
    value = fields.take("fixed_load_a", required=False)
    if value is None:
        return None
    where = fields.where("fixed_load_a")
    if not isinstance(value, list):
        raise ModelError(f"{where}: expected a list of [L1, L2, L3] currents")
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != 3:  # noqa: PLR2004  # L1-L3
            raise ModelError(f"{where}[{i}]: expected [L1, L2, L3] currents")
        a1, a2, a3 = (_number(a, f"{where}[{i}]") for a in row)
        rows.append((a1, a2, a3))
    return tuple(rows)


def _charger(fields: _Fields) -> Charger:
    """Read one charger object; omitted fields take the model's defaults."""
    defaults = Charger(id="defaults")
    charger = _build(
        fields.path,
        lambda: Charger(
            id=fields.string("id"),
            phases=fields.integer("phases", defaults.phases),
            phase=fields.integer("phase", defaults.phase),
            voltage_v=fields.number("voltage_v", defaults.voltage_v),
            min_current_a=fields.number("min_current_a", defaults.min_current_a),
            max_current_a=fields.number("max_current_a", defaults.max_current_a),
            current_step_a=fields.number("current_step_a", defaults.current_step_a),
            accepts_zero=fields.boolean("accepts_zero", default=defaults.accepts_zero),
            min_on_minutes=fields.integer("min_on_minutes", 0),
            min_off_minutes=fields.integer("min_off_minutes", 0),
        ),
    )
    fields.done()
    return charger


def _vehicle(fields: _Fields, now: datetime) -> Vehicle:
    """Read one vehicle object; a missing or null arrival means plugged in now."""
    vehicle = _build(
        fields.path,
        lambda: Vehicle(
            id=fields.string("id"),
            charger_id=fields.string("charger_id"),
            arrival=fields.moment("arrival", now),
            departure=fields.moment("departure"),
            energy_needed_kwh=fields.number("energy_needed_kwh"),
            min_energy_kwh=fields.number("min_energy_kwh", 0.0),
            max_power_kw=fields.optional_number("max_power_kw"),
            efficiency=fields.number("efficiency", 1.0),
            priority=fields.number("priority", 1.0),
            phases=fields.integer("phases", 3),
            max_current_a=fields.optional_number("max_current_a"),
            min_current_a=fields.number("min_current_a", 0.0),
            battery_room_kwh=fields.optional_number("battery_room_kwh"),
        ),
    )
    fields.done()
    return vehicle


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """Write ``problem`` in the JSON problem format, every field explicit.

    ``problem_from_dict(problem_to_dict(p)) == p`` for every valid problem.
    """
    site = problem.site
    limit = site.import_limit_kw
    return {
        "horizon": {
            "start": problem.horizon.start.isoformat(),
            "step_minutes": problem.horizon.step_minutes,
            "steps": problem.horizon.steps,
            "first_share": problem.horizon.first_share,
        },
        "site": {
            "import_limit_kw": list(limit) if isinstance(limit, tuple) else limit,
            "fuse_limit_a": site.fuse_limit_a,
            "phases": site.phases,
            "voltage_v": site.voltage_v,
            "base_load_kw": None
            if site.base_load_kw is None
            else list(site.base_load_kw),
            "fixed_load_a": None
            if site.fixed_load_a is None
            else [list(row) for row in site.fixed_load_a],
        },
        "prices": list(problem.prices),
        "currency": problem.currency,
        "previous_current_a": None
        if problem.previous_current_a is None
        else dict(problem.previous_current_a),
        "chargers": [
            {
                "id": c.id,
                "phases": c.phases,
                "phase": c.phase,
                "voltage_v": c.voltage_v,
                "min_current_a": c.min_current_a,
                "max_current_a": c.max_current_a,
                "current_step_a": c.current_step_a,
                "accepts_zero": c.accepts_zero,
                "min_on_minutes": c.min_on_minutes,
                "min_off_minutes": c.min_off_minutes,
            }
            for c in problem.chargers
        ],
        "vehicles": [
            {
                "id": v.id,
                "charger_id": v.charger_id,
                "arrival": v.arrival.isoformat(),
                "departure": v.departure.isoformat(),
                "energy_needed_kwh": v.energy_needed_kwh,
                "min_energy_kwh": v.min_energy_kwh,
                "max_power_kw": v.max_power_kw,
                "efficiency": v.efficiency,
                "priority": v.priority,
                "phases": v.phases,
                "max_current_a": v.max_current_a,
                "min_current_a": v.min_current_a,
                "battery_room_kwh": v.battery_room_kwh,
            }
            for v in problem.vehicles
        ],
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Write ``plan`` as JSON-safe data, the format of HA's ``get_plan`` action.

    Totals first, then one series per vehicle and charger with one value per
    step (``step_starts`` gives each step's start).

    Numbers are rounded to 6 decimals so that float noise (0.30000000000000004)
    does not reach users; a statistic that is not finite becomes null.
    """
    horizon = plan.horizon
    return {
        "algorithm": plan.algorithm,
        "status": plan.status.value,
        "message": plan.message,
        "solve_ms": _round(plan.solve_ms),
        "statistics": {
            key: _round(value) if math.isfinite(value) else None
            for key, value in plan.statistics.items()
        },
        "horizon": {
            "start": horizon.start.isoformat(),
            "end": horizon.end.isoformat(),
            "step_minutes": horizon.step_minutes,
            "steps": horizon.steps,
        },
        "step_starts": [
            horizon.step_start(t).isoformat() for t in range(horizon.steps)
        ],
        "cost": _round(plan.cost),
        "shortfall_kwh": _round(plan.shortfall_kwh),
        "peak_kw": _round(plan.peak_kw),
        "site_power_kw": _series(plan.site_power_kw),
        "vehicles": [
            {
                "vehicle_id": vp.vehicle_id,
                "charger_id": vp.charger_id,
                "energy_kwh": _round(vp.energy_kwh),
                "shortfall_kwh": _round(vp.shortfall_kwh),
                "completion": None
                if vp.completion is None
                else vp.completion.isoformat(),
                "cost": _round(vp.cost),
                "power_kw": _series(vp.power_kw),
                "current_a": _series(vp.current_a),
            }
            for vp in plan.vehicles
        ],
        "chargers": [
            {
                "charger_id": cp.charger_id,
                "current_a": _series(cp.current_a),
                "power_kw": _series(cp.power_kw),
            }
            for cp in plan.chargers
        ],
    }


def _round(value: float) -> float:
    """``value`` rounded for output, with -0.0 written as 0.0."""
    return round(value, _DIGITS) + 0.0


def _series(values: tuple[float, ...]) -> list[float]:
    """A per-step series rounded for output."""
    return [_round(value) for value in values]
