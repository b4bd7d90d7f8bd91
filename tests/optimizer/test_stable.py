"""Stable plans: minimum on/off times, a cost for changes, the previous step kept.

Hand cases in 15-minute steps on the default 3 x 230 V 6-16 A charger (16 A is
11.04 kW, 2.76 kWh a step).
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.opti_vgi.optimizer.algorithm import SolveOptions, solve
from custom_components.opti_vgi.optimizer.assemble import check_plan
from custom_components.opti_vgi.optimizer.lp import (
    URGENT_DELAY_TOLERANCE,
    change_cost,
    min_steps,
    min_time_violations,
    urgent_delay,
)
from custom_components.opti_vgi.optimizer.model import ModelError, PlanStatus, Problem

from .builders import charger, problem, vehicle
from .strategies import problems

STABLE = SolveOptions(time_limit_s=5.0, stability=True)
PLAIN = SolveOptions(time_limit_s=5.0)
STEP_KWH = 2.76


def quarter_hours(
    prices: tuple[float, ...], need_kwh: float, **charger_fields: int
) -> Problem:
    """One car that can use every step, 100 % efficient."""
    return problem(
        prices,
        step_minutes=15,
        chargers=[charger(**charger_fields)],
        vehicles=[
            vehicle(need_kwh=need_kwh, departure_h=len(prices) / 4, efficiency=1.0)
        ],
    )


def test_a_near_tie_goes_to_the_running_charger() -> None:
    """Two steps of energy: one block instead of on, off, on for 0.1 cent/kWh."""
    case = quarter_hours((0.200, 0.201, 0.200, 0.201), 2 * STEP_KWH)
    plain = solve(case, "lp", PLAIN)
    stable = solve(case, "lp", STABLE)
    assert plain.charger("c1").current_a == (16, 0, 16, 0)
    # One run at 8 A for the whole stay: no change at all, 0.05 % dearer.
    assert stable.charger("c1").current_a == (8, 8, 8, 8)
    assert check_plan(case, stable) == []
    assert stable.cost == pytest.approx(plain.cost + 0.0005 * 2 * STEP_KWH)
    assert change_cost(case, stable) == 0 < change_cost(case, plain)


def test_a_real_price_difference_still_wins() -> None:
    """The same with a 10 cent dip: worth a stop and a start."""
    case = quarter_hours((0.20, 0.30, 0.20, 0.30), 2 * STEP_KWH)
    assert solve(case, "lp", STABLE).charger("c1").current_a == (16, 0, 16, 0)


def test_the_previous_plans_step_is_kept_unless_the_change_is_worth_it() -> None:
    """Running at 16 A: a replan keeps it rather than wait for 0.2 cent less."""
    case = quarter_hours((0.200, 0.198, 0.30, 0.30), STEP_KWH)
    running = replace(case, previous_current_a=(("c1", 16.0),))
    assert solve(running, "lp", STABLE).charger("c1").current_a == (16, 0, 0, 0)
    assert solve(running, "lp", PLAIN).charger("c1").current_a == (0, 16, 0, 0)
    # Ten cents less in the next step are worth the change.
    cheaper = replace(running, prices=(0.20, 0.10, 0.30, 0.30))
    assert solve(cheaper, "lp", STABLE).charger("c1").current_a == (0, 16, 0, 0)


def test_a_minimum_on_time_keeps_a_started_charger_on() -> None:
    """30 minutes on: the one cheap step's energy is spread over two steps."""
    prices = (0.30, 0.10, 0.30, 0.40)
    free = quarter_hours(prices, STEP_KWH)
    timed = quarter_hours(prices, STEP_KWH, min_on_minutes=30)
    assert solve(free, "lp", PLAIN).charger("c1").current_a == (0, 16, 0, 0)
    for options in (PLAIN, STABLE):
        plan = solve(timed, "lp", options)
        assert check_plan(timed, plan) == []
        assert min_time_violations(timed, plan) == 0
        assert plan.charger("c1").current_a.count(0) == 2
        assert plan.vehicle("v1").shortfall_kwh == 0
        assert plan.statistics["mip"] == 1.0


