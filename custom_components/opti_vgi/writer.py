"""Carry out each charger's decision through its own entities, and check it.

The writer decides nothing (control.py does); it carries decisions out so that a
charger can neither block nor lie:

- every call has a timeout, and chargers are written concurrently: one slow or
  hung charger delays no other;
- a value is written only when it differs from what the charger has, and not
  more often than the charger's minimum write interval, also after a failure
  (which backs off further); the exception is a decrease that the site limit or
  a fuse phase needs now, which goes at once;
- decreases go before increases, and an increase waits only if the room it
  needs is still taken by a decrease that failed;
- after a write the charger's own report (its number entity, its power) is read
  back: a charger that does not follow is counted at what it really draws until
  it does, and a limit someone else set is an override, respected for a while;
- what was written, when, and what went wrong is kept across restarts.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import Context
from homeassistant.exceptions import HomeAssistantError

from .const import LOGGER, Control, ControlMethod, CurrentUnit, PauseMode, ReleaseMode
from .control import Health
from .units import floor_to_step, from_unit, to_unit, unit_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.core import HomeAssistant

    from .control import Decision, Limits
    from .settings import ChargerSettings
    from .translation import Inputs

FAILURES_FOR_REPAIR = 3
OWN_CONTEXTS = 64
WRITE_TIMEOUT = 15.0  # seconds one call to a charger may take
READBACK_GRACE = timedelta(seconds=60)  # for the charger to show what was written
RETRY_BASE = timedelta(seconds=30)  # first back-off after a failure, doubling
RETRY_MAX = timedelta(minutes=15)
SAFETY_RETRY = timedelta(seconds=5)  # a failing safety decrease, tried again
LIMIT_TOLERANCE_A = 0.5  # a reported limit this close to the written one matches
# A charger draws "more than it was told" beyond this margin (per phase): the
# car's own measurement noise and the 230 V assumption stay inside it.
DRAW_TOLERANCE_A = 1.0
DRAW_TOLERANCE_SHARE = 0.1
# A charger whose limit cannot be read back (set by an action) gets it again
# when the last write is this old: one that rebooted to its default (often its
# maximum) or was changed in its app is brought back within a round or two,
# where nothing would otherwise notice. Its minimum write interval still holds.
REASSERT_UNREAD = timedelta(minutes=10)


# Chargers the round leaves alone for a reason of their own (not a fault of
# theirs): nothing is wanted of them, so nothing is checked against them.
_NOT_OURS = frozenset(
    {
        Control.IDLE,
        Control.UNKNOWN_VEHICLE,
        Control.NEED_UNKNOWN,
        Control.CLAIMED_ELSEWHERE,
        Control.STATUS_UNAVAILABLE,
    }
)


@dataclass(kw_only=True)
class WriteState:
    """What one charger was told, when, and how it went."""

    current_a: float | None = None  # the setpoint it has now, as far as we know
    paused: bool = False
    written_at: datetime | None = None
    attempted_at: datetime | None = None  # the last call, successful or not
    failures: int = 0
    error: str | None = None
    wanted_a: float | None = None  # what it should have (the last target)
    accepted_a: float | None = None  # the last value it accepted: checked against
    verify_after: datetime | None = None  # when its report must show accepted_a
    verified: bool = False  # its report showed accepted_a since the last write
    not_following: str | None = None  # "limit_not_applied" or "draws_more"
    override_until: datetime | None = None
    override_a: float | None = None
    released: bool = False
    previous_a: float | None = None  # the setpoint before the last write
    changed_at: datetime | None = None  # when the last write was sent
    on: bool | None = None  # whether it was last switched on (None: not known)
    held_until: datetime | None = None  # its minimum on/off time ends then

    def held(self, now: datetime) -> bool:
        """Whether it was switched on or off less than its minimum time ago."""
        return self.held_until is not None and now < self.held_until

    def health(self, now: datetime) -> Health:
        """What the next round must know of this charger."""
        # A refused write leaves the charger where it was: it is counted at what
        # it has, not planned as if it had obeyed (decisions re-assert it).
        refused = "write_failed" if self.failures else None
        return Health(
            override=self.override_until is not None and now < self.override_until,
            not_following=self.not_following or refused,
            written_a=self.current_a,
            expected_a=self.wanted_a,
            previous_a=self.previous_a,
            changed_at=self.changed_at,
            held=self.held(now),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe, for the Store."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            out[item.name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WriteState:
        """Read a stored state; what cannot be read starts from nothing."""
        state = cls()
        for item in fields(cls):
            value = data.get(item.name)
            if value is None:
                continue
            if item.name in {
                "written_at",
                "attempted_at",
                "verify_after",
                "override_until",
                "changed_at",
                "held_until",
            }:
                value = datetime.fromisoformat(str(value))
            setattr(state, item.name, value)
        return state


@dataclass(frozen=True, kw_only=True)
class Write:
    """One write the round wants, before it is sent or held back."""

    charger: ChargerSettings
    state: WriteState
    target: float
    decrease: bool


class ChargerWriter:
    """Applies decisions to every charger, and tells what the chargers did."""

    def __init__(
        self, hass: HomeAssistant, chargers: tuple[ChargerSettings, ...]
    ) -> None:
        """Start with nothing known; ``restore`` brings back the stored states."""
        self.hass = hass
        self.chargers = chargers
        self.states: dict[str, WriteState] = {
            c.subentry_id: WriteState() for c in chargers
        }
        self._locks = {c.subentry_id: asyncio.Lock() for c in chargers}
        # Contexts of our own writes, so that their state echoes are not news.
        self.contexts: deque[str] = deque(maxlen=OWN_CONTEXTS)
        self.next_due: datetime | None = None  # the earliest held-back write
        self.stopped = False  # after close: only the release may still write
        # The phases of each charger's car as of the last round (None: not
        # known): a power limit is written for the phases in use.
        self.vehicle_phases: dict[str, int | None] = {}

    def restore(self, data: Mapping[str, Any]) -> None:
        """Take back the stored states of chargers that still exist."""
        for cid, stored in data.items():
            if cid in self.states and isinstance(stored, dict):
                try:
                    self.states[cid] = WriteState.from_dict(stored)
                except TypeError, ValueError:
                    LOGGER.debug("Stored write state of %s is unreadable", cid)

    def as_dict(self) -> dict[str, Any]:
        """Every charger's state, JSON-safe, for the Store."""
        return {cid: state.as_dict() for cid, state in self.states.items()}

    def health(self, now: datetime) -> dict[str, Health]:
        """What the next round must know of every charger."""
        return {cid: state.health(now) for cid, state in self.states.items()}

    def is_own(self, context: Context) -> bool:
        """Whether a state change was caused by one of our writes."""
        return context.id in self.contexts or (
            context.parent_id is not None and context.parent_id in self.contexts
        )

    def stop(self) -> None:
        """No more writes but the release (the site is unloading or stopping)."""
        self.stopped = True

    async def async_idle(self) -> None:
        """Wait for the writes on their way (each ends within its timeout)."""
        for lock in self._locks.values():
            async with lock:
                pass

    def next_check(self, now: datetime) -> datetime | None:
        """When a charger's report must next be looked at, events or not.

        A charger that never shows what was written sends no event to notice
        it by, and an override ends by the clock alone.
        """
        times = []
        for state in self.states.values():
            if (
                state.verify_after is not None
                and not state.verified
                and state.verify_after > now
            ):
                times.append(state.verify_after)
            if state.override_until is not None and state.override_until > now:
                times.append(state.override_until)
            if state.held_until is not None and state.held_until > now:
                times.append(state.held_until)
        return min(times, default=None)

    def busy(self, charger_id: str) -> bool:
        """Whether a write to this charger is on its way now."""
        return self._locks[charger_id].locked()

    # --- Reading back ------------------------------------------------------------

    def check(
        self,
        charger: ChargerSettings,
        now: datetime,
        *,
        reported_a: float | None,
        measured_a: float | None,
        override_minutes: float,
    ) -> bool:
        """Compare what the charger reports with what it was told.

        Returns whether its health changed (a new plan is then due). Its limit
        entity is the truth once the grace time after a write has passed: a
        charger that never showed the value does not follow; one that showed it
        and then shows another was changed by someone else (an override). A
        charger that draws clearly more than it was told does not follow either.
        """
        state = self.states[charger.subentry_id]
        before = (state.not_following, state.override_until is not None)
        # Its minimum on/off time is over: the plan may switch it again.
        hold_over = state.held_until is not None and now >= state.held_until
        if hold_over:
            state.held_until = None
        if state.override_until is not None and now >= state.override_until:
            LOGGER.info("Override of charger %s ended; taking it back", charger.name)
            state.override_until = state.override_a = None
            state.accepted_a = None  # nothing of ours since; the next write is
        if self.busy(charger.subentry_id):
            # A write is on its way: its own echo shows the new value before
            # the write is done, which is neither an override nor a fault.
            return hold_over or before != (
                state.not_following,
                state.override_until is not None,
            )
        settled = state.verify_after is None or now >= state.verify_after
        # What it accepted, not what a refused write asked of it.
        wanted = state.accepted_a
        limit_checked = wanted is not None and not (state.paused and wanted <= 0)
        if reported_a is not None and limit_checked and wanted is not None:
            if abs(reported_a - wanted) <= LIMIT_TOLERANCE_A:
                state.verified = True
                if state.not_following == "limit_not_applied":
                    state.not_following = None
            elif (settled or state.verified) and state.override_until is None:
                # Once it has shown our value, another one is someone else's,
                # grace time or not (no later event may come to notice it by).
                state.current_a = reported_a  # the truth the next round starts from
                if state.verified:
                    LOGGER.info(
                        "Charger %s was set to %s A by someone else; respecting it"
                        " for %s min",
                        charger.name,
                        reported_a,
                        override_minutes,
                    )
                    state.override_until = now + timedelta(minutes=override_minutes)
                    state.override_a = reported_a
                    state.verified = False
                elif state.not_following != "limit_not_applied":
                    LOGGER.warning(
                        "Charger %s shows %s A after %s A was written",
                        charger.name,
                        reported_a,
                        wanted,
                    )
                    state.not_following = "limit_not_applied"
        if measured_a is not None and wanted is not None and settled:
            allowed = max(0.0, wanted) * (1 + DRAW_TOLERANCE_SHARE) + DRAW_TOLERANCE_A
            if measured_a > allowed and state.not_following is None:
                LOGGER.warning(
                    "Charger %s draws %.1f A although %s A was written",
                    charger.name,
                    measured_a,
                    wanted,
                )
                state.not_following = "draws_more"
            elif measured_a <= allowed and state.not_following == "draws_more":
                state.not_following = None
        return hold_over or before != (
            state.not_following,
            state.override_until is not None,
        )

    # --- Writing -----------------------------------------------------------------

    async def async_apply(
        self,
        decisions: Mapping[str, Decision],
        inputs: Inputs,
        limits: Limits,
        now: datetime,
    ) -> None:
        """Carry out the round's decisions: decreases first, then what fits.

        The plan's room for one charger's increase often comes from another's
        decrease, so an increase waits while a decrease it needs room from has
        not gone out (failed, or held back by its interval and not needed yet).
        """
        for cid, seen in inputs.chargers.items():
            self.vehicle_phases[cid] = seen.vehicle_phases
        wanted = self._wanted(decisions, now)
        room = _Room(inputs, decisions, limits)
        decreases = [w for w in wanted if w.decrease]
        to_send = [
            w
            for w in decreases
            if self._due(w.charger, w.state, now)
            or room.needs(w.charger, w.state, w.target)
        ]
        for w in decreases:
            if w not in to_send:
                room.hold(w.charger, w.state, w.target)
        results = await asyncio.gather(
            *(self._try_write(w.charger, w.state, w.target, now) for w in to_send)
        )
        for w, ok in zip(to_send, results, strict=True):
            if not ok:
                room.hold(w.charger, w.state, w.target)
        if self.stopped:
            return  # closed while the decreases were on their way
        increases = []
        for w in wanted:
            if w.decrease or not self._due(w.charger, w.state, now):
                continue
            if room.fits(w.charger):
                increases.append(w)
            else:
                LOGGER.debug("Holding back %s: its room is still taken", w.charger.name)
                room.hold(w.charger, w.state, w.target)
        await asyncio.gather(
            *(self._try_write(w.charger, w.state, w.target, now) for w in increases)
        )
        sent = {id(w) for w in (*to_send, *increases)}
        held = [w for w in wanted if id(w) not in sent or w.state.failures]
        # Only a wait for the interval needs a timer: a write held for room waits
        # for the decrease it needs, which is itself held or due.
        self.next_due = min(
            (due for w in held if (due := self._due_at(w.charger, w.state)) > now),
            default=None,
        )

    def _wanted(self, decisions: Mapping[str, Decision], now: datetime) -> list[Write]:
        """The writes the decisions ask for, before any is sent or held.

        An unchanged value is not written again, except to a charger that does
        not follow it yet, or to one that cannot be read back once its last
        write is ``REASSERT_UNREAD`` old: as a decrease, since it lowers what
        the charger may have gone up to and never raises what is counted.
        """
        wanted: list[Write] = []
        for charger in self.chargers:
            decision = decisions.get(charger.subentry_id)
            state = self.states[charger.subentry_id]
            if decision is None:
                continue
            if decision.target_a is None:
                if decision.control in _NOT_OURS:
                    # Not ours now: nothing it does can be "not following", and
                    # what we last wrote is no longer known to hold (someone may
                    # set it meanwhile): the next decision is written, not
                    # skipped as "unchanged", and so it is read back.
                    state.wanted_a = state.accepted_a = state.current_a = None
                    state.not_following = None
                continue
            state.wanted_a = decision.target_a
            # Re-assert only while it still does not follow: a decision of an
            # earlier round may already have been carried out since.
            reassert = decision.control is Control.NOT_FOLLOWING and bool(
                state.not_following or state.failures
            )
            unread = (
                not charger.limit_reads_back
                and state.written_at is not None
                and now - state.written_at >= REASSERT_UNREAD
            )
            if decision.target_a == state.current_a and not (reassert or unread):
                continue
            decrease = state.current_a is None or decision.target_a <= state.current_a
            wanted.append(
                Write(
                    charger=charger,
                    state=state,
                    target=decision.target_a,
                    decrease=decrease,
                )
            )
        return wanted

    async def async_write_now(
        self, charger: ChargerSettings, target: float, now: datetime
    ) -> bool:
        """A safety decrease from the guard: at once, whatever the interval.

        Only a failing charger is spared: it is tried again at most every
        ``SAFETY_RETRY``, so a dead charger is not hammered at the meter's rate.
        """
        state = self.states[charger.subentry_id]
        if (
            state.failures
            and state.attempted_at is not None
            and now - state.attempted_at < SAFETY_RETRY
        ):
            return False
        if self.busy(charger.subentry_id):
            return False
        state.wanted_a = min(
            target, state.wanted_a if state.wanted_a is not None else target
        )
        return await self._try_write(charger, state, target, now)

    async def async_release(
        self, mode: ReleaseMode, current: float, now: datetime
    ) -> None:
        """Let go of every charger: leave it, or set it to the release current.

        One write per charger, whatever its interval: it is the last one, and a
        charger left paused would strand the next car.
        """
        if mode is ReleaseMode.LEAVE:
            return
        writes = []
        for charger in self.chargers:
            state = self.states[charger.subentry_id]
            if state.released:
                continue
            value = {
                ReleaseMode.MINIMUM: charger.min_current,
                ReleaseMode.MAXIMUM: charger.max_current,
            }.get(mode, min(max(current, charger.min_current), charger.max_current))
            state.released = True
            writes.append(self._try_write(charger, state, value, now, release=True))
        await asyncio.gather(*writes)

    def take_back(self) -> None:
        """Smart charging is on again: the next release is a new one."""
        for state in self.states.values():
            state.released = False

    async def _try_write(
        self,
        charger: ChargerSettings,
        state: WriteState,
        target: float,
        now: datetime,
        *,
        release: bool = False,
    ) -> bool:
        """Write one setpoint within its timeout; a failure is counted, never raised."""
        async with self._locks[charger.subentry_id]:
            if self.stopped and not release:
                return False
            state.attempted_at = now
            # From now on a meter reading may or may not show the new value.
            state.previous_a = state.current_a
            state.changed_at = now
            try:
                async with asyncio.timeout(WRITE_TIMEOUT):
                    written = await self._write(charger, state, target, force=release)
            except Exception as err:  # noqa: BLE001  # charger integrations raise anything
                if isinstance(err, TimeoutError):
                    err = HomeAssistantError(f"no answer within {WRITE_TIMEOUT:g} s")
                if state.failures == 0:
                    LOGGER.warning(
                        "Writing %s A to charger %s failed: %s",
                        target,
                        charger.name,
                        err,
                    )
                state.failures += 1
                state.error = str(err) or type(err).__name__
                return False
        if state.failures:
            LOGGER.info("Charger %s accepts its setpoint again", charger.name)
        on = written > 0
        if state.on is not on and charger.min_switch_time > 0:
            # Switched (or not known to have been): it stays so for a while.
            state.held_until = now + timedelta(seconds=charger.min_switch_time)
        state.on = on
        state.current_a = written
        state.accepted_a = written
        state.wanted_a = written if not release else state.wanted_a
        state.written_at = now
        state.verify_after = now + READBACK_GRACE
        state.verified = False
        state.failures = 0
        state.error = None
        return True

    def _due_at(self, charger: ChargerSettings, state: WriteState) -> datetime:
        """When the next write to this charger may go out.

        At least the minimum interval after the last attempt, successful or not;
        after failures longer, doubling from ``RETRY_BASE`` up to ``RETRY_MAX``.
        """
        last = state.attempted_at or state.written_at
        if last is None:
            return _EPOCH
        wait = timedelta(seconds=charger.min_write_interval)
        if state.failures:
            backoff = min(RETRY_MAX, RETRY_BASE * 2 ** (state.failures - 1))
            wait = max(wait, backoff)
        return last + wait

    def _due(self, charger: ChargerSettings, state: WriteState, now: datetime) -> bool:
        """Whether the charger may be written now."""
        return now >= self._due_at(charger, state)

    async def _write(
        self,
        charger: ChargerSettings,
        state: WriteState,
        target: float,
        *,
        force: bool = False,
    ) -> float:
        """Send one setpoint; returns the value the charger was given, in A.

        Pause and resume as the charger wants them; a number's own maximum caps
        the value (the returned current says so).
        """
        if charger.control is ControlMethod.ON_OFF:
            # On at its fixed current (the plan's value for this car) or off.
            if charger.pause_mode is PauseMode.ZERO:
                raise HomeAssistantError(
                    f"charger {charger.name} can only be switched: it needs a"
                    " switch, a select or start/stop actions"
                )
            on = target > 0
            await self._pause(charger, pause=not on)
            state.paused = not on
            if not on:
                return 0.0
            # Released, it draws what its car takes: count the most.
            return charger.max_current if force else min(target, charger.max_current)
        if target <= 0 and charger.pause_mode is not PauseMode.ZERO:
            await self._pause(charger, pause=True)
            state.paused = True
            return 0.0
        if charger.pause_mode is not PauseMode.ZERO and (
            state.paused or force or self._paused_now(charger)
        ):
            await self._pause(charger, pause=False)
            state.paused = False
        # The user's range holds even where the charger's own is wrong.
        if 0 < target < charger.min_current:
            raise HomeAssistantError(
                f"charger {charger.name} takes no less than {charger.min_current} A,"
                f" the plan wants {target} A"
            )
        target = min(target, charger.max_current)
        if charger.control is ControlMethod.NUMBER:
            return await self._write_number(charger, target)
        return await self._write_action(charger, target)

    def _paused_now(self, charger: ChargerSettings) -> bool:
        """Whether the pause entity shows paused (our memory of it ends at reload)."""
        state = self.hass.states.get(charger.pause_entity or "")
        if state is None:
            return False
        if charger.pause_mode is PauseMode.SWITCH:
            return state.state == STATE_OFF
        if charger.pause_mode is PauseMode.SWITCH_ON:
            return state.state == STATE_ON
        return state.state == charger.pause_option

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """Call an action, blocking, with a context we remember as our own."""
        context = Context()
        self.contexts.append(context.id)
        await self.hass.services.async_call(
            domain, service, data, blocking=True, context=context
        )

    async def _pause(self, charger: ChargerSettings, *, pause: bool) -> None:
        """Stop or resume charging: a switch, a select option or an action."""
        if charger.pause_mode is PauseMode.ACTION:
            action = charger.pause_action if pause else charger.resume_action
            domain, dot, service = (action or "").partition(".")
            if not dot:
                raise HomeAssistantError(
                    f"charger {charger.name} has no {'stop' if pause else 'start'}"
                    " action"
                )
            await self._call(domain, service, dict(charger.action_data))
            return
        entity_id = charger.pause_entity
        if entity_id is None:
            raise HomeAssistantError(f"charger {charger.name} has no pause entity")
        if charger.pause_mode in (PauseMode.SWITCH, PauseMode.SWITCH_ON):
            # V2C's switch is "Paused": on pauses, off resumes.
            off = pause is (charger.pause_mode is PauseMode.SWITCH)
            service = "turn_off" if off else "turn_on"
            await self._call("switch", service, {ATTR_ENTITY_ID: entity_id})
            return
        option = charger.pause_option if pause else charger.resume_option
        await self._call(
            "select", "select_option", {ATTR_ENTITY_ID: entity_id, "option": option}
        )

    def _phases(self, charger: ChargerSettings) -> int:
        """The phases a power limit is written for: its car's, as last read."""
        return charger.unit_phases(self.vehicle_phases.get(charger.subentry_id))

    async def _write_number(self, charger: ChargerSettings, amps: float) -> float:
        """number.set_value in the number's own unit, step and range.

        Rounded down onto the number's step, capped at its maximum; a value
        below its minimum is refused (raising it would draw more than the plan
        allows). Returns what it was given, in A.
        """
        entity_id = charger.current_entity
        state = self.hass.states.get(entity_id) if entity_id else None
        if entity_id is None or state is None:
            raise HomeAssistantError(f"number entity {entity_id} does not exist")
        unit = unit_of(state.attributes.get("unit_of_measurement"))
        if unit is None:
            raise HomeAssistantError(
                f"{entity_id} is in {state.attributes.get('unit_of_measurement')},"
                " not A, mA, W or kW"
            )
        phases = self._phases(charger)
        step = state.attributes.get("step")
        step = float(step) if isinstance(step, (int, float)) and step > 0 else None
        value = to_unit(amps, unit, voltage=charger.voltage, phases=phases, step=step)
        low = state.attributes.get("min")
        high = state.attributes.get("max")
        if isinstance(high, (int, float)) and value > high:
            value = floor_to_step(float(high), step) if step else float(high)
        if isinstance(low, (int, float)) and 0 < value < float(low):
            raise HomeAssistantError(
                f"{entity_id} accepts no less than {low}, the plan wants {value}"
            )
        await self._call(
            "number", "set_value", {ATTR_ENTITY_ID: entity_id, "value": value}
        )
        return from_unit(value, unit, voltage=charger.voltage, phases=phases)

    async def _write_action(self, charger: ChargerSettings, amps: float) -> float:
        """The charger integration's own action, with the value in its unit.

        The current is rounded down onto the action's step first (the plan is
        on it already; a guard's or a release's value may not be), so a 0.1 A
        step writes 7.5 A, never 7.5000001 A, and whole amperes stay whole.
        Returns what it was given, in A (rounded down as the unit is).
        """
        if (
            not charger.action
            or "." not in charger.action
            or not charger.action_value_field
        ):
            raise HomeAssistantError(f"charger {charger.name} has no action configured")
        domain, service = charger.action.split(".", 1)
        unit = charger.action_unit
        phases = self._phases(charger)
        amps = floor_to_step(amps, charger.current_step)
        value: float = to_unit(amps, unit, voltage=charger.voltage, phases=phases)
        if float(value).is_integer():
            value = int(value)
        data = {**charger.action_data, charger.action_value_field: value}
        await self._call(domain, service, data)
        if unit is CurrentUnit.AMPERE:
            return amps
        return from_unit(value, unit, voltage=charger.voltage, phases=phases)


