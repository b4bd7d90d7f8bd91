"""Typed settings parsed from the site entry and its subentries.

The config flows write plain dicts (the keys in const.py); everything else in the
integration reads these frozen dataclasses instead, so a renamed key or a missing
default shows up in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING, Any

from .const import (
    CONF_ACTION,
    CONF_ACTION_DATA,
    CONF_ACTION_UNIT,
    CONF_ACTION_VALUE_FIELD,
    CONF_ALGORITHM,
    CONF_ARRIVAL,
    CONF_CALENDAR_ENTITY,
    CONF_CAPACITY_KWH,
    CONF_CHARGER,
    CONF_CHARGING_STATES,
    CONF_CONTROL,
    CONF_CURRENT_ENTITY,
    CONF_CURRENT_STEP,
    CONF_DEPARTURE,
    CONF_EFFICIENCY,
    CONF_ENERGY_ENTITY,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FALLBACK_HOUSE_KW,
    CONF_GRID_POWER_ENTITY,
    CONF_GRID_POWER_SIGN,
    CONF_GUEST_ENERGY,
    CONF_GUEST_HOURS,
    CONF_HORIZON_HOURS,
    CONF_LIMIT_MODE,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_MIN_CURRENT,
    CONF_MIN_SOC,
    CONF_MIN_SWITCH_TIME,
    CONF_MIN_WRITE_INTERVAL,
    CONF_OVERRIDE_MINUTES,
    CONF_PAUSE_ACTION,
    CONF_PAUSE_ENTITY,
    CONF_PAUSE_MODE,
    CONF_PAUSE_OPTION,
    CONF_PHASE,
    CONF_PHASE_CURRENT_ENTITIES,
    CONF_PHASES,
    CONF_PLAN_AHEAD,
    CONF_PLUGGED_ENTITY,
    CONF_PLUGGED_STATES,
    CONF_POWER_ENTITY,
    CONF_PRESET,
    CONF_PRICE_ACTION,
    CONF_PRICE_AREA,
    CONF_PRICE_CHANNEL,
    CONF_PRICE_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_RELEASE_CURRENT,
    CONF_RELEASE_MODE,
    CONF_RESUME_ACTION,
    CONF_RESUME_OPTION,
    CONF_SESSION_ENERGY,
    CONF_SITE_LIMIT_A,
    CONF_SITE_LIMIT_KW,
    CONF_SITE_PHASES,
    CONF_SITE_VOLTAGE,
    CONF_SOC_ENTITY,
    CONF_STATUS_ENTITY,
    CONF_STEP_MINUTES,
    CONF_TARGET_SOC,
    CONF_TARIFF,
    CONF_TRACKER_ENTITY,
    CONF_VOLTAGE,
    CONF_WEEKLY_DEPARTURES,
    DEFAULT_ALGORITHM,
    DEFAULT_ARRIVAL,
    DEFAULT_CURRENT_STEP,
    DEFAULT_DEPARTURE,
    DEFAULT_EFFICIENCY,
    DEFAULT_FALLBACK_HOUSE_SHARE,
    DEFAULT_GUEST_HOURS,
    DEFAULT_HORIZON_HOURS,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MAX_POWER_KW,
    DEFAULT_MIN_CURRENT,
    DEFAULT_MIN_SOC,
    DEFAULT_MIN_SWITCH_TIME,
    DEFAULT_MIN_WRITE_INTERVAL,
    DEFAULT_OVERRIDE_MINUTES,
    DEFAULT_RELEASE_CURRENT,
    DEFAULT_SESSION_ENERGY_KWH,
    DEFAULT_SITE_LIMIT_KW,
    DEFAULT_STEP_MINUTES,
    DEFAULT_TARGET_SOC,
    DEFAULT_VOLTAGE,
    OCPP_CHARGING_STATES,
    OCPP_PLUGGED_STATES,
    SUBENTRY_CHARGER,
    SUBENTRY_VEHICLE,
    WEEKDAYS,
    ChargerConnection,
    ChargerPreset,
    ControlMethod,
    CurrentUnit,
    GridSign,
    LimitMode,
    PauseMode,
    PriceSourceKind,
    ReleaseMode,
)
from .optimizer.model import obc_from_power

THREE_PHASE = 3

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.config_entries import ConfigEntry, ConfigSubentry


def _optional(data: Mapping[str, Any], key: str) -> str | None:
    """An optional entity id: absent and empty both mean "not set"."""
    value = data.get(key)
    return str(value) if value else None


def parse_time(value: str) -> time:
    """Parse a time selector value ("HH:MM" or "HH:MM:SS")."""
    return time.fromisoformat(value)


@dataclass(frozen=True, kw_only=True)
class SiteSettings:
    """The site: price source, grid limit, meters and planning options."""

    price_source: PriceSourceKind = PriceSourceKind.ENTITY
    price_entity: str | None = None
    price_action: str | None = None  # action source key, e.g. "nordpool"
    price_config_entry: str | None = None  # that integration's config entry
    price_area: str | None = None
    price_channel: str = "general"
    tariff: Mapping[str, Any] | None = None
    export_price_entity: str | None = None
    calendar_entity: str | None = None  # reservations (an option)
    limit_mode: LimitMode = LimitMode.POWER
    limit_kw: float = DEFAULT_SITE_LIMIT_KW
    limit_a: float | None = None
    phases: int = 3
    voltage: float = DEFAULT_VOLTAGE
    grid_power_entity: str | None = None
    grid_sign: GridSign = GridSign.IMPORT_POSITIVE
    # In phase order (L1, L2, L3); None for a phase without a sensor.
    phase_current_entities: tuple[str | None, ...] = ()
    step_minutes: int = DEFAULT_STEP_MINUTES
    horizon_hours: int = DEFAULT_HORIZON_HOURS
    algorithm: str = DEFAULT_ALGORITHM
    fallback_house_kw: float | None = None  # None: half the site limit
    release_mode: ReleaseMode = ReleaseMode.MINIMUM
    release_current: float = DEFAULT_RELEASE_CURRENT
    override_minutes: float = DEFAULT_OVERRIDE_MINUTES

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> SiteSettings:
        """Read data (sources, limit) and options (planning) of the site entry."""
        return cls.from_data(entry.data, entry.options)

    @classmethod
    def from_data(
        cls, data: Mapping[str, Any], options: Mapping[str, Any] | None = None
    ) -> SiteSettings:
        """Parse site data (and options); the config flow checks drafts with it."""
        options = options or {}
        mode = LimitMode(data.get(CONF_LIMIT_MODE, LimitMode.POWER))
        phases = int(data.get(CONF_SITE_PHASES, 3))
        voltage = float(data.get(CONF_SITE_VOLTAGE, DEFAULT_VOLTAGE))
        limit_a = float(data[CONF_SITE_LIMIT_A]) if mode is LimitMode.CURRENT else None
        limit_kw = (
            limit_a * phases * voltage / 1000
            if limit_a is not None
            else float(data.get(CONF_SITE_LIMIT_KW, DEFAULT_SITE_LIMIT_KW))
        )
        action, _, config_entry = str(data.get(CONF_PRICE_ACTION) or "").partition(":")
        return cls(
            price_source=PriceSourceKind(
                data.get(CONF_PRICE_SOURCE, PriceSourceKind.ENTITY)
            ),
            price_entity=_optional(data, CONF_PRICE_ENTITY),
            price_action=action or None,
            price_config_entry=config_entry or None,
            price_area=_optional(data, CONF_PRICE_AREA),
            price_channel=str(data.get(CONF_PRICE_CHANNEL) or "general"),
            tariff=data.get(CONF_TARIFF),
            export_price_entity=_optional(data, CONF_EXPORT_PRICE_ENTITY),
            calendar_entity=_optional(options, CONF_CALENDAR_ENTITY),
            limit_mode=mode,
            limit_kw=limit_kw,
            limit_a=limit_a,
            phases=phases,
            voltage=voltage,
            grid_power_entity=_optional(data, CONF_GRID_POWER_ENTITY),
            grid_sign=GridSign(
                data.get(CONF_GRID_POWER_SIGN, GridSign.IMPORT_POSITIVE)
            ),
            phase_current_entities=tuple(
                str(e) if e else None
                for e in data.get(CONF_PHASE_CURRENT_ENTITIES) or ()
            ),
            step_minutes=int(options.get(CONF_STEP_MINUTES, DEFAULT_STEP_MINUTES)),
            horizon_hours=int(options.get(CONF_HORIZON_HOURS, DEFAULT_HORIZON_HOURS)),
            algorithm=str(options.get(CONF_ALGORITHM, DEFAULT_ALGORITHM)),
            fallback_house_kw=(
                float(options[CONF_FALLBACK_HOUSE_KW])
                if options.get(CONF_FALLBACK_HOUSE_KW) is not None
                else None
            ),
            release_mode=ReleaseMode(
                options.get(CONF_RELEASE_MODE, ReleaseMode.MINIMUM)
            ),
            release_current=float(
                options.get(CONF_RELEASE_CURRENT, DEFAULT_RELEASE_CURRENT)
            ),
            override_minutes=float(
                options.get(CONF_OVERRIDE_MINUTES, DEFAULT_OVERRIDE_MINUTES)
            ),
        )

    @property
    def assumed_house_kw(self) -> float:
        """The house load assumed while the meters fail (set, or half the limit).

        High enough that a failed meter cannot let the chargers exceed the limit
        with a busy house; the user who knows better sets it in the options.
        """
        if self.fallback_house_kw is not None:
            return self.fallback_house_kw
        return self.limit_kw * DEFAULT_FALLBACK_HOUSE_SHARE

    @property
    def source_entities(self) -> tuple[str, ...]:
        """Entities of the site whose changes call for a new plan: the prices.

        The meters are not among them: they change every few seconds and are
        the guard's (see ``meter_entities``), which acts on them at once
        without planning again.
        """
        return tuple(e for e in (self.price_entity, self.export_price_entity) if e)

    @property
    def meter_entities(self) -> tuple[str, ...]:
        """The grid meter and the phase currents: the guard's inputs."""
        grid = (self.grid_power_entity,) if self.grid_power_entity else ()
        return (*grid, *(e for e in self.phase_current_entities if e))


