"""One decision per charger per round, and the guard that keeps the fuse whole.

This is the seam between the plan and the real site, so it is kept small, pure
(no Home Assistant) and in one place:

- :func:`classify` says, from one frozen reading, whether the plan controls a
  charger or leaves it alone (an unknown car, a SoC that cannot be read, a user's
  override, a charger that does not follow), before the problem is built;
- :func:`counted_a` is what a charger left alone is counted at: the plan makes
  room for it on the phases it really loads (``Site.fixed_load_a``);
- :func:`decide` turns the plan into one :class:`Decision` per charger, which the
  writer only carries out;
- :func:`shed` is the guard: from the measured house load and what every charger
  may draw now, the lower setpoints that bring the site back under its limit and
  every phase under its fuse, without a new plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .const import Control
from .units import floor_to_step

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from .optimizer.model import Plan

PHASES = (1, 2, 3)
TOLERANCE = 1e-6


@dataclass(frozen=True, kw_only=True)
class Health:
    """What the writer learnt of one charger that the next round must know."""

    override: bool = False  # someone else set its limit; respected until it ends
    not_following: str | None = None  # why it does not follow, when it does not
    written_a: float | None = None  # the last setpoint it accepted
    expected_a: float | None = None  # what it should have now (written or wanted)
    previous_a: float | None = None  # its setpoint before the last write
    changed_at: datetime | None = None  # when that write was sent
    # Switched on or off less than its own minimum on/off time ago.
    held: bool = False


def classify(  # noqa: PLR0911  # one reason per line reads best
    *,
    smart_charging: bool,
    status_known: bool,
    plugged_in: bool,
    mode_off: bool,
    vehicle: str | None,
    claimed_elsewhere: bool,
    need_known: bool,
    needs_nothing: bool,
    health: Health,
    guest: bool = False,
) -> Control:
    """Who controls a charger this round, most binding reason first.

    Smart charging off is hands off, whatever else holds. A status that cannot
    be read could hide a car at full power, so that charger is counted, not
    planned. Override and not following only matter with a car plugged in. A
    charger inside its minimum on/off time is held as it is (counted at what
    it has), before anything could switch it again; only the guard may still
    switch it off, when a fuse needs it. A guest (the charger's guest
    profile, for a car nothing identifies) is planned as a vehicle is, and
    says so.
    """
    if not smart_charging:
        return Control.RELEASED
    if not status_known:
        return Control.STATUS_UNAVAILABLE
    if not plugged_in:
        return Control.IDLE
    if health.override:
        return Control.OVERRIDE
    if health.held:
        return Control.HELD
    if health.not_following is not None:
        return Control.NOT_FOLLOWING
    if mode_off:
        return Control.STOP
    if claimed_elsewhere:
        return Control.CLAIMED_ELSEWHERE
    if vehicle is None:
        return Control.UNKNOWN_VEHICLE
    if not need_known:
        return Control.NEED_UNKNOWN
    if needs_nothing:
        return Control.STOP
    return Control.GUEST if guest else Control.PLAN


def counted_a(
    *,
    measured_a: float | None,
    limit_a: float | None,
    written_a: float | None,
    max_a: float,
) -> float:
    """What a charger left alone is counted at, per phase it loads.

    What it draws now when a power sensor says so (the guard sees it change
    within a second), else the limit it reports, else what was last written,
    else the most it can draw: an unknown draw is never counted as nothing.
    """
    for value in (measured_a, limit_a, written_a):
        if value is not None:
            return max(0.0, value)
    return max_a


# A car drawing more than its own phases can carry at the charger's limit (by
# this factor, plus this much for meter noise) is not the car it is taken for.
PLAUSIBLE_SHARE = 1.1
PLAUSIBLE_KW = 0.2
PLAUSIBLE_A = 0.5


def counted_phases(
    *,
    charger_phases: int,
    vehicle_phases: int | None,
    measured_kw: float | None,
    limit_a: float | None,
    voltage: float,
) -> int:
    """On how many of a charger's phases its draw is counted.

    A known car loads its own phases (at most the charger's); an unknown car
    is counted on every phase of the charger, as it may use them all. A car
    that draws more than its phases can carry at the charger's limit is not
    the car it is taken for (another car was plugged in): every phase then.
    """
    if vehicle_phases is None or vehicle_phases >= charger_phases:
        return charger_phases
    if measured_kw is not None and limit_a is not None:
        most_kw = limit_a * voltage * vehicle_phases / 1000
        if measured_kw > most_kw * PLAUSIBLE_SHARE + PLAUSIBLE_KW:
            return charger_phases
    return vehicle_phases


def worst_phase_a(
    *,
    measured_kw: float,
    phases: int,
    voltage: float,
    limit_a: float | None,
    max_a: float,
) -> float:
    """The most current one phase may carry of a draw whose split is not known.

    An unknown car's ``measured_kw`` may all be on one phase (a 1-phase car)
    or spread over ``phases``: count the worst, but no more than the charger
    lets through per phase (its limit when the draw fits it, else its
    maximum) and no less than spread evenly.
    """
    spread = measured_kw * 1000 / (voltage * phases)
    bound = max_a
    if limit_a is not None and spread <= limit_a * PLAUSIBLE_SHARE + PLAUSIBLE_A:
        bound = limit_a
    return max(spread, min(measured_kw * 1000 / voltage, bound))


def draw_a(
    *,
    measured_a: float | None,
    setpoint_a: float | None,
    charging: bool,
) -> float:
    """What a charger draws now, to take off the meter's reading.

    Measured when it can be, else its setpoint while it charges: without either
    the meter would count our own charging as house load.
    """
    if measured_a is not None:
        return max(0.0, measured_a)
    return max(0.0, setpoint_a or 0.0) if charging else 0.0


def setpoint_seen(
    now_a: float | None,
    *,
    previous_a: float | None,
    changed_at: datetime | None,
    reading_at: datetime | None,
) -> float | None:
    """The setpoint a meter reading saw: the one before a write it predates.

    Taking the new setpoint off a reading made before the write would turn the
    difference into house load (and the guard would lower again, to nothing).
    """
    if (
        previous_a is not None
        and changed_at is not None
        and reading_at is not None
        and reading_at <= changed_at  # the reading that caused it, or older
    ):
        return previous_a
    return now_a


@dataclass(frozen=True, kw_only=True)
class Decision:
    """What one charger gets this round; the writer only carries it out.

    ``target_a`` is what to write (None: write nothing); ``counted_a`` is the
    current the limits were planned with for it, on each phase it loads.
    """

    charger_id: str
    control: Control
    target_a: float | None
    counted_a: float


def decide(
    plan: Plan,
    controls: Mapping[str, Control],
    vehicles: Mapping[str, str | None],
    counted: Mapping[str, float],
    health: Mapping[str, Health],
) -> dict[str, Decision]:
    """One decision per charger from the plan and the round's classification.

    A planned charger gets the plan's current for now; a stopped one 0 A; a
    charger that does not follow is re-asserted at what it should have, but
    never above what it is counted at; everything else is written nothing.
    """
    planned = {row.vehicle_id: row.current_a[0] for row in plan.vehicles}
    decisions = {}
    for charger_id, control in controls.items():
        target: float | None = None
        fixed = counted.get(charger_id, 0.0)
        if control.planned:
            vehicle = vehicles.get(charger_id)
            target = planned.get(vehicle, 0.0) if vehicle else 0.0
            fixed = target
        elif control is Control.STOP:
            target = 0.0
        elif control is Control.NOT_FOLLOWING:
            wanted = health.get(charger_id, Health()).expected_a
            target = None if wanted is None else min(wanted, fixed)
        decisions[charger_id] = Decision(
            charger_id=charger_id, control=control, target_a=target, counted_a=fixed
        )
    return decisions


@dataclass(frozen=True, kw_only=True)
class Limits:
    """The site's hard limits: kW, and A per phase when a fuse is given."""

    kw: float
    fuse_a: float | None
    phases: int
    voltage: float

    def spread_a(self, kw: float) -> float:
        """A load in kW as current on each site phase, spread evenly."""
        return kw * 1000 / (self.voltage * self.phases)


@dataclass(frozen=True, kw_only=True)
class Load:
    """One charger as the guard sees it: what it may draw now, and how to lower it."""

    charger_id: str
    phases: tuple[int, ...]
    kw_per_a: float
    current_a: float  # the most it may draw now: its setpoint or what it draws
    min_a: float
    step_a: float = 1.0
    planned: bool = True  # lowered before chargers left alone
    adjustable: bool = True  # False while a write to it is on its way
    # Its last write failed: lowered only when no other charger is left to
    # lower, since a write to it may fail again, but it may also work now.
    last_resort: bool = False


@dataclass(frozen=True, kw_only=True)
class House:
    """The house without any charger, now: kW, and A on each site phase."""

    kw: float
    phase_a: tuple[float, float, float]


def house_load(
    limits: Limits,
    *,
    grid_kw: float | None,
    phase_a: Mapping[int, float],
    draws: Iterable[tuple[tuple[int, ...], float, float]],
) -> House:
    """The house load: the meters less what every charger draws.

    ``draws`` holds (phases, kW per A, A) of each charger. The grid meter gives
    kW, spread evenly over the phases; a phase meter gives that phase exactly.
    The larger of the two counts on each phase, and never less than nothing.
    """
    draws = tuple(draws)
    charger_kw = sum(kw_per_a * amps for _, kw_per_a, amps in draws)
    kw = max(0.0, grid_kw - charger_kw) if grid_kw is not None else 0.0
    per_phase = []
    for phase in PHASES:
        spread = limits.spread_a(kw) if phase <= limits.phases else 0.0
        measured = phase_a.get(phase)
        if measured is not None:
            ours = sum(amps for phases, _, amps in draws if phase in phases)
            spread = max(spread, measured - ours)
        per_phase.append(max(0.0, spread))
    if phase_a:
        # The import limit in kW sees the phase meters too (the worst phase
        # over all phases, as the plan's base load does).
        kw = max(kw, max(per_phase) * limits.voltage * limits.phases / 1000)
    return House(kw=kw, phase_a=(per_phase[0], per_phase[1], per_phase[2]))


def excess(
    limits: Limits, house: House, loads: Iterable[Load]
) -> tuple[float, dict[int, float]]:
    """How far the site is over its limit (kW) and each phase over its fuse (A).

    Negative values are headroom.
    """
    loads = tuple(loads)
    kw = house.kw + sum(load.current_a * load.kw_per_a for load in loads) - limits.kw
    phases: dict[int, float] = {}
    if limits.fuse_a is not None:
        for phase in PHASES:
            on_it = sum(load.current_a for load in loads if phase in load.phases)
            phases[phase] = house.phase_a[phase - 1] + on_it - limits.fuse_a
    return kw, phases


def shed(limits: Limits, house: House, loads: Iterable[Load]) -> dict[str, float]:
    """The lower setpoints that bring the site back within every limit.

    Planned chargers give way before chargers left alone, the largest first, each
    by as little as is needed: down on its current step grid, and to 0 A when it
    would fall below its minimum. A charger whose last write failed comes last
    (the others are lowered in the same pass), but it is not skipped: when
    nothing else is left, trying it is the only way back within the limits.
    Returns only the chargers to lower; empty when everything fits. When even
    every charger at 0 A does not fit, every charger is at 0 A: the house alone
    is over the limit and that is all one can do.
    """
    loads = list(loads)
    over_kw, over_phase = excess(limits, house, loads)
    if over_kw <= TOLERANCE and all(v <= TOLERANCE for v in over_phase.values()):
        return {}
    lowered: dict[str, float] = {}
    order = sorted(
        (load for load in loads if load.adjustable and load.current_a > 0),
        key=lambda load: (
            load.last_resort,
            not load.planned,
            -load.current_a * load.kw_per_a,
        ),
    )
    for load in order:
        need_a = max(
            over_kw / load.kw_per_a if over_kw > TOLERANCE else 0.0,
            *(over_phase.get(p, 0.0) for p in load.phases),
        )
        if need_a <= TOLERANCE:
            continue
        # On its step exactly: 7.3 A on a 0.1 A grid, not 7.300000000000001.
        new = floor_to_step(load.current_a - need_a, load.step_a)
        if new < load.min_a - TOLERANCE:
            new = 0.0
        cut = load.current_a - new
        lowered[load.charger_id] = new
        over_kw -= cut * load.kw_per_a
        for phase in load.phases:
            if phase in over_phase:
                over_phase[phase] -= cut
        if over_kw <= TOLERANCE and all(v <= TOLERANCE for v in over_phase.values()):
            break
    return lowered
