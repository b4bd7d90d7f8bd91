"""The coordinator: plan on time and on change, solve off the loop, then write.

A new plan is made at every step boundary of the clock (not "every 15 minutes
since start"), on state changes of the inputs (plug-in, SoC, new prices; ignoring
the echoes of our own writes), when the user changes a setting entity, and when
the entry or a subentry changes (the entry reloads). The first plan waits until
Home Assistant has started, because the source entities may not exist before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
)
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from . import repairs
from .const import DOMAIN, LOGGER, PlanState
from .optimizer.algorithm import SolveOptions, solve
from .optimizer.model import PlanStatus
from .optimizer.runner import async_run_once
from .price_source import PriceReader, PriceReadError
from .settings import Settings
from .translation import (
    ChargerState,
    HomeAssistantTranslation,
    Inputs,
    UserState,
    VehicleState,
    floor_to_step,
    read_energy_kwh,
)
from .writer import ChargerWriter

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant

    from .optimizer.model import Plan, Problem

EVENT_PLAN_UPDATED = f"{DOMAIN}_plan_updated"
# Meters change every few seconds; one plan per 10 s (HA's default) is plenty; the
# first change after a quiet spell (a plug-in) still plans at once.
REFRESH_COOLDOWN = 5.0


def resolution_kwh(problem: Problem, vehicle_id: str) -> float:
    """The finest energy step a vehicle can get: one current step for one step.

    Setpoints are whole current steps (1 A) and never more than the need, so a
    shortfall below this is rounding, not a missed target.
    """
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    charger = problem.charger(vehicle.charger_id)
    return (
        charger.current_step_a
        * charger.kw_per_a
        * problem.horizon.step_hours
        * vehicle.efficiency
    )


@dataclass(frozen=True, kw_only=True)
class PlanData:
    """One planning round: the inputs read, the plan, and what it means."""

    inputs: Inputs
    plan: Plan
    baseline_cost: float  # the same vehicles charged uncontrolled
    state: PlanState

    @property
    def savings(self) -> float:
        """What the plan saves against charging every car at full power on arrival."""
        return self.baseline_cost - self.plan.cost


class OptiVgiCoordinator(DataUpdateCoordinator[PlanData]):
    """Keeps the plan of one site up to date and applies it."""

    config_entry: OptiVgiConfigEntry

    def __init__(self, hass: HomeAssistant, entry: OptiVgiConfigEntry) -> None:
        """Prepare reading and writing; nothing runs until async_start."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=None,  # step-aligned timer below, not a fixed interval
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=REFRESH_COOLDOWN, immediate=True
            ),
        )
        self.settings = Settings.from_entry(entry)
        self.user = UserState(
            vehicles={
                v.subentry_id: VehicleState(
                    target_soc=v.target_soc,
                    min_soc=v.min_soc,
                    departure=v.departure,
                    arrival=v.arrival,
                )
                for v in self.settings.vehicles
            },
            chargers={c.subentry_id: ChargerState() for c in self.settings.chargers},
        )
        self.writer = ChargerWriter(hass, self.settings.chargers)
        self.prices = PriceReader(hass, self.settings.site)
        self.translation = HomeAssistantTranslation(
            hass, self.settings, self.user, self.writer, self.prices
        )
        self.error_state: PlanState | None = None
        self._timer: CALLBACK_TYPE | None = None
        self._last_round: datetime | None = None

    @property
    def plan_data(self) -> PlanData | None:
        """The latest plan, or None before the first one (``data`` hides that)."""
        return self.data

    @callback
    def async_start(self) -> None:
        """Listen to the inputs, arm the step timer and make the first plan."""
        watched = self.settings.source_entities
        if watched:
            self.config_entry.async_on_unload(
                async_track_state_change_event(
                    self.hass, watched, self._on_input_change
                )
            )
        self.config_entry.async_on_unload(self._cancel_timer)
        self._arm_timer()
        self.config_entry.async_create_task(
            self.hass, self.async_refresh(), f"{DOMAIN} first plan"
        )

    @callback
    def _on_input_change(self, event: Event[EventStateChangedData]) -> None:
        """Replan (debounced) when an input changes, but not for our own echoes."""
        if self.writer.is_own(event.context):
            return
        self.config_entry.async_create_task(
            self.hass, self.async_request_refresh(), f"{DOMAIN} replan"
        )

    @callback
    def _arm_timer(self) -> None:
        """Fire at the next step boundary of the local clock."""
        now = dt_util.now()
        step = self.settings.site.step_minutes
        # In UTC: on the wall clock the day clocks go back would skip an hour.
        boundary = dt_util.as_utc(floor_to_step(now, step)) + timedelta(minutes=step)
        self._timer = async_track_point_in_utc_time(self.hass, self._on_step, boundary)

    @callback
    def _on_step(self, _now: datetime) -> None:
        """A new step begins: replan at once and arm the next boundary."""
        self._timer = None
        self._arm_timer()
        self.config_entry.async_create_task(
            self.hass, self.async_refresh(), f"{DOMAIN} step"
        )

    @callback
    def _cancel_timer(self) -> None:
        """Stop the step timer (on unload)."""
        if self._timer is not None:
            self._timer()
            self._timer = None

    async def _async_update_data(self) -> PlanData:
        """Read, solve in the executor, write the first step, report."""
        now = dt_util.now()
        self._track_sessions(now)
        options = SolveOptions()
        try:
            plan = await async_run_once(
                self.translation,
                self.settings.site.algorithm,
                now,
                executor=self._executor,
                options=options,
            )
        except PriceReadError as err:
            self.error_state = (
                PlanState.SOURCE_UNAVAILABLE
                if err.translation_key == "price_entity_missing"
                else PlanState.NO_PRICES
            )
            repairs.async_set_price_issue(self.hass, self.config_entry)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=err.translation_key,
                translation_placeholders=err.placeholders,
            ) from err
        self.error_state = None
        inputs = self.translation.last_inputs
        assert inputs is not None  # noqa: S101  # set by async_get_problem
        baseline = await self.hass.async_add_executor_job(
            solve, inputs.problem, "uncontrolled"
        )
        data = PlanData(
            inputs=inputs,
            plan=plan,
            baseline_cost=baseline.cost,
            state=self._state(plan, inputs),
        )
        repairs.async_update_issues(self.hass, self.config_entry, data, self.writer)
        self.hass.bus.async_fire(EVENT_PLAN_UPDATED, self._summary(data))
        return data

    async def _executor(self, job: Callable[[], Plan]) -> Plan:
        """Run the solver in the executor: it must never block the event loop."""
        return await self.hass.async_add_executor_job(job)

    def _track_sessions(self, now: datetime) -> None:
        """Count the energy of each session, for vehicles without a SoC sensor.

        The charger's energy sensor counts when it has one; else measured power
        is integrated, else the last written setpoint is assumed. A session ends
        when the charger is unplugged.
        """
        elapsed_h = (
            (now - self._last_round).total_seconds() / 3600 if self._last_round else 0.0
        )
        self._last_round = now
        previous = self.plan_data.inputs.chargers if self.plan_data else {}
        for charger in self.settings.chargers:
            state = self.user.chargers[charger.subentry_id]
            seen = previous.get(charger.subentry_id)
            if seen is None or not seen.plugged_in:
                state.session_start = None
                state.session_energy_kwh = 0.0
                state.session_meter_kwh = None
                continue
            if state.session_start is None:
                state.session_start = now
            if (
                charger.energy_entity
                and (
                    meter := read_energy_kwh(
                        self.hass.states.get(charger.energy_entity)
                    )
                )
                is not None
            ):
                # Its increase since plug-in: right for a per-session counter and
                # for a lifetime register alike (a counter that resets restarts).
                if state.session_meter_kwh is None:
                    state.session_meter_kwh = meter
                elif meter < state.session_meter_kwh:
                    state.session_meter_kwh = 0.0  # the counter was reset
                state.session_energy_kwh = meter - state.session_meter_kwh
                continue
            written = self.writer.states[charger.subentry_id].current_a or 0.0
            power = (
                seen.power_kw
                if seen.power_kw is not None
                else written * (charger.kw_per_a if seen.charging else 0.0)
            )
            state.session_energy_kwh += power * elapsed_h

    @staticmethod
    def _state_of_plan(plan: Plan, problem: Problem) -> PlanState | None:
        """What the plan itself says about the situation."""
        if plan.status is PlanStatus.FALLBACK:
            return PlanState.FALLBACK
        if any(
            row.shortfall_kwh > resolution_kwh(problem, row.vehicle_id)
            for row in plan.vehicles
        ):
            return PlanState.SHORTFALL
        return None

    def _state(self, plan: Plan, inputs: Inputs) -> PlanState:  # noqa: PLR0911
        """The status sensor's state, most important reason first."""
        if not self.user.smart_charging:
            return PlanState.DISABLED
        if inputs.problems:
            return PlanState.SOURCE_UNAVAILABLE
        if any(s.failures for s in self.writer.states.values()):
            return PlanState.WRITE_FAILED
        if (from_plan := self._state_of_plan(plan, inputs.problem)) is not None:
            return from_plan
        if inputs.prices_stale:
            return PlanState.PRICES_STALE
        if inputs.prices_estimated or not inputs.price_forecast:
            return PlanState.ESTIMATED_PRICES
        if not plan.vehicles:
            return PlanState.IDLE
        return PlanState.OK

    def _summary(self, data: PlanData) -> dict[str, Any]:
        """A short, JSON-safe summary for the plan_updated event."""
        names = {v.subentry_id: v.name for v in self.settings.vehicles}
        return {
            "config_entry_id": self.config_entry.entry_id,
            "state": data.state.value,
            "algorithm": data.plan.algorithm,
            "cost": round(data.plan.cost, 4),
            "savings": round(data.savings, 4),
            "shortfall_kwh": round(data.plan.shortfall_kwh, 3),
            "vehicles": {
                names.get(v.vehicle_id, v.vehicle_id): {
                    "energy_kwh": round(v.energy_kwh, 3),
                    "completion": v.completion.isoformat() if v.completion else None,
                }
                for v in data.plan.vehicles
            },
        }


@dataclass(kw_only=True)
class OptiVgiRuntimeData:
    """What a loaded site entry keeps while it runs."""

    coordinator: OptiVgiCoordinator


type OptiVgiConfigEntry = ConfigEntry[OptiVgiRuntimeData]
