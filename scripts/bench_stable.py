"""Stable plans, measured: starts per session and setpoint changes per hour.

Usage (from the repository root, or through ``scripts/bench --stable``)::

    python -m scripts.bench_stable [--output docs/benchmarks.md]

A day of realistic 15-minute prices (the demo's curve, ``price_at()`` of
scripts/simulation.py: an evening peak, a morning bump, a night and a midday
dip, rounded to 0.1 cent so that neighbouring quarter hours differ a little)
and a house load (``house_w()``) on a 3 x 25 A fuse. Eight cars come home
between 16:00 and 20:00 and leave between 06:00 and 08:00 on 11 kW 3-phase
and 3.7 kW 1-phase chargers (6-16 A), each needing 8-30 kWh. The day is
replanned every 15 minutes with ``lp`` on a rolling 24-hour horizon, as the
integration does, and the first step of each plan is what the chargers do;
what they delivered comes off the cars' needs.

Variants: ``plain`` (no stability terms), ``stable`` (the change cost and the
previous plan's step kept, ``SolveOptions(stability=True)`` with the last
plan's setpoints), and ``stable + 30 min`` (also a 30-minute minimum on and
off time on every charger). Reported: starts per session (a charger going
from 0 to a current while its car is plugged in, the first start included),
setpoint changes per plugged-in hour, the energy cost of what was delivered,
its difference to ``plain`` (acceptance: starts and changes fall, cost within
1 %), energy short at departure, and the median time per plan.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
import statistics
import sys
import time
from typing import Any

from scripts import simulation

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
LOCAL = timedelta(hours=1)  # Berlin in November
STEP_MINUTES = 15
DAY_STEPS = 96
FUSE_A = 25.0
MARK_START = "<!-- bench-stable:start -->"
MARK_END = "<!-- bench-stable:end -->"


def price_at(moment: datetime) -> float:
    """The demo's price curve, EUR/kWh, for the Berlin quarter hour of ``moment``."""
    return simulation.price_at(moment + LOCAL)


def house_kw(moment: datetime) -> float:
    """The demo's house load in kW (rounded to the watt, as the simulation's)."""
    return simulation.house_w(moment + LOCAL) / 1000


@dataclass(frozen=True)
class Car:
    """One car of the day: charger, stay in hours after START, need."""

    charger: str
    phases: int
    arrival_h: float
    departure_h: float
    need_kwh: float


CARS = (
    Car("c1", 3, 1.0, 15.5, 30.0),
    Car("c2", 3, 1.5, 15.0, 22.0),
    Car("c3", 3, 2.0, 16.0, 18.0),
    Car("c4", 1, 2.5, 15.5, 12.0),
    Car("c5", 3, 3.0, 16.5, 26.0),
    Car("c6", 1, 3.5, 15.0, 8.0),
    Car("c7", 3, 4.0, 14.5, 14.0),
    Car("c8", 1, 4.25, 16.0, 10.0),
)


def _problem(
    step: int,
    left_kwh: dict[str, float],
    min_minutes: int,
    previous: tuple[tuple[str, float], ...] | None,
) -> Any:
    """The problem at ``step`` of the day: a 24-hour horizon from there."""
    from custom_components.opti_vgi.optimizer.model import (  # noqa: PLC0415
        Charger,
        Horizon,
        Problem,
        Site,
        Vehicle,
    )

    start = START + timedelta(minutes=STEP_MINUTES * step)
    horizon = Horizon(start=start, step_minutes=STEP_MINUTES, steps=DAY_STEPS)
    moments = [horizon.step_start(t) for t in range(DAY_STEPS)]
    chargers = tuple(
        Charger(
            id=car.charger,
            phases=car.phases,
            phase=1 + i % 3,
            min_on_minutes=min_minutes,
            min_off_minutes=min_minutes,
        )
        for i, car in enumerate(CARS)
    )
    vehicles = tuple(
        Vehicle(
            id=f"car-{car.charger}",
            charger_id=car.charger,
            arrival=START + timedelta(hours=car.arrival_h),
            departure=START + timedelta(hours=car.departure_h),
            energy_needed_kwh=max(0.0, left_kwh[car.charger]),
            efficiency=0.9,
            phases=car.phases,
        )
        for car in CARS
        if START + timedelta(hours=car.departure_h) > start
    )
    return Problem(
        horizon=horizon,
        site=Site(
            import_limit_kw=40.0,
            fuse_limit_a=FUSE_A,
            base_load_kw=tuple(house_kw(m) for m in moments),
        ),
        prices=tuple(price_at(m) for m in moments),
        chargers=chargers,
        vehicles=vehicles,
        previous_current_a=previous,
    )


@dataclass
class Outcome:
    """One variant's day."""

    name: str
    starts: int = 0
    changes: int = 0
    plugged_hours: float = 0.0
    cost: float = 0.0
    short_kwh: float = 0.0
    plan_ms: list[float] | None = None