@dataclass(frozen=True, kw_only=True)
class ChargerSettings:
    """One charger subentry: how to read it and how to write its setpoint."""

    subentry_id: str
    name: str
    control: ControlMethod
    current_entity: str | None = None
    preset: ChargerPreset = ChargerPreset.CUSTOM
    action: str | None = None
    action_value_field: str | None = None
    action_unit: CurrentUnit = CurrentUnit.AMPERE
    action_data: Mapping[str, Any] = field(default_factory=dict)
    # Amperes between the currents the action takes (the plan's grid for it).
    current_step: float = DEFAULT_CURRENT_STEP
    pause_mode: PauseMode = PauseMode.ZERO
    pause_entity: str | None = None
    pause_option: str | None = None
    resume_option: str | None = None
    pause_action: str | None = None  # PauseMode.ACTION: "domain.service"
    resume_action: str | None = None
    status_entity: str | None = None
    plugged_states: tuple[str, ...] = OCPP_PLUGGED_STATES
    charging_states: tuple[str, ...] = OCPP_CHARGING_STATES
    power_entity: str | None = None
    energy_entity: str | None = None
    phases: int = 3
    phase: int = 1
    voltage: float = DEFAULT_VOLTAGE
    min_current: float = DEFAULT_MIN_CURRENT
    max_current: float = DEFAULT_MAX_CURRENT
    min_write_interval: float = DEFAULT_MIN_WRITE_INTERVAL
    # Seconds it stays on (or off) before it may be switched again.
    min_switch_time: float = DEFAULT_MIN_SWITCH_TIME
    # The guest profile: kWh for a car no vehicle is identified as (0: off),
    # wanted within ``guest_hours`` of its plug-in.
    guest_energy_kwh: float = 0.0
    guest_hours: float = DEFAULT_GUEST_HOURS

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> ChargerSettings:
        """Parse a charger subentry."""
        data = subentry.data
        return cls(
            subentry_id=subentry.subentry_id,
            name=subentry.title,
            control=ControlMethod(data[CONF_CONTROL]),
            current_entity=_optional(data, CONF_CURRENT_ENTITY),
            preset=ChargerPreset(data.get(CONF_PRESET, ChargerPreset.CUSTOM)),
            action=_optional(data, CONF_ACTION),
            action_value_field=_optional(data, CONF_ACTION_VALUE_FIELD),
            action_unit=CurrentUnit(data.get(CONF_ACTION_UNIT, CurrentUnit.AMPERE)),
            action_data=dict(data.get(CONF_ACTION_DATA) or {}),
            current_step=float(data.get(CONF_CURRENT_STEP, DEFAULT_CURRENT_STEP)),
            pause_mode=PauseMode(data.get(CONF_PAUSE_MODE, PauseMode.ZERO)),
            pause_entity=_optional(data, CONF_PAUSE_ENTITY),
            pause_option=_optional(data, CONF_PAUSE_OPTION),
            resume_option=_optional(data, CONF_RESUME_OPTION),
            pause_action=_optional(data, CONF_PAUSE_ACTION),
            resume_action=_optional(data, CONF_RESUME_ACTION),
            status_entity=_optional(data, CONF_STATUS_ENTITY),
            plugged_states=tuple(data.get(CONF_PLUGGED_STATES) or OCPP_PLUGGED_STATES),
            charging_states=tuple(
                data.get(CONF_CHARGING_STATES) or OCPP_CHARGING_STATES
            ),
            power_entity=_optional(data, CONF_POWER_ENTITY),
            energy_entity=_optional(data, CONF_ENERGY_ENTITY),
            phases=int(data.get(CONF_PHASES, 3)),
            phase=int(data.get(CONF_PHASE, 1)),
            voltage=float(data.get(CONF_VOLTAGE, DEFAULT_VOLTAGE)),
            min_current=float(data.get(CONF_MIN_CURRENT, DEFAULT_MIN_CURRENT)),
            max_current=float(data.get(CONF_MAX_CURRENT, DEFAULT_MAX_CURRENT)),
            min_write_interval=float(
                data.get(CONF_MIN_WRITE_INTERVAL, DEFAULT_MIN_WRITE_INTERVAL)
            ),
            min_switch_time=float(
                data.get(CONF_MIN_SWITCH_TIME, DEFAULT_MIN_SWITCH_TIME)
            ),
            guest_energy_kwh=max(0.0, float(data.get(CONF_GUEST_ENERGY) or 0.0)),
            guest_hours=float(data.get(CONF_GUEST_HOURS) or DEFAULT_GUEST_HOURS),
        )

    @property
    def guest_id(self) -> str:
        """The id its guest is planned under (never a subentry id: those are ULIDs)."""
        return guest_id(self.subentry_id)

    @property
    def guest_name(self) -> str:
        """What its guest is called where a vehicle's name goes ("Garage guest")."""
        return f"{self.name} guest"

    @property
    def limit_reads_back(self) -> bool:
        """Whether the current limit written can be seen on the charger after.

        A number entity shows the limit it holds; a limit action (OCPP's
        set_charge_rate, Easee's dynamic limit, KEBA's set_current) leaves
        nothing to read, so such a charger may reboot to its default and
        nobody would know. (An on/off-only charger has no limit; its start
        and stop actions are not repeated, as a second start may be refused.)
        """
        return self.control is not ControlMethod.ACTION

    @property
    def has_guest(self) -> bool:
        """Whether an unidentified car on it is planned as a guest."""
        return self.guest_energy_kwh > 0

    @property
    def source_entities(self) -> tuple[str, ...]:
        """Entities whose state changes should trigger a new plan."""
        return tuple(entity for entity in (self.status_entity,) if entity)

    @property
    def readback_entities(self) -> tuple[str, ...]:
        """What the charger reports of itself: its limit entity and its power.

        Watched without planning again: they tell whether the charger follows
        what was written, and whether someone else changed its limit.
        """
        entities = (
            self.current_entity if self.control is ControlMethod.NUMBER else None,
            self.power_entity,
        )
        return tuple(e for e in entities if e)

    @property
    def connection(self) -> ChargerConnection:
        """How it is wired: its phases and the site phase of its L1."""
        return ChargerConnection.of(self.phases, self.phase)

    @property
    def kw_per_a(self) -> float:
        """Power per ampere of setpoint, with every phase of the charger in use."""
        return self.voltage * self.phases / 1000

    def unit_phases(self, vehicle_phases: int | None) -> int:
        """The phases a power limit (W, kW) is converted with: those in use.

        A known car's (at most the charger's). With no car known, one: a limit
        in watts is then the most current one phase may carry (what a 1-phase
        car would draw), and a current written as watts is the fewest watts,
        so neither reading nor writing ever takes a phase above the plan.
        """
        if vehicle_phases is None:
            return 1
        return max(1, min(self.phases, vehicle_phases))

    @property
    def site_phases(self) -> tuple[int, ...]:
        """The site phases (1-3) this charger can draw on, its L1's first.

        Its L1 is on site phase ``phase``; a 3-phase charger's L2 and L3 follow
        in rotation (L1 on the site's L2 puts its L2 on L3 and its L3 on L1).
        """
        return self.site_phases_for(None)

    def site_phases_for(self, vehicle_phases: int | None) -> tuple[int, ...]:
        """The site phases a vehicle with ``vehicle_phases`` phases loads here.

        A car draws on the charger's first phases (L1, then L2): a 1-phase car
        on a rotated 3-phase charger loads only the site phase of its L1. None
        (the car is not known) counts every phase of the charger.
        """
        used = self.phases
        if vehicle_phases is not None:
            used = min(vehicle_phases, self.phases)
        return tuple((self.phase - 1 + k) % THREE_PHASE + 1 for k in range(used))


