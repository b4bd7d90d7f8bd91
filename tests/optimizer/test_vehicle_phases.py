"""On-board chargers and charger wiring: model, check_plan and the three planners."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path

import pytest

from custom_components.opti_vgi.optimizer.algorithm import solve
from custom_components.opti_vgi.optimizer.assemble import check_plan
from custom_components.opti_vgi.optimizer.model import (
    Charger,
    Horizon,
    ModelError,
    Problem,
    Site,
    Vehicle,
    effective_problem,
    obc_from_power,
)
from custom_components.opti_vgi.optimizer.serialization import (
    problem_from_dict,
    problem_to_dict,
)

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"

START = datetime(2026, 1, 5, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kw", "site_phases", "expected"),
    [
        (3.7, 3, (1, 16.0)),
        (7.4, 3, (1, 32.0)),
        (11.0, 3, (3, 16.0)),
        (22.0, 3, (3, 32.0)),
        (4.6, 3, (1, 20.0)),
        (11.0, 1, (1, 48.0)),  # 47.8 A, rounded to the whole ampere
    ],
)
def test_obc_from_power(
    kw: float, site_phases: int, expected: tuple[int, float]
) -> None:
    """Nameplate powers give the phases and whole currents of real cars."""
    phases, current = obc_from_power(kw, site_phases=site_phases)
    assert phases == expected[0]
    assert current == pytest.approx(expected[1])


@pytest.mark.parametrize(
    ("phase", "expected"), [(1, (1, 2, 3)), (2, (2, 3, 1)), (3, (3, 1, 2))]
)
def test_charger_wiring_rotates(phase: int, expected: tuple[int, ...]) -> None:
    """A charger's L1 is on site phase ``phase``; L2 and L3 follow in rotation."""
    charger = Charger(id="c", phases=3, phase=phase)
    assert charger.site_phases() == expected
    assert charger.site_phases(1) == expected[:1]
    assert Charger(id="s", phases=1, phase=phase).site_phases(3) == (phase,)


def test_one_phase_car_on_rotated_three_phase_charger() -> None:
    """3.7 kW car on an 11 kW charger wired L1->L2: 16 A on site L2 only."""
    charger = Charger(id="c", phases=3, phase=2, max_current_a=16)
    car = Vehicle(
        id="v",
        charger_id="c",
        arrival=START,
        departure=START + timedelta(hours=8),
        energy_needed_kwh=10,
        phases=1,
        max_current_a=16,
    )
    problem = Problem(
        horizon=Horizon(start=START, step_minutes=60, steps=8),
        site=Site(import_limit_kw=11),
        prices=(0.1,) * 8,
        chargers=(charger,),
        vehicles=(car,),
    )
    assert problem.vehicle_site_phases(car) == (2,)
    assert problem.vehicle_max_current_a(car) == 16
    assert problem.vehicle_max_kw(car) == pytest.approx(16 * 230 / 1000)


def test_vehicle_obc_validation() -> None:
    """Impossible on-board chargers are refused with the vehicle named."""
    common = {
        "id": "v",
        "charger_id": "c",
        "arrival": START,
        "departure": START + timedelta(hours=1),
        "energy_needed_kwh": 1,
    }
    with pytest.raises(ModelError, match="phases"):
        Vehicle(**common, phases=4)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="maximum current"):
        Vehicle(**common, max_current_a=0)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="minimum <= maximum"):
        Vehicle(**common, max_current_a=6, min_current_a=8)  # type: ignore[arg-type]


PLANNERS = ("lp", "heuristic", "uncontrolled")


