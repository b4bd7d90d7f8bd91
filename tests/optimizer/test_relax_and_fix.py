"""Relax-and-fix in ``lp``: chargers switched on or off from the LP, re-solved.

Where the LP shares a fuse out in trickles below the 6 A minimum, rounding
loses energy; ``lp`` then decides each (charger, step) on or off from the LP,
largest power first where the minimum still fits, and re-solves the LP with
that fixed, in the same HiGHS model (:class:`lp.FixSession`). The MIP only
runs after that, in what is left of the time budget. Defaults from builders:
one-hour steps, 3-phase 230 V chargers (1 A = 0.69 kW) with a 6 A minimum.
"""

from __future__ import annotations

from dataclasses import replace
import math
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
import pytest

from custom_components.opti_vgi.optimizer import lp
from custom_components.opti_vgi.optimizer.algorithm import (
    SolveOptions,
    get_algorithm,
    solve,
)
from custom_components.opti_vgi.optimizer.assemble import check_plan
from custom_components.opti_vgi.optimizer.model import PlanStatus, effective_problem

from .builders import KW_PER_A_3P, charger, fragmented_fuse, problem, vehicle
from .strategies import problems

if TYPE_CHECKING:
    from custom_components.opti_vgi.optimizer.model import Problem

OPTIONS = SolveOptions()
MIN_KW = 6 * KW_PER_A_3P  # a 3-phase charger's minimum


def three_on_one_fuse() -> Problem:
    """Three 3-phase 6-16 A chargers on a 3 x 16 A fuse, one hour, cars wanting 20 kWh.

    Only two minimums fit on the fuse (2 x 6 A, 3 x 6 A do not), so at most
    two chargers can be on; the LP shares the 16 A out as 5.33 A each.
    """
    return problem(
        [0.20],
        chargers=[charger(f"c{i}") for i in range(3)],
        vehicles=[
            vehicle(f"v{i}", f"c{i}", departure_h=1, need_kwh=20.0) for i in range(3)
        ],
        fuse_a=16.0,
    )


def session_for(p: Problem) -> lp.FixSession:
    """The relax-and-fix session of ``p`` (which has on/off columns)."""
    session = lp.FixSession.open(effective_problem(p), OPTIONS)
    assert session is not None
    return session


def charger_kw(
    session: lp.FixSession, values: list[float]
) -> dict[tuple[int, int], float]:
    """Each (charger, step) with an on/off column: its power in ``values``."""
    power = lp.power_from_solution(session.model, session.problem, values)
    return {key: kw for key, (kw, _) in session.charger_power(power).items()}


def test_the_largest_lp_power_is_switched_on_first_where_the_minimum_fits() -> None:
    session = session_for(three_on_one_fuse())
    # 6 A + 6 A fit on the 16 A fuse, a third 6 A does not: the two largest.
    assert session.switch_on([[5.0], [4.0], [3.0]], set()) == {(0, 0), (1, 0)}
    assert session.switch_on([[3.0], [4.0], [5.0]], set()) == {(1, 0), (2, 0)}
    # What is already on keeps its room, whatever the power says.
    assert session.switch_on([[5.0], [4.0], [3.0]], {(2, 0)}) == {(0, 0), (2, 0)}


def test_the_first_pass_switches_on_only_what_the_lp_runs_at_its_minimum() -> None:
    session = session_for(three_on_one_fuse())
    power = [[MIN_KW + 1.0], [MIN_KW - 0.5], [0.5]]
    assert session.switch_on(power, set(), at_minimum=True) == {(0, 0)}
    # Nothing charged in the LP stays off.
    assert session.switch_on([[5.0], [0.0], [0.0]], set()) == {(0, 0)}


def test_the_fixed_lp_keeps_every_minimum_and_fills_the_fuse() -> None:
    p = three_on_one_fuse()
    session = session_for(p)
    relaxation = lp.solve_model(
        effective_problem(p), replace(OPTIONS, integer_minimums=False)
    )
    assert relaxation.values is not None
    power = lp.power_from_solution(relaxation.model, session.problem, relaxation.values)
    # The relaxation shares the fuse out below the minimum: 16 / 3 A each.
    assert [row[0] / KW_PER_A_3P for row in power] == pytest.approx([16 / 3] * 3)
    fixed = session.relax_and_fix(power, math.inf)
    assert fixed is not None
    values, rounds = fixed
    assert rounds >= 1
    amps = sorted(kw / KW_PER_A_3P for kw in charger_kw(session, values).values())
    # One off, two on and fair: 8 A each, the whole 16 A of the fuse.
    assert amps == pytest.approx([0, 8, 8], abs=1e-6)


