"""Turn requested powers into a plan that chargers can actually follow.

A solver thinks in continuous kW; a charger takes a current setpoint that is 0 or
between its minimum and maximum, in multiples of its current step. This module is
the one place where that translation happens, so every algorithm gets the same
guarantees: no hard limit is ever broken, no power outside a vehicle's window, and
never more energy than a vehicle needs (Opti-VGI broke all three, see
docs/optimizer.md), but for the last current steps that meet the need: less than
one minimum step past it (:meth:`.model.Problem.energy_cap_kwh`).

Currents are kept as integer multiples of the charger's current step ("units")
while planning, so being on the step grid holds by construction instead of by
float comparisons.

Several vehicles on one charger in the same step (overlapping reservations) are
allowed: the 0-or-[minimum, maximum] rule and the step grid apply to the charger's
total, and each vehicle's share is itself on the step grid. When a rounded charger
current has to be split, the vehicles get it in the order of ``problem.vehicles``,
each up to what it asked for.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .model import (
    ChargerPlan,
    Plan,
    PlanStatus,
    Problem,
    VehiclePlan,
    effective_problem,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from .model import Charger, Vehicle

TOLERANCE = 1e-6  # the slack check_plan allows on every hard limit
_EPS = 1e-9  # guards floor/ceil against float noise such as 6.999999999
_PHASES = (1, 2, 3)
RECLAIM_ROUNDS = 4  # passes of reclaim_fragments while each still gains


def nothing_to_plan(problem: Problem) -> bool:
    """Whether no vehicle can charge in the horizon, the meaning of ``EMPTY``."""
    return not any(problem.window(vehicle) for vehicle in problem.vehicles)


def base_load_per_phase_a(problem: Problem, step: int, phase: int) -> float:
    """Forecast house current on ``phase``: the base load spread over the site phases.

    A phase the site does not have carries no base load, so a charger wired to it
    by mistake is still held to the fuse instead of being left unchecked.
    """
    site = problem.site
    if phase > site.phases:
        return 0.0
    return site.base_kw(step) * 1000 / (site.phases * site.voltage_v)


def site_capacity_kw(problem: Problem, step: int) -> float:
    """Charger power the site allows in ``step``: the limit minus base and fixed loads.

    Never negative: when the house alone exceeds the limit the chargers must stay
    off, and that is all a plan can do about it.
    """
    site = problem.site
    return max(0.0, site.limit_kw(step) - site.base_kw(step) - site.fixed_kw(step))


def fuse_capacity_a(problem: Problem, step: int, phase: int) -> float:
    """Charger current the fuse allows on ``phase`` in ``step`` (inf without fuse)."""
    site = problem.site
    if site.fuse_limit_a is None:
        return math.inf
    return max(
        0.0,
        site.fuse_limit_a
        - base_load_per_phase_a(problem, step, phase)
        - site.fixed_a(step, phase),
    )


class Allocation:
    """Mutable working state of a plan in current units, shared by the planners.

    It tracks what each charger, the site and each phase still have left in every
    step, so a planner that only ever calls :meth:`addable` before :meth:`add`
    cannot break a hard limit. Plain lists instead of per-step objects keep a
    200-vehicle, 192-step heuristic plan at about 25 ms.
    """

    def __init__(self, problem: Problem) -> None:
        """Precompute every per-vehicle and per-step constant the planners need."""
        self.problem = problem
        steps = problem.horizon.steps
        hours = problem.horizon.step_hours
        index = {charger.id: i for i, charger in enumerate(problem.chargers)}
        chargers = problem.chargers
        # Charger limits in units of its current step.
        self.unit_min = [
            max(1, math.ceil(c.min_current_a / c.current_step_a - _EPS))
            for c in chargers
        ]
        self.unit_max = [
            math.floor(c.max_current_a / c.current_step_a + _EPS) for c in chargers
        ]
        self.charger_units = [[0] * steps for _ in chargers]
        self.charger_phases = [
            tuple(p - 1 for p in _PHASES if c.loads_phase(p)) for c in chargers
        ]
        self.site_free_kw = [site_capacity_kw(problem, t) for t in range(steps)]
        self.has_fuse = problem.site.fuse_limit_a is not None
        self.phase_free_a = [
            [fuse_capacity_a(problem, t, p) for t in range(steps)] for p in _PHASES
        ]
        vehicles = problem.vehicles
        self.charger_of = [index[v.charger_id] for v in vehicles]
        self.unit_a = [chargers[c].current_step_a for c in self.charger_of]
        self.unit_kw = [
            chargers[c].current_step_a * chargers[c].kw_per_a for c in self.charger_of
        ]
        self.unit_kwh = [
            kw * hours * v.efficiency
            for kw, v in zip(self.unit_kw, vehicles, strict=True)
        ]
        self.vehicle_unit_max = [
            min(
                self.unit_max[c],
                math.floor(problem.vehicle_max_kw(v) / kw + _EPS),
            )
            for v, c, kw in zip(vehicles, self.charger_of, self.unit_kw, strict=True)
        ]
        self.windows = [problem.window(v) for v in vehicles]
        self.need_kwh = [v.energy_needed_kwh for v in vehicles]
        self.cap_kwh = [problem.energy_cap_kwh(v) for v in vehicles]
        self.units = [[0] * steps for _ in vehicles]
        self.energy_kwh = [0.0] * len(vehicles)
        # A unit in step t delivers unit_kwh times this (the first step may
        # have only part of its time left, see Horizon.first_share).
        self.share = problem.horizon.shares

    def missing_units(self, vehicle: int, step: int | None = None) -> int:
        """Current units ``vehicle`` still needs: its need rounded up to a unit.

        Rounded up, so the need is met rather than left short by a fraction of
        a unit, but never past the vehicle's cap (:meth:`.Problem.energy_cap_kwh`).
        Units of a whole step; of ``step`` when given (the first step's units
        may deliver less, so more of them fit).
        """
        missing = self.need_kwh[vehicle] - self.energy_kwh[vehicle]
        if missing <= TOLERANCE:
            return 0
        unit = self.unit_kwh[vehicle] * (1.0 if step is None else self.share[step])
        room = self.cap_kwh[vehicle] - self.energy_kwh[vehicle]
        return max(
            0,
            min(
                math.ceil(missing / unit - _EPS),
                math.floor(room / unit + _EPS),
            ),
        )

    def addable(self, vehicle: int, step: int, wanted: int) -> int:
        """How many of ``wanted`` units ``vehicle`` may add in ``step``, 0 if none.

        Checks the vehicle and charger maxima, the site and every loaded phase;
        a charger that is off must come on with at least its minimum, so a step
        where the minimum does not fit is unusable rather than overloaded.
        """
        charger = self.charger_of[vehicle]
        total = self.charger_units[charger][step]
        units = min(
            wanted,
            self.vehicle_unit_max[vehicle] - self.units[vehicle][step],
            self.unit_max[charger] - total,
            math.floor(self.site_free_kw[step] / self.unit_kw[vehicle] + _EPS),
        )
        if self.has_fuse:
            unit_a = self.unit_a[vehicle]
            for phase in self.charger_phases[charger]:
                units = min(
                    units, math.floor(self.phase_free_a[phase][step] / unit_a + _EPS)
                )
        if units <= 0 or (total == 0 and units < self.unit_min[charger]):
            return 0
        return units

    def add(self, vehicle: int, step: int, units: int) -> None:
        """Change ``vehicle``'s current in ``step`` by ``units`` (negative removes).

        No checks: callers use :meth:`addable` first, or :meth:`set_units` to
        remove, which keeps the charger minimum.
        """
        charger = self.charger_of[vehicle]
        self.units[vehicle][step] += units
        self.charger_units[charger][step] += units
        self.site_free_kw[step] -= units * self.unit_kw[vehicle]
        current = units * self.unit_a[vehicle]
        for phase in self.charger_phases[charger]:
            self.phase_free_a[phase][step] -= current
        self.energy_kwh[vehicle] += units * self.unit_kwh[vehicle] * self.share[step]

    def set_units(self, vehicle: int, step: int, units: int) -> None:
        """Lower ``vehicle``'s current in ``step`` to ``units``, keeping the minimum.

        If the charger's total would end up between 0 and its minimum, the whole
        charger goes off in that step (every vehicle on it): only 0 is allowed
        there. The repair pass can give the energy back elsewhere.
        """
        self.add(vehicle, step, units - self.units[vehicle][step])
        charger = self.charger_of[vehicle]
        if 0 < self.charger_units[charger][step] < self.unit_min[charger]:
            for other, other_charger in enumerate(self.charger_of):
                if other_charger == charger and self.units[other][step]:
                    self.add(other, step, -self.units[other][step])

    def fill(self, vehicle: int, steps: Iterable[int], units: int) -> None:
        """Give ``vehicle`` up to ``units`` more units, as much as fits per step.

        Steps are tried in the order given and those outside the window skipped.
        This greedy is the core of the heuristic and the uncontrolled baseline;
        they differ only in the order of steps and vehicles. Callers cap
        ``units`` with :meth:`missing_units`, so the need is never exceeded.
        """
        window = self.windows[vehicle]
        for step in steps:
            if units <= 0:
                return
            if step not in window:
                continue
            share = self.share[step]
            if share >= 1:
                added = self.addable(vehicle, step, units)
                if added:
                    self.add(vehicle, step, added)
                    units -= added
                continue
            # A unit of a shortened first step counts for its share of one.
            wanted = min(
                math.ceil(units / share - _EPS), self.missing_units(vehicle, step)
            )
            added = self.addable(vehicle, step, wanted)
            if added:
                self.add(vehicle, step, added)
                units -= math.floor(added * share + _EPS)
                units = min(units, self.missing_units(vehicle))

    def top_up(
        self, vehicle: int, open_steps: Iterable[int], give_back: Sequence[int]
    ) -> None:
        """Deliver a remainder smaller than the charger minimum by shifting current.

        When a vehicle still misses a few units but every step it uses is full
        and an idle step needs at least the minimum, :meth:`fill` cannot place
        them, which can cost up to a minimum's worth of energy (4 kWh per hour
        at 6 A on three phases). Instead the first step of ``open_steps`` that
        takes the minimum is switched on, and the excess is taken back from the
        vehicle's steps in ``give_back`` order, never below the minimum there:
        as much as keeps the need met, and at least what would go past the
        vehicle's cap (a need below one minimum step may be met with one, as
        the cap allows). Nothing changes when that is not possible.
        """
        if not self.missing_units(vehicle):
            return
        charger = self.charger_of[vehicle]
        minimum = self.unit_min[charger]
        units = self.units[vehicle]
        for opened in open_steps:
            if units[opened] or opened not in self.windows[vehicle]:
                continue
            if self.addable(vehicle, opened, minimum) != minimum:
                continue
            unit = self.unit_kwh[vehicle]
            after = self.energy_kwh[vehicle] + minimum * unit * self.share[opened]
            # What goes past the cap must go (kWh); more may, as long as the
            # need stays met. Whole steps' units, the first step's at its share.
            required = max(0.0, after - self.cap_kwh[vehicle])
            allowed = max(required, after - self.need_kwh[vehicle])
            removals = []
            for step in give_back:
                if required <= _EPS and allowed < unit - _EPS:
                    break  # less than a whole step's unit may still go
                if step == opened:
                    continue
                per_unit = unit * self.share[step]
                take = math.floor(allowed / per_unit + _EPS)
                if take * per_unit < required - _EPS:
                    take = math.ceil(required / per_unit - _EPS)
                spare = self.charger_units[charger][step] - minimum
                take = min(take, units[step], spare)
                if take > 0:
                    removals.append((step, take))
                    allowed -= take * per_unit
                    required -= take * per_unit
            removed = sum(take * unit * self.share[step] for step, take in removals)
            gained = minimum * unit * self.share[opened]
            if required <= _EPS and removed < gained - _EPS:
                self.add(vehicle, opened, minimum)
                for step, take in removals:
                    self.add(vehicle, step, -take)
            return

    def plan(
        self,
        *,
        algorithm: str,
        status: PlanStatus,
        solve_ms: float,
        message: str = "",
        statistics: Mapping[str, float] | None = None,
    ) -> Plan:
        """Freeze the allocation into a :class:`Plan` with every derived figure."""
        problem = self.problem
        horizon = problem.horizon
        steps = range(horizon.steps)
        hours = [horizon.hours(t) for t in steps]
        prices = problem.prices
        charger_current = [[0.0] * horizon.steps for _ in problem.chargers]
        vehicle_plans = []
        for v, vehicle in enumerate(problem.vehicles):
            units = self.units[v]
            charger = problem.charger(vehicle.charger_id)
            current = [u * charger.current_step_a for u in units]
            totals = charger_current[self.charger_of[v]]
            for t in steps:
                totals[t] += current[t]
            power = tuple(a * charger.kw_per_a for a in current)
            energy = (
                sum(kw * h for kw, h in zip(power, hours, strict=True))
                * vehicle.efficiency
            )
            vehicle_plans.append(
                VehiclePlan(
                    vehicle_id=vehicle.id,
                    charger_id=vehicle.charger_id,
                    power_kw=power,
                    current_a=tuple(current),
                    energy_kwh=energy,
                    shortfall_kwh=max(0.0, vehicle.energy_needed_kwh - energy),
                    completion=self._completion(v, vehicle, energy),
                    cost=sum(
                        p * kw * h
                        for p, kw, h in zip(prices, power, hours, strict=True)
                    ),
                )
            )
        charger_plans = tuple(
            ChargerPlan(
                charger_id=charger.id,
                current_a=tuple(current),
                power_kw=tuple(a * charger.kw_per_a for a in current),
            )
            for charger, current in zip(problem.chargers, charger_current, strict=True)
        )
        site = tuple(sum(c.power_kw[t] for c in charger_plans) for t in steps)
        return Plan(
            horizon=horizon,
            vehicles=tuple(vehicle_plans),
            chargers=charger_plans,
            site_power_kw=site,
            cost=sum(vp.cost for vp in vehicle_plans),
            algorithm=algorithm,
            status=status,
            solve_ms=solve_ms,
            message=message,
            statistics=dict(statistics or {}),
        )

    def _completion(self, v: int, vehicle: Vehicle, energy: float) -> datetime | None:
        """End of the last step with power, if the vehicle is served in full.

        "In full" is up to one current unit of energy: with setpoints on a step
        grid and never more than the need, the last fraction of a unit cannot be
        delivered, and calling such a vehicle unfinished would be noise.
        """
        if vehicle.energy_needed_kwh - energy > self.unit_kwh[v] + TOLERANCE:
            return None
        last = max((t for t, u in enumerate(self.units[v]) if u), default=None)
        if last is None:
            return self.problem.horizon.start
        return self.problem.horizon.step_start(last + 1)


def assemble_plan(
    problem: Problem,
    power_kw: Sequence[Sequence[float]],
    *,
    algorithm: str,
    status: PlanStatus,
    solve_ms: float,
    message: str = "",
    statistics: Mapping[str, float] | None = None,
    reclaim_from_others: bool = False,
) -> Plan:
    """Build a feasible plan from requested grid powers ``power_kw[vehicle][step]``.

    The request may come straight from a solver (noisy, slightly over a limit, a
    trickle below a minimum): it is clipped to the windows and maxima, rounded
    down to the current grid, pushed under the site and fuse limits and the
    vehicles' needs, and then topped up again in the cheapest steps, because
    rounding down alone would leave energy on the table. It works on what the
    cars draw (:func:`.model.effective_problem`), whoever calls it.

    Last, room that rounding stranded below a charger minimum is reclaimed
    (:func:`reclaim_fragments`). By default no vehicle gives up energy for it,
    so a feasible request comes back with at least its energy per vehicle;
    ``reclaim_from_others`` lets a vehicle lose some where another gains more
    (``lp``: energy first).
    """
    problem = effective_problem(problem)
    steps = problem.horizon.steps
    if len(power_kw) != len(problem.vehicles) or any(
        len(row) != steps for row in power_kw
    ):
        raise ValueError("power_kw needs one row per vehicle and one value per step")
    allocation = Allocation(problem)
    _round_down(allocation, power_kw)
    _enforce_limits(allocation)
    _trim_to_need(allocation)
    _repair(allocation)
    # Rounding a trickle below a minimum away strands the room it had: start
    # the vehicles that miss the most there, higher priority first.
    reclaim_fragments(
        allocation,
        others_may_lose=reclaim_from_others,
        lower_urgent=reclaim_from_others,
        vehicles=sorted(
            range(len(problem.vehicles)),
            key=lambda v: (
                -problem.vehicles[v].priority,
                -allocation.missing_units(v) * allocation.unit_kwh[v],
                v,
            ),
        ),
    )
    return allocation.plan(
        algorithm=algorithm,
        status=status,
        solve_ms=solve_ms,
        message=message,
        statistics=statistics,
    )


def _round_down(allocation: Allocation, power_kw: Sequence[Sequence[float]]) -> None:
    """Put the request on each charger's current grid, rounding down.

    The charger total is rounded, not each vehicle, so two vehicles sharing a
    charger do not each lose a fraction; the total is then handed to the vehicles
    in order, each up to its own request rounded up. A total below the charger
    minimum becomes 0.
    """
    vehicles_on: list[list[int]] = [[] for _ in allocation.problem.chargers]
    for vehicle, charger in enumerate(allocation.charger_of):
        vehicles_on[charger].append(vehicle)
    for charger, members in enumerate(vehicles_on):
        for step in range(allocation.problem.horizon.steps):
            requests = []
            for vehicle in members:
                kw = power_kw[vehicle][step]
                if not kw > 0 or step not in allocation.windows[vehicle]:
                    continue  # also drops NaN
                units = min(
                    kw / allocation.unit_kw[vehicle],
                    allocation.vehicle_unit_max[vehicle],
                )
                requests.append((vehicle, units))
            left = min(
                math.floor(sum(units for _, units in requests) + _EPS),
                allocation.unit_max[charger],
            )
            shares = []
            for vehicle, units in requests:
                share = min(left, math.ceil(units - _EPS))
                shares.append((vehicle, share))
                left -= share
            if sum(share for _, share in shares) >= allocation.unit_min[charger]:
                for vehicle, share in shares:
                    allocation.add(vehicle, step, share)


def _enforce_limits(allocation: Allocation) -> None:
    """Take current away, last vehicle first, where the site or a phase is over.

    Only a request that ignored the limits (or sits on them with float noise)
    gets here; the amount removed is one unit at a time so no more is lost than
    needed, apart from a charger dropping from its minimum to 0.
    """
    last_first = range(len(allocation.units) - 1, -1, -1)
    for step in range(allocation.problem.horizon.steps):
        for vehicle in last_first:
            units = allocation.units[vehicle]
            while units[step] and _overloads(allocation, vehicle, step):
                allocation.set_units(vehicle, step, units[step] - 1)


def _overloads(allocation: Allocation, vehicle: int, step: int) -> bool:
    """Whether the site, or a phase ``vehicle``'s charger loads, is over in ``step``."""
    if allocation.site_free_kw[step] < -_EPS:
        return True
    phases = allocation.charger_phases[allocation.charger_of[vehicle]]
    return any(allocation.phase_free_a[phase][step] < -_EPS for phase in phases)


