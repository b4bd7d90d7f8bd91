"""Loads the plan does not control (a charger left alone) take room where they are.

A guest's car on a 1-phase charger on L2 draws 16 A on L2 only: on a 3 x 25 A
fuse a 3-phase charger then has 9 A left (L2 binds), and on a power limit the
guest's 3.68 kW comes off the site's kW. Every planner must keep both.
"""

from __future__ import annotations

import pytest

from custom_components.opti_vgi.optimizer.algorithm import algorithm_names, solve
from custom_components.opti_vgi.optimizer.assemble import (
    check_plan,
    fuse_capacity_a,
    site_capacity_kw,
)
from custom_components.opti_vgi.optimizer.model import ModelError, Site
from custom_components.opti_vgi.optimizer.serialization import (
    problem_from_dict,
    problem_to_dict,
)

from .builders import problem, vehicle

GUEST_ON_L2 = (0.0, 16.0, 0.0)


def test_fixed_current_counts_on_its_own_phase_and_in_kw() -> None:
    tight = problem(
        (0.2, 0.2), fuse_a=25.0, fixed_a=[GUEST_ON_L2, (0.0, 0.0, 0.0)], base_kw=[0, 0]
    )
    assert fuse_capacity_a(tight, 0, 1) == 25.0
    assert fuse_capacity_a(tight, 0, 2) == 9.0
    assert fuse_capacity_a(tight, 1, 2) == 25.0
    assert site_capacity_kw(tight, 0) == pytest.approx(100 - 16 * 0.23)


@pytest.mark.parametrize("algorithm", algorithm_names())
def test_every_planner_leaves_the_fixed_load_its_phase(algorithm: str) -> None:
    # A 3-phase charger loads L2 too: 25 A - 16 A fixed = 9 A, in both steps.
    fused = problem(
        (0.1, 0.1),
        fuse_a=25.0,
        fixed_a=[GUEST_ON_L2, GUEST_ON_L2],
        vehicles=[vehicle(departure_h=2, need_kwh=30)],
    )
    plan = solve(fused, algorithm)
    assert check_plan(fused, plan) == []
    assert plan.vehicle("v1").current_a == (9, 9)


@pytest.mark.parametrize("algorithm", algorithm_names())
def test_every_planner_leaves_the_fixed_load_its_power(algorithm: str) -> None:
    # 11 kW limit, a guest drawing 3 x 6 A (4.14 kW): 6.86 kW left = 9 A at 0.69.
    limited = problem(
        (0.1,),
        limit_kw=11.0,
        fixed_a=[(6.0, 6.0, 6.0)],
        vehicles=[vehicle(departure_h=1, need_kwh=30)],
    )
    plan = solve(limited, algorithm)
    assert check_plan(limited, plan) == []
    assert plan.vehicle("v1").current_a == (9,)


def test_check_plan_reports_a_plan_that_ignores_the_fixed_load() -> None:
    free = problem((0.1,), fuse_a=25.0, vehicles=[vehicle(departure_h=1, need_kwh=30)])
    plan = solve(free, "heuristic")
    assert plan.vehicle("v1").current_a == (16,)
    loaded = problem(
        (0.1,),
        fuse_a=25.0,
        fixed_a=[GUEST_ON_L2],
        vehicles=[vehicle(departure_h=1, need_kwh=30)],
    )
    assert check_plan(loaded, plan) == [
        "step 0: 16.0 A on phase 2 above the fuse's 9.0 A"
    ]


def test_fixed_loads_round_trip_through_json() -> None:
    original = problem((0.1, 0.2), fuse_a=25.0, fixed_a=[GUEST_ON_L2, (1, 2, 3)])
    data = problem_to_dict(original)
    assert data["site"]["fixed_load_a"] == [[0.0, 16.0, 0.0], [1, 2, 3]]
    assert problem_from_dict(data) == original


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[0, 16]], r"site.fixed_load_a\[0\]: expected \[L1, L2, L3\] currents"),
        ("16", r"site.fixed_load_a: expected a list of \[L1, L2, L3\] currents"),
        ([[0, "x", 0]], r"site.fixed_load_a\[0\]: expected a number"),
        ([[0, 16, 0], [0, 0, 0]], "need 1 fixed load values, got 2"),
        ([[0, -1, 0]], "fixed loads need three currents >= 0 per step"),
    ],
)
def test_bad_fixed_loads_are_refused(value: object, message: str) -> None:
    data = problem_to_dict(problem((0.1,)))
    data["site"]["fixed_load_a"] = value
    with pytest.raises(ModelError, match=message):
        problem_from_dict(data)


def test_a_site_without_fixed_loads_has_none() -> None:
    site = Site(import_limit_kw=11.0)
    assert site.fixed_a(0, 2) == 0.0
    assert site.fixed_kw(0) == 0.0