GUEST_PREFIX = "guest_"


def guest_id(charger_id: str) -> str:
    """The vehicle id of the guest on a charger."""
    return f"{GUEST_PREFIX}{charger_id}"


def obc_settings(
    data: Mapping[str, Any], site: SiteSettings
) -> tuple[int, float | None]:
    """A vehicle's on-board charger: phases and maximum current per phase.

    As stored; or derived from its maximum power on this site (what the vehicle
    flow suggests, too); or, without either, 3 phases and no current limit.
    """
    if CONF_PHASES in data:
        current = data.get(CONF_MAX_CURRENT)
        return int(data[CONF_PHASES]), float(current) if current else None
    power = data.get(CONF_MAX_POWER_KW)
    if not power:
        return THREE_PHASE, None
    return obc_from_power(float(power), site.voltage, site_phases=site.phases)


@dataclass(frozen=True, kw_only=True)
class VehicleSettings:
    """One vehicle subentry: battery, defaults and its usual charger."""

    subentry_id: str
    name: str
    soc_entity: str | None = None
    capacity_kwh: float | None = None
    target_soc: float = DEFAULT_TARGET_SOC
    min_soc: float = DEFAULT_MIN_SOC
    efficiency: float = DEFAULT_EFFICIENCY
    max_power_kw: float = DEFAULT_MAX_POWER_KW
    departure: time = field(default_factory=lambda: parse_time(DEFAULT_DEPARTURE))
    arrival: time = field(default_factory=lambda: parse_time(DEFAULT_ARRIVAL))
    plan_ahead: bool = True
    charger: str | None = None
    session_energy_kwh: float = DEFAULT_SESSION_ENERGY_KWH
    # Weekday (0 = Monday) -> its departure, or None for none that day; a day
    # that is missing follows ``departure`` (the daily time entity).
    weekly_departures: Mapping[int, time | None] = field(default_factory=dict)
    plugged_entity: str | None = None  # the car's own "plugged in" sensor
    tracker_entity: str | None = None  # where the car is (home or not)
    phases: int = 3  # of its on-board charger
    max_current: float | None = None  # A per phase its on-board charger takes
    min_current: float = 0.0  # A; below it the car does not charge

    @classmethod
    def from_subentry(
        cls, subentry: ConfigSubentry, site: SiteSettings | None = None
    ) -> VehicleSettings:
        """Parse a vehicle subentry.

        A vehicle stored before its on-board charger was asked for has it
        derived from its maximum power on ``site`` (3.7 kW is 1 x 16 A on a
        3-phase site); without a maximum power, 3 phases and no current limit.
        """
        data = subentry.data
        capacity = data.get(CONF_CAPACITY_KWH)
        phases, max_current = obc_settings(data, site or SiteSettings())
        min_current = data.get(CONF_MIN_CURRENT)
        return cls(
            subentry_id=subentry.subentry_id,
            name=subentry.title,
            soc_entity=_optional(data, CONF_SOC_ENTITY),
            capacity_kwh=float(capacity) if capacity else None,
            target_soc=float(data.get(CONF_TARGET_SOC, DEFAULT_TARGET_SOC)),
            min_soc=float(data.get(CONF_MIN_SOC, DEFAULT_MIN_SOC)),
            efficiency=float(data.get(CONF_EFFICIENCY, DEFAULT_EFFICIENCY)),
            max_power_kw=float(data.get(CONF_MAX_POWER_KW, DEFAULT_MAX_POWER_KW)),
            departure=parse_time(str(data.get(CONF_DEPARTURE, DEFAULT_DEPARTURE))),
            arrival=parse_time(str(data.get(CONF_ARRIVAL, DEFAULT_ARRIVAL))),
            plan_ahead=bool(data.get(CONF_PLAN_AHEAD, True)),
            charger=_optional(data, CONF_CHARGER),
            session_energy_kwh=float(
                data.get(CONF_SESSION_ENERGY, DEFAULT_SESSION_ENERGY_KWH)
            ),
            weekly_departures=parse_weekly(data.get(CONF_WEEKLY_DEPARTURES)),
            plugged_entity=_optional(data, CONF_PLUGGED_ENTITY),
            tracker_entity=_optional(data, CONF_TRACKER_ENTITY),
            phases=phases,
            max_current=max_current,
            min_current=float(min_current) if min_current else 0.0,
        )

    @property
    def has_soc(self) -> bool:
        """Whether the vehicle reports its state of charge (else: energy to add)."""
        return self.soc_entity is not None and self.capacity_kwh is not None


