"""The optimizer's data model: problems in, plans out, with explicit units.

Units are part of every field name (kW, kWh, A, V, minutes) because the Opti-VGI
original mixed watts, amps and a default voltage and got the conversion wrong
(see docs/optimizer.md). Every dataclass is frozen: a problem is read on the event
loop and solved in an executor thread, so it must not change underneath the solver.

Power and current relate by ``P[kW] = I[A] * V * phases / 1000``. A vehicle's
``power_kw`` is what it draws from the grid; ``energy_needed_kwh`` is what must
reach its battery, so the grid delivers ``energy / efficiency``.

A car charges through its on-board charger (OBC), which has its own phases and
maximum current: it draws ``min(setpoint, OBC maximum)`` on
``min(charger phases, vehicle phases)`` phases, namely the charger's first ones
(L1, then L2), which sit on whichever site phases the charger is wired to. A
1-phase 16 A car on a 3-phase 32 A charger wired with its L1 on the site's L2
draws at most 16 A, on site L2 only, whatever the setpoint says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import math

ALLOWED_STEP_MINUTES = (5, 15, 30, 60)
MAX_HORIZON_HOURS = 48
DEFAULT_VOLTAGE_V = 230.0
THREE_PHASE = 3
VEHICLE_PHASES = (1, 2, 3)
MAX_SINGLE_PHASE_A = 32.0  # above this an on-board charger is taken as 3-phase
_WHOLE_A = 0.35  # derived OBC currents this close to a whole ampere are rounded
# A plan may go past a need by less than one minimum step: by this much less.
OVERSHOOT_MARGIN_KWH = 1e-4


class ModelError(ValueError):
    """A problem that cannot be planned because its input is inconsistent."""


@dataclass(frozen=True, kw_only=True)
class Horizon:
    """The planning window: ``steps`` intervals of ``step_minutes`` from ``start``.

    ``start`` is a step boundary (prices change there). A plan made within a
    step has only the rest of that step: ``first_share`` is the share of the
    first step still ahead (a replan 5 minutes into a 15-minute step has 2/3
    of it). Power is planned per step as before; the energy and the cost of
    the first step are that share of a whole step's. Counting the whole first
    step would take energy for delivered that the clock no longer allows,
    and a car replanned in its last step before leaving would leave short.
    """

    start: datetime
    step_minutes: int
    steps: int
    first_share: float = 1.0

    def __post_init__(self) -> None:
        """Reject naive datetimes and horizons the product does not support."""
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ModelError("horizon start must be timezone-aware")
        # Aware datetimes that share a zoneinfo add timedeltas on the wall clock,
        # which puts steps in the wrong place on DST days; UTC has no such days.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        if self.step_minutes not in ALLOWED_STEP_MINUTES:
            raise ModelError(f"step must be one of {ALLOWED_STEP_MINUTES} minutes")
        if self.steps < 1:
            raise ModelError("horizon needs at least one step")
        if not 0 < self.first_share <= 1:
            raise ModelError("the first step's share must be above 0 and at most 1")
        if self.steps * self.step_minutes > MAX_HORIZON_HOURS * 60:
            raise ModelError(f"horizon is limited to {MAX_HORIZON_HOURS} hours")

    @property
    def step(self) -> timedelta:
        """Length of one step."""
        return timedelta(minutes=self.step_minutes)

    @property
    def step_hours(self) -> float:
        """Length of one step in hours, the factor from kW to kWh."""
        return self.step_minutes / 60

    def hours(self, index: int) -> float:
        """Hours of step ``index`` still ahead: the first step's share, or a step."""
        return self.step_hours * (self.first_share if index == 0 else 1.0)

    @property
    def shares(self) -> tuple[float, ...]:
        """Per step, the share of a whole step still ahead (1 after the first)."""
        return (self.first_share,) + (1.0,) * (self.steps - 1)

    @property
    def end(self) -> datetime:
        """End of the last step."""
        return self.start + self.steps * self.step

    def step_start(self, index: int) -> datetime:
        """Start of step ``index`` (``index == steps`` gives the horizon end)."""
        return self.start + index * self.step

    def index_at(self, moment: datetime) -> float:
        """Position of ``moment`` in steps from the start (fractional, unclamped)."""
        return (moment - self.start) / self.step