def _trim_to_need(allocation: Allocation) -> None:
    """Remove energy above each vehicle's cap from its most expensive steps.

    Delivering more than requested was Opti-VGI's GoAlgorithm bug (up to 157 %);
    here the cap (the need, and less than one minimum step past it, see
    :meth:`.Problem.energy_cap_kwh`) is hard. Among equal prices the latest
    step goes first.
    """
    prices = allocation.problem.prices
    for vehicle, units in enumerate(allocation.units):
        unit_kwh = allocation.unit_kwh[vehicle]
        cap = allocation.cap_kwh[vehicle]
        while allocation.energy_kwh[vehicle] > cap + _EPS:
            excess = allocation.energy_kwh[vehicle] - cap
            step = max(
                (t for t, u in enumerate(units) if u), key=lambda t: (prices[t], t)
            )
            remove = math.ceil(excess / (unit_kwh * allocation.share[step]) - _EPS)
            allocation.set_units(vehicle, step, max(0, units[step] - remove))


def _repair(allocation: Allocation) -> None:
    """Give back, cheapest steps first, energy that rounding and trimming lost.

    Every vehicle short of its need competes for its window's steps in price
    order (then time, then higher priority); :meth:`Allocation.addable` keeps
    every limit. A last remainder below the charger minimum is then shifted in
    with :meth:`Allocation.top_up`, paid for by the most expensive steps.
    """
    problem = allocation.problem
    prices = problem.prices
    short = [v for v in range(len(problem.vehicles)) if allocation.missing_units(v)]
    candidates = sorted(
        (prices[t], t, -problem.vehicles[v].priority, v)
        for v in short
        for t in allocation.windows[v]
    )
    for _, step, _, vehicle in candidates:
        wanted = allocation.missing_units(vehicle, step)
        if wanted:
            units = allocation.addable(vehicle, step, wanted)
            if units:
                allocation.add(vehicle, step, units)
    for vehicle in short:
        window = allocation.windows[vehicle]
        car = problem.vehicles[vehicle]
        if car.min_energy_kwh >= car.energy_needed_kwh - TOLERANCE > 0:
            # All of it wanted at once (fast mode): the next step opens, the
            # last ones give back, as for a car that charges until it is full.
            allocation.top_up(vehicle, window, window[::-1])
            continue
        allocation.top_up(
            vehicle,
            sorted(window, key=lambda t: (prices[t], t)),
            sorted(window, key=lambda t: (-prices[t], -t)),
        )


