"""Chargers that can only be switched: 0 or one fixed current, in every planner.

The integration plans them with minimum = maximum = the fixed current and one
step of that size; hand-computed cases (1-hour steps, 3 x 230 V: 16 A is
11.04 kW).
"""

from __future__ import annotations

import pytest

from custom_components.opti_vgi.optimizer.algorithm import SolveOptions, solve
from custom_components.opti_vgi.optimizer.assemble import check_plan

from .builders import charger, problem, vehicle

SWITCHED = charger(
    min_current_a=16.0, max_current_a=16.0, current_step_a=16.0, accepts_zero=False
)
OPTIONS = SolveOptions(time_limit_s=2.0)


@pytest.mark.parametrize("name", ["lp", "heuristic", "uncontrolled"])
def test_switched_charger_is_on_or_off(name: str) -> None:
    """22.08 kWh in 4 hours: on for two hours at 11.04 kW, off otherwise.

    The integration rounds a switched charger's need up to whole steps at its
    fixed power (22 kWh is asked as 22.08): a planner never plans past the
    need, so 22 kWh would get one hour only.
    """
    case = problem(
        [0.30, 0.10, 0.40, 0.05],
        vehicles=[vehicle(need_kwh=22.08, efficiency=1.0, max_power_kw=11.04)],
        chargers=[SWITCHED],
    )
    plan = solve(case, name, OPTIONS)
    assert check_plan(case, plan) == []
    currents = plan.charger("c1").current_a
    assert all(a in (0.0, 16.0) for a in currents)
    if name == "lp":
        # The two cheapest hours, and no more than the need.
        assert currents == (0.0, 16.0, 0.0, 16.0)
    assert plan.vehicle("v1").energy_kwh <= 22.08 + 1e-6
    if name != "uncontrolled":
        assert plan.vehicle("v1").energy_kwh == pytest.approx(22.08)


@pytest.mark.parametrize("name", ["lp", "heuristic"])
def test_switched_charger_waits_when_the_limit_is_below_its_power(name: str) -> None:
    """A 10 kW limit in the first two hours: it can only be on in the last two."""
    case = problem(
        [0.05, 0.05, 0.30, 0.30],
        vehicles=[vehicle(need_kwh=20.0, efficiency=1.0, max_power_kw=11.04)],
        chargers=[SWITCHED],
        limit_kw=[10.0, 10.0, 20.0, 20.0],
    )
    plan = solve(case, name, OPTIONS)
    assert check_plan(case, plan) == []
    assert plan.charger("c1").current_a[:2] == (0.0, 0.0)
    assert plan.vehicle("v1").energy_kwh > 0