@dataclass(frozen=True, kw_only=True)
class Site:
    """The grid connection the chargers share.

    ``import_limit_kw`` is either one value for every step or one value per step.
    ``base_load_kw`` is the forecast of everything else in the house; the chargers
    get what is left of the limit. The fuse limit is per phase, with the base load
    assumed spread evenly over ``phases``.

    ``fixed_load_a`` is what the plan does not control but must make room for:
    per step, the current on each site phase (L1, L2, L3) of loads whose phases
    are known, such as a charger that is left alone (an unknown car, a user's
    override) and keeps drawing. Unlike the base load it sits on the phases it
    really loads, so a 1-phase car on L2 takes room on L2 only; its power
    (current x voltage, summed over the phases) counts against the import limit.
    """

    import_limit_kw: float | tuple[float, ...]
    fuse_limit_a: float | None = None
    phases: int = 3
    voltage_v: float = DEFAULT_VOLTAGE_V
    base_load_kw: tuple[float, ...] | None = None
    fixed_load_a: tuple[tuple[float, float, float], ...] | None = None

    def limit_kw(self, step: int) -> float:
        """Import limit in step ``step``."""
        if isinstance(self.import_limit_kw, tuple):
            return self.import_limit_kw[step]
        return self.import_limit_kw

    def base_kw(self, step: int) -> float:
        """Forecast house load (without the chargers) in step ``step``."""
        return self.base_load_kw[step] if self.base_load_kw is not None else 0.0

    def fixed_a(self, step: int, phase: int) -> float:
        """Current of the fixed loads on site phase ``phase`` (1-3) in ``step``."""
        if self.fixed_load_a is None:
            return 0.0
        return self.fixed_load_a[step][phase - 1]

    def fixed_kw(self, step: int) -> float:
        """Power of the fixed loads in ``step``, over all phases."""
        if self.fixed_load_a is None:
            return 0.0
        return sum(self.fixed_load_a[step]) * self.voltage_v / 1000


@dataclass(frozen=True, kw_only=True)
class Charger:
    """A charge point and what it accepts as a current setpoint.

    ``phase`` is the site phase (1, 2 or 3) that the charger's own L1 is wired
    to: a 1-phase charger draws only there; a 3-phase charger draws on all three,
    its L2 and L3 following in rotation (L1 on site L2 puts its L2 on L3 and its
    L3 on L1), which matters for the site phases a 1- or 2-phase car loads. The
    setpoint is 0 or between ``min_current_a`` and
    ``max_current_a``, in multiples of ``current_step_a``. ``accepts_zero`` tells
    whether 0 A pauses the session or the charger must be switched off instead
    (the plan looks the same; the integration writes it differently).
    ``min_on_minutes`` and ``min_off_minutes``: once started (stopped), the
    plan keeps the charger on (off) at least that long, so it does not cycle
    (0: no minimum; a preset may set one).
    """

    id: str
    phases: int = 3
    phase: int = 1
    voltage_v: float = DEFAULT_VOLTAGE_V
    min_current_a: float = 6.0
    max_current_a: float = 16.0
    current_step_a: float = 1.0
    accepts_zero: bool = True
    min_on_minutes: int = 0
    min_off_minutes: int = 0

    def __post_init__(self) -> None:
        """Reject chargers whose limits contradict each other."""
        if self.phases not in (1, 2, 3):
            # 2: the charger as a 2-phase car uses it (see effective_problem).
            raise ModelError(f"charger {self.id}: phases must be 1, 2 or 3")
        if self.phase not in (1, 2, 3):
            raise ModelError(f"charger {self.id}: phase must be 1, 2 or 3")
        if not 0 <= self.min_current_a <= self.max_current_a:
            raise ModelError(f"charger {self.id}: need 0 <= minimum <= maximum current")
        if self.current_step_a <= 0 or self.voltage_v <= 0:
            raise ModelError(f"charger {self.id}: current step and voltage must be > 0")
        if self.min_on_minutes < 0 or self.min_off_minutes < 0:
            raise ModelError(f"charger {self.id}: minimum on/off time must be >= 0")

    @property
    def kw_per_a(self) -> float:
        """Grid power per ampere of setpoint."""
        return self.voltage_v * self.phases / 1000

    @property
    def max_power_kw(self) -> float:
        """Power at the maximum current."""
        return self.max_current_a * self.kw_per_a

    @property
    def min_power_kw(self) -> float:
        """Power at the minimum current (the smallest non-zero power)."""
        return self.min_current_a * self.kw_per_a

    def loads_phase(self, phase: int) -> bool:
        """Whether this charger can draw current on site phase ``phase``."""
        return phase in self.site_phases()

    def site_phases(self, count: int | None = None) -> tuple[int, ...]:
        """Site phases of the charger's first ``count`` phases (all by default).

        The charger's L1 is on site phase ``phase``; its L2 and L3 follow in
        rotation.
        """
        used = self.phases if count is None else min(count, self.phases)
        return tuple((self.phase - 1 + k) % THREE_PHASE + 1 for k in range(used))


