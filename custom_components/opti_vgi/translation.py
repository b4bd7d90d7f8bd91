"""The Translation backed by Home Assistant: read entities into a Problem.

Everything here runs on the event loop and only reads ``hass.states``; the solve
itself runs in the executor (coordinator.py), and writing the plan to the
chargers lives in writer.py. Reading is robust by design: a missing, unavailable,
non-numeric or oddly-unitted entity never raises, it is recorded in
``Inputs.problems`` so the status sensor and the repairs can name it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
import math
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined]
    BinarySensorDeviceClass,
)
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    STATE_HOME,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter, PowerConverter

from .compat import vol
from .const import (
    METER_HOLD_SECONDS,
    ChargerMode,
    Control,
    ControlMethod,
    GridSign,
    LimitMode,
    PauseMode,
)
from .control import (
    PHASES,
    Health,
    House,
    Limits,
    classify,
    counted_a,
    counted_phases,
    draw_a,
    house_load,
    setpoint_seen,
    worst_phase_a,
)
from .helpers import state_number, usable
from .optimizer.model import Charger, Horizon, Problem, Site, Vehicle
from .price_source import PriceReadError, Prices
from .reservations import RESERVATION_GRACE, Reservation, current, from_event
from .settings import GUEST_PREFIX, VehicleSettings
from .units import DEFAULT_STEP_A, FINEST_STEP_A, from_unit, grid_step_a, unit_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from homeassistant.core import HomeAssistant, State

    from .price_source import PriceReader
    from .settings import ChargerSettings, Settings


@dataclass(frozen=True, kw_only=True)
class VehicleState:
    """What the user set on a vehicle's entities (restored across restarts)."""

    target_soc: float
    min_soc: float
    departure: time
    arrival: time
    energy_to_add_kwh: float = 0.0
    # A one-off departure (opti_vgi.set_departure): it replaces the schedule
    # until it has passed, then the coordinator drops it.
    departure_override: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ChargerState:
    """What the user set on a charger's entities."""

    mode: ChargerMode = ChargerMode.SMART
    connected_vehicle: str | None = None  # vehicle subentry id chosen by the user
    # "Charge now" pressed: fast until the car is full or unplugged, then smart.
    charge_now: bool = False


@dataclass(frozen=True, kw_only=True)
class UserState:
    """The user's settings, replaced whole on every change (never changed in place).

    A round reads the one it started with, so a setting changed while a solve
    runs cannot mix with the inputs of that solve; the next round sees it.
    """

    smart_charging: bool = True
    vehicles: Mapping[str, VehicleState] = field(default_factory=dict)
    chargers: Mapping[str, ChargerState] = field(default_factory=dict)
    # Made with opti_vgi.add_reservation (the calendar's are read each round).
    reservations: tuple[Reservation, ...] = ()
    # No-shows and reservations removed by hand: not planned again.
    dropped_reservations: frozenset[str] = frozenset()

    def charger(self, charger_id: str) -> ChargerState:
        """A charger's settings (the defaults for one not seen yet)."""
        return self.chargers.get(charger_id) or ChargerState()


@dataclass(frozen=True, kw_only=True)
class VehicleInputs:
    """One vehicle as read now."""

    subentry_id: str
    charger_id: str | None  # subentry id of the charger it is on or expected at
    plugged_in: bool
    soc: float | None  # percent, when the vehicle has a SoC sensor
    energy_needed_kwh: float
    need_known: bool  # False when the SoC sensor gives no usable value
    arrival: datetime
    departure: datetime
    planned: bool  # part of the problem (plugged in, or expected and plan-ahead)
    reservation: Reservation | None = None  # the one shaping this plan, if any
    guest: bool = False  # the charger's guest profile, not a configured vehicle
    # All of its need at once, whatever the price: a guest past its time.
    asap: bool = False


@dataclass(frozen=True, kw_only=True)
class ChargerInputs:
    """One charger as read now, and who controls it this round."""

    subentry_id: str
    plugged_in: bool
    status_known: bool  # False when its status entity cannot be read
    charging: bool
    vehicle: str | None  # vehicle subentry id plugged into it, if known
    claimed_elsewhere: str | None  # a vehicle it claims that is on another charger
    power_kw: float | None  # measured, when a power sensor is configured
    limit_a: float | None  # the limit it reports (its number entity), in A
    control: Control
    counted_a: float  # per phase it loads, when the plan does not control it
    vehicle_phases: int | None  # its vehicle's on-board charger; None: not known
    phases: tuple[int, ...]  # the site phases its draw is counted on this round
    kw_per_a: float  # grid power per ampere on those phases


class MeterSource(StrEnum):
    """Where the house load of this round comes from."""

    NONE = "none"  # no meter configured: only our chargers are counted
    MEASURED = "measured"
    HELD = "held"  # the meter fails; its last value, for a short while
    ASSUMED = "assumed"  # the meter failed for longer: the assumed house load


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """Everything read for one round: one frozen snapshot, and what went wrong.

    The decisions, the writes and the entities of the round all use this one
    snapshot, never a second reading of the states or of the user's settings.
    """

    now: datetime
    problem: Problem
    user: UserState
    vehicles: dict[str, VehicleInputs]
    chargers: dict[str, ChargerInputs]
    house: House  # measured (or assumed) house load now, chargers excluded
    meter: MeterSource
    price_error: PriceReadError | None  # no usable prices: planned at a flat price
    prices_estimated: bool
    prices_known_until: datetime | None
    price_forecast: bool  # False when only the current price could be read
    prices_stale: bool  # the price action failed; its last prices are used
    export_prices: tuple[float, ...] | None  # feed-in price per step, if configured
    problems: tuple[str, ...]  # entity ids that are missing or unusable

    @property
    def controls(self) -> dict[str, Control]:
        """Each charger's control this round."""
        return {cid: charger.control for cid, charger in self.chargers.items()}


MAX_SOC = 100.0
# With no usable prices the plan charges as soon as possible: a price that rises
# by this per step breaks the ties of a flat price in favour of now.
FLAT_PRICE_SLOPE = 1e-6


