"""Write each charger's setpoint for the current step through its own entities.

Chargers dislike chatter (cloud APIs throttle, Zaptec asks for 15 minutes between
changes), so a value is written only when it changes and not more often than the
charger's minimum write interval; the exception is a decrease that keeps the site
under its limit, which is written at once. Every call is blocking so that its
failure is known, and a failure becomes a visible status, never an exception on
the event loop.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, UnitOfPower
from homeassistant.core import Context
from homeassistant.exceptions import HomeAssistantError

from .const import LOGGER, ChargerMode, ControlMethod, CurrentUnit, PauseMode

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .optimizer.model import Plan
    from .settings import ChargerSettings
    from .translation import Inputs, UserState

FAILURES_FOR_REPAIR = 3
OWN_CONTEXTS = 64


@dataclass(kw_only=True)
class WriteState:
    """What was last written to one charger, and how writing goes."""

    current_a: float | None = None  # last setpoint written, None before the first
    paused: bool = False
    written_at: datetime | None = None
    failures: int = 0
    error: str | None = None


class ChargerWriter:
    """Applies the current step of a plan to every charger."""

    def __init__(
        self, hass: HomeAssistant, chargers: tuple[ChargerSettings, ...]
    ) -> None:
        """Start with nothing written: the first plan always writes."""
        self.hass = hass
        self.chargers = chargers
        self.states: dict[str, WriteState] = {
            c.subentry_id: WriteState() for c in chargers
        }
        # Contexts of our own writes, so that their state echoes are not news.
        self.contexts: deque[str] = deque(maxlen=OWN_CONTEXTS)

    def is_own(self, context: Context) -> bool:
        """Whether a state change was caused by one of our writes."""
        return context.id in self.contexts or (
            context.parent_id is not None and context.parent_id in self.contexts
        )

    def desired(
        self, plan: Plan, inputs: Inputs, user: UserState, charger: ChargerSettings
    ) -> float | None:
        """The setpoint for now, or None to leave the charger alone.

        Unplugged chargers and plugged-in chargers without a known vehicle are
        left as they are: writing 0 A would stop a guest's car.
        """
        if not user.smart_charging:
            return None
        mode = (
            user.chargers[charger.subentry_id].mode
            if charger.subentry_id in (user.chargers)
            else ChargerMode.SMART
        )
        seen = inputs.chargers.get(charger.subentry_id)
        if seen is None or not seen.plugged_in:
            return None
        if mode is ChargerMode.OFF:
            return 0.0
        if seen.vehicle is None:
            return None
        vehicle = next((v for v in plan.vehicles if v.vehicle_id == seen.vehicle), None)
        if vehicle is None:
            # Not planned: pause a vehicle that needs nothing; leave one whose
            # need is unknown (its SoC sensor is asleep) as it is.
            seen_vehicle = inputs.vehicles[seen.vehicle]
            needs_nothing = seen_vehicle.energy_needed_kwh <= 0
            return 0.0 if needs_nothing and seen_vehicle.need_known else None
        return vehicle.current_a[0]

    async def async_apply(
        self, plan: Plan, inputs: Inputs, user: UserState, now: datetime
    ) -> None:
        """Write what changed: decreases first, increases only if they all went.

        The plan's room for one charger's increase often comes from another's
        decrease, so an increase never goes out before, or without, the
        decreases that make room for it.
        """
        decreases: list[tuple[ChargerSettings, WriteState, float]] = []
        increases: list[tuple[ChargerSettings, WriteState, float]] = []
        for charger in self.chargers:
            target = self.desired(plan, inputs, user, charger)
            state = self.states[charger.subentry_id]
            if target is None or target == state.current_a:
                continue
            lower = state.current_a is not None and target < state.current_a
            (decreases if lower else increases).append((charger, state, target))
        room = _Room(plan, inputs)
        failed = False
        for charger, state, target in decreases:
            if self._due(charger, state, now) or room.needs(
                inputs, charger, state, target
            ):
                failed |= not await self._try_write(charger, state, target, now)
        if failed:
            LOGGER.debug("Holding back increases: a decrease was not accepted")
            return
        for charger, state, target in increases:
            if self._due(charger, state, now):
                await self._try_write(charger, state, target, now)

    async def _try_write(
        self, charger: ChargerSettings, state: WriteState, target: float, now: datetime
    ) -> bool:
        """Write one setpoint; a failure of any kind is counted, never raised."""
        try:
            await self._write(charger, state, target)
        except Exception as err:  # noqa: BLE001  # charger integrations raise anything
            if state.failures == 0:
                LOGGER.warning(
                    "Writing %s A to charger %s failed: %s", target, charger.name, err
                )
            state.failures += 1
            state.error = str(err) or type(err).__name__
            return False
        if state.failures:
            LOGGER.info("Charger %s accepts its setpoint again", charger.name)
        state.current_a = target
        state.written_at = now
        state.failures = 0
        state.error = None
        return True

    @staticmethod
    def _due(charger: ChargerSettings, state: WriteState, now: datetime) -> bool:
        """Whether the charger's minimum write interval has passed."""
        return state.written_at is None or now - state.written_at >= timedelta(
            seconds=charger.min_write_interval
        )

    async def _write(
        self, charger: ChargerSettings, state: WriteState, target: float
    ) -> None:
        """Send one setpoint: pause, resume and value as the charger wants them."""
        if target <= 0 and charger.pause_mode is not PauseMode.ZERO:
            await self._pause(charger, pause=True)
            state.paused = True
            return
        if charger.pause_mode is not PauseMode.ZERO and (
            state.paused or self._paused_now(charger)
        ):
            await self._pause(charger, pause=False)
            state.paused = False
        if charger.control is ControlMethod.NUMBER:
            await self._write_number(charger, target)
        else:
            await self._write_action(charger, target)

    def _paused_now(self, charger: ChargerSettings) -> bool:
        """Whether the pause entity shows paused (our memory of it ends at reload)."""
        state = self.hass.states.get(charger.pause_entity or "")
        if state is None:
            return False
        if charger.pause_mode is PauseMode.SWITCH:
            return state.state == STATE_OFF
        return state.state == charger.pause_option

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """Call an action, blocking, with a context we remember as our own."""
        context = Context()
        self.contexts.append(context.id)
        await self.hass.services.async_call(
            domain, service, data, blocking=True, context=context
        )

    async def _pause(self, charger: ChargerSettings, *, pause: bool) -> None:
        """Stop or resume charging through a switch or a select."""
        entity_id = charger.pause_entity
        if entity_id is None:
            raise HomeAssistantError(f"charger {charger.name} has no pause entity")
        if charger.pause_mode is PauseMode.SWITCH:
            service = "turn_off" if pause else "turn_on"
            await self._call("switch", service, {ATTR_ENTITY_ID: entity_id})
            return
        option = charger.pause_option if pause else charger.resume_option
        await self._call(
            "select", "select_option", {ATTR_ENTITY_ID: entity_id, "option": option}
        )

    async def _write_number(self, charger: ChargerSettings, amps: float) -> None:
        """number.set_value in the number's own unit, within its own range."""
        entity_id = charger.current_entity
        state = self.hass.states.get(entity_id) if entity_id else None
        if entity_id is None or state is None:
            raise HomeAssistantError(f"number entity {entity_id} does not exist")
        unit = state.attributes.get("unit_of_measurement")
        value = amps
        if unit == UnitOfPower.WATT:
            value = amps * charger.voltage * charger.phases
        elif unit == UnitOfPower.KILO_WATT:
            value = amps * charger.kw_per_a
        low = state.attributes.get("min")
        high = state.attributes.get("max")
        if isinstance(high, (int, float)):
            value = min(value, float(high))
        if isinstance(low, (int, float)) and 0 < value < float(low):
            # Raising it would draw more than the plan allows: refuse instead.
            raise HomeAssistantError(
                f"{entity_id} accepts no less than {low}, the plan wants {value}"
            )
        await self._call(
            "number", "set_value", {ATTR_ENTITY_ID: entity_id, "value": value}
        )

    async def _write_action(self, charger: ChargerSettings, amps: float) -> None:
        """The charger integration's own action, with the value in A or W."""
        if (
            not charger.action
            or "." not in charger.action
            or not charger.action_value_field
        ):
            raise HomeAssistantError(f"charger {charger.name} has no action configured")
        domain, service = charger.action.split(".", 1)
        value: float = amps
        if charger.action_unit is CurrentUnit.WATT:
            value = round(amps * charger.voltage * charger.phases)
        elif float(amps).is_integer():
            value = int(amps)
        data = {**charger.action_data, charger.action_value_field: value}
        await self._call(domain, service, data)