def test_a_minimum_off_time_keeps_a_stopped_charger_off() -> None:
    prices = (0.10, 0.50, 0.10, 0.50, 0.50)
    free = quarter_hours(prices, 2 * STEP_KWH)
    timed = quarter_hours(prices, 2 * STEP_KWH, min_off_minutes=30)
    assert min_time_violations(timed, solve(free, "lp", PLAIN)) == 1
    plan = solve(timed, "lp", PLAIN)
    assert min_time_violations(timed, plan) == 0
    assert plan.vehicle("v1").shortfall_kwh == 0
    currents = plan.charger("c1").current_a
    assert currents[:3] != (16, 0, 16)


def test_the_mip_runs_for_minimum_times_only_when_the_lp_breaks_them() -> None:
    """One cheap block of two steps already keeps 30 minutes on: no MIP."""
    case = quarter_hours((0.30, 0.10, 0.10, 0.30), 2 * STEP_KWH, min_on_minutes=30)
    plan = solve(case, "lp", PLAIN)
    assert plan.charger("c1").current_a == (0, 16, 16, 0)
    assert plan.statistics["mip"] == 0.0


def test_minimum_times_from_the_previous_plan() -> None:
    """Stopped just now (previous 0 A, first step on) counts as a start."""
    case = quarter_hours((0.10, 0.30, 0.30, 0.30), STEP_KWH, min_on_minutes=30)
    stopped = replace(case, previous_current_a=(("c1", 0.0),))
    on_once = solve(quarter_hours(case.prices, STEP_KWH), "lp", PLAIN)
    assert on_once.charger("c1").current_a == (16, 0, 0, 0)
    assert min_time_violations(case, on_once) == 0  # it may have run before
    assert min_time_violations(stopped, on_once) == 1
    plan = solve(stopped, "lp", PLAIN)
    assert min_time_violations(stopped, plan) == 0
    assert plan.charger("c1").current_a[:2] != (16, 0)


def test_minimum_times_in_steps_and_their_checks() -> None:
    case = quarter_hours((0.1,), 1.0, min_on_minutes=20, min_off_minutes=5)
    assert min_steps(case, case.chargers[0]) == (2, 1)
    assert min_steps(case, charger(min_on_minutes=15)) == ()
    with pytest.raises(ModelError, match="minimum on/off time"):
        charger(min_off_minutes=-1)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(p=problems(), data=st.data())
def test_stable_lp_keeps_the_limits_and_is_never_worse_than_the_heuristic(
    p: Problem, data: st.DataObject
) -> None:
    """With the stability terms, random minimum times and previous setpoints."""
    chargers = tuple(
        replace(
            c,
            min_on_minutes=data.draw(st.sampled_from((0, 0, 30, 60))),
            min_off_minutes=data.draw(st.sampled_from((0, 0, 15, 45))),
        )
        for c in p.chargers
    )
    previous = tuple(
        (c.id, data.draw(st.sampled_from((0.0, c.min_current_a, c.max_current_a))))
        for c in chargers
    )
    p = replace(p, chargers=chargers, previous_current_a=previous)
    plan = solve(p, "lp", STABLE)
    heuristic = solve(p, "heuristic", STABLE)
    assert check_plan(p, plan) == []
    assert plan.shortfall_kwh <= heuristic.shortfall_kwh + 1e-6
    if plan.shortfall_kwh >= heuristic.shortfall_kwh - 1e-6 and plan.status in (
        PlanStatus.OPTIMAL,
        PlanStatus.TIME_LIMIT,
    ):
        broken = min_time_violations(p, plan)
        assert broken <= min_time_violations(p, heuristic)
        delay, their_delay = urgent_delay(p, plan), urgent_delay(p, heuristic)
        if broken == min_time_violations(p, heuristic):
            assert delay <= their_delay + URGENT_DELAY_TOLERANCE
        if (
            broken == min_time_violations(p, heuristic)
            and delay >= their_delay - URGENT_DELAY_TOLERANCE
        ):
            ours = plan.cost + change_cost(p, plan)
            theirs = heuristic.cost + change_cost(p, heuristic)
            assert ours <= theirs + 1e-6 * max(1.0, abs(theirs))