def parse_weekly(raw: object) -> dict[int, time | None]:
    """A stored weekly schedule: weekday number -> time or None (no departure).

    Unknown day names and unreadable times are left out, so that day follows
    the daily departure rather than losing the vehicle's plan.
    """
    if not isinstance(raw, dict):
        return {}
    schedule: dict[int, time | None] = {}
    for day, value in raw.items():
        if day not in WEEKDAYS:
            continue
        if value is None:
            schedule[WEEKDAYS.index(day)] = None
            continue
        try:
            schedule[WEEKDAYS.index(day)] = parse_time(str(value))
        except ValueError:
            continue
    return schedule


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The whole configuration of a site entry, parsed once per (re)load."""

    site: SiteSettings
    chargers: tuple[ChargerSettings, ...]
    vehicles: tuple[VehicleSettings, ...]

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> Settings:
        """Parse the entry and every subentry."""
        subentries = entry.subentries.values()
        site = SiteSettings.from_entry(entry)
        return cls(
            site=site,
            chargers=tuple(
                ChargerSettings.from_subentry(subentry)
                for subentry in subentries
                if subentry.subentry_type == SUBENTRY_CHARGER
            ),
            vehicles=tuple(
                VehicleSettings.from_subentry(subentry, site)
                for subentry in subentries
                if subentry.subentry_type == SUBENTRY_VEHICLE
            ),
        )

    def charger(self, subentry_id: str) -> ChargerSettings | None:
        """The charger with this subentry id, if it (still) exists."""
        return next((c for c in self.chargers if c.subentry_id == subentry_id), None)

    @property
    def vehicle_names(self) -> dict[str, str]:
        """Every vehicle id the plan may hold, by the name users read.

        A guest is named after its charger ("Garage guest"): it has no
        subentry, and events and the plan's summary still name it.
        """
        names = {v.subentry_id: v.name for v in self.vehicles}
        names.update({c.guest_id: c.guest_name for c in self.chargers})
        return names

    @property
    def source_entities(self) -> tuple[str, ...]:
        """Every entity whose changes matter to the plan."""
        vehicles = tuple(
            e
            for v in self.vehicles
            for e in (v.soc_entity, v.plugged_entity, v.tracker_entity)
            if e
        )
        chargers = tuple(e for c in self.chargers for e in c.source_entities)
        return (*self.site.source_entities, *chargers, *vehicles)

    @property
    def guard_entities(self) -> tuple[str, ...]:
        """Entities the guard watches: meters and what the chargers report."""
        chargers = tuple(e for c in self.chargers for e in c.readback_entities)
        return (*self.site.meter_entities, *chargers)
