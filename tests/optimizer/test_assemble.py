"""assemble_plan turns solver output into charger setpoints; check_plan audits plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
import math

import pytest

from custom_components.opti_vgi.optimizer.assemble import (
    Allocation,
    assemble_plan,
    check_plan,
    nothing_to_plan,
)
from custom_components.opti_vgi.optimizer.model import Plan, PlanStatus, Problem

from .builders import START, at, charger, problem, vehicle


def assemble(problem: Problem, power_kw: Sequence[Sequence[float]]) -> Plan:
    plan = assemble_plan(
        problem,
        power_kw,
        algorithm="lp",
        status=PlanStatus.OPTIMAL,
        solve_ms=1.5,
        message="solved",
        statistics={"iterations": 3},
    )
    assert check_plan(problem, plan) == []
    return plan


def currents(plan: Plan, vehicle_id: str = "v1") -> tuple[float, ...]:
    return plan.vehicle(vehicle_id).current_a


def test_passes_metadata_through() -> None:
    plan = assemble(problem((0.1,), vehicles=[vehicle(need_kwh=1)]), [[0.0]])
    assert plan.algorithm == "lp"
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.solve_ms == 1.5
    assert plan.message == "solved"
    assert plan.statistics == {"iterations": 3}
    assert plan.horizon.start == START


def test_solver_noise_above_a_grid_point_rounds_to_it() -> None:
    plan = assemble(
        problem((0.1, 0.2), vehicles=[vehicle(need_kwh=11.04)]),
        [[11.0400001, 1e-9]],
    )
    assert currents(plan) == (16, 0)
    assert plan.vehicle("v1").power_kw == pytest.approx((11.04, 0))


def test_noise_above_a_limit_rounds_down_under_it() -> None:
    plan = assemble(
        problem((0.1,), vehicles=[vehicle(need_kwh=20)], limit_kw=11.0399),
        [[11.0400001]],
    )
    assert currents(plan) == (15,)


def test_rounding_losses_are_repaired_in_the_cheapest_steps() -> None:
    # 10.9 kW is 15.8 A: both steps round down to 15 A, one unit short of 31 A*h.
    plan = assemble(
        problem((0.2, 0.1), vehicles=[vehicle(departure_h=2, need_kwh=21.39)]),
        [[10.9, 10.9]],
    )
    assert currents(plan) == (15, 16)
    assert plan.vehicle("v1").energy_kwh == pytest.approx(21.39)


def test_a_trickle_below_the_minimum_is_gathered_into_the_cheapest_step() -> None:
    plan = assemble(
        problem((0.3, 0.1, 0.2, 0.4), vehicles=[vehicle(need_kwh=8)]),
        [[2.0, 2.0, 2.0, 2.0]],  # 2.9 A each, below the 6 A minimum
    )
    # 8 kWh is 11.6 A*h: 12 A meets it (by less than one minimum step past it).
    assert currents(plan) == (0, 12, 0, 0)


def test_power_outside_the_window_is_dropped() -> None:
    plan = assemble(
        problem(
            (0.1, 0.1, 0.1, 0.1),
            vehicles=[vehicle(arrival_h=1, departure_h=3, need_kwh=22.08)],
        ),
        [[11.04] * 4],
    )
    assert currents(plan) == (0, 16, 16, 0)


def test_energy_above_the_need_goes_from_the_dearest_steps() -> None:
    plan = assemble(
        problem((0.1, 0.4, 0.2, 0.3), vehicles=[vehicle(need_kwh=22.08)]),
        [[11.04] * 4],
    )
    assert currents(plan) == (16, 0, 16, 0)


def test_trimming_keeps_the_minimum_and_tops_up_the_remainder() -> None:
    # 25 kWh is 36.2 A*h; with no room past it (a full battery at 25 kWh) the
    # cap is the need. Trimming drops step 1, then step 3 to 4 A, which is
    # below the minimum, so 0; the missing 4 A come back as 6 A in step 3 and
    # 2 A less in the dearer used step 2.
    plan = assemble(
        problem(
            (0.1, 0.4, 0.2, 0.3),
            vehicles=[vehicle(need_kwh=25, battery_room_kwh=25)],
        ),
        [[11.04] * 4],
    )
    assert currents(plan) == (16, 0, 14, 6)
    vp = plan.vehicle("v1")
    assert vp.energy_kwh == pytest.approx(36 * 0.69)
    assert vp.completion == at(4)  # short by less than one ampere-step


def test_trimming_stops_at_the_cap_past_the_need() -> None:
    # Without a known battery the request is trimmed to the cap: 25 kWh plus
    # less than one minimum step (6 A, 4.14 kWh), 42 A*h: step 1 goes, step 3
    # drops to 10 A.
    plan = assemble(
        problem((0.1, 0.4, 0.2, 0.3), vehicles=[vehicle(need_kwh=25)]),
        [[11.04] * 4],
    )
    assert currents(plan) == (16, 0, 16, 10)
    assert plan.vehicle("v1").energy_kwh == pytest.approx(42 * 0.69)
    assert plan.vehicle("v1").shortfall_kwh == 0


def test_an_overloaded_site_sheds_the_last_vehicle_first() -> None:
    plan = assemble(
        problem(
            (0.1, 0.2),
            chargers=[charger("c1"), charger("c2")],
            vehicles=[
                vehicle("v1", "c1", departure_h=2, need_kwh=11.04),
                vehicle("v2", "c2", departure_h=2, need_kwh=11.04),
            ],
            limit_kw=11.04,
        ),
        [[11.04, 0], [11.04, 0]],
    )
    assert currents(plan, "v1") == (16, 0)
    assert currents(plan, "v2") == (0, 16)  # moved by the repair pass


def test_an_overloaded_phase_sheds_only_chargers_on_it() -> None:
    chargers = [
        charger("c1", phases=1, phase=1),
        charger("c2", phases=1, phase=2),
        charger("c3", phases=1, phase=1),
    ]
    plan = assemble(
        problem(
            (0.1,),
            chargers=chargers,
            vehicles=[
                vehicle(f"v{i}", f"c{i}", departure_h=1, need_kwh=3.68)
                for i in (1, 2, 3)
            ],
            fuse_a=25,
        ),
        [[3.68], [3.68], [3.68]],
    )
    assert currents(plan, "v1") == (16,)
    assert currents(plan, "v2") == (16,)  # phase 2 was never over
    assert currents(plan, "v3") == (9,)  # 25 - 16 on phase 1


def test_base_load_on_a_one_phase_site_only_loads_phase_one() -> None:
    chargers = [charger("c1", phases=1, phase=1), charger("c2", phases=1, phase=2)]
    plan = assemble(
        problem(
            (0.1,),
            chargers=chargers,
            vehicles=[
                vehicle("v1", "c1", departure_h=1, need_kwh=3.68),
                vehicle("v2", "c2", departure_h=1, need_kwh=3.68),
            ],
            fuse_a=16,
            base_kw=(2.3,),  # 10 A on the single site phase
            site_phases=1,
        ),
        [[3.68], [3.68]],
    )
    assert currents(plan, "v1") == (6,)
    assert currents(plan, "v2") == (16,)


def test_a_charger_current_is_split_between_its_vehicles_in_order() -> None:
    # 3 kW each is 4.35 A: 8 A in total, 5 A to the first and 3 A to the second.
    plan = assemble(
        problem(
            (0.1,),
            vehicles=[
                vehicle("v1", departure_h=1, need_kwh=3.45),
                vehicle("v2", departure_h=1, need_kwh=2.07),
            ],
        ),
        [[3.0], [3.0]],
    )
    assert currents(plan, "v1") == (5,)
    assert currents(plan, "v2") == (3,)
    assert plan.charger("c1").current_a == (8,)
    assert plan.charger("c1").power_kw == pytest.approx((5.52,))


def test_a_shared_charger_pushed_below_its_minimum_goes_off_for_all() -> None:
    # The second vehicle only needs 1 A*h: 3 + 1 A is below the 6 A minimum.
    # Both batteries are full at their needs, so neither may go past it to
    # keep the charger on.
    plan = assemble(
        problem(
            (0.1,),
            vehicles=[
                vehicle("v1", departure_h=1, need_kwh=2.07, battery_room_kwh=2.07),
                vehicle("v2", departure_h=1, need_kwh=0.69, battery_room_kwh=0.69),
            ],
        ),
        [[2.07], [2.76]],
    )
    assert plan.charger("c1").current_a == (0,)
    assert plan.shortfall_kwh == pytest.approx(2.76)


def test_a_shared_charger_kept_on_by_going_past_a_need() -> None:
    # The same with room in the batteries: the first car takes the charger's
    # 6 A minimum less the second's 1 A (past its 3 A*h by less than one
    # minimum step), and both needs are met.
    plan = assemble(
        problem(
            (0.1,),
            vehicles=[
                vehicle("v1", departure_h=1, need_kwh=2.07),
                vehicle("v2", departure_h=1, need_kwh=0.69),
            ],
        ),
        [[2.07], [0.69]],
    )
    assert plan.charger("c1").current_a[0] >= 6
    assert plan.shortfall_kwh == 0


def test_garbage_requests_are_harmless() -> None:
    plan = assemble(
        problem((0.1, 0.2, 0.3), vehicles=[vehicle(need_kwh=11.04)]),
        [[math.nan, -5.0, math.inf]],
    )
    assert currents(plan) == (0, 0, 16)  # inf asks for the maximum, NaN for nothing


def test_a_vehicle_maximum_below_the_charger_maximum_caps_the_request() -> None:
    plan = assemble(
        problem(
            (0.1,), vehicles=[vehicle(departure_h=1, need_kwh=20, max_power_kw=7.4)]
        ),
        [[11.04]],
    )
    assert currents(plan) == (10,)


def test_the_plan_totals() -> None:
    plan = assemble(
        problem(
            (0.1, 0.3),
            chargers=[charger("c1"), charger("c2", phases=1)],
            vehicles=[
                vehicle("v1", "c1", departure_h=2, need_kwh=11.04),
                vehicle("v2", "c2", departure_h=2, need_kwh=3.68),
            ],
        ),
        [[11.04, 0], [0, 3.68]],
    )
    assert plan.site_power_kw == pytest.approx((11.04, 3.68))
    assert plan.peak_kw == pytest.approx(11.04)
    assert plan.vehicle("v2").cost == pytest.approx(3.68 * 0.3)
    assert plan.cost == pytest.approx(1.104 + 1.104)
    assert plan.shortfall_kwh == 0
    assert plan.charger("c2").current_a == (0, 16)


def test_a_vehicle_that_needs_nothing_is_complete_at_the_start() -> None:
    plan = assemble(problem((0.1,), vehicles=[vehicle(need_kwh=0)]), [[11.04]])
    assert currents(plan) == (0,)
    assert plan.vehicle("v1").completion == START


def test_the_request_must_match_the_problem_shape() -> None:
    shaped = problem((0.1, 0.2), vehicles=[vehicle()])
    with pytest.raises(ValueError, match="one row per vehicle"):
        assemble(shaped, [[1.0]])
    with pytest.raises(ValueError, match="one row per vehicle"):
        assemble(shaped, [])


def test_nothing_to_plan() -> None:
    assert nothing_to_plan(problem((0.1,)))
    assert nothing_to_plan(problem((0.1,), vehicles=[vehicle(arrival_h=1)]))
    assert not nothing_to_plan(problem((0.1,), vehicles=[vehicle()]))


def test_top_up_leaves_the_plan_alone_when_nothing_can_give_way() -> None:
    # A battery full at the need: nothing may go past it.
    allocation = Allocation(
        problem(
            (0.1, 0.2),
            vehicles=[vehicle(departure_h=2, need_kwh=12.42, battery_room_kwh=12.42)],
        )
    )
    allocation.add(0, 0, 16)
    # Step 0 is in use and step 1 would need 10 A back from a 16 A step, but
    # only the 6 A over the minimum may be taken: 16 - 6 = 10 is fine, so
    # forbid it by offering no step to give way.
    allocation.top_up(0, [0, 1], [])
    assert allocation.units[0] == [16, 0]
    allocation.top_up(0, [0, 1], [0])
    assert allocation.units[0] == [12, 6]
    allocation.top_up(0, [0, 1], [0])  # complete now: nothing to do
    assert allocation.units[0] == [12, 6]


def test_top_up_skips_steps_where_the_minimum_does_not_fit() -> None:
    allocation = Allocation(
        problem(
            (0.1, 0.2, 0.3),
            vehicles=[vehicle(departure_h=3, need_kwh=12.42)],
            limit_kw=(11.04, 4.0, 11.04),
        )
    )
    allocation.add(0, 0, 16)
    allocation.top_up(0, [1, 2], [0])
    assert allocation.units[0] == [12, 0, 6]


# check_plan: every kind of violation, on an otherwise feasible plan.


def feasible() -> tuple[Problem, Plan]:
    shaped = problem(
        (0.1, 0.2),
        chargers=[charger("c1"), charger("c2", phases=1, phase=2)],
        vehicles=[
            vehicle("v1", "c1", arrival_h=1, departure_h=2, need_kwh=11.04),
            vehicle("v2", "c2", departure_h=2, need_kwh=3.68),
        ],
        limit_kw=20,
        fuse_a=32,
    )
    return shaped, assemble(shaped, [[0, 11.04], [3.68, 0]])


def with_vehicle(plan: Plan, index: int, **fields: object) -> Plan:
    vehicles = list(plan.vehicles)
    vehicles[index] = replace(vehicles[index], **fields)  # type: ignore[arg-type]
    return replace(plan, vehicles=tuple(vehicles))


def with_charger(plan: Plan, index: int, **fields: object) -> Plan:
    chargers = list(plan.chargers)
    chargers[index] = replace(chargers[index], **fields)  # type: ignore[arg-type]
    return replace(plan, chargers=tuple(chargers))


def test_check_plan_accepts_a_feasible_plan() -> None:
    shaped, plan = feasible()
    assert currents(plan) == (0, 16)
    assert check_plan(shaped, plan) == []


def test_check_plan_reports_power_outside_the_window() -> None:
    shaped, plan = feasible()
    bad = with_vehicle(plan, 0, power_kw=(4.14, 11.04), current_a=(6.0, 16.0))
    assert any("outside the vehicle's window" in e for e in check_plan(shaped, bad))


def test_check_plan_reports_energy_above_the_need() -> None:
    shaped = problem((0.1,), vehicles=[vehicle(departure_h=1, need_kwh=5)])
    plan = assemble(shaped, [[0]])
    # 8 A (5.52 kWh) meets the need by less than one minimum step (6 A, 4.14
    # kWh) past it; 14 A (9.66 kWh) goes a whole one past.
    ok = with_vehicle(plan, 0, power_kw=(5.52,), current_a=(8.0,), energy_kwh=5.52)
    ok = with_charger(ok, 0, power_kw=(5.52,), current_a=(8.0,))
    ok = replace(ok, site_power_kw=(5.52,))
    assert check_plan(shaped, ok) == []
    bad = with_vehicle(plan, 0, power_kw=(9.66,), current_a=(14.0,), energy_kwh=9.66)
    bad = with_charger(bad, 0, power_kw=(9.66,), current_a=(14.0,))
    bad = replace(bad, site_power_kw=(9.66,))
    assert check_plan(shaped, bad) == [
        "vehicle v1: 9.66 kWh above the need 5 kWh by a minimum step or more"
    ]


def test_check_plan_reports_the_vehicle_maximum_and_inconsistent_series() -> None:
    shaped = problem(
        (0.1,), vehicles=[vehicle(departure_h=1, need_kwh=20, max_power_kw=7)]
    )
    plan = assemble(shaped, [[11.04]])
    assert currents(plan) == (10,)
    bad = with_vehicle(plan, 0, power_kw=(11.04,), current_a=(16.0,))
    errors = check_plan(shaped, bad)
    assert any("above the maximum 7" in e for e in errors)
    assert any("energy_kwh does not match" in e for e in errors)
    assert any("10.0 A is not the sum of its vehicles" in e for e in errors)
    bad = with_vehicle(plan, 0, power_kw=(6.0,))
    assert any("6.0 kW does not match 10.0 A" in e for e in check_plan(shaped, bad))


def test_check_plan_reports_negative_and_off_grid_values() -> None:
    shaped, plan = feasible()
    bad = with_vehicle(plan, 1, power_kw=(-0.23, 0), current_a=(-1.0, 0.0))
    bad = with_charger(bad, 1, power_kw=(-0.23, 0), current_a=(-1.0, 0.0))
    errors = check_plan(shaped, bad)
    assert any("negative power" in e for e in errors)
    assert any("negative current" in e for e in errors)
    bad = with_vehicle(plan, 1, power_kw=(3.565, 0), current_a=(15.5, 0.0))
    bad = with_charger(bad, 1, power_kw=(3.565, 0), current_a=(15.5, 0.0))
    errors = check_plan(shaped, bad)
    assert sum("not a multiple of the step" in e for e in errors) == 2


def test_check_plan_reports_the_charger_range() -> None:
    shaped, plan = feasible()
    for current in (4.0, 17.0):
        kw = current * 0.23
        bad = with_vehicle(plan, 1, power_kw=(kw, 0), current_a=(current, 0.0))
        bad = with_charger(bad, 1, power_kw=(kw, 0), current_a=(current, 0.0))
        errors = check_plan(shaped, bad)
        assert any("outside 0 or [6.0, 16.0] A" in e for e in errors), errors
    bad = with_charger(plan, 1, power_kw=(1.0, 0))
    assert any("does not match 16.0 A" in e for e in check_plan(shaped, bad))


def test_check_plan_reports_the_site_and_the_fuse() -> None:
    shaped, plan = feasible()
    tight = replace(
        shaped, site=replace(shaped.site, import_limit_kw=3, fuse_limit_a=10)
    )
    errors = check_plan(tight, plan)
    assert "step 0: 3.68 kW above the site's 3.0 kW" in errors
    assert "step 1: 16.0 A on phase 1 above the fuse's 10.0 A" in errors
    assert "step 0: 16.0 A on phase 2 above the fuse's 10.0 A" in errors
    bad = replace(plan, site_power_kw=(0.0, 11.04))
    assert check_plan(shaped, bad) == [
        "step 0: site power is not the sum of the chargers"
    ]


def test_check_plan_reports_missing_parts() -> None:
    shaped, plan = feasible()
    assert check_plan(shaped, replace(plan, vehicles=plan.vehicles[:1])) == [
        "vehicle v2: missing or wrong length",
        "charger c2, step 0: 16.0 A is not the sum of its vehicles",
    ]
    assert check_plan(shaped, replace(plan, chargers=plan.chargers[1:])) == [
        "charger c1: missing or wrong length"
    ]
    assert check_plan(shaped, replace(plan, site_power_kw=(0.0,))) == [
        "site power: wrong length"
    ]
    other = replace(plan, horizon=replace(plan.horizon, steps=3))
    assert check_plan(shaped, other) == [
        "plan horizon differs from the problem horizon"
    ]


def test_lookups_by_unknown_id_raise_key_error() -> None:
    shaped, plan = feasible()
    assert plan.vehicle("v2").charger_id == "c2"
    with pytest.raises(KeyError):
        plan.vehicle("nope")
    with pytest.raises(KeyError):
        plan.charger("nope")
    with pytest.raises(KeyError):
        shaped.charger("nope")


@pytest.mark.parametrize(
    ("fast", "expected"), [(False, (13, 0, 6)), (True, (13, 6, 0))]
)
def test_a_last_remainder_of_a_car_wanted_now_comes_next(
    fast: bool, expected: tuple[int, int, int]
) -> None:
    """Rounding drops a 2 kW trickle (below the 6 A minimum) after a full hour.

    The remainder needs a step at the minimum: the cheapest one (0.05 at
    night) for a car that can wait; the next one for a car wanted now (fast
    mode: all of its energy is its minimum), as a car charging until it is
    full would take it. Either way 3 A come back from the first hour.
    """
    need = 16 * 0.69 + 2.0
    p = problem(
        [0.40, 0.40, 0.05],
        vehicles=[
            vehicle(
                need_kwh=need, departure_h=3.0, min_energy_kwh=need if fast else 0.0
            )
        ],
    )
    plan = assemble_plan(
        p,
        [[16 * 0.69, 2.0, 0.0]],
        algorithm="test",
        status=PlanStatus.OPTIMAL,
        solve_ms=0.0,
    )
    assert check_plan(p, plan) == []
    assert plan.vehicle("v1").current_a == expected
    assert plan.vehicle("v1").shortfall_kwh == 0
