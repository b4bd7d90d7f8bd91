"""Hard guarantees of every registered algorithm and of assemble_plan."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest

from custom_components.opti_vgi.optimizer import heuristic
from custom_components.opti_vgi.optimizer.algorithm import (
    SolveOptions,
    algorithm_names,
    solve,
)
from custom_components.opti_vgi.optimizer.assemble import assemble_plan, check_plan
from custom_components.opti_vgi.optimizer.model import PlanStatus, Problem

from .builders import charger, fragmented_fuse, problem as build, vehicle as car
from .strategies import problems

FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OPTIONS = SolveOptions(time_limit_s=2.0)
TOLERANCE_KWH = 0.05


def test_registry_has_the_builtin_algorithms() -> None:
    assert {"heuristic", "uncontrolled"} <= set(algorithm_names())


@pytest.mark.parametrize("name", algorithm_names())
@FAST
@given(problem=problems())
@example(problem=fragmented_fuse())
def test_every_algorithm_keeps_every_hard_limit(name: str, problem: Problem) -> None:
    plan = solve(problem, name, OPTIONS)
    assert check_plan(problem, plan) == []
    assert [vp.vehicle_id for vp in plan.vehicles] == [v.id for v in problem.vehicles]
    for vehicle in problem.vehicles:
        vp = plan.vehicle(vehicle.id)
        window = problem.window(vehicle)
        assert all(kw == 0 for t, kw in enumerate(vp.power_kw) if t not in window), (
            "power outside the window"
        )
        # Never past the need but for less than one minimum step (the last
        # steps that meet it), and never past the battery's room.
        cap = problem.energy_cap_kwh(vehicle)
        assert cap < vehicle.energy_needed_kwh + problem.minimum_step_kwh(vehicle)
        if vehicle.battery_room_kwh is not None:
            assert cap <= max(vehicle.energy_needed_kwh, vehicle.battery_room_kwh)
        assert vp.energy_kwh <= cap + 1e-6
        assert vp.shortfall_kwh == pytest.approx(
            max(0.0, vehicle.energy_needed_kwh - vp.energy_kwh), abs=1e-9
        )
        if vp.completion is not None:
            assert vp.completion <= problem.horizon.end
    assert plan.cost == pytest.approx(sum(vp.cost for vp in plan.vehicles))
    if not any(problem.window(v) for v in problem.vehicles):
        assert plan.status is PlanStatus.EMPTY
        assert plan.site_power_kw == (0.0,) * problem.horizon.steps


@FAST
@given(data=st.data(), problem=problems())
def test_assemble_makes_any_request_feasible(
    data: st.DataObject, problem: Problem
) -> None:
    steps = problem.horizon.steps
    request = [
        data.draw(
            st.lists(
                st.floats(-5, 50)
                | st.sampled_from((float("nan"), float("inf"), -float("inf"))),
                min_size=steps,
                max_size=steps,
            )
        )
        for _ in problem.vehicles
    ]
    plan = assemble_plan(
        problem, request, algorithm="test", status=PlanStatus.HEURISTIC, solve_ms=0
    )
    assert check_plan(problem, plan) == []


@FAST
@given(problem=problems())
def test_assembling_a_feasible_plan_loses_no_energy(problem: Problem) -> None:
    plan = solve(problem, "uncontrolled", OPTIONS)
    again = assemble_plan(
        problem,
        [vp.power_kw for vp in plan.vehicles],
        algorithm="test",
        status=PlanStatus.HEURISTIC,
        solve_ms=0,
    )
    assert check_plan(problem, again) == []
    for before, after in zip(plan.vehicles, again.vehicles, strict=True):
        assert after.energy_kwh >= before.energy_kwh - 1e-9


@FAST
@given(problem=problems())
@example(problem=fragmented_fuse())
def test_the_heuristic_passes_lose_no_energy_and_no_minimum(problem: Problem) -> None:
    """Displacing and balancing keep a move only if it costs no grid energy.

    Against the greedy alone (both passes off): never less grid energy, and no
    vehicle below the minimum energy the greedy gave it (it may come later).
    """
    with (
        patch.object(heuristic, "displace", lambda *_: None),
        patch.object(heuristic, "balance", lambda *_: None),
    ):
        greedy = solve(problem, "heuristic", OPTIONS)
    plan = solve(problem, "heuristic", OPTIONS)
    assert check_plan(problem, plan) == []
    assert sum(plan.site_power_kw) >= sum(greedy.site_power_kw) - 1e-6
    for vehicle, before, after in zip(
        problem.vehicles, greedy.vehicles, plan.vehicles, strict=True
    ):
        kept = min(vehicle.min_energy_kwh, before.energy_kwh)
        assert after.energy_kwh >= kept - 1e-6


def _fragment_on_the_site() -> Problem:
    """Found by Hypothesis: 0.24 kW left where a 3-phase charger steps 0.69 kW.

    Rounding left one vehicle 2 A short on a 3-phase charger beside a 1-phase
    one at 6 A; one more step fits only if the 1-phase one gives up 2 A.
    """
    return build(
        (0.0,) * 4,
        step_minutes=15,
        limit_kw=3.0,
        site_phases=1,
        chargers=[
            charger("c0", phases=1, min_current_a=0.0, max_current_a=6.0),
            charger("c1", min_current_a=0.0, max_current_a=6.0),
        ],
        vehicles=[
            car("v0", "c1", departure_h=0.75, need_kwh=2.0, efficiency=0.9),
            car("v2", "c0", departure_h=0.25, need_kwh=1.0),
        ],
    )


def _more_efficient_on_less_voltage() -> Problem:
    """Found by Hypothesis: the more efficient car is on the 230 V charger."""
    return build(
        (0.0,) * 4,
        limit_kw=1.0,
        site_phases=1,
        chargers=[
            charger("c0", phases=1, min_current_a=0.0, max_current_a=6.0),
            charger(
                "c1", phases=1, voltage_v=240.0, min_current_a=0.0, max_current_a=6.0
            ),
        ],
        vehicles=[
            car("v0", "c1", departure_h=2, need_kwh=4.0, efficiency=0.85),
            car("v2", "c0", departure_h=2.5, need_kwh=60.0, efficiency=0.9),
        ],
    )


@FAST
@given(problem=problems())
@example(problem=fragmented_fuse())
@example(problem=_fragment_on_the_site())
@example(problem=_more_efficient_on_less_voltage())
def test_lp_never_delivers_less_than_uncontrolled(problem: Problem) -> None:
    """Energy comes first: lp never delivers less, from the grid and in the cars.

    Rounded onto the current grid, with vehicle phases, rotated chargers and
    fractional steps (the strategies draw them all). Not less grid energy, or
    else not less battery energy: sharing a shortfall fairly may give a car
    with a lower efficiency its share, which puts less into the batteries for
    the same grid energy; and where lp keeps the plan with less shortfall, a
    more efficient car may get 4 A from a 230 V charger where uncontrolled
    charging gives a less efficient one 4 A from a 240 V charger (0.92 against
    0.96 kW from the grid, 0.83 against 0.82 kW into the batteries).
    """
    hours = problem.horizon.step_hours
    lp = solve(problem, "lp", OPTIONS)
    uncontrolled = solve(problem, "uncontrolled", OPTIONS)
    if sum(vp.shortfall_kwh for vp in lp.vehicles) <= TOLERANCE_KWH:
        # Every need met: lp owes no more. A plan may go past a need by less than
        # one minimum step, so uncontrolled charging (at once, as much as it may)
        # can put more in than was asked for; that is not energy lp lost.
        return
    grid = sum(lp.site_power_kw) * hours
    battery = sum(vp.energy_kwh for vp in lp.vehicles)
    assert grid >= sum(uncontrolled.site_power_kw) * hours - 0.05 or battery >= (
        sum(vp.energy_kwh for vp in uncontrolled.vehicles) - 0.05
    )