def fleet() -> Problem:
    """A fuse-bound benchmark fleet where rounding the LP loses over 1 %."""
    from scripts.bench_instances import instance  # noqa: PLC0415

    return instance(20, 96, 1, fleet=True)


def test_a_fuse_bound_fleet_is_planned_by_relax_and_fix_before_the_mip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No budget for the MIP (whether it gets any depends on the machine's
    # speed): the plan is relax-and-fix's alone.
    monkeypatch.setattr(lp, "time_budget_s", lambda *_: 0.0)
    p = fleet()
    plan = solve(p, "lp", OPTIONS)
    assert check_plan(p, plan) == []
    stats = plan.statistics
    # Rounding the LP lost more than 1 % of its energy: relax-and-fix ran,
    # and its plan was kept and lost less.
    assert stats["rounding_loss_kwh"] > 0.01 * sum(plan.site_power_kw) / 4
    assert stats["fix_rounds"] >= 1
    assert stats["fix_loss_kwh"] < stats["rounding_loss_kwh"]
    assert lp.KEPT[int(stats["kept"])] == "fixed"
    assert stats["mip"] == 0.0
    assert stats["binaries"] > 0
    rounded_lp = solve(p, "lp", replace(OPTIONS, integer_minimums=False))
    assert plan.shortfall_kwh < rounded_lp.shortfall_kwh - 1.0


def test_without_time_left_the_mip_is_skipped_and_the_plan_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A minimum on time needs the MIP; with no budget left it does not start."""
    monkeypatch.setattr(lp, "time_budget_s", lambda *_: 0.0)
    p = problem(
        [0.30, 0.10, 0.30, 0.40],
        chargers=[charger(min_on_minutes=120)],
        vehicles=[vehicle(need_kwh=16 * KW_PER_A_3P)],
    )
    plan = solve(p, "lp", OPTIONS)
    assert check_plan(p, plan) == []
    assert plan.statistics["mip"] == 0.0
    assert plan.status is PlanStatus.TIME_LIMIT
    assert "no time left for the MIP" in plan.message
    heuristic = get_algorithm("heuristic").calculate(p, OPTIONS)
    assert plan.shortfall_kwh <= heuristic.shortfall_kwh + 1e-6


def test_the_mip_runs_in_the_session_when_relax_and_fix_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lp.FixSession, "relax_and_fix", lambda *_: None)
    p = fragmented_fuse()  # rounding the LP loses 2 of 112 kWh here
    plan = solve(p, "lp", OPTIONS)
    assert check_plan(p, plan) == []
    assert "fix_rounds" not in plan.statistics
    assert plan.statistics["mip"] == 1.0
    assert plan.statistics["binaries"] > 0
    assert sum(vp.energy_kwh for vp in plan.vehicles) == pytest.approx(110.4)


def test_the_budget_scales_with_vehicles_and_steps_within_the_time_limit() -> None:
    small = problem([0.2] * 4, vehicles=[vehicle()])
    assert lp.time_budget_s(small, OPTIONS) == lp.BUDGET_FLOOR_S
    p = fleet()
    size = len(p.vehicles) * p.horizon.steps
    assert lp.time_budget_s(p, OPTIONS) == pytest.approx(
        lp.BUDGET_PER_VEHICLE_STEP_S * size
    )
    double = replace(
        p,
        vehicles=p.vehicles + tuple(replace(v, id=f"{v.id}-2") for v in p.vehicles),
    )
    assert lp.time_budget_s(double, OPTIONS) == pytest.approx(
        2 * lp.time_budget_s(p, OPTIONS)
    )
    assert lp.time_budget_s(p, SolveOptions(time_limit_s=0.01)) == 0.01


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(p=problems())
def test_fixed_plans_keep_every_minimum_and_every_limit(p: Problem) -> None:
    effective = effective_problem(p)
    session = lp.FixSession.open(effective, OPTIONS)
    if session is None:
        return
    relaxation = lp.solve_model(effective, replace(OPTIONS, integer_minimums=False))
    assert relaxation.values is not None
    power = lp.power_from_solution(relaxation.model, effective, relaxation.values)
    fixed = session.relax_and_fix(power, math.inf)
    assert fixed is not None  # switch_on only fixes what fits: always feasible
    values, _ = fixed
    fixable = set(session.fixable)
    for key, kw in charger_kw(session, values).items():
        if key in fixable:  # a charger with a minimum on/off time stays relaxed
            assert kw <= 1e-6 or kw >= session.chargers[key[0]].min_kw - 1e-6
    plan = lp.LinearProgramAlgorithm()._round(
        effective, lp.Solution(session.model, values, PlanStatus.OPTIMAL, "", {})
    )
    assert check_plan(p, plan) == []
