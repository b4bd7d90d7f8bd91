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
4. Room the greedy left or handed out badly is reclaimed, energy first:
   :func:`.assemble.reclaim_fragments` (phase room below a charger minimum),
   then :func:`displace` (others lowered, to 0 if need be, where a short
   vehicle would charge more: a 3-phase charger beside a 1-phase one that holds
   its fuse phase, a tight vehicle in the steps a flexible one took). Either
   keeps a move only if it adds grid energy; a minimum energy may move later
   but never ends below what step 2 placed.
5. :func:`balance` shares what is still missed by priority among vehicles
   whose chargers draw alike, as ``lp`` does.

Where the fuse binds (scripts/bench's fleets) this comes within 4 % of
``lp``'s energy; a plan of 50 vehicles x 96 steps takes tens of milliseconds.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from .algorithm import Algorithm, register
from .assemble import (
    Allocation,
    fuse_capacity_a,
    nothing_to_plan,
    reclaim_fragments,
    site_capacity_kw,
)
from .model import PlanStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .algorithm import SolveOptions
    from .model import Plan, Problem

_EPS = 1e-9
_TOLERANCE = 1e-6  # a minimum energy kept "in full" up to float noise


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
        displace(allocation, order)
        balance(allocation)
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


DISPLACE_ROUNDS = 4  # passes of displace() while each still gains


def displace(allocation: Allocation, order: Sequence[int]) -> None:
    """Raise short vehicles where others hold the room, if the plan gains energy.

    The greedy passes hand out room vehicle by vehicle, so a flexible vehicle
    (or a minimum energy placed first) may hold the only steps a tight one has,
    and on a fuse phase a 1-phase charger may hold amperes that a 3-phase
    charger would turn into three times the power. Here each short vehicle of
    ``order``, in that order, tries the steps of its window cheapest first:
    where it cannot take what it misses, the others in that step are lowered
    (1-phase chargers first), all the way to 0 when their charger then runs
    alone below its minimum, just enough for it to take what it misses, or else
    its charger minimum (or one more step); the lowered vehicles take back what
    they lost in their other steps where room is left. A move is kept only if
    it adds grid energy and leaves every lowered vehicle with a minimum energy
    at least as much of it as before, so the plan never delivers less and a
    minimum energy may come later but never short. Unlike
    :func:`.assemble.reclaim_fragments` it lowers vehicles to 0 and frees room
    for more than a minimum, which is what a 3-phase charger needs beside a
    1-phase one that holds its phase at full current.
    """
    a = allocation
    prices = a.problem.prices
    by_price = [sorted(window, key=lambda t: (prices[t], t)) for window in a.windows]
    # Who may charge in each step, 1-phase chargers (least kW per A) first.
    present: list[list[int]] = [[] for _ in range(a.problem.horizon.steps)]
    for w in sorted(range(len(a.units)), key=lambda w: (a.unit_kw[w] / a.unit_a[w], w)):
        for t in a.windows[w]:
            present[t].append(w)
    for _ in range(DISPLACE_ROUNDS):
        gained = False
        for vehicle in order:
            units = allocation.units[vehicle]
            most = allocation.vehicle_unit_max[vehicle]
            for step in by_price[vehicle]:
                if not allocation.missing_units(vehicle):
                    break
                if units[step] < most and _displace_in(
                    allocation, vehicle, step, (by_price, present[step])
                ):
                    gained = True
        if not gained:
            return


def _wanted(allocation: Allocation, vehicle: int, step: int) -> tuple[int, int]:
    """Units ``vehicle`` could still take in ``step``, and the least it may add."""
    charger = allocation.charger_of[vehicle]
    total = allocation.charger_units[charger][step]
    wanted = min(
        allocation.missing_units(vehicle),
        allocation.vehicle_unit_max[vehicle] - allocation.units[vehicle][step],
        allocation.unit_max[charger] - total,
    )
    return wanted, 1 if total else allocation.unit_min[charger]


def _displace_in(
    allocation: Allocation,
    vehicle: int,
    step: int,
    lists: tuple[Sequence[Sequence[int]], Sequence[int]],
) -> bool:
    """One move of :func:`displace`; whether ``vehicle`` gained in ``step``.

    ``lists`` are every vehicle's window cheapest first and the vehicles that
    may charge in ``step``, in the order they are lowered.
    """
    by_price, present = lists
    wanted, least = _wanted(allocation, vehicle, step)
    if wanted < least:
        return False
    fits = allocation.addable(vehicle, step, wanted)
    if fits:
        allocation.add(vehicle, step, fits)
        wanted, least = _wanted(allocation, vehicle, step)
        if wanted < least:
            return True
    vehicles = allocation.problem.vehicles
    for to_zero in (False, True):
        blocked = False
        for target in sorted({least, wanted}):
            before = list(allocation.energy_kwh)
            log, full, stayed = _lower(
                allocation, (vehicle, step, target), present, to_zero=to_zero
            )
            blocked |= stayed
            added = allocation.addable(vehicle, step, wanted) if log else 0
            if added:
                allocation.add(vehicle, step, added)
                log.append((vehicle, step, added))
                # What the move gains at best: a lowered vehicle that missed
                # nothing may take all it lost back; one that was short is
                # taken to find no room, which the passes before looked for.
                donors = sorted({w for w, _, _ in log if w != vehicle})
                bound = sum(
                    u * allocation.unit_kw[w] for w, _, u in log if w not in full
                )
                if bound > _EPS:
                    for w in donors:
                        log.extend(_give_back(allocation, w, step, by_price[w]))
                    if sum(u * allocation.unit_kw[w] for w, _, u in log) > _EPS and all(
                        allocation.energy_kwh[w]
                        >= min(vehicles[w].min_energy_kwh, before[w]) - _TOLERANCE
                        for w in donors
                    ):
                        return True
            for w, t, units in reversed(log):
                allocation.add(w, t, -units)
        if not blocked:  # no charger stayed at its minimum: 0 would change nothing
            break
    return bool(fits)


def _lower(
    allocation: Allocation,
    move: tuple[int, int, int],
    present: Sequence[int],
    *,
    to_zero: bool,
) -> tuple[list[tuple[int, int, int]], set[int], bool]:
    """Lower the others in a step until more units of a vehicle fit.

    ``move`` is the vehicle, the step and how many units must fit; ``present``
    the vehicles that may charge in the step, 1-phase chargers first, since
    lowering one frees its phase at a third of a 3-phase charger's power. A
    charger stays at its minimum, or with ``to_zero`` goes off when its vehicle
    is alone on it. Returns the changes, the lowered vehicles that missed
    nothing before (only they can take energy back in other steps), and
    whether a charger stayed at its minimum that could have gone off.
    """
    a = allocation
    vehicle, step, target = move
    phases = a.charger_phases[a.charger_of[vehicle]] if a.has_fuse else ()
    site_short = target * a.unit_kw[vehicle] - a.site_free_kw[step]
    phase_short = {
        p: target * a.unit_a[vehicle] - a.phase_free_a[p][step] for p in phases
    }
    donors = [w for w in present if w != vehicle and a.units[w][step]]
    log: list[tuple[int, int, int]] = []
    full: set[int] = set()
    stayed = False
    for w in donors:
        short = [p for p, amps in phase_short.items() if amps > _EPS]
        if site_short <= _EPS and not short:
            break
        charger = a.charger_of[w]
        relieves = [p for p in short if p in a.charger_phases[charger]]
        needed = [math.ceil(phase_short[p] / a.unit_a[w] - _EPS) for p in relieves]
        if site_short > _EPS:
            needed.append(math.ceil(site_short / a.unit_kw[w] - _EPS))
        take = min(max(needed, default=0), a.units[w][step])
        total = a.charger_units[charger][step]
        if 0 < total - take < a.unit_min[charger]:
            alone = total == a.units[w][step]
            stayed |= alone and not to_zero
            take = (
                a.units[w][step] if to_zero and alone else total - a.unit_min[charger]
            )
        if take <= 0:
            continue
        if not a.missing_units(w):
            full.add(w)
        a.add(w, step, -take)
        log.append((w, step, -take))
        site_short -= take * a.unit_kw[w]
        for p in relieves:
            phase_short[p] -= take * a.unit_a[w]
    return log, full, stayed


def _give_back(
    allocation: Allocation, vehicle: int, skip: int, steps: Sequence[int]
) -> list[tuple[int, int, int]]:
    """Let ``vehicle`` take back what it misses in ``steps`` but ``skip``."""
    log = []
    lost = allocation.missing_units(vehicle)
    for t in steps:
        if not lost:
            break
        if t != skip:
            back = allocation.addable(vehicle, t, lost)
            if back:
                allocation.add(vehicle, t, back)
                log.append((vehicle, t, back))
                lost = allocation.missing_units(vehicle)
    return log


BALANCE_ROUNDS = 4  # passes of balance(); it stops earlier once nothing moves
FAIRNESS_FLOOR_KWH = 1.0  # as lp: a tiny attainable need does not weigh unboundedly


def footprint(allocation: Allocation, vehicle: int) -> tuple[object, ...]:
    """What one current step of ``vehicle`` takes: its phases, amperes and kW.

    Vehicles with the same footprint compete for the same capacity on equal
    terms: a step moved from one to the other leaves every limit and the grid
    energy as they were.
    """
    charger = allocation.charger_of[vehicle]
    return (
        allocation.charger_phases[charger],
        allocation.unit_a[vehicle],
        allocation.unit_kw[vehicle],
    )


def attainable_kwh(allocation: Allocation, vehicle: int) -> float:
    """What ``vehicle`` could get alone on the site, capped by its need (lp's A_v).

    A share of this, not of the need, is what fairness compares: a vehicle that
    could never be served in full does not draw everything towards it.
    """
    a = allocation
    problem = a.problem
    charger = a.charger_of[vehicle]
    most = min(a.vehicle_unit_max[vehicle], a.unit_max[charger])
    alone = 0
    for t in a.windows[vehicle]:
        usable = min(
            most, math.floor(site_capacity_kw(problem, t) / a.unit_kw[vehicle] + _EPS)
        )
        if a.has_fuse:
            for phase in a.charger_phases[charger]:
                usable = min(
                    usable,
                    math.floor(
                        fuse_capacity_a(problem, t, phase + 1) / a.unit_a[vehicle]
                        + _EPS
                    ),
                )
        if usable >= a.unit_min[charger]:
            alone += usable
    return min(a.need_kwh[vehicle], alone * a.unit_kwh[vehicle])


def balance(allocation: Allocation) -> None:
    """Share what is missed fairly among vehicles that compete on equal terms.

    A vehicle's *share* is its priority times its grid kWh short of what it
    could get alone (:func:`attainable_kwh`), over that (at least 1 kWh): what
    ``lp`` makes as equal as it can. Among vehicles of one :func:`footprint`,
    current moves in a step both can charge in, from the one with the smaller
    share to the one with the larger, as long as the larger share gets smaller
    (the two end as close as whole current steps allow), within every limit and
    charger minimum, never taking a vehicle's minimum energy below what it had;
    the one that gave takes back what it can in its other steps, so no move
    loses energy. The passes repeat until nothing moves (at most
    :data:`BALANCE_ROUNDS`). Vehicles of different footprints are not
    balanced: a step moved from a 3-phase to a 1-phase charger on a fuse phase
    would lose two thirds of its power, and energy comes first (as in ``lp``).
    """
    _Balancer(allocation).run()


def _room(allocation: Allocation, vehicle: int, step: int) -> int:
    """Units ``vehicle`` could take in ``step`` as far as it and its charger go."""
    a = allocation
    charger = a.charger_of[vehicle]
    return max(
        0,
        min(
            a.missing_units(vehicle),
            a.vehicle_unit_max[vehicle] - a.units[vehicle][step],
            a.unit_max[charger] - a.charger_units[charger][step],
        ),
    )


class _Balancer:
    """The state of :func:`balance`: shares, groups and who may charge when."""

    def __init__(self, allocation: Allocation) -> None:
        """Group the vehicles by footprint and compute every share once."""
        a = self.allocation = allocation
        problem = a.problem
        vehicles = problem.vehicles
        count = len(vehicles)
        self.attainable = [attainable_kwh(a, v) for v in range(count)]
        # Share per battery kWh short (grid kWh, as lp counts), and per step.
        self.per_kwh = [
            vehicles[v].priority
            / max(self.attainable[v], FAIRNESS_FLOOR_KWH)
            / vehicles[v].efficiency
            for v in range(count)
        ]
        self.per_unit = [self.per_kwh[v] * a.unit_kwh[v] for v in range(count)]
        groups: dict[tuple[object, ...], list[int]] = {}
        for v in range(count):
            if self.attainable[v] > 0:
                groups.setdefault(footprint(a, v), []).append(v)
        self.groups = [members for members in groups.values() if len(members) > 1]
        prices = problem.prices
        self.by_price = [
            sorted(window, key=lambda t: (prices[t], t)) for window in a.windows
        ]
        self.present: list[list[list[int]]] = []
        for members in self.groups:
            at_step: list[list[int]] = [[] for _ in range(problem.horizon.steps)]
            for v in members:
                for t in a.windows[v]:
                    at_step[t].append(v)
            self.present.append(at_step)
        self.level = [0.0] * count
        for v in range(count):
            self.refresh(v)

    def refresh(self, vehicle: int) -> None:
        """Recompute ``vehicle``'s share after its energy changed."""
        short = self.attainable[vehicle] - self.allocation.energy_kwh[vehicle]
        self.level[vehicle] = self.per_kwh[vehicle] * max(0.0, short)

    def run(self) -> None:
        """Pass over every group until nothing moves, at most BALANCE_ROUNDS."""
        for _ in range(BALANCE_ROUNDS):
            moved = False
            for members, at_step in zip(self.groups, self.present, strict=True):
                moved |= self.pass_over(members, at_step)
            if not moved:
                return

    def pass_over(
        self, members: Sequence[int], at_step: Sequence[Sequence[int]]
    ) -> bool:
        """One pass over a group, the largest share first; whether anything moved."""
        a = self.allocation
        level = self.level
        per_unit = self.per_unit
        smallest = min(per_unit[v] for v in members)
        moved = False
        for poor in sorted(
            (v for v in members if level[v] > _EPS), key=lambda v: (-level[v], v)
        ):
            for step in self.by_price[poor]:
                if level[poor] <= smallest:
                    break
                if not _room(a, poor, step):
                    continue
                # A whole step must fit in the gap, or nothing moves.
                givers = [
                    r
                    for r in at_step[step]
                    if a.units[r][step] and level[poor] - level[r] > per_unit[r]
                ]
                for rich in sorted(givers, key=lambda r: (level[r], r)):
                    if level[poor] - level[rich] > per_unit[rich]:
                        moved |= self.move(rich, poor, step)
        return moved

    def move(self, rich: int, poor: int, step: int) -> bool:
        """Move current in ``step`` from ``rich`` to ``poor`` if that is fairer."""
        a = self.allocation
        per_unit = self.per_unit
        gap = self.level[poor] - self.level[rich]  # > per_unit[rich] (pass_over)
        poor_charger = a.charger_of[poor]
        rich_charger = a.charger_of[rich]
        poor_total = a.charger_units[poor_charger][step]
        room = _room(a, poor, step)
        # The larger share shrinks as long as the smaller stays below it; half-way
        # is as equal as they get.
        most = min(
            room, a.units[rich][step], math.ceil(gap / per_unit[rich] - _EPS) - 1
        )
        units = min(most, max(1, round(gap / (per_unit[rich] + per_unit[poor]))))
        if poor_charger != rich_charger:
            rich_left = a.charger_units[rich_charger][step] - units
            if 0 < rich_left < a.unit_min[rich_charger]:
                # The giver goes off if it may give all, else stays at its minimum.
                if (
                    rich_left + units == a.units[rich][step]
                    and a.units[rich][step] <= most
                ):
                    units = a.units[rich][step]
                else:
                    units = (
                        a.charger_units[rich_charger][step] - a.unit_min[rich_charger]
                    )
            if not poor_total and units < a.unit_min[poor_charger]:
                units = (
                    a.unit_min[poor_charger] if a.unit_min[poor_charger] <= most else 0
                )
                rich_left = a.charger_units[rich_charger][step] - units
                if 0 < rich_left < a.unit_min[rich_charger]:
                    units = 0
        if units <= 0:
            return False
        minimum = a.problem.vehicles[rich].min_energy_kwh
        kept = min(minimum, a.energy_kwh[rich])
        if a.energy_kwh[rich] - units * a.unit_kwh[rich] < kept - _TOLERANCE:
            return False
        a.add(rich, step, -units)
        if a.addable(poor, step, units) != units:
            a.add(rich, step, units)
            return False
        a.add(poor, step, units)
        _give_back(a, rich, step, self.by_price[rich])
        self.refresh(rich)
        self.refresh(poor)
        return True