@dataclass(frozen=True, kw_only=True)
class Vehicle:
    """A vehicle plugged in now, or expected (a reservation).

    ``arrival`` at or before the horizon start means plugged in now. The vehicle
    may only charge in ``[arrival, departure)``. ``min_energy_kwh`` is the part of
    ``energy_needed_kwh`` wanted as soon as possible whatever it costs (a minimum
    state of charge). ``priority`` weighs this vehicle's shortfall against the
    others' when not every need can be met. ``battery_room_kwh`` is what the
    battery can still take up to 100 %, where known (a SoC and a capacity): the
    most a plan may deliver past the need (see :meth:`Problem.energy_cap_kwh`).
    """

    id: str
    charger_id: str
    arrival: datetime
    departure: datetime
    energy_needed_kwh: float
    min_energy_kwh: float = 0.0
    max_power_kw: float | None = None
    efficiency: float = 1.0
    priority: float = 1.0
    phases: int = 3
    max_current_a: float | None = None
    min_current_a: float = 0.0
    battery_room_kwh: float | None = None

    def __post_init__(self) -> None:
        """Reject vehicles that cannot be planned."""
        for moment in (self.arrival, self.departure):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ModelError(f"vehicle {self.id}: times must be timezone-aware")
        if self.energy_needed_kwh < 0 or not math.isfinite(self.energy_needed_kwh):
            raise ModelError(f"vehicle {self.id}: energy needed must be >= 0")
        if not 0 <= self.min_energy_kwh <= self.energy_needed_kwh:
            raise ModelError(f"vehicle {self.id}: need 0 <= minimum <= energy needed")
        if not 0 < self.efficiency <= 1:
            raise ModelError(f"vehicle {self.id}: efficiency must be in (0, 1]")
        if self.priority <= 0:
            raise ModelError(f"vehicle {self.id}: priority must be > 0")
        if self.max_power_kw is not None and self.max_power_kw < 0:
            raise ModelError(f"vehicle {self.id}: maximum power must be >= 0")
        if self.phases not in VEHICLE_PHASES:
            raise ModelError(f"vehicle {self.id}: phases must be 1, 2 or 3")
        if self.max_current_a is not None and not (
            math.isfinite(self.max_current_a) and self.max_current_a > 0
        ):
            raise ModelError(f"vehicle {self.id}: maximum current must be > 0")
        if not (math.isfinite(self.min_current_a) and self.min_current_a >= 0) or (
            self.max_current_a is not None and self.min_current_a > self.max_current_a
        ):
            raise ModelError(f"vehicle {self.id}: need 0 <= minimum <= maximum current")
        if self.battery_room_kwh is not None and not (
            math.isfinite(self.battery_room_kwh) and self.battery_room_kwh >= 0
        ):
            raise ModelError(f"vehicle {self.id}: battery room must be >= 0")


