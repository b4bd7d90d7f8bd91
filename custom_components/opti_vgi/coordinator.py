"""The coordinator: plan on time and on change, guard the limits in between.

Two loops share one site:

- **Planning rounds** at every step boundary of the clock, on plug-in and
  unplug, SoC, prices, settings and configuration changes, and when the guard
  sees the site differ from what the plan assumed. A round reads one frozen
  snapshot, plans in the executor (never on the event loop), decides once per
  charger and has the writer carry that out.
- **The guard**, on every update of a meter or of what a charger reports: no new
  plan, only arithmetic. When the site would exceed its limit or a fuse phase it
  lowers setpoints at once; it raises them again only after a hold time. It also
  reads back what the chargers do (not following, overrides).

Faults have a safe default: no prices plan at a flat price, every planner
failing plans uncontrolled within the limits, a meter that fails counts as the
assumed house load, and an unexpected error is a status with its reason. What
the writer and the sessions know is kept in a Store across restarts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import (
    async_call_later,
    async_track_point_in_utc_time,
    async_track_state_change_event,
)
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from . import repairs
from .const import (
    DOMAIN,
    LOGGER,
    METER_HOLD_SECONDS,
    ChargerMode,
    Control,
    PlanState,
)
from .control import (
    Decision,
    House,
    Limits,
    Load,
    counted_a,
    decide,
    draw_a,
    excess,
    setpoint_seen,
    shed,
)
from .helpers import state_number
from .optimizer.algorithm import SolveOptions, solve
from .optimizer.model import PlanStatus
from .optimizer.runner import plan_with_fallback
from .price_source import PriceReader
from .reservations import Reservation, no_shows
from .sessions import Sessions
from .settings import Settings
from .translation import (
    ChargerState,
    HomeAssistantTranslation,
    Inputs,
    MeterSource,
    UserState,
    VehicleState,
    charger_wiring,
    default_vehicle_state,
    floor_to_step,
    read_energy_kwh,
)
from .writer import SAFETY_RETRY, ChargerWriter

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.core import HomeAssistant

    from .optimizer.model import Plan, Problem
    from .settings import ChargerSettings

EVENT_PLAN_UPDATED = f"{DOMAIN}_plan_updated"
# A vehicle's target cannot be met by its departure: once per departure.
EVENT_TARGET_AT_RISK = f"{DOMAIN}_target_at_risk"
# Status, plug and SoC changes replan at once; a burst of them is one replan per
# cooldown. Meters do not replan at all (the guard answers them).
REFRESH_COOLDOWN = 5.0
SOC_REPLAN_POINTS = 2.0
"""A SoC sensor replans when it moved this far from what the last plan used.