def _car(vid: str, charger: str, kwh: float, hours: int, **obc: float) -> Vehicle:
    return Vehicle(
        id=vid,
        charger_id=charger,
        arrival=START,
        departure=START + timedelta(hours=hours),
        energy_needed_kwh=kwh,
        **obc,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("algorithm", PLANNERS)
def test_one_phase_car_charges_on_a_three_phase_charger(algorithm: str) -> None:
    """3.7 kW car (1 x 16 A) on an 11 kW charger (3 x 6-16 A): 16 A on one phase.

    Hand-computed: 16 A x 230 V = 3.68 kW; 8 h cover the 10 kWh. The old model
    capped it at 3.7 kW / 0.69 kW per A = 5.4 A, below the 6 A minimum, so it
    was never charged and reported short.
    """
    problem = Problem(
        horizon=Horizon(start=START, step_minutes=60, steps=8),
        site=Site(import_limit_kw=11, fuse_limit_a=16),
        prices=(0.3, 0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.3),
        chargers=(
            Charger(id="c", phases=3, phase=2, min_current_a=6, max_current_a=16),
        ),
        vehicles=(_car("v", "c", 10, 8, phases=1, max_current_a=16),),
    )
    plan = solve(problem, algorithm)
    assert check_plan(problem, plan) == []
    row = plan.vehicle("v")
    assert row.shortfall_kwh == pytest.approx(0, abs=0.3)
    for current, power in zip(row.current_a, row.power_kw, strict=True):
        assert current == 0 or 6 <= current <= 16
        assert power == pytest.approx(current * 0.23)
    assert max(row.current_a) == 16


@pytest.mark.parametrize("algorithm", PLANNERS)
def test_three_one_phase_cars_on_rotated_chargers_share_the_fuse(
    algorithm: str,
) -> None:
    """Three 1-phase cars on 3-phase chargers wired L1/L2/L3: each has its own phase.

    Under a 3 x 16 A fuse all three take 16 A at once (3 x 3.68 kW = 11.04 kW);
    14.72 kWh each in 4 h needs exactly that. Wired alike, they would share L1.
    """
    problem = problem_from_dict(
        json.loads((EXAMPLES / "one-phase-cars-rotated.json").read_text())
    )
    plan = solve(problem, algorithm)
    assert check_plan(problem, plan) == []
    for vid in ("zoe", "leaf", "mini"):
        assert plan.vehicle(vid).current_a == (16, 16, 16, 16)
        assert plan.vehicle(vid).shortfall_kwh == pytest.approx(0, abs=1e-6)

    alike = replace(
        problem,
        chargers=tuple(replace(c, phase=1) for c in problem.chargers),
    )
    shared = solve(alike, algorithm)
    assert check_plan(alike, shared) == []
    for t in range(4):
        assert sum(v.current_a[t] for v in shared.vehicles) <= 16 + 1e-6
    assert shared.shortfall_kwh > 2 * 14.72 - 1e-6  # L1 carries one car's worth


def test_check_plan_counts_a_car_on_its_own_phase() -> None:
    """check_plan sees what the car draws: a plan putting two 16 A cars on L2 fails."""
    problem = problem_from_dict(
        json.loads((EXAMPLES / "one-phase-cars-rotated.json").read_text())
    )
    plan = solve(problem, "lp")
    wrong = replace(
        problem,
        chargers=tuple(
            replace(c, phase=2) if c.id == "street" else c for c in problem.chargers
        ),
    )
    assert any("phase 2" in error for error in check_plan(wrong, plan))


def test_a_car_with_a_higher_minimum_is_never_trickled() -> None:
    """A car that needs 8 A gets 0 or at least 8 A, whatever the charger allows."""
    problem = Problem(
        horizon=Horizon(start=START, step_minutes=60, steps=6),
        site=Site(import_limit_kw=3),  # room for 13 A on one 230 V phase
        prices=(0.1,) * 6,
        chargers=(Charger(id="c", phases=1, min_current_a=6, max_current_a=32),),
        vehicles=(_car("v", "c", 12, 6, phases=1, max_current_a=32, min_current_a=8),),
    )
    for algorithm in PLANNERS:
        plan = solve(problem, algorithm)
        assert check_plan(problem, plan) == []
        assert all(c == 0 or c >= 8 for c in plan.vehicle("v").current_a)


def test_effective_problem_and_roundtrip() -> None:
    """The effective charger of a lone car, and the JSON keeps the car's OBC."""
    problem = problem_from_dict(
        json.loads((EXAMPLES / "one-phase-cars-rotated.json").read_text())
    )
    effective = effective_problem(problem)
    assert [c.site_phases() for c in effective.chargers] == [(1,), (2,), (3,)]
    assert effective_problem(effective) == effective
    assert problem_from_dict(problem_to_dict(problem)) == problem
    old = problem_to_dict(problem)
    for vehicle in old["vehicles"]:
        for key in ("phases", "max_current_a", "min_current_a"):
            vehicle.pop(key)
    legacy = problem_from_dict(old)
    assert all(v.phases == 3 and v.max_current_a is None for v in legacy.vehicles)