def obc_from_power(
    max_power_kw: float, voltage_v: float = DEFAULT_VOLTAGE_V, *, site_phases: int = 3
) -> tuple[int, float]:
    """On-board charger phases and current per phase from its maximum power.

    3.7 kW is 1 x 16 A, 7.4 kW 1 x 32 A, 11 kW 3 x 16 A, 22 kW 3 x 32 A: up to
    ``MAX_SINGLE_PHASE_A`` on one phase a car is taken as 1-phase (always on a
    1-phase site), above as 3-phase. Currents within a third of an ampere of a
    whole one are rounded to it, as nameplates round the power.
    """
    if max_power_kw <= 0 or voltage_v <= 0:
        raise ModelError("maximum power and voltage must be > 0")
    single = max_power_kw * 1000 / voltage_v
    phases = 1 if site_phases == 1 or single <= MAX_SINGLE_PHASE_A + _WHOLE_A else 3
    current = single / phases
    nearest = round(current)
    if nearest > 0 and abs(current - nearest) < _WHOLE_A:
        current = float(nearest)
    return phases, current


@dataclass(frozen=True, kw_only=True)
class Problem:
    """Everything one solve needs; ``prices`` is the import price per step.

    ``previous_current_a`` is what the previous plan set each charger to in
    its current step (charger id to amperes), when there was one: ``lp`` keeps
    a charger there in the first step unless a change is worth more than a
    small cost, so a replan does not switch a running charger for a cent.
    """

    horizon: Horizon
    site: Site
    prices: tuple[float, ...]
    chargers: tuple[Charger, ...]
    vehicles: tuple[Vehicle, ...]
    currency: str = "EUR"
    previous_current_a: tuple[tuple[str, float], ...] | None = None

    def __post_init__(self) -> None:
        """Check that series match the horizon and references resolve."""
        steps = self.horizon.steps
        if len(self.prices) != steps:
            raise ModelError(f"need {steps} prices, got {len(self.prices)}")
        series = {
            "import limit": self.site.import_limit_kw
            if isinstance(self.site.import_limit_kw, tuple)
            else None,
            "base load": self.site.base_load_kw,
        }
        for name, values in series.items():
            if values is not None and len(values) != steps:
                raise ModelError(f"need {steps} {name} values, got {len(values)}")
        fixed = self.site.fixed_load_a
        if fixed is not None:
            if len(fixed) != steps:
                raise ModelError(f"need {steps} fixed load values, got {len(fixed)}")
            if any(
                len(row) != THREE_PHASE
                or not all(math.isfinite(a) and a >= 0 for a in row)
                for row in fixed
            ):
                raise ModelError("fixed loads need three currents >= 0 per step")
        ids = [charger.id for charger in self.chargers]
        if len(set(ids)) != len(ids):
            raise ModelError("charger ids must be unique")
        vehicle_ids = [vehicle.id for vehicle in self.vehicles]
        if len(set(vehicle_ids)) != len(vehicle_ids):
            raise ModelError("vehicle ids must be unique")
        for vehicle in self.vehicles:
            if vehicle.charger_id not in ids:
                raise ModelError(
                    f"vehicle {vehicle.id} uses unknown charger {vehicle.charger_id}"
                )

    def previous_a(self, charger_id: str) -> float | None:
        """The previous plan's current for ``charger_id`` now, if known."""
        for cid, current in self.previous_current_a or ():
            if cid == charger_id:
                return current
        return None

    def charger(self, charger_id: str) -> Charger:
        """Look up a charger by id."""
        for charger in self.chargers:
            if charger.id == charger_id:
                return charger
        raise KeyError(charger_id)

    def window(self, vehicle: Vehicle) -> range:
        """Steps in which ``vehicle`` may charge: fully inside its stay.

        A step counts only when the vehicle is plugged in for all of it, so a plan
        never asks for power before arrival or after departure.
        """
        first = max(0, math.ceil(self.horizon.index_at(vehicle.arrival) - 1e-9))
        last = min(
            self.horizon.steps,
            math.floor(self.horizon.index_at(vehicle.departure) + 1e-9),
        )
        return range(first, max(first, last))

    def vehicle_phase_count(self, vehicle: Vehicle) -> int:
        """Phases ``vehicle`` draws on: the fewer of its own and its charger's."""
        return min(vehicle.phases, self.charger(vehicle.charger_id).phases)

    def vehicle_site_phases(self, vehicle: Vehicle) -> tuple[int, ...]:
        """Site phases (1-3) that ``vehicle`` loads, through its charger's wiring."""
        charger = self.charger(vehicle.charger_id)
        return charger.site_phases(self.vehicle_phase_count(vehicle))

    def vehicle_kw_per_a(self, vehicle: Vehicle) -> float:
        """Grid power per ampere that ``vehicle`` draws (on each of its phases)."""
        charger = self.charger(vehicle.charger_id)
        return charger.voltage_v * self.vehicle_phase_count(vehicle) / 1000

    def vehicle_max_current_a(self, vehicle: Vehicle) -> float:
        """Largest current per phase ``vehicle`` draws: charger, OBC, power cap."""
        current = self.charger(vehicle.charger_id).max_current_a
        if vehicle.max_current_a is not None:
            current = min(current, vehicle.max_current_a)
        if vehicle.max_power_kw is not None:
            current = min(
                current, vehicle.max_power_kw / self.vehicle_kw_per_a(vehicle)
            )
        return current

    def vehicle_max_kw(self, vehicle: Vehicle) -> float:
        """Largest grid power ``vehicle`` can draw on its charger."""
        return self.vehicle_max_current_a(vehicle) * self.vehicle_kw_per_a(vehicle)

    def minimum_step_kwh(self, vehicle: Vehicle) -> float:
        """Battery energy of one step at the least current ``vehicle`` can draw.

        The charger's (or the car's, when higher) minimum current, on the
        charger's current grid and at least one current step: a charger that
        is off cannot deliver less in a step.
        """
        charger = self.charger(vehicle.charger_id)
        step = charger.current_step_a
        least = max(charger.min_current_a, vehicle.min_current_a)
        units = max(1, math.ceil(least / step - 1e-9))
        return (
            units
            * step
            * self.vehicle_kw_per_a(vehicle)
            * self.horizon.step_hours
            * vehicle.efficiency
        )

    def energy_cap_kwh(self, vehicle: Vehicle) -> float:
        """The most energy a plan may deliver to ``vehicle``'s battery.

        The need, plus less than one :meth:`minimum_step_kwh`: setpoints come
        in current steps above a minimum, so a need that is not a whole number
        of them (0.9 kWh where 6 A for 15 minutes gives 0.93) is met only by
        going a little past it; never past it, it would be left short by up
        to a minimum step. Never more than the battery's room to 100 %, where
        known. A switched charger whose need the integration rounds up to
        whole steps at its fixed power gets no more than that: one more step
        would be a whole minimum step past it.
        """
        need = vehicle.energy_needed_kwh
        if need <= 0:
            return 0.0
        extra = max(0.0, self.minimum_step_kwh(vehicle) - OVERSHOOT_MARGIN_KWH)
        if vehicle.battery_room_kwh is not None:
            extra = min(extra, max(0.0, vehicle.battery_room_kwh - need))
        return need + extra


