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


def instance(vehicles: int, steps: int, seed: int) -> Problem:
    """The benchmark problem with ``vehicles`` vehicles over ``steps`` 15-min steps."""
    rng = random.Random(f"{vehicles}-{steps}-{seed}")  # noqa: S311 - not crypto
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
            )
        )
    problem_without_site = Problem(
        horizon=horizon,
        site=Site(import_limit_kw=1e6),
        prices=day_ahead_prices(rng, steps),
        chargers=tuple(chargers),
        vehicles=tuple(vehicle_list),
    )
    site = _binding_site(problem_without_site, rng)
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
