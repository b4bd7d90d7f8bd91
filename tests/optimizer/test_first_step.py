"""A plan made within a step has only the rest of that step.

The integration replans whenever something changes (a car plugs in, its SoC
moves, the guard asks), and its horizon starts at the step boundary before
now. Counting the whole first step took energy for delivered that the clock
no longer allowed: a replan 10 minutes into a 15-minute step planned the car
as if it still had 15 minutes, so it got a third of what the plan said, and a
car replanned in its last step before leaving left short.
``Horizon.first_share`` is the share of the first step still ahead; every
planner counts the first step's energy and cost at that share.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.opti_vgi.optimizer.algorithm import SolveOptions, solve
from custom_components.opti_vgi.optimizer.assemble import check_plan
from custom_components.opti_vgi.optimizer.model import Horizon, ModelError, Problem
from custom_components.opti_vgi.optimizer.serialization import (
    problem_from_dict,
    problem_to_dict,
)

from .builders import KW_PER_A_3P, START, problem, vehicle

OPTIONS = SolveOptions(time_limit_s=2.0)
PLANNERS = ("lp", "heuristic", "uncontrolled")
FULL_KW = 16 * KW_PER_A_3P  # 11.04 kW


def with_share(p: Problem, share: float) -> Problem:
    """``p`` planned with ``share`` of its first step left."""
    return replace(p, horizon=replace(p.horizon, first_share=share))


@pytest.mark.parametrize("algorithm", PLANNERS)
def test_a_quarter_hour_left_of_a_cheap_hour(algorithm: str) -> None:
    """15 minutes of the cheap hour are left: full power there, the rest after.

    8 kWh by 20:00 on a 6-16 A 3-phase charger, 0.10 until 19:00, then 0.30.
    The first hour gives at most 11.04 kW x 0.25 h = 2.76 kWh; the other 5.24
    kWh take 8 A (5.52 kWh) in the second. Planned as a whole hour, 12 A in
    the first hour alone (8.28 kWh) would have looked enough.
    """
    p = with_share(
        problem([0.10, 0.30], vehicles=[vehicle(need_kwh=8.0, departure_h=2.0)]),
        0.25,
    )
    plan = solve(p, algorithm, OPTIONS)
    assert check_plan(p, plan) == []
    row = plan.vehicle("v1")
    assert row.current_a == (16.0, 8.0)
    assert row.energy_kwh == pytest.approx(FULL_KW * 0.25 + 8 * KW_PER_A_3P)
    assert row.shortfall_kwh == 0
    assert row.cost == pytest.approx(0.10 * FULL_KW * 0.25 + 0.30 * 8 * KW_PER_A_3P)
    assert plan.cost == pytest.approx(row.cost)


@pytest.mark.parametrize("algorithm", PLANNERS)
def test_replanned_in_the_last_step_before_leaving(algorithm: str) -> None:
    """20 minutes left of the last hour and 2 kWh to go: 9 A, not the minimum.

    2 kWh in a third of an hour is 6 kW: 9 A (6.21 kW, 2.07 kWh). Counted as
    a whole hour, 6 A (4.14 kWh) looked like more than enough, and the car
    would have left with 1.38 kWh.
    """
    p = with_share(
        problem([0.2], vehicles=[vehicle(need_kwh=2.0, departure_h=1.0)]), 1 / 3
    )
    plan = solve(p, algorithm, OPTIONS)
    assert check_plan(p, plan) == []
    row = plan.vehicle("v1")
    assert row.current_a == (9.0,)
    assert row.energy_kwh == pytest.approx(9 * KW_PER_A_3P / 3)
    assert row.shortfall_kwh == 0


@pytest.mark.parametrize("algorithm", PLANNERS)
def test_what_the_rest_of_the_step_cannot_give_is_short(algorithm: str) -> None:
    """5 minutes left and 2 kWh to go: full power, and the plan says it is short."""
    p = with_share(
        problem([0.2], vehicles=[vehicle(need_kwh=2.0, departure_h=1.0)]), 1 / 12
    )
    plan = solve(p, algorithm, OPTIONS)
    row = plan.vehicle("v1")
    assert row.current_a == (16.0,)
    assert row.shortfall_kwh == pytest.approx(2.0 - FULL_KW / 12)
    assert row.completion is None


def test_the_share_is_checked_and_kept_in_json() -> None:
    """Above 0 and at most 1; a problem written and read back keeps it."""
    for share in (0.0, -0.5, 1.5):
        with pytest.raises(ModelError, match="first step"):
            Horizon(start=START, step_minutes=15, steps=4, first_share=share)
    p = with_share(problem([0.1, 0.2], vehicles=[vehicle(departure_h=2.0)]), 0.4)
    assert problem_from_dict(problem_to_dict(p)) == p
    data = problem_to_dict(p)
    del data["horizon"]["first_share"]
    assert problem_from_dict(data).horizon.first_share == 1.0
    assert p.horizon.hours(0) == pytest.approx(0.4)
    assert p.horizon.hours(1) == 1.0