class PlanStatus(StrEnum):
    """How a plan came about; the integration shows it on its status sensor."""

    OPTIMAL = "optimal"  # solved to optimality (or within the MIP gap)
    TIME_LIMIT = "time_limit"  # best plan found when the time limit ran out
    FALLBACK = "fallback"  # the requested algorithm failed; another one planned
    HEURISTIC = "heuristic"  # planned by a heuristic, no optimality claim
    EMPTY = "empty"  # nothing to plan (no vehicle in the horizon)


@dataclass(frozen=True, kw_only=True)
class VehiclePlan:
    """One vehicle's part of a plan; series have one value per horizon step."""

    vehicle_id: str
    charger_id: str
    power_kw: tuple[float, ...]
    current_a: tuple[float, ...]
    energy_kwh: float  # reaching the battery over the horizon
    shortfall_kwh: float  # energy_needed_kwh - energy_kwh, never negative
    completion: datetime | None  # end of the last charging step, if fully served
    cost: float


@dataclass(frozen=True, kw_only=True)
class ChargerPlan:
    """One charger's setpoints: the sum over the vehicles on it."""

    charger_id: str
    current_a: tuple[float, ...]
    power_kw: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class Plan:
    """The optimizer's answer."""

    horizon: Horizon
    vehicles: tuple[VehiclePlan, ...]
    chargers: tuple[ChargerPlan, ...]
    site_power_kw: tuple[float, ...]  # chargers only, without the base load
    cost: float
    algorithm: str
    status: PlanStatus
    solve_ms: float
    message: str = ""  # why a fallback happened, solver details
    statistics: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def shortfall_kwh(self) -> float:
        """Energy that could not be delivered before departures, summed."""
        return sum(vehicle.shortfall_kwh for vehicle in self.vehicles)

    @property
    def peak_kw(self) -> float:
        """Highest charger power in any step."""
        return max(self.site_power_kw, default=0.0)

    def vehicle(self, vehicle_id: str) -> VehiclePlan:
        """Look up a vehicle's plan by id."""
        for plan in self.vehicles:
            if plan.vehicle_id == vehicle_id:
                return plan
        raise KeyError(vehicle_id)

    def charger(self, charger_id: str) -> ChargerPlan:
        """Look up a charger's plan by id."""
        for plan in self.chargers:
            if plan.charger_id == charger_id:
                return plan
        raise KeyError(charger_id)