def reclaim_fragments(
    allocation: Allocation,
    vehicles: Sequence[int],
    *,
    others_may_lose: bool = True,
    lower_urgent: bool = False,
    fragments_only: bool = True,
) -> None:
    """Start or raise short vehicles where the room left is a fragment too small.

    A charger that is off needs its minimum (6 A) on every phase it loads. When
    1-phase chargers take most of a phase, the few amperes left on each phase are
    stranded: no 3-phase charger can start there, and the greedy passes leave
    them unused (a 13 A 1-phase charger on each phase of a 3 x 16 A fuse strands
    3 A on all three for every 3-phase charger). Likewise a 3-phase charger that
    is on cannot take one more step (0.69 kW) from 0.24 kW left on a site whose
    1-phase chargers take 0.23 kW steps. Here each short vehicle of
    ``vehicles``, in that order, tries the steps of its window cheapest first:
    where a fragment is left on everything it loads, and the chargers already
    on there can spare the rest above their own minimum, they are lowered just
    enough for it to start (or to take one more step), and get what they lost
    back in their other steps where room is left. A move is kept only if it
    adds grid energy, so the plan never delivers less than before; the pass
    repeats while it gains, up to :data:`RECLAIM_ROUNDS` times. Without
    ``others_may_lose`` a move is also undone when a lowered vehicle cannot take
    back all it lost, so no vehicle ends with less (what rounding promises);
    with it (``lp`` and the heuristic: energy first) one may lose what another
    gains more of. Vehicles with a minimum energy are lowered only with
    ``lower_urgent`` (``lp``, whose energy comes before the minimum's hour).
    Without ``fragments_only`` (the heuristic) steps with no room left at all
    are tried too: the vehicles lowered there may take their energy back in
    other steps of their windows, which frees whole steps for the short one
    (a flexible car that took the only hours a tight one has). That costs more
    time (50 vehicles x 96 steps: 20 to about 60 ms) and is what brings the
    heuristic within 5 % of ``lp`` on most fuse-bound fleets.
    """
    problem = allocation.problem
    prices = problem.prices
    cheapest = sorted(range(problem.horizon.steps), key=lambda t: (prices[t], t))
    hours = problem.horizon.step_hours
    for _ in range(RECLAIM_ROUNDS):
        before = _grid_kw(allocation)
        for vehicle in vehicles:
            window = allocation.windows[vehicle]
            units = allocation.units[vehicle]
            most = allocation.vehicle_unit_max[vehicle]
            for step in cheapest:
                if not allocation.missing_units(vehicle):
                    break
                if step in window and units[step] < most:
                    _start_in_fragment(
                        allocation,
                        vehicle,
                        step,
                        cheapest,
                        hours,
                        others_may_lose=others_may_lose,
                        lower_urgent=lower_urgent,
                        fragments_only=fragments_only,
                    )
        if _grid_kw(allocation) <= before + _EPS:
            return