def floor_to_step(moment: datetime, step_minutes: int) -> datetime:
    """Start of the planning step containing ``moment``, on the local clock."""
    local = dt_util.as_local(moment)
    minutes = (local.hour * 60 + local.minute) // step_minutes * step_minutes
    return local.replace(
        hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0
    )


def next_occurrence(after: datetime, at: time) -> datetime:
    """The first local datetime strictly after ``after`` whose clock shows ``at``."""
    local = dt_util.as_local(after)
    candidate = local.replace(
        hour=at.hour, minute=at.minute, second=at.second, microsecond=0
    )
    while candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(
            hour=at.hour, minute=at.minute, second=at.second
        )
    return candidate


# A vehicle's own "plugged in" sensor: binary_sensor on/off, or the words its
# integration uses (Tesla "connected", Kia/Hyundai "plugged_in", ...).
PLUGGED_TRUE = frozenset(
    {"on", "true", "connected", "plugged", "plugged_in", "charging"}
)
PLUGGED_FALSE = frozenset(
    {"off", "false", "disconnected", "unplugged", "not_plugged", "not_connected"}
)
UNKNOWN_STATES = frozenset({STATE_UNAVAILABLE, STATE_UNKNOWN})
CALENDAR_TIMEOUT = 10  # seconds for calendar.get_events


def next_departure(
    after: datetime,
    daily: time,
    weekly: Mapping[int, time | None] | None = None,
    override: datetime | None = None,
) -> datetime:
    """The first departure strictly after ``after``.

    A one-off override comes first while it lies ahead. Then the weekly
    schedule: a weekday listed with a time departs then, one listed with None
    has no departure, one not listed follows the daily time. A week without any
    departure falls back to the daily time: a plan needs a deadline.
    """
    if override is not None and override > after:
        return override
    if not weekly:
        return next_occurrence(after, daily)
    local = dt_util.as_local(after)
    zone = dt_util.get_default_time_zone()
    for days in range(8):
        day = local.date() + timedelta(days=days)
        at = weekly.get(day.weekday(), daily)
        if at is None:
            continue
        candidate = datetime.combine(day, at, tzinfo=zone)
        if candidate > after:
            return candidate
    return next_occurrence(after, daily)


def read_energy_kwh(state: State | None) -> float | None:
    """An energy sensor in kWh, converting from its unit (Wh, kWh, MWh)."""
    value = state_number(state)
    if value is None or state is None:
        return None
    unit = state.attributes.get("unit_of_measurement", UnitOfEnergy.KILO_WATT_HOUR)
    if unit not in EnergyConverter.VALID_UNITS:
        return None
    return EnergyConverter.convert(value, unit, UnitOfEnergy.KILO_WATT_HOUR)


def read_power_kw(state: State | None) -> float | None:
    """A power sensor in kW, converting from its unit (W, kW, MW)."""
    value = state_number(state)
    if value is None or state is None:
        return None
    unit = state.attributes.get("unit_of_measurement", UnitOfPower.WATT)
    if unit not in PowerConverter.VALID_UNITS:
        return None
    return PowerConverter.convert(value, unit, UnitOfPower.KILO_WATT)


