"""A fast planner without a solver: Opti-VGI's GoAlgorithm idea, done right.

GoAlgorithm hands out power vehicle by vehicle; it also gave out leftover power
beyond what was asked, broke the site limit when minimum powers did not fit, and
could divide by zero. This planner works directly in charger current units on a
shared :class:`~.assemble.Allocation`, so every hard limit is checked before
current is handed out and a vehicle never gets more than it needs.

Order of work:

1. Vehicles by least slack (hours available minus hours needed at full power),
   higher priority first among equals: the tightest vehicles choose first.
2. Every vehicle's ``min_energy_kwh`` as early as possible, whatever it costs.
3. The rest of every vehicle's need in the cheapest steps of its window
   (earlier first among equal prices), then a remainder below the charger
   minimum shifted in from its most expensive steps.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from .algorithm import Algorithm, register
from .assemble import Allocation, nothing_to_plan, reclaim_fragments
from .model import PlanStatus

if TYPE_CHECKING:
    from .algorithm import SolveOptions
    from .model import Plan, Problem

_EPS = 1e-9


@register
class HeuristicAlgorithm(Algorithm):
    """Greedy cheapest-steps planner; the fallback when the LP cannot run."""

    name = "heuristic"

    def plan(self, problem: Problem, options: SolveOptions) -> Plan:
        """Plan ``problem`` greedily; ``options`` has nothing a greedy could use."""
        del options  # no time limit or gap applies to a single greedy pass
        started = time.perf_counter()
        allocation = Allocation(problem)
        order = vehicle_order(problem, allocation)
        for vehicle in order:
            place_minimum(problem, allocation, vehicle)
        prices = problem.prices
        cheapest = sorted(range(problem.horizon.steps), key=lambda t: (prices[t], t))
        dearest = cheapest[::-1]
        for vehicle in order:
            allocation.fill(vehicle, cheapest, allocation.missing_units(vehicle))
            allocation.top_up(vehicle, cheapest, dearest)
        reclaim_fragments(allocation, order, fragments_only=False)
        return allocation.plan(
            algorithm=self.name,
            status=PlanStatus.EMPTY
            if nothing_to_plan(problem)
            else PlanStatus.HEURISTIC,
            solve_ms=(time.perf_counter() - started) * 1000,
        )


def place_minimum(problem: Problem, allocation: Allocation, vehicle: int) -> None:
    """Charge ``vehicle``'s minimum energy in the earliest steps that take it.

    A charger that is off must come on with at least its minimum current, so a
    step is asked for at least that much (capped by the need) even when less
    minimum energy is left; otherwise a small minimum energy would never fit.
    """
    charger_minimum = allocation.unit_min[allocation.charger_of[vehicle]]
    left = math.ceil(
        problem.vehicles[vehicle].min_energy_kwh / allocation.unit_kwh[vehicle] - _EPS
    )
    for step in allocation.windows[vehicle]:
        if left <= 0:
            return
        wanted = min(max(left, charger_minimum), allocation.missing_units(vehicle))
        added = allocation.addable(vehicle, step, wanted)
        if added:
            allocation.add(vehicle, step, added)
            left -= added


def vehicle_order(problem: Problem, allocation: Allocation) -> list[int]:
    """Vehicle indices by least slack, then higher priority, then input order.

    Slack is the time a vehicle could sit idle and still be full at departure;
    the vehicles with the least must take the steps they can get before the
    flexible ones spread over the cheap steps. Full power is the largest current
    on the grid, so a vehicle whose charger cannot run at all has no slack.
    """

    def slack(vehicle: int) -> float:
        available = sum(problem.horizon.hours(t) for t in allocation.windows[vehicle])
        full_kwh = (
            allocation.vehicle_unit_max[vehicle]
            * allocation.unit_kwh[vehicle]
            / problem.horizon.step_hours
        )
        need = problem.vehicles[vehicle].energy_needed_kwh
        if need <= 0:
            return available
        return available - need / full_kwh if full_kwh > 0 else -math.inf

    return sorted(
        range(len(problem.vehicles)),
        key=lambda v: (slack(v), -problem.vehicles[v].priority, v),
    )
