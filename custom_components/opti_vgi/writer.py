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

from homeassistant.const import ATTR_ENTITY_ID, UnitOfPower
from homeassistant.core import Context
from homeassistant.exceptions import HomeAssistantError

from .compat import vol
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
        """Write what changed; record failures on the charger's write state."""
        for charger in self.chargers:
            target = self.desired(plan, inputs, user, charger)
            state = self.states[charger.subentry_id]
            if target is None or target == state.current_a:
                continue
            if not self._may_write(
                plan=plan,
                inputs=inputs,
                charger=charger,
                state=state,
                target=target,
                now=now,
            ):
                continue
            try:
                await self._write(charger, state, target)
            except (HomeAssistantError, vol.Invalid, ValueError, TypeError) as err:
                state.failures += 1
                state.error = str(err) or type(err).__name__
                LOGGER.warning(
                    "Writing %s A to charger %s failed: %s", target, charger.name, err
                )
                continue
            state.current_a = target
            state.written_at = now
            state.failures = 0
            state.error = None

    def _may_write(
        self,
        *,
        plan: Plan,
        inputs: Inputs,
        charger: ChargerSettings,
        state: WriteState,
        target: float,
        now: datetime,
    ) -> bool:
        """Respect the charger's write interval, unless the site limit needs it."""
        if state.written_at is None or state.current_a is None:
            return True
        if now - state.written_at >= timedelta(seconds=charger.min_write_interval):
            return True
        if target >= state.current_a:
            return False
        # A decrease is urgent when keeping the old value would break the limit.
        site = inputs.problem.site
        headroom = site.limit_kw(0) - site.base_kw(0) - plan.site_power_kw[0]
        return (state.current_a - target) * charger.kw_per_a > headroom + 1e-9

    async def _write(
        self, charger: ChargerSettings, state: WriteState, target: float
    ) -> None:
        """Send one setpoint: pause, resume and value as the charger wants them."""
        if target <= 0 and charger.pause_mode is not PauseMode.ZERO:
            await self._pause(charger, pause=True)
            state.paused = True
            return
        if state.paused and charger.pause_mode is not PauseMode.ZERO:
            await self._pause(charger, pause=False)
            state.paused = False
        if charger.control is ControlMethod.NUMBER:
            await self._write_number(charger, target)
        else:
            await self._write_action(charger, target)

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
        value = (
            amps * charger.voltage * charger.phases
            if unit
            in (
                UnitOfPower.WATT,
                CurrentUnit.WATT,
            )
            else amps
        )
        if unit == UnitOfPower.KILO_WATT:
            value = amps * charger.kw_per_a
        low = state.attributes.get("min")
        high = state.attributes.get("max")
        if isinstance(high, (int, float)):
            value = min(value, float(high))
        if isinstance(low, (int, float)) and value > 0:
            value = max(value, float(low))
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
