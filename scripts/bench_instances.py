"""Seeded, realistic planning problems for the optimizer benchmark.

Each instance is a site with chargers of the four common sizes (3.7 and 7.4 kW on
one phase at 16/32 A, 11 and 22 kW on three phases), all with a 6 A minimum.
About half of the vehicles are plugged in at the start, the others are planned
arrivals over the horizon that reuse a charger freed by an earlier departure
when one is free. Stays last 2-12 hours, needs are 5-60 kWh (some cannot be met
in the stay), a quarter of the vehicles have a minimum energy, and the import
limit is about a third of the peak the vehicles present could draw, so it binds;
the fuse is a little above the limit, so that it binds where 1-phase chargers
load one phase more than the others.
Prices follow a day-ahead shape in 15-minute resolution: cheap at night, a
morning and a higher evening peak, a midday solar dip that sometimes goes below
zero.

``fleet=True`` gives the same sites cars as they draw: each vehicle has an
on-board charger (1 x 16 A, 1 x 32 A, 3 x 16 A or 3 x 32 A), so a 1-phase car on
a 3-phase charger loads only the site phase of that charger's L1, and the
chargers' L1 rotate over the site phases. The site is fuse-bound: no import
limit to speak of, and a fuse of about a third of what the cars present could
draw per phase, which the 6 A minimum fragments. ``hand_cases()`` are the small
cases of the optimizer tests that the benchmark reports by name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
import random

from custom_components.opti_vgi.optimizer.model import (
    Charger,
    Horizon,
    Problem,
    Site,
    Vehicle,
)

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
STEP_MINUTES = 15
VOLTAGE_V = 230.0
# (phases, max current): 3.7, 7.4, 11 and 22 kW
CHARGER_TYPES = ((1, 16.0), (1, 32.0), (3, 16.0), (3, 32.0))
CHARGER_WEIGHTS = (0.2, 0.3, 0.35, 0.15)
# On-board chargers of the fleet instances: (phases, max current per phase).
OBC_TYPES = ((1, 16.0), (1, 32.0), (3, 16.0), (3, 32.0))
OBC_WEIGHTS = (0.25, 0.2, 0.4, 0.15)


def _bump(hour: float, centre: float, width: float) -> float:
    """A smooth daily bump around ``centre`` (hours), periodic over 24 h."""
    distance = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-((distance / width) ** 2))


def day_ahead_prices(rng: random.Random, steps: int) -> tuple[float, ...]:
    """A day-ahead price curve per 15 minutes in EUR/kWh, from START's hour."""
    negative_midday = rng.random() < 0.25  # noqa: PLR2004 - one day in four
    prices = []
    day_scale = 1.0
    for t in range(steps):
        hour = (START.hour + t * STEP_MINUTES / 60) % 24
        if t and hour == 0:
            day_scale = rng.uniform(0.85, 1.15)
        price = (
            0.21
            + 0.08 * _bump(hour, 8.0, 1.5)
            + 0.16 * _bump(hour, 19.0, 2.0)
            - (0.26 if negative_midday else 0.1) * _bump(hour, 13.5, 2.0)
            - 0.07 * _bump(hour, 3.5, 2.5)
        )
        price = price * day_scale + rng.uniform(-0.012, 0.012)
        prices.append(round(price, 4))
    return tuple(prices)


def instance(vehicles: int, steps: int, seed: int, *, fleet: bool = False) -> Problem:
    """The benchmark problem with ``vehicles`` vehicles over ``steps`` 15-min steps."""
    tag = "fleet-" if fleet else ""
    rng = random.Random(f"{tag}{vehicles}-{steps}-{seed}")  # noqa: S311 - not crypto
    horizon = Horizon(start=START, step_minutes=STEP_MINUTES, steps=steps)
    end_h = steps * STEP_MINUTES / 60
    chargers: list[Charger] = []
    free_at: list[float] = []  # hours after START when each charger is free
    vehicle_list: list[Vehicle] = []
    plugged = max(1, round(vehicles * rng.uniform(0.4, 0.6)))
    arrivals = sorted(
        [rng.uniform(-3.0, 0.0) for _ in range(plugged)]
        + [rng.uniform(0.0, max(0.5, end_h - 2.0)) for _ in range(vehicles - plugged)]
    )
    for i, arrival_h in enumerate(arrivals):
        stay_h = rng.uniform(2.0, 12.0)
        departure_h = max(arrival_h + stay_h, 1.0)
        free = [c for c, when in enumerate(free_at) if when <= arrival_h]
        if free and rng.random() < 0.7:  # noqa: PLR2004
            c = rng.choice(free)
        else:
            phases, amps = rng.choices(CHARGER_TYPES, CHARGER_WEIGHTS)[0]
            c = len(chargers)
            chargers.append(
                Charger(
                    id=f"c{c}",
                    phases=phases,
                    phase=1 + c % 3,
                    voltage_v=VOLTAGE_V,
                    min_current_a=6.0,
                    max_current_a=amps,
                )
            )
            free_at.append(0.0)
        free_at[c] = departure_h
        need = round(rng.uniform(5.0, 60.0), 1)
        obc: dict[str, float | int] = {}
        if fleet:
            phases, amps = rng.choices(OBC_TYPES, OBC_WEIGHTS)[0]
            obc = {"phases": phases, "max_current_a": amps}
        vehicle_list.append(
            Vehicle(
                id=f"v{i}",
                charger_id=f"c{c}",
                arrival=START + timedelta(hours=arrival_h),
                departure=START + timedelta(hours=departure_h),
                energy_needed_kwh=need,
                min_energy_kwh=round(need * rng.uniform(0.2, 0.5), 1)
                if rng.random() < 0.25  # noqa: PLR2004
                else 0.0,
                max_power_kw=rng.choice((7.4, 11.0))
                if rng.random() < 0.2  # noqa: PLR2004
                else None,
                efficiency=round(rng.uniform(0.88, 0.95), 3),
                priority=2.0 if rng.random() < 0.1 else 1.0,  # noqa: PLR2004
                **obc,  # type: ignore[arg-type]
            )
        )
    problem_without_site = Problem(
        horizon=horizon,
        site=Site(import_limit_kw=1e6),
        prices=day_ahead_prices(rng, steps),
        chargers=tuple(chargers),
        vehicles=tuple(vehicle_list),
    )
    site = (
        _fuse_bound_site(problem_without_site, rng)
        if fleet
        else _binding_site(problem_without_site, rng)
    )
    return Problem(
        horizon=horizon,
        site=site,
        prices=problem_without_site.prices,
        chargers=tuple(chargers),
        vehicles=tuple(vehicle_list),
    )