_SLACK = 1e-9  # float noise in the room's sums
_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


class _Room:
    """Spare capacity in the current step, for writes that do not go out now.

    The round's decisions fit the site limit and every phase of the fuse with
    every charger at its target. A decrease that is held back (its interval) or
    fails leaves that charger above its target, which takes room; several such
    add up. A held-back decrease is sent at once when its extra would not fit,
    and an increase waits while the room of its own phases is overdrawn.
    """

    def __init__(
        self, inputs: Inputs, decisions: Mapping[str, Decision], limits: Limits
    ) -> None:
        """Room left by the decisions now: kW, and A per phase with a fuse."""
        self.limits = limits
        # Where each charger's draw lands this round: its car's phases.
        phases = {cid: c.phases for cid, c in inputs.chargers.items()}
        self.phases = phases
        kw_per_a = {cid: c.kw_per_a for cid, c in inputs.chargers.items()}
        self.kw_per_a = kw_per_a
        self.counted = {cid: d.counted_a for cid, d in decisions.items()}
        used_kw = sum(
            d.counted_a * kw_per_a.get(cid, 0.0) for cid, d in decisions.items()
        )
        self.kw = limits.kw - inputs.house.kw - used_kw
        self.amps: dict[int, float] = {}
        if limits.fuse_a is not None:
            for phase in (1, 2, 3):
                used = sum(
                    d.counted_a
                    for cid, d in decisions.items()
                    if phase in phases.get(cid, ())
                )
                self.amps[phase] = (
                    limits.fuse_a - inputs.house.phase_a[phase - 1] - used
                )

    def _reserved(self, charger: ChargerSettings, target: float) -> float:
        """What the decisions counted a charger at: its target, or more.

        A charger that does not follow is counted at what it draws, above the
        target it is re-asserted at; that room is already taken.
        """
        return max(target, self.counted.get(charger.subentry_id, target))

    def _extra(
        self, charger: ChargerSettings, state: WriteState, target: float
    ) -> float:
        """How much more than it was counted at a charger stays when not written."""
        return max(0.0, (state.current_a or 0.0) - self._reserved(charger, target))

    def needs(self, charger: ChargerSettings, state: WriteState, target: float) -> bool:
        """Whether holding this decrease back would break a limit (else hold it)."""
        extra_a = self._extra(charger, state, target)
        phases = self.phases.get(charger.subentry_id, ())
        extra_kw = extra_a * self.kw_per_a.get(charger.subentry_id, charger.kw_per_a)
        return extra_kw > self.kw + 1e-9 or any(
            extra_a > self.amps[p] + 1e-9 for p in phases if p in self.amps
        )

    def hold(self, charger: ChargerSettings, state: WriteState, target: float) -> None:
        """A charger stays at its old value: its extra takes room (or frees it)."""
        extra_a = (state.current_a or 0.0) - self._reserved(charger, target)
        self.kw -= extra_a * self.kw_per_a.get(charger.subentry_id, charger.kw_per_a)
        for phase in self.phases.get(charger.subentry_id, ()):
            if phase in self.amps:
                self.amps[phase] -= extra_a

    def fits(self, charger: ChargerSettings) -> bool:
        """Whether the room this charger's increase was planned with is there."""
        phases = self.phases.get(charger.subentry_id, ())
        return self.kw >= -_SLACK and all(
            self.amps[p] >= -_SLACK for p in phases if p in self.amps
        )