def _grid_kw(allocation: Allocation) -> float:
    """Charger power summed over the steps: the grid energy in step-kW."""
    return sum(
        sum(units) * kw
        for units, kw in zip(allocation.units, allocation.unit_kw, strict=True)
    )


def _start_in_fragment(
    allocation: Allocation,
    vehicle: int,
    step: int,
    cheapest: Sequence[int],
    hours: float,
    *,
    others_may_lose: bool,
    lower_urgent: bool,
    fragments_only: bool,
) -> None:
    """One move of :func:`reclaim_fragments`: start or raise ``vehicle`` in ``step``.

    A charger that is off needs its minimum, one that is on one more step.
    """
    charger = allocation.charger_of[vehicle]
    total = allocation.charger_units[charger][step]
    minimum = 1 if total else allocation.unit_min[charger]
    wanted = min(
        allocation.missing_units(vehicle),
        allocation.vehicle_unit_max[vehicle] - allocation.units[vehicle][step],
        allocation.unit_max[charger] - total,
    )
    if wanted < minimum:
        return
    fits = allocation.addable(vehicle, step, wanted)
    if fits:
        allocation.add(vehicle, step, fits)
        return
    phases = allocation.charger_phases[charger] if allocation.has_fuse else ()
    # With no room at all on a dimension, lowering others gives this vehicle no
    # more than they lose unless they can take it back elsewhere.
    if fragments_only and (
        allocation.site_free_kw[step] <= _EPS
        or any(allocation.phase_free_a[p][step] <= _EPS for p in phases)
    ):
        return
    log = _lower_others(
        allocation, vehicle, step, phases, minimum, lower_urgent=lower_urgent
    )
    added = allocation.addable(vehicle, step, wanted)
    if added:
        donors = {w for w, _, _ in log}
        allocation.add(vehicle, step, added)
        log.append((vehicle, step, added))
        for w in sorted(donors):
            log.extend(_give_back(allocation, w, step, cheapest))
    gained = (
        sum(units * allocation.unit_kw[w] * allocation.share[t] for w, t, units in log)
        * hours
    )
    change: dict[int, int] = {}
    for w, _, units in log:
        change[w] = change.get(w, 0) + units
    if gained > _EPS and (others_may_lose or min(change.values()) >= 0):
        return
    for w, t, units in reversed(log):
        allocation.add(w, t, -units)


