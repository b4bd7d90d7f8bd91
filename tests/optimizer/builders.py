"""Small problem builders shared by the optimizer tests (and the LP's tests).

Defaults are chosen so that hand calculations stay easy: one-hour steps, a
3-phase 230 V charger (1 A = 0.69 kW, 16 A = 11.04 kW), prices per kWh.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from custom_components.opti_vgi.optimizer.model import (
    Charger,
    Horizon,
    Problem,
    Site,
    Vehicle,
)

START = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
KW_PER_A_3P = 0.69  # 230 V x 3 phases
KW_PER_A_1P = 0.23


def at(hours: float, start: datetime = START) -> datetime:
    """The moment ``hours`` after the default horizon start."""
    return start + timedelta(hours=hours)


def charger(charger_id: str = "c1", **fields: Any) -> Charger:
    """A charger with the model's defaults (3 phases, 6-16 A, 1 A steps)."""
    return Charger(id=charger_id, **fields)


def vehicle(
    vehicle_id: str = "v1",
    charger_id: str = "c1",
    *,
    arrival_h: float = 0.0,
    departure_h: float = 4.0,
    need_kwh: float = 10.0,
    **fields: Any,
) -> Vehicle:
    """A vehicle staying from ``arrival_h`` to ``departure_h`` hours after START."""
    return Vehicle(
        id=vehicle_id,
        charger_id=charger_id,
        arrival=at(arrival_h),
        departure=at(departure_h),
        energy_needed_kwh=need_kwh,
        **fields,
    )


def problem(
    prices: Sequence[float],
    *,
    vehicles: Sequence[Vehicle] = (),
    chargers: Sequence[Charger] | None = None,
    step_minutes: int = 60,
    limit_kw: float | Sequence[float] = 100.0,
    fuse_a: float | None = None,
    base_kw: Sequence[float] | None = None,
    fixed_a: Sequence[tuple[float, float, float]] | None = None,
    site_phases: int = 3,
) -> Problem:
    """A problem with one step per price; chargers default to one ``c1``."""
    return Problem(
        horizon=Horizon(start=START, step_minutes=step_minutes, steps=len(prices)),
        site=Site(
            import_limit_kw=(
                float(limit_kw)
                if isinstance(limit_kw, int | float)
                else tuple(limit_kw)
            ),
            fuse_limit_a=fuse_a,
            phases=site_phases,
            base_load_kw=None if base_kw is None else tuple(base_kw),
            fixed_load_a=None if fixed_a is None else tuple(fixed_a),
        ),
        prices=tuple(prices),
        chargers=tuple(chargers) if chargers is not None else (charger(),),
        vehicles=tuple(vehicles),
    )


def fragmented_fuse() -> Problem:
    """A 3 x 16 A fuse that 1-phase chargers at full current fragment.

    A 13 A 1-phase charger on each site phase (L1, L2, L3), each car needing
    28 kWh in 10 hours, and two 16 A 3-phase chargers whose cars need 30 kWh
    each. With the 1-phase cars at 13 A, 3 A are left on every phase, less than
    the 6 A a 3-phase charger needs to start. The fuse carries 3 x 16 A x 230 V
    = 11.04 kW, 110.4 kWh over the ten hours, and the cars need 144 kWh, so an
    optimal plan uses the fuse in full: 110.4 kWh. A greedy that gives the
    1-phase cars (the least slack) their cheap hours at 13 A strands 3 A per
    phase in eight of them and delivered 90.39 kWh before fragments were
    reclaimed.
    """
    chargers = [
        charger(f"a{p}", phases=1, phase=p, max_current_a=13.0) for p in (1, 2, 3)
    ]
    chargers += [charger(f"b{i}", phases=3, phase=i) for i in (1, 2)]
    vehicles = [
        vehicle(f"v{p}", f"a{p}", departure_h=10, need_kwh=28.0) for p in (1, 2, 3)
    ]
    vehicles += [
        vehicle(f"w{i}", f"b{i}", departure_h=10, need_kwh=30.0) for i in (1, 2)
    ]
    return problem(
        (0.30, 0.28, 0.25, 0.20, 0.12, 0.10, 0.10, 0.15, 0.22, 0.30),
        vehicles=vehicles,
        chargers=chargers,
        fuse_a=16.0,
    )