def run(name: str, *, stability: bool, min_minutes: int, every: int = 1) -> Outcome:
    """Replan every ``every`` steps for a day; what the chargers did, counted.

    Between replans the chargers follow the last plan's steps.
    """
    from custom_components.opti_vgi.optimizer.algorithm import (  # noqa: PLC0415
        SolveOptions,
        solve,
    )

    options = SolveOptions(time_limit_s=5.0, stability=stability)
    left = {car.charger: car.need_kwh for car in CARS}
    outcome = Outcome(name, plan_ms=[])
    last: dict[str, float] = {car.charger: 0.0 for car in CARS}
    previous: tuple[tuple[str, float], ...] | None = None
    hours = STEP_MINUTES / 60
    plan = problem = None
    for step in range(DAY_STEPS):
        if step % every == 0 or plan is None or problem is None:
            problem = _problem(step, left, min_minutes, previous if stability else None)
            started = time.perf_counter()
            plan = solve(problem, "lp", options)
            outcome.plan_ms.append((time.perf_counter() - started) * 1000)
        k = step % every
        moment = START + timedelta(minutes=STEP_MINUTES * step)
        for car in CARS:
            arrival = START + timedelta(hours=car.arrival_h)
            departure = START + timedelta(hours=car.departure_h)
            plugged = arrival <= moment < departure
            current = 0.0
            vehicle_id = f"car-{car.charger}"
            if plugged and any(v.id == vehicle_id for v in problem.vehicles):
                vp = plan.vehicle(vehicle_id)
                current = vp.current_a[k]
                left[car.charger] -= vp.power_kw[k] * hours * 0.9
                outcome.cost += vp.power_kw[k] * hours * problem.prices[k]
            if plugged:
                outcome.plugged_hours += hours
                if current != last[car.charger]:
                    outcome.changes += 1
                    if last[car.charger] == 0:
                        outcome.starts += 1
            last[car.charger] = current if plugged else 0.0
        previous = tuple((c.charger_id, c.current_a[k]) for c in plan.chargers)
    outcome.short_kwh = sum(max(0.0, kwh) for kwh in left.values())
    return outcome


def render(outcomes: list[Outcome], seconds: float) -> str:
    """The Markdown section."""
    base = outcomes[0]
    sessions = len(CARS)
    lines = [
        MARK_START,
        "## Stable plans (a day of 15-minute prices, replanned every step)",
        "",
        (
            f"Generated by `scripts/bench --stable` in {seconds:.0f} s. "
            f"{sessions} cars (16:00-20:00 to 06:00-08:00, 8-30 kWh, 11 kW 3-phase "
            "and 3.7 kW 1-phase chargers, 6-16 A) on a 3 x 25 A fuse with the "
            "demo's house load and price curve (`price_at()` of "
            "scripts/simulation.py); "
            "`lp` replans every 15 minutes on a 24-hour horizon and the chargers do "
            "each plan's first step. A start is a charger going from 0 A to a current "
            "while its car is plugged in (the first start included); a change is any "
            "new setpoint. See scripts/bench_stable.py."
        ),
        "",
        (
            "| variant | starts per session | changes per plugged-in hour | cost | "
            "vs plain | short at departure | median ms per plan |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        delta = (o.cost - base.cost) / base.cost * 100 if base.cost else 0.0
        lines.append(
            f"| {o.name} | {o.starts / sessions:.2f} | "
            f"{o.changes / o.plugged_hours:.2f} | {o.cost:.3f} EUR | "
            f"{delta:+.2f} % | {o.short_kwh:.2f} kWh | "
            f"{statistics.median(o.plan_ms or [0.0]):.0f} |"
        )
    stable = next((o for o in outcomes if o.name == "stable"), None)
    if stable is not None and stable is not base and base.cost:
        held = (
            stable.starts < base.starts
            and stable.changes < base.changes
            and stable.cost <= base.cost * 1.01
        )
        lines += [
            "",
            (
                f"{base.name.capitalize()} against stable: starts per session "
                f"{base.starts / sessions:.2f} -> {stable.starts / sessions:.2f}, "
                f"changes per plugged-in hour {base.changes / base.plugged_hours:.2f}"
                f" -> {stable.changes / stable.plugged_hours:.2f}, cost "
                f"{(stable.cost - base.cost) / base.cost * 100:+.2f} % (acceptance: "
                f"both fall, cost within 1 %: {'held' if held else '**not held**'})."
                " The MIPs are time-limited, so a machine busy with other work can"
                " give other numbers: run this alone."
            ),
        ]
    lines += ["", MARK_END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into ``path``, replacing an earlier one."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if MARK_START in old and MARK_END in old:
        head, rest = old.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        new = head + section.rstrip("\n") + tail
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + section
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the three variants and print (and write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="add the section to this file")
    args = parser.parse_args(argv)
    from scripts.bench_optimizer import load_optimizer_standalone  # noqa: PLC0415

    load_optimizer_standalone()
    started = time.perf_counter()
    outcomes = [
        run("plain", stability=False, min_minutes=0),
        run("stable", stability=True, min_minutes=0),
        run("stable + 30 min on/off", stability=True, min_minutes=30),
    ]
    section = render(outcomes, time.perf_counter() - started)
    if args.output:
        write_section(args.output, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
