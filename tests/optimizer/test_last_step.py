"""A need that is not a whole number of current steps is met, not left short.

Setpoints are 0 or at least the charger's minimum, in current steps, so a need
below one minimum step (0.9 kWh where 6 A on three phases for 15 minutes at
90 % gives 0.9315 kWh) could never be delivered while no planner went past the
need, and every need was left short by up to one current step. Now the last
steps may go past the need by less than one minimum step (bounded by the
battery's room to 100 %, where known), in every planner.
"""

from __future__ import annotations

import pytest

from custom_components.opti_vgi.optimizer.algorithm import SolveOptions, solve
from custom_components.opti_vgi.optimizer.assemble import (
    PlanStatus,
    assemble_plan,
    check_plan,
)
from custom_components.opti_vgi.optimizer.model import Problem

from .builders import KW_PER_A_3P, charger, problem, vehicle

OPTIONS = SolveOptions(time_limit_s=2.0)
PLANNERS = ("lp", "heuristic", "uncontrolled")
MIN_STEP_KWH = 6 * KW_PER_A_3P * 0.25 * 0.9  # 0.9315 kWh
PRICES = (0.30, 0.10, 0.40, 0.20)


def small_need(need_kwh: float = 0.9, **fields: float | None) -> Problem:
    """One car on a 6-16 A 3-phase charger, an hour of 15-minute steps."""
    return problem(
        PRICES,
        step_minutes=15,
        vehicles=[
            vehicle(need_kwh=need_kwh, departure_h=1.0, efficiency=0.9, **fields)
        ],
    )


@pytest.mark.parametrize("name", PLANNERS)
def test_a_need_below_one_minimum_step_is_met(name: str) -> None:
    case = small_need()
    plan = solve(case, name, OPTIONS)
    assert check_plan(case, plan) == []
    vp = plan.vehicle("v1")
    assert vp.energy_kwh == pytest.approx(MIN_STEP_KWH)
    assert vp.shortfall_kwh == 0.0
    assert vp.completion is not None
    assert plan.charger("c1").current_a.count(6.0) == 1
    if name != "uncontrolled":  # the cheapest step
        assert plan.charger("c1").current_a == (0.0, 6.0, 0.0, 0.0)


@pytest.mark.parametrize("name", PLANNERS)
@pytest.mark.parametrize("need_kwh", [1.0, 2.5, 4.4, 9.0])
def test_a_need_between_current_steps_is_met_by_less_than_one_step(
    name: str, need_kwh: float
) -> None:
    """Rounded up to a current step (0.155 kWh here), not down."""
    case = small_need(need_kwh)
    plan = solve(case, name, OPTIONS)
    assert check_plan(case, plan) == []
    energy = plan.vehicle("v1").energy_kwh
    assert need_kwh <= energy < need_kwh + MIN_STEP_KWH
    assert plan.vehicle("v1").shortfall_kwh == 0.0


@pytest.mark.parametrize("name", PLANNERS)
def test_the_battery_room_bounds_what_goes_past_the_need(name: str) -> None:
    """0.92 kWh of room left: 6 A for a step (0.93 kWh) would overfill it."""
    case = small_need(battery_room_kwh=0.92)
    assert case.energy_cap_kwh(case.vehicles[0]) == pytest.approx(0.92)
    plan = solve(case, name, OPTIONS)
    assert check_plan(case, plan) == []
    assert plan.vehicle("v1").energy_kwh == 0.0
    assert plan.vehicle("v1").shortfall_kwh == pytest.approx(0.9)


def test_check_plan_refuses_a_whole_minimum_step_past_the_need() -> None:
    """Two steps at 6 A for a need of one: a whole minimum step too many."""
    case = small_need(need_kwh=MIN_STEP_KWH)
    two_steps = solve(small_need(need_kwh=2 * MIN_STEP_KWH), "lp", OPTIONS)
    assert two_steps.vehicle("v1").energy_kwh == pytest.approx(2 * MIN_STEP_KWH)
    errors = check_plan(case, two_steps)
    assert len(errors) == 1
    assert "above the need" in errors[0]
    again = assemble_plan(
        case,
        [two_steps.vehicle("v1").power_kw],
        algorithm="test",
        status=PlanStatus.HEURISTIC,
        solve_ms=0,
    )
    assert check_plan(case, again) == []
    assert MIN_STEP_KWH <= again.vehicle("v1").energy_kwh < 2 * MIN_STEP_KWH


@pytest.mark.parametrize("name", PLANNERS)
def test_a_switched_charger_need_in_whole_steps_gets_no_extra_step(
    name: str,
) -> None:
    """Branch chg rounds a switched charger's need up to whole steps: kept.

    22.08 kWh is two hours at 16 A; a third (33.12 kWh) would be a whole
    minimum step past it. 22 kWh, not rounded, also gets the two hours.
    """
    switched = charger(
        min_current_a=16.0, max_current_a=16.0, current_step_a=16.0, accepts_zero=False
    )
    for need, expected in ((22.08, 22.08), (22.0, 22.08)):
        case = problem(
            [0.30, 0.10, 0.40, 0.05],
            vehicles=[vehicle(need_kwh=need, efficiency=1.0, max_power_kw=11.04)],
            chargers=[switched],
        )
        plan = solve(case, name, OPTIONS)
        assert check_plan(case, plan) == []
        assert plan.vehicle("v1").energy_kwh == pytest.approx(expected)