def effective_problem(problem: Problem) -> Problem:
    """The problem as the cars really draw: every planner plans this one.

    A charger with exactly one vehicle becomes the charger that vehicle makes
    of it: the fewer of the two's phases (a 1-phase car on a 3-phase charger
    loads only the site phase of the charger's L1, and its power per ampere is a
    third), the lower of the two maximum currents and the higher of the two
    minimums. The setpoints planned for it are valid for the real charger
    (within its own range), and what they cost in power and on each fuse phase
    is what the car draws. A charger shared by several vehicles (the optimizer
    allows it; the integration does not) stays as it is, which counts every
    phase it could load: never less than the truth.
    """
    on: dict[str, list[Vehicle]] = {}
    for vehicle in problem.vehicles:
        on.setdefault(vehicle.charger_id, []).append(vehicle)
    chargers = []
    changed = False
    for charger in problem.chargers:
        vehicles = on.get(charger.id, [])
        if len(vehicles) != 1:
            chargers.append(charger)
            continue
        vehicle = vehicles[0]
        phases = min(charger.phases, vehicle.phases)
        most = charger.max_current_a
        if vehicle.max_current_a is not None:
            most = min(most, vehicle.max_current_a)
        least = max(charger.min_current_a, vehicle.min_current_a)
        if least > most:  # the car cannot charge within the charger's range
            least = most = 0.0
        if (phases, most, least) == (
            charger.phases,
            charger.max_current_a,
            charger.min_current_a,
        ):
            chargers.append(charger)
            continue
        changed = True
        chargers.append(
            replace(charger, phases=phases, min_current_a=least, max_current_a=most)
        )
    if not changed:
        return problem
    return replace(problem, chargers=tuple(chargers))
