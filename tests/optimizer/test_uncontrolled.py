"""Hand-computed plans of the uncontrolled baseline: full power from plug-in."""

from __future__ import annotations

import pytest

from custom_components.opti_vgi.optimizer.algorithm import SolveOptions
from custom_components.opti_vgi.optimizer.assemble import check_plan
from custom_components.opti_vgi.optimizer.heuristic import HeuristicAlgorithm
from custom_components.opti_vgi.optimizer.model import Plan, PlanStatus, Problem
from custom_components.opti_vgi.optimizer.uncontrolled import UncontrolledAlgorithm

from .builders import at, charger, problem, vehicle


def plan_for(problem: Problem) -> Plan:
    plan = UncontrolledAlgorithm().calculate(problem, SolveOptions())
    assert check_plan(problem, plan) == []
    return plan


def currents(plan: Plan, vehicle_id: str = "v1") -> tuple[float, ...]:
    return plan.vehicle(vehicle_id).current_a


def test_charges_at_full_power_from_plug_in_whatever_the_price() -> None:
    plan = plan_for(problem((0.4, 0.1, 0.1, 0.1), vehicles=[vehicle(need_kwh=22.08)]))
    assert currents(plan) == (16, 16, 0, 0)
    assert plan.cost == pytest.approx(11.04 * 0.5)
    assert plan.vehicle("v1").completion == at(2)
    assert plan.status is PlanStatus.HEURISTIC
    assert plan.algorithm == "uncontrolled"


def test_the_savings_a_planner_shows_against_it() -> None:
    cheap_later = problem((0.4, 0.1, 0.1, 0.1), vehicles=[vehicle(need_kwh=22.08)])
    baseline = plan_for(cheap_later)
    planned = HeuristicAlgorithm().calculate(cheap_later, SolveOptions())
    assert baseline.cost - planned.cost == pytest.approx(11.04 * 0.3)


def test_starts_with_the_first_whole_step_after_arrival() -> None:
    plan = plan_for(
        problem(
            (0.1, 0.1, 0.1, 0.1),
            vehicles=[vehicle(arrival_h=0.5, need_kwh=11.04)],
        )
    )
    assert currents(plan) == (0, 16, 0, 0)


def test_first_come_first_served_when_the_site_binds() -> None:
    # 20 A of site: the later car cannot run its 6 A minimum beside 16 A.
    plan = plan_for(
        problem(
            (0.1, 0.1, 0.1, 0.1),
            chargers=[charger("c1"), charger("c2")],
            vehicles=[
                vehicle("late", "c1", arrival_h=0, need_kwh=11.04),
                vehicle("early", "c2", arrival_h=-1, need_kwh=11.04),
            ],
            limit_kw=13.8,
        )
    )
    assert currents(plan, "early") == (16, 0, 0, 0)
    assert currents(plan, "late") == (0, 16, 0, 0)


def test_the_later_car_takes_what_is_left_above_its_minimum() -> None:
    plan = plan_for(
        problem(
            (0.1, 0.1),
            chargers=[charger("c1"), charger("c2")],
            vehicles=[
                vehicle("v1", "c1", departure_h=2, need_kwh=22.08),
                vehicle("v2", "c2", arrival_h=0, departure_h=2, need_kwh=22.08),
            ],
            limit_kw=17.94,  # 26 A
        )
    )
    assert currents(plan, "v1") == (16, 16)
    assert currents(plan, "v2") == (10, 10)


def test_a_last_bit_below_the_minimum_comes_out_of_the_last_full_step() -> None:
    plan = plan_for(problem((0.1, 0.1, 0.1, 0.1), vehicles=[vehicle(need_kwh=12.42)]))
    assert currents(plan) == (12, 6, 0, 0)
    assert plan.vehicle("v1").energy_kwh == pytest.approx(12.42)


def test_a_one_phase_charger_is_held_to_its_phase_of_the_fuse() -> None:
    plan = plan_for(
        problem(
            (0.1, 0.1),
            chargers=[charger(phases=1, phase=3)],
            vehicles=[vehicle(departure_h=2, need_kwh=7.36)],
            fuse_a=16,
            base_kw=(6.9, 0.0),  # 10 A on every phase in step 0
        )
    )
    assert currents(plan) == (6, 16)
    assert plan.vehicle("v1").energy_kwh == pytest.approx(22 * 0.23)


def test_empty_without_vehicles() -> None:
    plan = plan_for(problem((0.1, 0.2)))
    assert plan.status is PlanStatus.EMPTY
    assert plan.vehicles == ()
    assert plan.site_power_kw == (0, 0)