A charging car's SoC climbs by a tenth of a percent every few seconds; each
step boundary replans with it anyway, so a plan per tick of the sensor would
only cost solver time (a 14-hour simulation solved 368 times, mostly for SoC
ticks). A jump (a sensor that returns, a car swapped) or unknown/known still
replans at once."""
ROUND_TIMEOUT = 120.0  # seconds a whole round may take (the solve has its own limit)
GUARD_HOLD = timedelta(seconds=60)  # a guard-lowered charger waits this to go up
# The guard asks for a new plan when the room it measures differs from the room
# the plan assumed by more than this (kW), at most once per cooldown.
GUARD_REPLAN_KW = 1.0
GUARD_REPLAN_COOLDOWN = timedelta(seconds=120)
# After the guard lowered a charger, the new plan waits this long (seconds), so
# that it reads a meter that already shows the lower draw: a reading from
# before the write, less the new setpoint, would look like a larger house load.
GUARD_SETTLE = 5.0
STORAGE_VERSION = 1
# A price source that is only unavailable or unknown gets a repair after this;
# the status sensor shows the gap at once (HA's repairs are for lasting problems).
PRICE_REPAIR_AFTER = timedelta(minutes=10)
# A car this close to its target is full: "charge now" ends.
FULL_KWH = 0.1
SAVE_DELAY = 10.0


@dataclass(frozen=True, kw_only=True)
class Shortfall:
    """A vehicle that will not get all it needs, and why."""

    vehicle_id: str
    kwh: float
    departure: datetime
    # "time": even alone at its maximum power it cannot get it by departure;
    # "limit": it could, but the site's limits are shared with the others.
    reason: str


def shortfalls(problem: Problem, plan: Plan) -> list[Shortfall]:
    """The vehicles the plan leaves short (beyond rounding), with the reason."""
    found = []
    vehicles = {v.id: v for v in problem.vehicles}
    for row in plan.vehicles:
        vehicle = vehicles.get(row.vehicle_id)
        if vehicle is None or row.shortfall_kwh <= resolution_kwh(problem, vehicle.id):
            continue
        alone_kwh = (
            problem.vehicle_max_kw(vehicle)
            * sum(problem.horizon.hours(t) for t in problem.window(vehicle))
            * vehicle.efficiency
        )
        reachable = alone_kwh + resolution_kwh(problem, vehicle.id)
        found.append(
            Shortfall(
                vehicle_id=vehicle.id,
                kwh=row.shortfall_kwh,
                departure=vehicle.departure,
                reason="time" if vehicle.energy_needed_kwh > reachable else "limit",
            )
        )
    return found


def resolution_kwh(problem: Problem, vehicle_id: str) -> float:
    """The finest energy step a vehicle can get: one current step for one step.

    Setpoints are whole current steps (1 A) and never more than the need, so a
    shortfall below this is rounding, not a missed target. Taken with every
    phase of the charger: a 1-phase car's step is finer, so this is never less
    than the step a planner rounds with.
    """
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    charger = problem.charger(vehicle.charger_id)
    step = charger.current_step_a
    if charger.min_current_a >= charger.max_current_a:
        step = max(step, charger.max_current_a)  # switched: all or nothing
    return step * charger.kw_per_a * problem.horizon.step_hours * vehicle.efficiency


@dataclass(frozen=True, kw_only=True)
class PlanData:
    """One planning round: the inputs read, the plan, and what it decided."""

    inputs: Inputs
    plan: Plan
    decisions: Mapping[str, Decision]
    baseline_cost: float  # the same vehicles charged uncontrolled
    state: PlanState

    @property
    def savings(self) -> float:
        """What the plan saves against charging every car at full power on arrival."""
        return self.baseline_cost - self.plan.cost


class OptiVgiCoordinator(DataUpdateCoordinator[PlanData]):
    """Keeps the plan of one site up to date and the site within its limits."""

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
                v.subentry_id: default_vehicle_state(v) for v in self.settings.vehicles
            },
            chargers={c.subentry_id: ChargerState() for c in self.settings.chargers},
        )
        self.writer = ChargerWriter(hass, self.settings.chargers)
        self.sessions = Sessions()
        self.prices = PriceReader(hass, self.settings.site)
        self.translation = HomeAssistantTranslation(hass, self.settings, self.prices)
        self.decisions: dict[str, Decision] = {}
        # Stable plans (minimum on/off times, a cost for changes, the running
        # step kept): what a user wants of a charger. scripts/simulate turns
        # them off for one run to measure what they change.
        self.solve_options = SolveOptions(stability=True)
        self.guard_caps: dict[str, tuple[float, datetime]] = {}
        self.error_state: PlanState | None = None
        self.error_reason: str | None = None
        self.reloading = False  # set by our update listener: do not release then
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}"
        )
        self._timer: CALLBACK_TYPE | None = None
        self._due_timer: CALLBACK_TYPE | None = None
        self._settle_timer: CALLBACK_TYPE | None = None
        self._meter_source: MeterSource | None = None  # as the guard last saw it
        self._meter_hold_end: datetime | None = None  # a held meter runs out then
        self._guard_retry_at: datetime | None = None  # a guard write to try again
        # The guard asked for a plan that has not come yet: do not ask again.
        self._replan_pending = False
        # Set on unload and stop: after the chargers were released, nothing
        # may write to them again, whatever round or timer is still in flight.
        self.closed = False
        self._apply_lock = asyncio.Lock()
        self._last_summary: dict[str, Any] | None = None
        self._last_guard_replan: datetime | None = None
        self._soc_entities = {
            v.soc_entity: v.subentry_id for v in self.settings.vehicles if v.soc_entity
        }
        self._soc_at_plan: dict[str, float | None] = {}
        self._logged: set[str] = set()
        self._price_gap_since: datetime | None = None  # a transient price gap began
        self._plugged: dict[str, bool] = {}  # per charger, as the last round saw it
        # (vehicle, departure) pairs already announced as at risk.
        self._at_risk: set[tuple[str, datetime]] = set()

    @property
    def plan_data(self) -> PlanData | None:
        """The latest plan, or None before the first one (``data`` hides that)."""
        return self.data

    # --- Life cycle ------------------------------------------------------------

    async def async_load(self) -> None:
        """Take back what the writer and the sessions knew before a restart."""
        stored = await self._store.async_load() or {}
        self.writer.restore(stored.get("writer") or {})
        known = {c.subentry_id for c in self.settings.chargers}
        self.sessions.restore(stored.get("sessions") or {}, known)
        departures = stored.get("departures")
        for vehicle_id, moment in (
            departures.items() if isinstance(departures, dict) else ()
        ):
            when = dt_util.parse_datetime(str(moment))
            if vehicle_id in self.user.vehicles and when is not None and when.tzinfo:
                self.restore_vehicle(vehicle_id, departure_override=when)
        booked = stored.get("reservations")
        restored = tuple(
            r
            for item in (booked if isinstance(booked, list) else ())
            if isinstance(item, dict)
            and (r := Reservation.from_dict(item)) is not None
            and r.vehicle_id in self.user.vehicles
        )
        self.user = replace(self.user, reservations=restored)
        charging_now = stored.get("charge_now")
        for charger_id in charging_now if isinstance(charging_now, list) else ():
            if charger_id in self.user.chargers:
                self.restore_charger(charger_id, charge_now=True)

    def _to_store(self) -> dict[str, Any]:
        """What is kept across restarts."""
        return {
            "writer": self.writer.as_dict(),
            "sessions": self.sessions.as_dict(),
            "departures": {
                vid: state.departure_override.isoformat()
                for vid, state in self.user.vehicles.items()
                if state.departure_override is not None
            },
            "charge_now": [
                cid for cid, state in self.user.chargers.items() if state.charge_now
            ],
            "reservations": [r.as_dict() for r in self.user.reservations],
        }

    @callback
    def _save(self) -> None:
        """Save soon (writes are batched; a stop writes at once)."""
        self._store.async_delay_save(self._to_store, SAVE_DELAY)

    async def async_save(self) -> None:
        """Save now (on unload)."""
        await self._store.async_save(self._to_store())

    @callback
    def async_start(self) -> None:
        """Listen to the inputs, arm the step timer and make the first plan."""
        entry = self.config_entry
        if watched := self.settings.source_entities:
            entry.async_on_unload(
                async_track_state_change_event(
                    self.hass, watched, self._on_input_change
                )
            )
        if guarded := self.settings.guard_entities:
            entry.async_on_unload(
                async_track_state_change_event(self.hass, guarded, self._on_guard_input)
            )
        entry.async_on_unload(
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._on_stop)
        )
        entry.async_on_unload(self.close)
        self._arm_timer()
        entry.async_create_task(self.hass, self.async_refresh(), f"{DOMAIN} first plan")

    async def _on_stop(self, _event: Event) -> None:
        """Home Assistant stops: release the chargers and keep what we know."""
        self.close()
        await self.async_release()
        await self.async_save()

    async def async_release(self) -> None:
        """Let go of every charger as the options say (unload, stop, smart off)."""
        site = self.settings.site
        await self.writer.async_release(
            site.release_mode, site.release_current, dt_util.utcnow()
        )
        self._save()

    # --- The user's settings ---------------------------------------------------

    def restore_vehicle(self, vehicle_id: str, **changes: Any) -> None:
        """A vehicle setting restored at start-up (no new plan for it)."""
        vehicles = dict(self.user.vehicles)
        vehicles[vehicle_id] = replace(vehicles[vehicle_id], **changes)
        self.user = replace(self.user, vehicles=vehicles)

    def restore_charger(self, charger_id: str, **changes: Any) -> None:
        """A charger setting restored at start-up (no new plan for it)."""
        chargers = dict(self.user.chargers)
        chargers[charger_id] = replace(self.user.charger(charger_id), **changes)
        self.user = replace(self.user, chargers=chargers)

    def restore_smart_charging(self, *, on: bool) -> None:
        """The smart charging switch restored at start-up."""
        self.user = replace(self.user, smart_charging=on)

    async def async_set_vehicle(self, vehicle_id: str, **changes: Any) -> None:
        """The user changed a vehicle setting: keep it and plan again."""
        self.restore_vehicle(vehicle_id, **changes)
        await self.async_request_refresh()

    async def async_set_charger(self, charger_id: str, **changes: Any) -> None:
        """The user changed a charger setting: keep it and plan again.

        Choosing a mode by hand ends a "charge now": the user decides again.
        """
        if "mode" in changes:
            changes.setdefault("charge_now", False)
        self.restore_charger(charger_id, **changes)
        self._save()
        await self.async_request_refresh()

    async def async_charge_now(self, charger_id: str) -> None:
        """Fast until the car on ``charger_id`` is full or unplugged, then smart."""
        await self.async_set_charger(charger_id, mode=ChargerMode.FAST, charge_now=True)

    def _follow_plugs(self, inputs: Inputs) -> bool:
        """What a plug-out or a full car ends; True when a setting changed.

        Unplugging clears the vehicle chosen for that charger (the next car may
        be another) and ends "charge now"; so does the car reaching its target.
        """
        changed = False
        for cid, seen in inputs.chargers.items():
            if not seen.status_known:
                continue
            state = self.user.charger(cid)
            was = self._plugged.get(cid)
            self._plugged[cid] = seen.plugged_in
            changes: dict[str, Any] = {}
            if was and not seen.plugged_in:
                if state.connected_vehicle is not None:
                    changes["connected_vehicle"] = None
                if state.charge_now:
                    changes.update(mode=ChargerMode.SMART, charge_now=False)
            elif state.charge_now and seen.plugged_in and seen.vehicle is not None:
                vehicle = inputs.vehicles.get(seen.vehicle)
                if (
                    vehicle is not None
                    and vehicle.need_known
                    and vehicle.energy_needed_kwh <= FULL_KWH
                ):
                    changes.update(mode=ChargerMode.SMART, charge_now=False)
            if changes:
                self.restore_charger(cid, **changes)
                changed = True
        if changed:
            self._save()
        return changed

    async def async_set_smart_charging(self, *, on: bool) -> None:
        """Take control, or release every charger and keep hands off."""
        self.user = replace(self.user, smart_charging=on)
        if on:
            self.writer.take_back()
        else:
            await self.async_release()
        await self.async_request_refresh()

    async def async_set_departure(
        self, vehicle_id: str, departure: datetime | None
    ) -> None:
        """A one-off departure for one vehicle (None clears it), kept over restarts."""
        self.restore_vehicle(vehicle_id, departure_override=departure)
        self._save()
        await self.async_request_refresh()

    async def async_add_reservation(self, reservation: Reservation) -> None:
        """Keep a reservation made by the action (over restarts) and plan again."""
        self.user = replace(
            self.user, reservations=(*self.user.reservations, reservation)
        )
        self._save()
        await self.async_request_refresh()

    async def async_remove_reservations(
        self, vehicle_id: str, start: datetime | None = None
    ) -> int:
        """Remove a vehicle's reservations (or the one starting at ``start``).

        Calendar reservations cannot be deleted from here: they are dropped
        (not planned again) until the calendar no longer has them.
        """

        def matches(r: Reservation) -> bool:
            return r.vehicle_id == vehicle_id and (start is None or r.start == start)

        mine = [r for r in self.user.reservations if matches(r)]
        calendar = [r for r in self.translation.calendar if matches(r)]
        self.user = replace(
            self.user,
            reservations=tuple(r for r in self.user.reservations if not matches(r)),
            dropped_reservations=self.user.dropped_reservations
            | {r.id for r in calendar},
        )
        self._save()
        await self.async_request_refresh()
        return len(mine) + len(calendar)

    def _drop_reservations(self, inputs: Inputs) -> bool:
        """Drop no-shows and ended reservations; True when a setting changed."""
        now = inputs.now
        plugged = {vid: v.plugged_in for vid, v in inputs.vehicles.items()}
        every = (*self.user.reservations, *self.translation.calendar)
        missed = no_shows(every, now, plugged)
        for reservation in every:
            if reservation.id in missed and reservation.id not in (
                self.user.dropped_reservations
            ):
                LOGGER.info(
                    "Reservation of %s at %s dropped: the vehicle did not come",
                    reservation.vehicle_id,
                    reservation.start,
                )
        kept = tuple(
            r for r in self.user.reservations if r.end > now and r.id not in missed
        )
        live = {r.id for r in self.translation.calendar}
        dropped = frozenset(
            {d for d in self.user.dropped_reservations if d in live} | (missed & live)
        )
        if kept == self.user.reservations and dropped == self.user.dropped_reservations:
            return False
        self.user = replace(self.user, reservations=kept, dropped_reservations=dropped)
        self._save()
        return True

    def _drop_passed_departures(self, now: datetime) -> None:
        """A one-off departure holds once: after it, the schedule applies again."""
        passed = {
            vid: replace(state, departure_override=None)
            for vid, state in self.user.vehicles.items()
            if state.departure_override is not None and state.departure_override <= now
        }
        if passed:
            self.user = replace(self.user, vehicles={**self.user.vehicles, **passed})
            self._save()

    def vehicle_state(self, vehicle_id: str) -> VehicleState:
        """A vehicle's current settings."""
        return self.user.vehicles[vehicle_id]

    # --- Triggers --------------------------------------------------------------

    @callback
    def _on_input_change(self, event: Event[EventStateChangedData]) -> None:
        """Replan (debounced) when an input changes, but not for our own echoes."""
        if self.writer.is_own(event.context):
            return
        entity_id = event.data["entity_id"]
        if entity_id in self._soc_entities:
            new = state_number(event.data["new_state"])
            used = self._soc_at_plan.get(entity_id)
            vehicle = self.user.vehicles.get(self._soc_entities[entity_id])
            target = vehicle.target_soc if vehicle else None
            if (
                new is not None
                and used is not None
                and abs(new - used) < SOC_REPLAN_POINTS
                # Reaching the target replans at once: the car is done.
                and not (target is not None and used < target <= new)
            ):
                return
        self.config_entry.async_create_task(
            self.hass, self.async_request_refresh(), f"{DOMAIN} replan"
        )

    @callback
    def _on_guard_input(self, _event: Event[EventStateChangedData]) -> None:
        """A meter or a charger's report changed: count and guard, do not plan."""
        now = dt_util.utcnow()
        self._update_sessions(now)
        self._guard(now)

    @callback
    def _arm_timer(self) -> None:
        """Fire at the next step boundary of the local clock."""
        if self.closed:
            return
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
    def _arm_due(self) -> None:
        """Wake up when a write held back by its interval becomes due."""
        if self._due_timer is not None:
            self._due_timer()
            self._due_timer = None
        if self.closed:
            return
        now = dt_util.utcnow()
        times = [
            t
            for t in (
                self.writer.next_due,
                self.writer.next_check(now),
                self._meter_hold_end,
                self._guard_retry_at,
            )
            if t is not None
        ]
        if times:
            self._due_timer = async_track_point_in_utc_time(
                self.hass, self._on_due, max(min(times), now)
            )

    @callback
    def _on_due(self, _now: datetime) -> None:
        """Something is due by the clock: a held write, a read-back, a meter.

        The guard looks first (it checks what the chargers report and the
        meters), then the held-back writes go out; no new plan unless the guard
        finds one is needed.
        """
        self._due_timer = None
        now = dt_util.utcnow()
        if self._meter_hold_end is not None and now >= self._meter_hold_end:
            self._meter_hold_end = None
        if self._guard_retry_at is not None and now >= self._guard_retry_at:
            self._guard_retry_at = None
        self._guard(now)
        self.config_entry.async_create_task(
            self.hass, self._async_due_write(), f"{DOMAIN} due write"
        )

    @callback
    def close(self) -> None:
        """Stop the timers and any later write (on unload and stop)."""
        self.closed = True
        self.writer.stop()
        for cancel in (self._timer, self._due_timer, self._settle_timer):
            if cancel is not None:
                cancel()
        self._timer = self._due_timer = self._settle_timer = None

    # --- The planning round ----------------------------------------------------

    async def _async_update_data(self) -> PlanData:
        """One round within its deadline; any failure is a status, never a loop."""
        try:
            async with asyncio.timeout(ROUND_TIMEOUT):
                data = await self._async_round(dt_util.utcnow())
        except TimeoutError as err:
            self._replan_pending = False
            self._fail("round_timeout", f"no plan within {ROUND_TIMEOUT:.0f} s")
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="round_timeout"
            ) from err
        except Exception as err:
            self._replan_pending = False
            reason = f"{type(err).__name__}: {err}"
            if type(err).__name__ not in self._logged:
                self._logged.add(type(err).__name__)
                LOGGER.exception("Planning round failed")
            self._fail("unexpected_error", reason)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="unexpected_error",
                translation_placeholders={"error": reason},
            ) from err
        self._replan_pending = False
        self.error_state = None
        self.error_reason = None
        return data

    def _previous_currents(self, now: datetime) -> tuple[tuple[str, float], ...] | None:
        """What the last plan sets each charger to at ``now``; None without one.

        The step of the last plan that contains ``now`` (its first step when
        replanning within a step); nothing once that plan has run out.
        """
        data = self.plan_data
        if data is None:
            return None
        plan = data.plan
        step = int(plan.horizon.index_at(now))
        if not 0 <= step < plan.horizon.steps:
            return None
        return tuple((c.charger_id, c.current_a[step]) for c in plan.chargers)

    def _fail(self, key: str, reason: str) -> None:
        """Remember why the round failed, for the status sensor."""
        self.error_state = PlanState.ERROR
        self.error_reason = f"{key}: {reason}"

    async def _async_round(self, now: datetime) -> PlanData:
        """Read, plan in the executor, decide once per charger, write, report."""
        self._update_sessions(now)
        self._drop_passed_departures(now)
        self._soc_at_plan = {
            entity_id: state_number(self.hass.states.get(entity_id))
            for entity_id in self._soc_entities
        }
        inputs = await self.translation.async_read(
            now,
            self.user,
            self.writer.health(now),
            self.sessions.delivered_kwh(),
            self.sessions.started(),
        )
        if self._drop_reservations(inputs) | self._follow_plugs(inputs):
            # Planned with the settings of before (one snapshot per round); the
            # next round, right after this one, plans with the new ones.
            self.hass.async_create_task(self.async_request_refresh())
        if inputs.meter is not self._meter_source:
            self._meter_source = inputs.meter
            if inputs.meter is MeterSource.HELD:
                self._meter_hold_end = now + timedelta(seconds=METER_HOLD_SECONDS + 1)
        # Stable plans: the last plan's setpoints now, kept unless a change is
        # worth it (see SolveOptions.stability).
        inputs = replace(
            inputs,
            problem=replace(
                inputs.problem, previous_current_a=self._previous_currents(now)
            ),
        )
        problem = inputs.problem
        algorithm = self.settings.site.algorithm
        plan = await self.hass.async_add_executor_job(
            plan_with_fallback, problem, algorithm, self.solve_options
        )
        decisions = decide(
            plan,
            inputs.controls,
            {cid: c.vehicle for cid, c in inputs.chargers.items()},
            {cid: c.counted_a for cid, c in inputs.chargers.items()},
            self.writer.health(now),
        )
        self.decisions = decisions
        # The first data: the guard and the held-back writes work from it.
        baseline = await self.hass.async_add_executor_job(self._baseline, problem)
        data = PlanData(
            inputs=inputs,
            plan=plan,
            decisions=decisions,
            baseline_cost=plan.cost if baseline is None else baseline,
            state=PlanState.OK,
        )
        self.data = data
        # A cap that has held long enough gives way to a plan made from the
        # meters as they are now; a younger one still keeps a spike from flapping.
        self.guard_caps = {
            cid: cap
            for cid, cap in self.guard_caps.items()
            if now - cap[1] < GUARD_HOLD
        }
        await self._async_apply(now)
        return self._report(data)

    @callback
    def _report(self, data: PlanData) -> PlanData:
        """The status after the writes: repairs, and the event when it changed."""
        data = replace(data, state=self._state(data.plan, data.inputs))
        repairs.async_update_issues(
            self.hass,
            self.config_entry,
            data,
            self.writer,
            price_error_lasts=self._price_error_lasts(data.inputs),
        )
        summary = self._summary(data)
        if summary != self._last_summary:
            self._last_summary = summary
            self.hass.bus.async_fire(EVENT_PLAN_UPDATED, summary)
        self._announce_at_risk(data)
        self._save()
        return data

    async def _async_due_write(self) -> None:
        """Send what its interval held back, and show how it went.

        No new plan, unless a charger's health changed with it (one that
        refused now accepts, say): then it is planned again.
        """
        now = dt_util.utcnow()
        before = {c: h.not_following for c, h in self.writer.health(now).items()}
        await self._async_apply(now)
        after = {c: h.not_following for c, h in self.writer.health(now).items()}
        if after != before and not self.closed:
            self.config_entry.async_create_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} health"
            )
        if self.data is not None and not self.closed:
            data = self._report(self.data)
            if data.state is not self.data.state:
                # Not async_set_updated_data: that would cancel a replan asked for.
                self.data = data
                self.async_update_listeners()

    @staticmethod
    def _baseline(problem: Problem) -> float | None:
        """The cost of charging uncontrolled, for the savings; None if it fails."""
        try:
            return solve(problem, "uncontrolled").cost
        except Exception:  # noqa: BLE001  # the savings are not worth a failed round
            LOGGER.debug("Baseline failed", exc_info=True)
            return None

    def _capped(self) -> dict[str, Decision]:
        """The round's decisions, never above what the guard has lowered."""
        capped = {}
        for cid, decision in self.decisions.items():
            cap = self.guard_caps.get(cid)
            capped[cid] = (
                replace(decision, target_a=min(decision.target_a, cap[0]))
                if cap is not None and decision.target_a is not None
                else decision
            )
        return capped

    async def _async_apply(self, now: datetime) -> None:
        """Have the writer carry out the decisions (not while smart charging is off)."""
        data = self.data
        if data is None or not self.user.smart_charging or self.closed:
            return
        async with self._apply_lock:
            if self.writer.stopped:
                return  # closed while waiting for the round before
            await self.writer.async_apply(
                self._capped(), data.inputs, self.translation.limits(), now
            )
        # The sessions count at the new setpoints from now on.
        self._update_sessions(now)
        self._arm_due()
        self._save()

    # --- Sessions and the guard ------------------------------------------------

    @callback
    def _update_sessions(self, now: datetime) -> None:
        """Count each session's energy from what the chargers report now."""
        for charger in self.settings.chargers:
            status = self.translation.status(charger)
            if status is None:
                continue  # unknown: the session goes on as it was
            plugged, charging = status
            since = None
            if plugged and charger.status_entity:
                state = self.hass.states.get(charger.status_entity)
                since = state.last_changed if state is not None else None
            meter = None
            if charger.energy_entity:
                meter = read_energy_kwh(self.hass.states.get(charger.energy_entity))
            power = None
            if meter is None:
                # Per ampere of setpoint, the phases its car draws on.
                kw_per_a = charger.kw_per_a
                if self.data is not None:
                    kw_per_a = self.data.inputs.chargers[charger.subentry_id].kw_per_a
                measured = self.translation.measured_kw(charger)
                setpoint = self.writer.states[charger.subentry_id].current_a
                power = (
                    max(0.0, measured)
                    if measured is not None
                    else draw_a(measured_a=None, setpoint_a=setpoint, charging=charging)
                    * kw_per_a
                )
            self.sessions.update(
                charger.subentry_id,
                plugged_in=plugged,
                since=since,
                now=now,
                meter_kwh=meter,
                power_kw=power,
            )

    @callback
    def _guard(self, now: datetime) -> None:
        """Keep the site within its limits now, from the meters, without a plan.

        Every charger is counted at the most it may draw now (its setpoint or
        what it draws, whichever is more). When that and the house exceed the
        limit or a phase, setpoints are lowered at once; a lowered charger goes
        up again only after ``GUARD_HOLD`` with room to spare.
        """
        data = self.data
        if data is None or not self.user.smart_charging or self.closed:
            return
        limits = self.translation.limits()
        health_changed = False
        loads: list[Load] = []
        draws: list[tuple[tuple[int, ...], float, float]] = []
        by_id: dict[str, ChargerSettings] = {}
        reading_at = self.translation.meter_time()
        for charger in self.settings.chargers:
            cid = charger.subentry_id
            by_id[cid] = charger
            seen = data.inputs.chargers[cid]
            state = self.writer.states[cid]
            power = self.translation.measured_kw(charger)
            # The phases of the round's car; all of the charger's once its
            # status changed since (another car may be on it by now).
            vehicle_phases = seen.vehicle_phases
            if self.translation.replugged(charger, data.inputs.now):
                vehicle_phases = None
            reported = self.translation.reported_limit_a(charger, vehicle_phases)
            phases, kw_per_a = charger_wiring(
                charger,
                vehicle_phases,
                measured_kw=power,
                limit_a=reported if reported is not None else state.current_a,
                fused=limits.fuse_a is not None,
            )
            measured = None if power is None else power / kw_per_a
            health_changed |= self.writer.check(
                charger,
                now,
                reported_a=reported,
                measured_a=measured,
                override_minutes=self.settings.site.override_minutes,
            )
            setpoint = reported if reported is not None else state.current_a
            seen_a = setpoint_seen(
                setpoint,
                previous_a=state.previous_a,
                changed_at=state.changed_at,
                reading_at=reading_at,
            )
            draws.append(
                (
                    phases,
                    kw_per_a,
                    draw_a(
                        measured_a=measured, setpoint_a=seen_a, charging=seen.charging
                    ),
                )
            )
            decision = self.decisions.get(cid)
            if decision is None:
                continue
            control = decision.control
            if control.planned or control is Control.STOP:
                may = max(setpoint or 0.0, measured or 0.0)
            elif control is Control.IDLE:
                may = max(0.0, measured or 0.0)
            else:
                may = counted_a(
                    measured_a=measured,
                    limit_a=reported,
                    written_a=state.current_a,
                    max_a=charger.max_current,
                )
            loads.append(
                Load(
                    charger_id=cid,
                    phases=phases,
                    kw_per_a=kw_per_a,
                    current_a=may,
                    # As planned: its real range and step (a switched
                    # charger's minimum is its fixed current: off below).
                    min_a=(model := data.inputs.problem.charger(cid)).min_current_a,
                    step_a=model.current_step_a,
                    planned=not control.left_alone,
                    # A charger on its way cannot be lowered now; one that
                    # refused comes after the others, in the same pass.
                    adjustable=control is not Control.IDLE
                    and not self.writer.busy(cid),
                    last_resort=bool(state.failures),
                )
            )
        house, source = self.translation.house_now(now, draws)
        self._meter_changed(now, source)
        lowered = shed(limits, house, loads)
        for cid, shed_a in lowered.items():
            # Never write more than the round decided (a charger left alone and
            # re-asserted lower is written that, not just below what it has).
            decided = self.decisions.get(cid)
            target = decided.target_a if decided is not None else None
            value = shed_a if target is None else min(shed_a, target)
            LOGGER.debug("Guard lowers %s to %s A", by_id[cid].name, value)
            self.guard_caps[cid] = (value, now)
            loads = [
                replace(load, current_a=value) if load.charger_id == cid else load
                for load in loads
            ]
            self.config_entry.async_create_task(
                self.hass,
                self._async_guard_write(by_id[cid], value, now),
                f"{DOMAIN} guard",
            )
        self._release_caps(now, limits, house, loads)
        if health_changed:
            # A charger that stops or starts following is a real change.
            self.config_entry.async_create_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} health"
            )
        elif abs(self._drift_kw(house, loads)) > GUARD_REPLAN_KW:
            self._guard_replan(now, settle=bool(lowered))

    @callback
    def _meter_changed(self, now: datetime, source: MeterSource) -> None:
        """A meter failing or coming back is news for the plan and the status.

        A held meter runs out by the clock, not by an event: a timer then makes
        the assumed house load count without waiting for the next step.
        """
        if source is self._meter_source:
            return
        first = self._meter_source is None
        self._meter_source = source
        if source is MeterSource.HELD:
            self._meter_hold_end = now + timedelta(seconds=METER_HOLD_SECONDS + 1)
            self._arm_due()
        if not first:
            self.config_entry.async_create_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} meter"
            )

    def _drift_kw(self, house: House, loads: list[Load]) -> float:
        """How far the room now differs from the room the plan was made with.

        Only what the plan does not control counts: the house load, and the
        chargers left alone against what they were counted at. Planned chargers
        are the plan's own; a write on its way would otherwise look like news.
        """
        site = self.settings.site
        base = self.data.inputs.problem.site.base_load_kw if self.data else ()
        planned_house = base[0] if base else 0.0
        now_house = max(
            house.kw, max(house.phase_a) * site.voltage * site.phases / 1000
        )
        drift = now_house - planned_house
        for load in loads:
            decision = self.decisions.get(load.charger_id)
            if decision is not None and not load.planned:
                drift += (load.current_a - decision.counted_a) * load.kw_per_a
        return drift

    def _release_caps(
        self, now: datetime, limits: Limits, house: House, loads: list[Load]
    ) -> None:
        """Lift a guard's cap once it has held long enough and the room is back."""
        lifted = False
        for cid, (_, since) in list(self.guard_caps.items()):
            if now - since < GUARD_HOLD:
                continue
            decision = self.decisions.get(cid)
            target = decision.target_a if decision and decision.target_a else 0.0
            trial = [
                replace(load, current_a=max(load.current_a, target))
                if load.charger_id == cid
                else load
                for load in loads
            ]
            over_kw, over_phase = excess(limits, house, trial)
            if over_kw <= 0 and all(v <= 0 for v in over_phase.values()):
                del self.guard_caps[cid]
                loads = trial  # the next cap is tried with this one lifted
                lifted = True
        if lifted:
            self.config_entry.async_create_task(
                self.hass, self._async_apply(now), f"{DOMAIN} guard release"
            )

    async def _async_guard_write(
        self, charger: ChargerSettings, value: float, now: datetime
    ) -> None:
        """Send a guard's decrease, and keep what it did.

        When it does not go out (refused, no answer, or a retry too soon), the
        guard looks again after ``SAFETY_RETRY`` by the clock: a meter whose
        value stays the same sends no event to look again by.
        """
        if not await self.writer.async_write_now(charger, value, now):
            self._guard_retry_at = dt_util.utcnow() + SAFETY_RETRY
            self._arm_due()
        self._save()

    @callback
    def _guard_replan(self, now: datetime, *, settle: bool) -> None:
        """Ask for a new plan, at most once per cooldown; later after a write."""
        if self._settle_timer is not None or self._replan_pending or self.closed:
            return  # a new plan is on its way
        last = self._last_guard_replan
        if last is not None and now - last < GUARD_REPLAN_COOLDOWN:
            # Not now, but not forgotten either: at the end of the cooldown.
            wait = (last + GUARD_REPLAN_COOLDOWN - now).total_seconds()
            self._settle_timer = async_call_later(self.hass, wait, self._on_settled)
            return
        self._last_guard_replan = now
        if settle:
            self._settle_timer = async_call_later(
                self.hass, GUARD_SETTLE, self._on_settled
            )
            return
        self._replan_pending = True
        self.config_entry.async_create_task(
            self.hass, self.async_request_refresh(), f"{DOMAIN} guard replan"
        )

    @callback
    def _on_settled(self, _now: datetime) -> None:
        """The guard's writes had time to show on the meter: plan again."""
        self._settle_timer = None
        self._last_guard_replan = dt_util.utcnow()
        self._replan_pending = True
        self.config_entry.async_create_task(
            self.hass, self.async_request_refresh(), f"{DOMAIN} guard replan"
        )

    # --- What the entities show ------------------------------------------------

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

    @callback
    def _announce_at_risk(self, data: PlanData) -> None:
        """Fire the at-risk event once per vehicle and departure, not every replan.

        A plan at a flat price (no prices) still knows what fits, so it counts.
        Departures that have passed are forgotten, so the set stays small.
        """
        now = data.inputs.now
        self._at_risk = {(v, d) for v, d in self._at_risk if d > now}
        names = self.settings.vehicle_names
        for short in shortfalls(data.inputs.problem, data.plan):
            seen = data.inputs.vehicles.get(short.vehicle_id)
            if seen is not None and seen.asap:
                continue  # a guest past its time: it was announced for that time
            departure = seen.departure if seen is not None else short.departure
            key = (short.vehicle_id, departure)
            if key in self._at_risk:
                continue
            self._at_risk.add(key)
            self.hass.bus.async_fire(
                EVENT_TARGET_AT_RISK,
                {
                    "vehicle_id": short.vehicle_id,
                    "vehicle": names.get(short.vehicle_id, short.vehicle_id),
                    "departure": dt_util.as_local(departure).isoformat(),
                    "shortfall_kwh": round(short.kwh, 2),
                    "reason": short.reason,
                    "plugged_in": bool(seen and seen.plugged_in),
                },
            )

    def _price_error_lasts(self, inputs: Inputs) -> bool:
        """Whether the price error deserves a repair: lasting, or not transient."""
        error = inputs.price_error
        if error is None or not error.transient:
            self._price_gap_since = None
            return error is not None
        if self._price_gap_since is None:
            self._price_gap_since = inputs.now
        return inputs.now - self._price_gap_since >= PRICE_REPAIR_AFTER

    def _state(self, plan: Plan, inputs: Inputs) -> PlanState:  # noqa: PLR0911
        """The status sensor's state, most important reason first."""
        if not inputs.user.smart_charging:
            return PlanState.DISABLED
        if inputs.price_error is not None:
            if inputs.price_error.translation_key == "price_entity_missing":
                return PlanState.SOURCE_UNAVAILABLE
            return PlanState.NO_PRICES
        if inputs.meter in (MeterSource.HELD, MeterSource.ASSUMED):
            return PlanState.METER_UNAVAILABLE
        if inputs.problems:
            return PlanState.SOURCE_UNAVAILABLE
        if any(s.failures for s in self.writer.states.values()):
            return PlanState.WRITE_FAILED
        if any(s.not_following for s in self.writer.states.values()):
            return PlanState.NOT_FOLLOWING
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
        names = self.settings.vehicle_names
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