def _lower_others(
    allocation: Allocation,
    vehicle: int,
    step: int,
    phases: Sequence[int],
    minimum: int,
    *,
    lower_urgent: bool,
) -> list[tuple[int, int, int]]:
    """Lower the others in ``step`` until ``minimum`` more units of ``vehicle`` fit.

    Each stays at least at its charger's minimum; 1-phase chargers go first,
    since lowering one frees its phase at a third of a 3-phase charger's energy.
    Returns the changes made.
    """
    problem = allocation.problem
    # What is missing for the minimum, on the site (kW) and on each phase (A).
    site_short = minimum * allocation.unit_kw[vehicle] - allocation.site_free_kw[step]
    phase_short = {
        p: minimum * allocation.unit_a[vehicle] - allocation.phase_free_a[p][step]
        for p in phases
    }
    donors = sorted(
        (
            w
            for w in range(len(allocation.units))
            if w != vehicle
            and allocation.units[w][step]
            and (lower_urgent or problem.vehicles[w].min_energy_kwh <= 0)
        ),
        key=lambda w: (allocation.unit_kw[w] / allocation.unit_a[w], w),
    )
    log: list[tuple[int, int, int]] = []
    for w in donors:
        short = [p for p, amps in phase_short.items() if amps > _EPS]
        if site_short <= _EPS and not short:
            break
        w_charger = allocation.charger_of[w]
        relieves = [p for p in short if p in allocation.charger_phases[w_charger]]
        needed = [
            math.ceil(phase_short[p] / allocation.unit_a[w] - _EPS) for p in relieves
        ]
        if site_short > _EPS:
            needed.append(math.ceil(site_short / allocation.unit_kw[w] - _EPS))
        take = min(
            max(needed, default=0),
            allocation.units[w][step],
            allocation.charger_units[w_charger][step] - allocation.unit_min[w_charger],
        )
        if take <= 0:
            continue
        allocation.add(w, step, -take)
        log.append((w, step, -take))
        site_short -= take * allocation.unit_kw[w]
        for p in relieves:
            phase_short[p] -= take * allocation.unit_a[w]
    return log


