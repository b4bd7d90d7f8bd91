"""The baseline users compare against: every vehicle charges at full power.

This is what happens without a planner: a vehicle draws its maximum from the
moment it is plugged in until it is full. When the site or a fuse cannot carry
everyone, the vehicle that arrived first keeps its power (first come, first
served). The charger rules still hold (0 or at least the minimum, on the current
step grid), so the baseline is a plan a site could really run, and the savings
shown to users (baseline cost minus plan cost) are honest.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .algorithm import Algorithm, register
from .assemble import Allocation, nothing_to_plan
from .model import PlanStatus

if TYPE_CHECKING:
    from .algorithm import SolveOptions
    from .model import Plan, Problem


@register
class UncontrolledAlgorithm(Algorithm):
    """Charge as soon and as fast as possible, first come first served."""

    name = "uncontrolled"

    def plan(self, problem: Problem, options: SolveOptions) -> Plan:
        """Plan ``problem`` without looking at prices; ``options`` do not apply."""
        del options  # no time limit or gap applies to a single greedy pass
        started = time.perf_counter()
        allocation = Allocation(problem)
        arrival_order = sorted(
            range(len(problem.vehicles)),
            key=lambda v: (allocation.windows[v].start, problem.vehicles[v].arrival, v),
        )
        for vehicle in arrival_order:
            window = allocation.windows[vehicle]
            allocation.fill(vehicle, window, allocation.missing_units(vehicle))
            # A last bit below the minimum comes out of the latest full steps,
            # as a car that stops when full would do within its final steps.
            allocation.top_up(vehicle, window, window[::-1])
        return allocation.plan(
            algorithm=self.name,
            status=PlanStatus.EMPTY
            if nothing_to_plan(problem)
            else PlanStatus.HEURISTIC,
            solve_ms=(time.perf_counter() - started) * 1000,
        )
