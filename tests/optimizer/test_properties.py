"""Hard guarantees of every registered algorithm and of assemble_plan."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest

from custom_components.opti_vgi.optimizer.algorithm import (
    SolveOptions,
    algorithm_names,
    solve,
)
from custom_components.opti_vgi.optimizer.assemble import assemble_plan, check_plan
from custom_components.opti_vgi.optimizer.model import PlanStatus, Problem

from .builders import fragmented_fuse
from .strategies import problems

FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OPTIONS = SolveOptions(time_limit_s=2.0)


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
        assert vp.energy_kwh <= vehicle.energy_needed_kwh + 1e-6
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
def test_lp_never_delivers_less_than_uncontrolled(problem: Problem) -> None:
    """Energy comes first: lp draws at least the grid energy charging at once would.

    Rounded onto the current grid, with vehicle phases, rotated chargers and
    fractional steps (the strategies draw them all). Grid energy, not battery
    energy: sharing a shortfall fairly may give a car with a lower efficiency
    its share, which puts less into the batteries for the same grid energy.
    """
    hours = problem.horizon.step_hours
    lp = solve(problem, "lp", OPTIONS)
    uncontrolled = solve(problem, "uncontrolled", OPTIONS)
    assert sum(lp.site_power_kw) * hours >= (
        sum(uncontrolled.site_power_kw) * hours - 0.05
    )