class _Room:
    """Spare capacity in the current step, for decreases held back by interval.

    A decrease may wait for the charger's write interval only while the old,
    higher currents still fit the site limit and every phase of the fuse; the
    decreases held back are added up, so several small ones cannot together
    break the limit.
    """

    def __init__(self, plan: Plan, inputs: Inputs) -> None:
        """Room left by the plan in step 0: kW, and A per phase with a fuse."""
        problem = inputs.problem
        site = problem.site
        self.kw = site.limit_kw(0) - site.base_kw(0) - plan.site_power_kw[0]
        self.amps: dict[int, float] = {}
        if site.fuse_limit_a is not None:
            base_a = site.base_kw(0) * 1000 / (site.voltage_v * site.phases)
            for phase in (1, 2, 3):
                used = sum(
                    row.current_a[0]
                    for row in plan.chargers
                    if problem.charger(row.charger_id).loads_phase(phase)
                )
                self.amps[phase] = site.fuse_limit_a - base_a - used

    def needs(
        self,
        inputs: Inputs,
        charger: ChargerSettings,
        state: WriteState,
        target: float,
    ) -> bool:
        """Whether holding this decrease back would break a limit (else hold it)."""
        extra_a = (state.current_a or 0.0) - target
        model = inputs.problem.charger(charger.subentry_id)
        phases = [p for p in self.amps if model.loads_phase(p)]
        extra_kw = extra_a * charger.kw_per_a
        if extra_kw > self.kw + 1e-9 or any(
            extra_a > self.amps[p] + 1e-9 for p in phases
        ):
            return True
        self.kw -= extra_kw
        for phase in phases:
            self.amps[phase] -= extra_a
        return False