def _give_back(
    allocation: Allocation, vehicle: int, skip: int, cheapest: Sequence[int]
) -> list[tuple[int, int, int]]:
    """Let ``vehicle`` take back what it misses, cheapest steps first; the changes."""
    log = []
    window = allocation.windows[vehicle]
    lost = allocation.missing_units(vehicle)  # changes only where energy is added
    for t in cheapest:
        if not lost:
            break
        if t != skip and t in window:
            back = allocation.addable(vehicle, t, lost)
            if back:
                allocation.add(vehicle, t, back)
                log.append((vehicle, t, back))
                lost = allocation.missing_units(vehicle)
    return log


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Every hard limit ``plan`` breaks for ``problem``; empty when it is feasible.

    Recomputes everything from the per-step series instead of trusting the
    totals, so it also catches a plan whose summary contradicts its setpoints.
    The tests run it against every algorithm, and the integration can run it
    before sending anything to a charger. It checks what the cars draw: a
    1-phase car on a 3-phase charger on its one site phase, at most at its
    on-board charger's current (see :func:`.model.effective_problem`).
    """
    problem = effective_problem(problem)
    steps = problem.horizon.steps
    errors: list[str] = []
    if plan.horizon != problem.horizon:
        errors.append("plan horizon differs from the problem horizon")
        return errors
    plans = {vp.vehicle_id: vp for vp in plan.vehicles}
    charger_plans = {cp.charger_id: cp for cp in plan.chargers}
    expected_current = {c.id: [0.0] * steps for c in problem.chargers}
    for vehicle in problem.vehicles:
        vp = plans.get(vehicle.id)
        if vp is None or len(vp.power_kw) != steps or len(vp.current_a) != steps:
            errors.append(f"vehicle {vehicle.id}: missing or wrong length")
            continue
        errors.extend(_check_vehicle(problem, vehicle, vp))
        for t, current in enumerate(vp.current_a):
            expected_current[vehicle.charger_id][t] += current
    for charger in problem.chargers:
        cp = charger_plans.get(charger.id)
        if cp is None or len(cp.current_a) != steps or len(cp.power_kw) != steps:
            errors.append(f"charger {charger.id}: missing or wrong length")
            continue
        errors.extend(_check_charger(charger, cp, expected_current[charger.id]))
    if len(plan.site_power_kw) != steps:
        errors.append("site power: wrong length")
    elif not errors:  # the site sums need every charger series intact
        errors.extend(_check_site(problem, plan))
    return errors


def _check_vehicle(problem: Problem, vehicle: Vehicle, vp: VehiclePlan) -> list[str]:
    """Window, maximum power, step grid and energy cap of one vehicle."""
    charger = problem.charger(vehicle.charger_id)
    window = problem.window(vehicle)
    max_kw = problem.vehicle_max_kw(vehicle)
    errors = []
    for t, (kw, current) in enumerate(zip(vp.power_kw, vp.current_a, strict=True)):
        where = f"vehicle {vehicle.id}, step {t}"
        if abs(kw - current * charger.kw_per_a) > TOLERANCE:
            errors.append(f"{where}: {kw} kW does not match {current} A")
        if kw < -TOLERANCE:
            errors.append(f"{where}: negative power {kw} kW")
        if t not in window and abs(kw) > TOLERANCE:
            errors.append(f"{where}: {kw} kW outside the vehicle's window")
        if kw > max_kw + TOLERANCE:
            errors.append(f"{where}: {kw} kW above the maximum {max_kw} kW")
        if not _on_grid(current, charger.current_step_a):
            errors.append(f"{where}: {current} A is not a multiple of the step")
    energy = (
        sum(kw * problem.horizon.hours(t) for t, kw in enumerate(vp.power_kw))
        * vehicle.efficiency
    )
    cap = problem.energy_cap_kwh(vehicle)
    if energy > cap + TOLERANCE:
        errors.append(
            f"vehicle {vehicle.id}: {energy} kWh above the need "
            f"{vehicle.energy_needed_kwh} kWh by a minimum step or more"
        )
    if abs(energy - vp.energy_kwh) > TOLERANCE:
        errors.append(f"vehicle {vehicle.id}: energy_kwh does not match its power")
    return errors


def _check_charger(
    charger: Charger, cp: ChargerPlan, expected_current: list[float]
) -> list[str]:
    """The 0-or-[minimum, maximum] rule, step grid and totals of one charger."""
    errors = []
    for t, (current, kw) in enumerate(zip(cp.current_a, cp.power_kw, strict=True)):
        where = f"charger {charger.id}, step {t}"
        if abs(current - expected_current[t]) > TOLERANCE:
            errors.append(f"{where}: {current} A is not the sum of its vehicles")
        if abs(kw - current * charger.kw_per_a) > TOLERANCE:
            errors.append(f"{where}: {kw} kW does not match {current} A")
        if current > TOLERANCE and not (
            charger.min_current_a - TOLERANCE
            <= current
            <= charger.max_current_a + TOLERANCE
        ):
            errors.append(
                f"{where}: {current} A outside 0 or "
                f"[{charger.min_current_a}, {charger.max_current_a}] A"
            )
        if current < -TOLERANCE:
            errors.append(f"{where}: negative current {current} A")
        if not _on_grid(current, charger.current_step_a):
            errors.append(f"{where}: {current} A is not a multiple of the step")
    return errors


def _check_site(problem: Problem, plan: Plan) -> list[str]:
    """Site import limit and per-phase fuse in every step."""
    errors = []
    on_phase = {
        phase: [
            plan.charger(c.id).current_a
            for c in problem.chargers
            if c.loads_phase(phase)
        ]
        for phase in _PHASES
    }
    for t in range(problem.horizon.steps):
        total = sum(cp.power_kw[t] for cp in plan.chargers)
        if abs(total - plan.site_power_kw[t]) > TOLERANCE:
            errors.append(f"step {t}: site power is not the sum of the chargers")
        capacity = site_capacity_kw(problem, t)
        if total > capacity + TOLERANCE:
            errors.append(f"step {t}: {total} kW above the site's {capacity} kW")
        for phase, series in on_phase.items():
            current = sum(currents[t] for currents in series)
            fuse = fuse_capacity_a(problem, t, phase)
            if current > fuse + TOLERANCE:
                errors.append(
                    f"step {t}: {current} A on phase {phase} above the fuse's {fuse} A"
                )
    return errors


def _on_grid(current: float, step_a: float) -> bool:
    """Whether ``current`` is a whole multiple of ``step_a`` (within tolerance)."""
    return abs(current - round(current / step_a) * step_a) <= TOLERANCE