class HomeAssistantTranslation:
    """Reads the site, chargers, vehicles and prices from the state machine.

    The read half of Opti-VGI's Translation (the writer is the other half). A
    round's reading is returned as one frozen :class:`Inputs`; the only memory
    kept here is each meter's last good value, so that a meter that drops out
    for a few seconds is not read as an empty house.
    """

    def __init__(
        self, hass: HomeAssistant, settings: Settings, prices: PriceReader
    ) -> None:
        """Remember where to read from; nothing is read until a plan is due."""
        self.hass = hass
        self.settings = settings
        self.prices = prices
        self._last_good: dict[str, tuple[float, datetime]] = {}
        self._house_cache: (
            tuple[tuple[datetime | None, ...], House, MeterSource] | None
        ) = None
        self.calendar: tuple[Reservation, ...] = ()  # the calendar's, last read
        self._calendar_error = False

    async def _async_read_calendar(self, now: datetime) -> None:
        """The calendar's reservations over the horizon (kept when it fails).

        A calendar that cannot be read is listed with the unusable entities;
        the reservations read before still hold, so a hiccup does not give away
        the room kept for a car on its way.
        """
        calendar = self.settings.site.calendar_entity
        self._calendar_error = False
        if not calendar:
            self.calendar = ()
            return
        end = now + timedelta(hours=self.settings.site.horizon_hours)
        try:
            async with asyncio.timeout(CALENDAR_TIMEOUT):
                response = await self.hass.services.async_call(
                    "calendar",
                    "get_events",
                    {
                        "entity_id": calendar,
                        "start_date_time": (now - RESERVATION_GRACE).isoformat(),
                        "end_date_time": end.isoformat(),
                    },
                    blocking=True,
                    return_response=True,
                )
        except HomeAssistantError, TimeoutError, vol.Invalid:
            self._calendar_error = True
            return
        events = (response or {}).get(calendar, {})
        items = events.get("events") if isinstance(events, dict) else None
        if not isinstance(items, list):
            items = []
        vehicles = {v.name: v.subentry_id for v in self.settings.vehicles}
        chargers = {c.name: c.subentry_id for c in self.settings.chargers}
        self.calendar = tuple(
            r
            for item in items
            if isinstance(item, dict)
            and (r := from_event(item, vehicles, chargers)) is not None
        )

    async def async_read(
        self,
        now: datetime,
        user: UserState,
        health: Mapping[str, Health],
        delivered_kwh: Mapping[str, float],
        plugged_at: Mapping[str, datetime] | None = None,
    ) -> Inputs:
        """Fetch prices when due and the calendar, then read every input at ``now``."""
        await self.prices.async_update(now)
        await self._async_read_calendar(now)
        return self.read(now, user, health, delivered_kwh, plugged_at)

    def read(
        self,
        now: datetime,
        user: UserState,
        health: Mapping[str, Health],
        delivered_kwh: Mapping[str, float],
        plugged_at: Mapping[str, datetime] | None = None,
    ) -> Inputs:
        """Read all inputs at ``now`` into one snapshot; never raises for bad input.

        ``health`` is what the writer learnt of each charger (an override, a
        charger that does not follow); ``delivered_kwh`` the energy of each
        charger's session so far, for vehicles without a SoC sensor and for
        guests; ``plugged_at`` when each session began (a guest's clock).
        """
        site = self.settings.site
        problems: list[str] = []
        if self._calendar_error and site.calendar_entity:
            problems.append(site.calendar_entity)
        start = floor_to_step(now, site.step_minutes)
        step = timedelta(minutes=site.step_minutes)
        horizon = Horizon(
            start=start,
            step_minutes=site.step_minutes,
            steps=site.horizon_hours * 60 // site.step_minutes,
            # A replan within a step has only the rest of it (at least a
            # second). In UTC: on the wall clock the hour clocks go back repeats.
            first_share=min(
                1.0,
                max(
                    dt_util.as_utc(start) + step - dt_util.as_utc(now),
                    timedelta(seconds=1),
                )
                / step,
            ),
        )
        price_error: PriceReadError | None = None
        try:
            prices = self.prices.read(horizon)
        except PriceReadError as err:
            # Departures and minimum SoC are still met and the limits still
            # kept: plan as soon as possible at a flat price, and say so.
            price_error = err
            prices = Prices(
                prices=tuple(i * FLAT_PRICE_SLOPE for i in range(horizon.steps)),
                estimated=False,
                known_until=None,
                forecast=True,
                stale=False,
            )
        readings = {
            charger.subentry_id: self._read_charger(charger, problems)
            for charger in self.settings.chargers
        }
        assigned, refused = self._assign_vehicles(readings, user)
        vehicles = {
            vehicle.subentry_id: self._read_vehicle(
                vehicle, assigned, user, delivered_kwh, now, problems
            )
            for vehicle in self.settings.vehicles
        }
        for charger_id, vehicle_id in assigned.items():
            if vehicle_id.startswith(GUEST_PREFIX):
                vehicles[vehicle_id] = self._read_guest(
                    charger_id, user, delivered_kwh, plugged_at or {}, now, horizon
                )
        chargers = {
            charger.subentry_id: self._classify(
                charger,
                readings[charger.subentry_id],
                assigned.get(charger.subentry_id),
                refused.get(charger.subentry_id),
                vehicles,
                user,
                health.get(charger.subentry_id, Health()),
            )
            for charger in self.settings.chargers
        }
        house, meter = self._read_house(now, chargers, health, problems)
        planned_chargers = {
            cid for cid, charger in chargers.items() if not charger.control.left_alone
        }
        problem = Problem(
            horizon=horizon,
            site=self._site(horizon, house, chargers),
            prices=prices.prices,
            chargers=tuple(
                self._charger_model(c, chargers[c.subentry_id].vehicle)
                for c in self.settings.chargers
            ),
            vehicles=tuple(
                self._vehicle_model(
                    self._settings_of(v.subentry_id), v, user, horizon, now
                )
                for v in vehicles.values()
                if v.planned
                and v.charger_id is not None
                and v.charger_id in planned_chargers
            ),
            currency=self.hass.config.currency,
        )
        return Inputs(
            now=now,
            problem=problem,
            user=user,
            vehicles=vehicles,
            chargers=chargers,
            house=house,
            meter=meter,
            price_error=price_error,
            prices_estimated=prices.estimated,
            prices_known_until=prices.known_until,
            price_forecast=prices.forecast,
            prices_stale=prices.stale,
            export_prices=self.prices.export_prices(horizon),
            problems=tuple(dict.fromkeys(problems)),
        )

    def _settings_of(self, vehicle_id: str) -> VehicleSettings:
        """Vehicle settings by subentry id, or those of a charger's guest."""
        if vehicle_id.startswith(GUEST_PREFIX):
            charger = next(
                c for c in self.settings.chargers if c.guest_id == vehicle_id
            )
            return guest_settings(charger)
        return next(v for v in self.settings.vehicles if v.subentry_id == vehicle_id)

    @staticmethod
    def _known_phases(vehicle: VehicleSettings | None) -> int | None:
        """The phases a vehicle is known to charge on; None for none or a guest.

        A guest is an unknown car: it may draw on one phase or on all, so it is
        counted on every phase of its charger, and a power limit is converted
        with one phase (the fewest watts), as for any car not known.
        """
        if vehicle is None or vehicle.subentry_id.startswith(GUEST_PREFIX):
            return None
        return vehicle.phases

    def _read_charger(
        self, charger: ChargerSettings, problems: list[str]
    ) -> ChargerReading:
        """Status, measured power and the limit the charger reports."""
        status = self.status(charger)
        if status is None and charger.status_entity:
            problems.append(charger.status_entity)
        plugged, charging = status or (False, False)
        power = None
        if charger.power_entity:
            power = read_power_kw(self.hass.states.get(charger.power_entity))
            if power is None:
                problems.append(charger.power_entity)
        return ChargerReading(
            status_known=status is not None,
            plugged_in=plugged,
            charging=charging,
            power_kw=power,
            limit_a=self.reported_limit_a(charger),
        )

    def reported_limit_a(
        self, charger: ChargerSettings, vehicle_phases: int | None = None
    ) -> float | None:
        """The limit the charger's number entity shows now, in A per phase.

        Converted back from its unit (A, mA, W, kW); a power limit with the
        phases the car in it uses (``ChargerSettings.unit_phases``), or, with
        no car known, as the most one phase may carry, at most its maximum.
        """
        if charger.control is not ControlMethod.NUMBER or not charger.current_entity:
            return None
        state = self.hass.states.get(charger.current_entity)
        value = state_number(state)
        if value is None or state is None:
            return None
        unit = unit_of(state.attributes.get("unit_of_measurement"))
        if unit is None:
            return None
        amps = from_unit(
            value,
            unit,
            voltage=charger.voltage,
            phases=charger.unit_phases(vehicle_phases),
        )
        if vehicle_phases is None and unit.is_power:
            return min(amps, charger.max_current)
        return amps

    def measured_kw(self, charger: ChargerSettings) -> float | None:
        """What the charger's power sensor says it draws, in kW."""
        if not charger.power_entity:
            return None
        return read_power_kw(self.hass.states.get(charger.power_entity))

    def replugged(self, charger: ChargerSettings, since: datetime) -> bool:
        """Whether the charger's status changed after ``since`` (another car?)."""
        if not charger.status_entity:
            return False
        state = self.hass.states.get(charger.status_entity)
        return state is None or state.last_changed > since

    def status(self, charger: ChargerSettings) -> tuple[bool, bool] | None:
        """Plugged in and charging, from the status entity; None when unusable."""
        if not charger.status_entity:
            return False, False
        state = self.hass.states.get(charger.status_entity)
        if state is None or not usable(state):
            return None
        if state.domain == "binary_sensor":
            return state.state == STATE_ON, state.state == STATE_ON
        plugged = state.state in charger.plugged_states
        return plugged, state.state in charger.charging_states

    def _evidence(self, vehicle: VehicleSettings) -> bool | None:
        """What the vehicle's own entities say: plugged in, not here, or unknown.

        Its plugged-in sensor off, or its tracker anywhere but home, rules it out;
        its plugged-in sensor on says it is plugged in (somewhere here, if its
        tracker agrees). Unavailable entities say nothing. A *charging* sensor
        (a binary sensor of class ``battery_charging``) on proves the cable is
        in, but off does not prove it is out: a car paused by the plan is not
        charging, and ruling it out then would leave it unplanned until the
        plan starts it, which it never would.
        """
        tracker = self.hass.states.get(vehicle.tracker_entity or "")
        if (
            tracker is not None
            and tracker.state not in UNKNOWN_STATES
            and tracker.state != STATE_HOME
        ):
            return False
        plugged = self.hass.states.get(vehicle.plugged_entity or "")
        if plugged is None:
            return None
        value = plugged.state.lower()
        if value in PLUGGED_TRUE:
            return True
        if (
            plugged.domain == "binary_sensor"
            and plugged.attributes.get(ATTR_DEVICE_CLASS)
            == BinarySensorDeviceClass.BATTERY_CHARGING
        ):
            return None  # not charging: paused, full, or unplugged
        if value in PLUGGED_FALSE:
            return False
        return None

    def _assign_vehicles(  # noqa: PLR0912  # one pass per kind of evidence
        self, readings: Mapping[str, ChargerReading], user: UserState
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Which vehicle is on which plugged-in charger; one vehicle, one charger.

        The user's choice first; then evidence: a vehicle whose own sensor says
        it is plugged in goes to its regular charger if that is plugged in and
        free, else to the only plugged-in charger still free; then a charger's
        regular vehicle, then the only vehicle of a one-charger site, but never
        a vehicle whose own sensor or tracker says it is not here; then the
        charger's guest profile, when it has one. Every round decides again,
        so a known vehicle found later takes over from a guest. A vehicle is
        on at most one charger: a second charger that claims it is refused (and
        counted, not planned). Returns the assignment and the refused claims,
        both by charger id.
        """
        known = {v.subentry_id for v in self.settings.vehicles}
        evidence = {v.subentry_id: self._evidence(v) for v in self.settings.vehicles}
        plugged = [
            c.subentry_id
            for c in self.settings.chargers
            if readings[c.subentry_id].plugged_in
        ]
        assigned: dict[str, str] = {}
        refused: dict[str, str] = {}
        taken: set[str] = set()
        for charger_id in plugged:
            chosen = user.charger(charger_id).connected_vehicle
            if chosen is None or chosen not in known:
                continue
            if chosen in taken:
                refused[charger_id] = chosen
                continue
            assigned[charger_id] = chosen
            taken.add(chosen)
        for vehicle in self.settings.vehicles:
            vid = vehicle.subentry_id
            if evidence[vid] is not True or vid in taken:
                continue
            free = [c for c in plugged if c not in assigned and c not in refused]
            if vehicle.charger in free:
                target: str | None = vehicle.charger
            else:
                # Its regular charger is not free: only one candidate is proof.
                others = [
                    c
                    for c in free
                    if not any(
                        v.charger == c and evidence[v.subentry_id] is True
                        for v in self.settings.vehicles
                        if v.subentry_id not in taken and v.subentry_id != vid
                    )
                ]
                target = others[0] if len(others) == 1 else None
            if target is not None:
                assigned[target] = vid
                taken.add(vid)
        for charger_id in plugged:
            if charger_id in assigned or charger_id in refused:
                continue
            regular = next(
                (
                    v.subentry_id
                    for v in self.settings.vehicles
                    if v.charger == charger_id
                    and v.subentry_id not in taken
                    and evidence[v.subentry_id] is not False
                ),
                None,
            )
            if regular is None and len(self.settings.vehicles) == 1:
                only = self.settings.vehicles[0].subentry_id
                if (
                    len(self.settings.chargers) == 1
                    and only not in taken
                    and evidence[only] is not False
                ):
                    regular = only
            if regular is not None:
                assigned[charger_id] = regular
                taken.add(regular)
        for charger in self.settings.chargers:
            # Last: the charger's guest profile, for a car nothing identifies.
            # Never on a status that cannot be read (it is not plugged in then).
            cid = charger.subentry_id
            reading = readings[cid]
            if (
                charger.has_guest
                and reading.status_known
                and reading.plugged_in
                and cid not in assigned
                and cid not in refused
            ):
                assigned[cid] = charger.guest_id
        return assigned, refused

    def _read_vehicle(  # noqa: PLR0917  # one reading, its parts named
        self,
        vehicle: VehicleSettings,
        assigned: Mapping[str, str],
        user: UserState,
        delivered_kwh: Mapping[str, float],
        now: datetime,
        problems: list[str],
    ) -> VehicleInputs:
        """Where the vehicle is, what it needs and by when."""
        state = user.vehicles.get(vehicle.subentry_id) or default_vehicle_state(vehicle)
        on = next(
            (cid for cid, vid in assigned.items() if vid == vehicle.subentry_id), None
        )
        charger_id = on or vehicle.charger
        if charger_id is not None and self.settings.charger(charger_id) is None:
            charger_id = None
        soc = None
        if vehicle.has_soc and vehicle.soc_entity:
            soc = state_number(self.hass.states.get(vehicle.soc_entity))
            if soc is not None and not 0 <= soc <= MAX_SOC:
                soc = None  # a SoC of 150 % or -5 % is a broken sensor, not a plan
            if soc is None:
                problems.append(vehicle.soc_entity)
        arrival = now if on is not None else self._expected_arrival(vehicle, state, now)
        departure = next_departure(
            max(arrival, now),
            state.departure,
            vehicle.weekly_departures,
            state.departure_override,
        )
        booked = current(
            (*user.reservations, *self.calendar),
            vehicle.subentry_id,
            now,
            plugged_in=on is not None,
            dropped=user.dropped_reservations,
        )
        if booked is not None:
            # Expected at its start (due any moment once that passed), gone at
            # its end; a one-off departure still comes first.
            if on is None:
                arrival = max(booked.start, now)
                if booked.charger_id and self.settings.charger(booked.charger_id):
                    charger_id = booked.charger_id
            override = state.departure_override
            departure = override if override and override > now else booked.end
            if booked.target_soc is not None:
                state = replace(state, target_soc=booked.target_soc)
        delivered = delivered_kwh.get(on, 0.0) if on is not None else 0.0
        need = self._energy_needed(vehicle, state, soc, delivered)
        if (
            booked is not None
            and booked.energy_kwh is not None
            and (booked.target_soc is None or not vehicle.has_soc)
        ):
            # What is booked is what is wanted, SoC sensor or not.
            need = max(0.0, booked.energy_kwh - delivered * vehicle.efficiency)
        mode = user.charger(charger_id).mode if charger_id else ChargerMode.SMART
        plannable = (
            on is not None or vehicle.plan_ahead or booked is not None
        ) and mode is not ChargerMode.OFF
        planned = plannable and need is not None and charger_id is not None
        return VehicleInputs(
            subentry_id=vehicle.subentry_id,
            charger_id=charger_id,
            plugged_in=on is not None,
            soc=soc,
            energy_needed_kwh=need or 0.0,
            need_known=need is not None,
            arrival=arrival,
            departure=departure,
            planned=planned,
            reservation=booked,
        )

    def _read_guest(  # noqa: PLR0917  # one reading, its parts named
        self,
        charger_id: str,
        user: UserState,
        delivered_kwh: Mapping[str, float],
        plugged_at: Mapping[str, datetime],
        now: datetime,
        horizon: Horizon,
    ) -> VehicleInputs:
        """The guest on a charger: its energy less what this session delivered.

        Wanted within the guest hours of the plug-in (the session's start, which
        a restart keeps). A guest still short once that time is (nearly) over
        is charged at once, as fast as the limits allow, for as long as it
        stays: it is still there and still wants its energy.
        """
        charger = self.settings.charger(charger_id)
        assert charger is not None  # noqa: S101  # assigned from the settings' chargers
        since = plugged_at.get(charger_id, now)
        departure = since + timedelta(hours=charger.guest_hours)
        asap = departure < now + timedelta(minutes=horizon.step_minutes)
        if asap:
            departure = horizon.end
        need = max(0.0, charger.guest_energy_kwh - delivered_kwh.get(charger_id, 0.0))
        return VehicleInputs(
            subentry_id=charger.guest_id,
            charger_id=charger_id,
            plugged_in=True,
            soc=None,
            energy_needed_kwh=need,
            need_known=True,
            arrival=now,
            departure=departure,
            planned=user.charger(charger_id).mode is not ChargerMode.OFF,
            guest=True,
            asap=asap,
        )

    def _classify(  # noqa: PLR0917  # one reading, its parts named
        self,
        charger: ChargerSettings,
        reading: ChargerReading,
        vehicle_id: str | None,
        refused: str | None,
        vehicles: Mapping[str, VehicleInputs],
        user: UserState,
        health: Health,
    ) -> ChargerInputs:
        """One charger's reading, with who controls it and what it is counted at."""
        vehicle = vehicles.get(vehicle_id) if vehicle_id else None
        guest = vehicle is not None and vehicle.guest
        control = classify(
            smart_charging=user.smart_charging,
            status_known=reading.status_known,
            plugged_in=reading.plugged_in,
            mode_off=user.charger(charger.subentry_id).mode is ChargerMode.OFF,
            vehicle=vehicle_id,
            claimed_elsewhere=refused is not None,
            need_known=vehicle is not None and vehicle.need_known,
            needs_nothing=vehicle is not None and vehicle.energy_needed_kwh <= 0,
            health=health,
            guest=guest,
        )
        settings = self._settings_of(vehicle_id) if vehicle_id else None
        vehicle_phases = self._known_phases(settings)
        if vehicle_phases is not None and reading.limit_a is not None:
            # A power limit is read with the phases this car uses.
            reading = replace(
                reading, limit_a=self.reported_limit_a(charger, vehicle_phases)
            )
        phases, kw_per_a = charger_wiring(
            charger,
            vehicle_phases,
            measured_kw=reading.power_kw,
            limit_a=reading.limit_a
            if reading.limit_a is not None
            else health.written_a,
            fused=self.settings.site.limit_mode is LimitMode.CURRENT,
        )
        measured = None if reading.power_kw is None else reading.power_kw / kw_per_a
        counted = 0.0
        if control.left_alone:
            most = charger.max_current
            if settings is not None and settings.max_current is not None:
                # The car takes no more than its on-board charger's maximum.
                most = min(most, settings.max_current)
            counted = counted_a(
                measured_a=measured,
                limit_a=reading.limit_a,
                written_a=health.written_a,
                max_a=most,
            )
        elif control is Control.IDLE and measured is not None:
            counted = max(0.0, measured)  # its status may lag: what it draws counts
        return ChargerInputs(
            subentry_id=charger.subentry_id,
            plugged_in=reading.plugged_in,
            status_known=reading.status_known,
            charging=reading.charging,
            vehicle=vehicle_id,
            claimed_elsewhere=refused,
            power_kw=reading.power_kw,
            limit_a=reading.limit_a,
            control=control,
            counted_a=counted,
            vehicle_phases=vehicle_phases,
            phases=phases,
            kw_per_a=kw_per_a,
        )

    @staticmethod
    def _expected_arrival(
        vehicle: VehicleSettings, state: VehicleState, now: datetime
    ) -> datetime:
        """When a vehicle that is not plugged in is expected.

        Between its usual arrival and departure it is late and may arrive any
        moment, so capacity is reserved from now; otherwise from its next arrival.
        """
        arrival = next_occurrence(now, state.arrival)
        departure = next_departure(
            now, state.departure, vehicle.weekly_departures, state.departure_override
        )
        return now if departure < arrival else arrival

    @staticmethod
    def _energy_needed(
        vehicle: VehicleSettings,
        state: VehicleState,
        soc: float | None,
        delivered_kwh: float,
    ) -> float | None:
        """Energy to add to the battery, or None when it cannot be known now."""
        if vehicle.has_soc:
            if soc is None or vehicle.capacity_kwh is None:
                return None
            return max(0.0, (state.target_soc - soc) / 100 * vehicle.capacity_kwh)
        return max(0.0, state.energy_to_add_kwh - delivered_kwh * vehicle.efficiency)

    @staticmethod
    def _min_energy(
        vehicle: VehicleSettings, inputs: VehicleInputs, user: UserState
    ) -> float:
        """Energy wanted at once: up to the minimum SoC, or all of it in fast mode."""
        mode = ChargerMode.SMART
        if inputs.charger_id is not None:
            mode = user.charger(inputs.charger_id).mode
        if mode is ChargerMode.FAST or inputs.asap:
            return inputs.energy_needed_kwh
        state = user.vehicles.get(vehicle.subentry_id)
        if inputs.soc is None or vehicle.capacity_kwh is None or state is None:
            return 0.0
        below = max(0.0, (state.min_soc - inputs.soc) / 100 * vehicle.capacity_kwh)
        return min(below, inputs.energy_needed_kwh)

    def limits(self) -> Limits:
        """The site's hard limits, as the guard checks them."""
        site = self.settings.site
        return Limits(
            kw=site.limit_kw,
            fuse_a=site.limit_a if site.limit_mode is LimitMode.CURRENT else None,
            phases=site.phases,
            voltage=site.voltage,
        )

    def read_meter(
        self, entity_id: str, now: datetime, *, current: bool
    ) -> tuple[float | None, MeterSource]:
        """One meter in kW (or A): its value, its last good one, or none.

        A meter that is unavailable or reports a wrong unit keeps its last good
        value for ``METER_HOLD_SECONDS``; after that it has none, and the caller
        assumes the configured house load instead.
        """
        state = self.hass.states.get(entity_id)
        if current:
            value = state_number(state)
            unit = state.attributes.get("unit_of_measurement") if state else None
            if unit not in (None, UnitOfElectricCurrent.AMPERE):
                value = None
        else:
            value = read_power_kw(state)
            site = self.settings.site
            if (
                value is not None
                and entity_id == site.grid_power_entity
                and site.grid_sign is GridSign.EXPORT_POSITIVE
            ):
                value = -value
        if value is not None:
            self._last_good[entity_id] = (value, now)
            return value, MeterSource.MEASURED
        last = self._last_good.get(entity_id)
        if last is not None and now - last[1] <= timedelta(seconds=METER_HOLD_SECONDS):
            return last[0], MeterSource.HELD
        return None, MeterSource.ASSUMED

    def meter_time(self) -> datetime | None:
        """When the oldest of the site's meters last reported."""
        times = [
            state.last_reported
            for entity_id in self.settings.site.meter_entities
            if (state := self.hass.states.get(entity_id)) is not None
        ]
        return min(times, default=None)

    def _meter_stamps(self) -> tuple[datetime | None, ...]:
        """When each of the site's meters last reported: a new reading of any."""
        states = [self.hass.states.get(e) for e in self.settings.site.meter_entities]
        return tuple(state.last_reported if state else None for state in states)

    def house_now(
        self,
        now: datetime,
        draws: Iterable[tuple[tuple[int, ...], float, float]],
        problems: list[str] | None = None,
    ) -> tuple[House, MeterSource]:
        """The house load as of the meters' latest reading.

        It is worked out once per reading, with the draws as they are when it
        arrives (the meter listener runs at once): a charger's power or limit
        that changes later is not in that reading yet, and taking the new value
        off the old reading would turn the difference into house load.
        """
        # Any meter's new reading is a new house load (a quiet phase meter
        # must not hold back what the grid meter shows).
        stamps = self._meter_stamps()
        cached = self._house_cache
        if (
            cached is not None
            and None not in stamps
            and cached[0] == stamps
            and cached[2] is MeterSource.MEASURED
        ):
            return cached[1], cached[2]
        house, source = self._house_from_meters(now, draws, problems)
        self._house_cache = (stamps, house, source)
        return house, source

    def _house_from_meters(
        self,
        now: datetime,
        draws: Iterable[tuple[tuple[int, ...], float, float]],
        problems: list[str] | None,
    ) -> tuple[House, MeterSource]:
        """The house load now from the meters, less what the chargers draw.

        With no meter configured only the chargers are counted (the README says
        so). A meter that has failed for longer than its hold time counts as
        the assumed house load of the options, on every phase.
        """
        site = self.settings.site
        limits = self.limits()
        if not site.meter_entities:
            return House(kw=0.0, phase_a=(0.0, 0.0, 0.0)), MeterSource.NONE
        sources: list[MeterSource] = []
        grid_kw: float | None = None
        if site.grid_power_entity:
            grid_kw, source = self.read_meter(
                site.grid_power_entity, now, current=False
            )
            sources.append(source)
            if source is not MeterSource.MEASURED and problems is not None:
                problems.append(site.grid_power_entity)
        phase_a: dict[int, float] = {}
        for phase, entity_id in enumerate(site.phase_current_entities, start=1):
            if entity_id is None:
                continue
            amps, source = self.read_meter(entity_id, now, current=True)
            sources.append(source)
            if source is not MeterSource.MEASURED and problems is not None:
                problems.append(entity_id)
            if amps is not None:
                phase_a[phase] = amps
        house = house_load(limits, grid_kw=grid_kw, phase_a=phase_a, draws=draws)
        if MeterSource.ASSUMED in sources:
            assumed = site.assumed_house_kw
            spread = limits.spread_a(assumed)
            house = House(
                kw=max(house.kw, assumed),
                phase_a=tuple(  # type: ignore[arg-type]  # three phases in, three out
                    max(a, spread if p <= limits.phases else 0.0)
                    for p, a in zip(PHASES, house.phase_a, strict=True)
                ),
            )
            return house, MeterSource.ASSUMED
        if MeterSource.HELD in sources:
            return house, MeterSource.HELD
        return house, MeterSource.MEASURED

    def _read_house(
        self,
        now: datetime,
        chargers: Mapping[str, ChargerInputs],
        health: Mapping[str, Health],
        problems: list[str],
    ) -> tuple[House, MeterSource]:
        """The house load of this round: meters less every charger's draw."""
        draws = []
        reading_at = self.meter_time()
        for charger in self.settings.chargers:
            seen = chargers[charger.subentry_id]
            known = health.get(charger.subentry_id, Health())
            measured = None if seen.power_kw is None else seen.power_kw / seen.kw_per_a
            setpoint = setpoint_seen(
                seen.limit_a if seen.limit_a is not None else known.written_a,
                previous_a=known.previous_a,
                changed_at=known.changed_at,
                reading_at=reading_at,
            )
            amps = draw_a(
                measured_a=measured, setpoint_a=setpoint, charging=seen.charging
            )
            draws.append((seen.phases, seen.kw_per_a, amps))
        return self.house_now(now, draws, problems)

    def _site(
        self,
        horizon: Horizon,
        house: House,
        chargers: Mapping[str, ChargerInputs],
    ) -> Site:
        """The grid limit, the house load now, and every draw the plan must leave.

        Meters tell the present only, so the measured house load holds for the
        current step; later steps are re-read at every replan. A charger left
        alone is counted on the phases it loads for the whole horizon (its
        car's when the car is known, else all of its own): a new plan comes as
        soon as its situation changes.
        """
        site = self.settings.site
        fixed = [0.0, 0.0, 0.0]
        for charger in self.settings.chargers:
            seen = chargers[charger.subentry_id]
            for phase in seen.phases:
                fixed[phase - 1] += seen.counted_a
        base_now = max(house.kw, max(house.phase_a) * site.voltage * site.phases / 1000)
        base = (base_now,) + (0.0,) * (horizon.steps - 1)
        row = (fixed[0], fixed[1], fixed[2])
        return Site(
            import_limit_kw=site.limit_kw,
            fuse_limit_a=site.limit_a if site.limit_mode is LimitMode.CURRENT else None,
            phases=site.phases,
            voltage_v=site.voltage,
            base_load_kw=base,
            fixed_load_a=(row,) * horizon.steps if any(fixed) else None,
        )

    def _charger_model(
        self, charger: ChargerSettings, vehicle_id: str | None
    ) -> Charger:
        """The optimizer's view of a charger: what it can really be set to.

        Its current range is the user's settings and its number entity's own
        range together (either may be wrong: a SmartEVSE number stops at 16 A,
        a number may offer 32 A on a 16 A cable), on the number's own step; an
        action's current on the step the user gave (tenths for OCPP and KEBA,
        whole amperes for Easee). A charger that can only be switched is
        planned at its fixed current (its car's maximum when that is lower) or
        off. Its minimum on/off time is planned, not only kept by the writer: a
        plan that switches it sooner would be held back and run late.
        """
        low, high = charger.min_current, charger.max_current
        step_a = DEFAULT_STEP_A
        vehicle = self._settings_of(vehicle_id) if vehicle_id else None
        if charger.control is ControlMethod.ACTION:
            step_a = max(charger.current_step, FINEST_STEP_A)
        elif charger.control is ControlMethod.ON_OFF:
            fixed = fixed_current_a(charger, vehicle)
            low = high = fixed
            step_a = max(fixed, FINEST_STEP_A)
        elif charger.control is ControlMethod.NUMBER and charger.current_entity:
            state = self.hass.states.get(charger.current_entity)
            attributes = state.attributes if state is not None else {}
            unit = unit_of(attributes.get("unit_of_measurement"))
            if unit is not None:
                phases = charger.unit_phases(self._known_phases(vehicle))
                volts = charger.voltage
                step = _positive(attributes.get("step"))
                step_a = grid_step_a(step, unit, voltage=volts, phases=phases)
                if (top := _positive(attributes.get("max"))) is not None:
                    high = min(high, from_unit(top, unit, voltage=volts, phases=phases))
                if (bottom := _positive(attributes.get("min"))) is not None:
                    low = max(
                        low, from_unit(bottom, unit, voltage=volts, phases=phases)
                    )
        if low > high:  # nothing it accepts is within the user's range
            low = high = 0.0
        # Whole minutes, rounded up: 90 s is kept as 2 min, never as 1.
        switch_minutes = max(0, math.ceil(charger.min_switch_time / 60 - 1e-9))
        return Charger(
            id=charger.subentry_id,
            phases=charger.phases,
            phase=charger.phase,
            voltage_v=charger.voltage,
            min_current_a=low,
            max_current_a=high,
            current_step_a=step_a,
            accepts_zero=charger.pause_mode is PauseMode.ZERO
            and charger.control is not ControlMethod.ON_OFF,
            min_on_minutes=switch_minutes,
            min_off_minutes=switch_minutes,
        )

    def _vehicle_model(
        self,
        vehicle: VehicleSettings,
        inputs: VehicleInputs,
        user: UserState,
        horizon: Horizon,
        now: datetime,
    ) -> Vehicle:
        """The optimizer's view of a vehicle (plugged in or expected)."""
        assert inputs.charger_id is not None  # noqa: S101  # only planned vehicles
        need = inputs.energy_needed_kwh
        charger = self.settings.charger(inputs.charger_id)
        if charger is not None and charger.control is ControlMethod.ON_OFF and need:
            # Planned in whole steps at its fixed power, and never above the
            # need, a switched charger would stop up to a step short: the need
            # is rounded up to whole steps (the car goes a little past its
            # target, and the next plan stops it once nothing is needed).
            phases = min(charger.phases, vehicle.phases)
            per_step = (
                fixed_current_a(charger, vehicle)
                * charger.voltage
                * phases
                / 1000
                * horizon.step_hours
                * vehicle.efficiency
            )
            if per_step > 0:
                need = math.ceil(need / per_step - 1e-9) * per_step
        return Vehicle(
            id=vehicle.subentry_id,
            charger_id=inputs.charger_id,
            # Plugged in (or late and due any moment) means from the current step;
            # a later arrival counts from the first whole step after it.
            arrival=inputs.arrival if inputs.arrival > now else horizon.start,
            departure=min(inputs.departure, horizon.end),
            energy_needed_kwh=need,
            min_energy_kwh=self._min_energy(vehicle, inputs, user),
            max_power_kw=vehicle.max_power_kw,
            efficiency=vehicle.efficiency,
            phases=vehicle.phases,
            max_current_a=vehicle.max_current,
            min_current_a=vehicle.min_current,
            battery_room_kwh=battery_room_kwh(vehicle, inputs),
        )


def guest_settings(charger: ChargerSettings) -> VehicleSettings:
    """A charger's guest as a vehicle: what the charger allows, nothing more known.

    Its energy is counted from the grid (what the charger's session shows), so
    its efficiency is 1. It may take the charger's maximum on every phase: the
    plan and the fuse count it on all of them, whatever car it turns out to be.
    """
    return VehicleSettings(
        subentry_id=charger.guest_id,
        name=charger.guest_name,
        efficiency=1.0,
        max_power_kw=charger.max_current * charger.kw_per_a,
        plan_ahead=False,
        charger=charger.subentry_id,
        session_energy_kwh=charger.guest_energy_kwh,
        phases=charger.phases,
        max_current=None,
    )


def fixed_current_a(charger: ChargerSettings, vehicle: VehicleSettings | None) -> float:
    """The current a switched charger is planned at when on.

    Its maximum, or what its car takes when that is less (switched on, the car
    draws what it can: its on-board charger's maximum, its maximum power).
    """
    fixed = charger.max_current
    if vehicle is not None:
        phases = min(charger.phases, vehicle.phases)
        fixed = min(fixed, vehicle.max_power_kw * 1000 / (charger.voltage * phases))
        if vehicle.max_current is not None:
            fixed = min(fixed, vehicle.max_current)
    return fixed


def _positive(raw: object) -> float | None:
    """A number attribute that is a positive number, else None."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    return float(raw) if raw > 0 else None


def battery_room_kwh(vehicle: VehicleSettings, inputs: VehicleInputs) -> float | None:
    """What the battery can still take up to 100 %, when its SoC is known.

    A plan may go past the need by less than one minimum current step (the
    last step that meets it), never past this.
    """
    if inputs.soc is None or vehicle.capacity_kwh is None:
        return None
    return max(0.0, (MAX_SOC - inputs.soc) / 100 * vehicle.capacity_kwh)


def charger_wiring(
    charger: ChargerSettings,
    vehicle_phases: int | None,
    *,
    measured_kw: float | None,
    limit_a: float | None,
    fused: bool,
) -> tuple[tuple[int, ...], float]:
    """The site phases a charger's draw is counted on, and its kW per ampere.

    Those of its car (a 1-phase car on a 3-phase charger loads only the site
    phase of the charger's L1, and 3.7 kW there is 16 A, not 5.4 A on three);
    every phase of the charger when the car is not known, or draws more than
    the car it is taken for can. Under a per-phase fuse (``fused``) such a
    draw is counted on each of those phases at the most one of them may carry
    (3.7 kW: 16 A on each), its power staying what is measured.
    """
    count = counted_phases(
        charger_phases=charger.phases,
        vehicle_phases=vehicle_phases,
        measured_kw=measured_kw,
        limit_a=limit_a,
        voltage=charger.voltage,
    )
    kw_per_a = charger.voltage * count / 1000
    unsure = count > 1 and (vehicle_phases is None or vehicle_phases < count)
    if fused and unsure and measured_kw is not None and measured_kw > 0:
        worst = worst_phase_a(
            measured_kw=measured_kw,
            phases=count,
            voltage=charger.voltage,
            limit_a=limit_a,
            max_a=charger.max_current,
        )
        kw_per_a = measured_kw / worst
    return charger.site_phases_for(count), kw_per_a


def default_vehicle_state(vehicle: VehicleSettings) -> VehicleState:
    """A vehicle's settings before the user changed any: its subentry's defaults."""
    return VehicleState(
        target_soc=vehicle.target_soc,
        min_soc=vehicle.min_soc,
        departure=vehicle.departure,
        arrival=vehicle.arrival,
        energy_to_add_kwh=vehicle.session_energy_kwh,
    )


@dataclass(frozen=True, kw_only=True)
class ChargerReading:
    """What a charger's own entities say now, before anything is decided."""

    status_known: bool
    plugged_in: bool
    charging: bool
    power_kw: float | None
    limit_a: float | None


def describe_inputs(inputs: Inputs) -> dict[str, Any]:
    """A JSON-safe summary of the inputs for diagnostics (no entity values)."""
    return {
        "now": inputs.now.isoformat(),
        "prices_estimated": inputs.prices_estimated,
        "prices_known_until": inputs.prices_known_until.isoformat()
        if inputs.prices_known_until
        else None,
        "price_forecast": inputs.price_forecast,
        "prices_stale": inputs.prices_stale,
        "price_error": inputs.price_error.translation_key
        if inputs.price_error
        else None,
        "meter": inputs.meter.value,
        "house_kw": round(inputs.house.kw, 3),
        "house_phase_a": [round(a, 2) for a in inputs.house.phase_a],
        "smart_charging": inputs.user.smart_charging,
        "problems": list(inputs.problems),
        "vehicles": {
            key: {
                "charger": value.charger_id,
                "plugged_in": value.plugged_in,
                "soc": value.soc,
                "energy_needed_kwh": value.energy_needed_kwh,
                "arrival": value.arrival.isoformat(),
                "departure": value.departure.isoformat(),
                "planned": value.planned,
            }
            for key, value in inputs.vehicles.items()
        },
        "chargers": {
            key: {
                "plugged_in": value.plugged_in,
                "charging": value.charging,
                "vehicle": value.vehicle,
                "claimed_elsewhere": value.claimed_elsewhere,
                "power_kw": value.power_kw,
                "limit_a": value.limit_a,
                "control": value.control.value,
                "counted_a": round(value.counted_a, 2),
                "phases": list(value.phases),
            }
            for key, value in inputs.chargers.items()
        },
    }