def _binding_site(problem: Problem, rng: random.Random) -> Site:
    """A site whose limit is a third of the vehicles' peak, with a house load."""
    steps = problem.horizon.steps
    demand = [0.0] * steps
    for vehicle in problem.vehicles:
        for t in problem.window(vehicle):
            demand[t] += problem.vehicle_max_kw(vehicle)
    scale = max(1.0, len(problem.vehicles) / 8)
    base = []
    for t in range(steps):
        hour = (START.hour + t * STEP_MINUTES / 60) % 24
        load = 0.4 + 0.9 * _bump(hour, 19.0, 2.5) + 0.3 * _bump(hour, 7.5, 1.5)
        base.append(round(scale * load * rng.uniform(0.85, 1.15), 3))
    limit = max(4.0, 0.3 * max(demand)) + max(base)
    return Site(
        import_limit_kw=round(limit, 1),
        fuse_limit_a=round(limit * 1000 / (3 * VOLTAGE_V) * rng.uniform(1.0, 1.2)),
        phases=3,
        voltage_v=VOLTAGE_V,
        base_load_kw=tuple(base),
    )


def _fuse_bound_site(problem: Problem, rng: random.Random) -> Site:
    """A site whose fuse binds: a third of the per-phase peak the cars could draw."""
    steps = problem.horizon.steps
    per_phase = [[0.0] * steps for _ in range(3)]
    for vehicle in problem.vehicles:
        amps = problem.vehicle_max_current_a(vehicle)
        for t in problem.window(vehicle):
            for phase in problem.vehicle_site_phases(vehicle):
                per_phase[phase - 1][t] += amps
    peak = max(max(row) for row in per_phase)
    return Site(
        import_limit_kw=1000.0,
        fuse_limit_a=float(max(16, round(peak * rng.uniform(0.3, 0.4)))),
        phases=3,
        voltage_v=VOLTAGE_V,
    )


def hand_cases() -> dict[str, Problem]:
    """The named small cases of the optimizer tests, as the benchmark reports them.

    * a 1-phase 3.7 kW car (1 x 16 A) on a 3-phase 11 kW charger, 4 h;
    * three 1-phase cars on three 3-phase chargers wired L1, L2 and L3 (rotated),
      sharing a 3 x 16 A fuse at full power;
    * the fragmented fuse: 13 A 1-phase chargers on L1, L2 and L3 of a 3 x 16 A
      fuse beside two 16 A 3-phase chargers (``lp`` 110.4 kWh by hand).
    """
    horizon = Horizon(start=START, step_minutes=60, steps=10)
    prices = (0.30, 0.28, 0.25, 0.20, 0.12, 0.10, 0.10, 0.15, 0.22, 0.30)

    def car(name: str, charger: str, need: float, **obc: float) -> Vehicle:
        return Vehicle(
            id=name,
            charger_id=charger,
            arrival=START,
            departure=START + timedelta(hours=10),
            energy_needed_kwh=need,
            **obc,  # type: ignore[arg-type]
        )

    one_phase = Problem(
        horizon=Horizon(start=START, step_minutes=60, steps=4),
        site=Site(import_limit_kw=30.0),
        prices=prices[:4],
        chargers=(Charger(id="c", max_current_a=16.0),),
        vehicles=(car("v", "c", 14.72, phases=1, max_current_a=16.0),),
    )
    rotated = Problem(
        horizon=horizon,
        site=Site(import_limit_kw=30.0, fuse_limit_a=16.0),
        prices=prices,
        chargers=tuple(Charger(id=f"c{p}", phase=p) for p in (1, 2, 3)),
        vehicles=tuple(
            car(f"v{p}", f"c{p}", 36.8, phases=1, max_current_a=16.0) for p in (1, 2, 3)
        ),
    )
    fragmented = Problem(
        horizon=horizon,
        site=Site(import_limit_kw=100.0, fuse_limit_a=16.0),
        prices=prices,
        chargers=tuple(
            Charger(id=f"a{p}", phases=1, phase=p, max_current_a=13.0)
            for p in (1, 2, 3)
        )
        + tuple(Charger(id=f"b{i}", phase=i) for i in (1, 2)),
        vehicles=tuple(car(f"v{p}", f"a{p}", 28.0) for p in (1, 2, 3))
        + tuple(car(f"w{i}", f"b{i}", 30.0) for i in (1, 2)),
    )
    return {
        "1-phase 3.7 kW car on an 11 kW charger": one_phase,
        "three 1-phase cars, rotated chargers, 3 x 16 A": rotated,
        "fragmented fuse (1- and 3-phase chargers, 3 x 16 A)": fragmented,
    }
