"""The Translation backed by Home Assistant: read entities into a Problem.

Everything here runs on the event loop and only reads ``hass.states``; the solve
itself runs in the executor (coordinator.py), and writing the plan to the
chargers lives in writer.py. Reading is robust by design: a missing, unavailable,
non-numeric or oddly-unitted entity never raises, it is recorded in
``Inputs.problems`` so the status sensor and the repairs can name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.const import (
    STATE_ON,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter, PowerConverter

from .const import ChargerMode, GridSign, LimitMode, PauseMode
from .helpers import state_number, usable
from .optimizer.model import THREE_PHASE, Charger, Horizon, Problem, Site, Vehicle
from .optimizer.runner import AsyncTranslation

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant, State

    from .optimizer.model import Plan
    from .price_source import PriceReader
    from .settings import ChargerSettings, Settings, VehicleSettings
    from .writer import ChargerWriter


@dataclass(kw_only=True)
class VehicleState:
    """What the user set on a vehicle's entities (restored across restarts)."""

    target_soc: float
    min_soc: float
    departure: time
    arrival: time
    energy_to_add_kwh: float = 0.0


@dataclass(kw_only=True)
class ChargerState:
    """What the user set on a charger's entities, and its current session."""

    mode: ChargerMode = ChargerMode.SMART
    connected_vehicle: str | None = None  # vehicle subentry id chosen by the user
    session_start: datetime | None = None
    session_energy_kwh: float = 0.0  # grid energy since plug-in
    session_meter_kwh: float | None = None  # energy sensor's value at plug-in


@dataclass(kw_only=True)
class UserState:
    """Mutable state the entities write and the translation reads."""

    smart_charging: bool = True
    vehicles: dict[str, VehicleState] = field(default_factory=dict)
    chargers: dict[str, ChargerState] = field(default_factory=dict)


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


@dataclass(frozen=True, kw_only=True)
class ChargerInputs:
    """One charger as read now."""

    subentry_id: str
    plugged_in: bool
    charging: bool
    vehicle: str | None  # vehicle subentry id plugged into it, if known
    power_kw: float | None  # measured, when a power sensor is configured


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """Everything read for one solve, with what went wrong while reading."""

    now: datetime
    problem: Problem
    vehicles: dict[str, VehicleInputs]
    chargers: dict[str, ChargerInputs]
    prices_estimated: bool
    prices_known_until: datetime | None
    price_forecast: bool  # False when only the current price could be read
    prices_stale: bool  # the price action failed; its last prices are used
    export_prices: tuple[float, ...] | None  # feed-in price per step, if configured
    problems: tuple[str, ...]  # entity ids that are missing or unusable


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


class HomeAssistantTranslation(AsyncTranslation):
    """Reads the site, chargers, vehicles and prices from the state machine."""

    def __init__(
        self,
        hass: HomeAssistant,
        settings: Settings,
        user: UserState,
        writer: ChargerWriter,
        prices: PriceReader,
    ) -> None:
        """Remember where to read from; nothing is read until a plan is due."""
        self.hass = hass
        self.settings = settings
        self.prices = prices
        self.user = user
        self.writer = writer
        self.last_inputs: Inputs | None = None

    async def async_get_problem(self, now: datetime) -> Problem:
        """Read every input; keep the details for entities and diagnostics."""
        await self.prices.async_update(now)
        self.last_inputs = self.read(now)
        return self.last_inputs.problem

    async def async_send_plan(self, plan: Plan) -> None:
        """Write each charger's setpoint for the current step."""
        if self.last_inputs is not None:
            await self.writer.async_apply(
                plan, self.last_inputs, self.user, self.last_inputs.now
            )

    def read(self, now: datetime) -> Inputs:
        """Read all inputs at ``now`` into a problem; raises PriceReadError only."""
        site = self.settings.site
        problems: list[str] = []
        start = floor_to_step(now, site.step_minutes)
        horizon = Horizon(
            start=start,
            step_minutes=site.step_minutes,
            steps=site.horizon_hours * 60 // site.step_minutes,
        )
        prices = self.prices.read(horizon)  # raises PriceReadError when none
        chargers = {
            charger.subentry_id: self._read_charger(charger, problems)
            for charger in self.settings.chargers
        }
        vehicles = {
            vehicle.subentry_id: self._read_vehicle(vehicle, chargers, now, problems)
            for vehicle in self.settings.vehicles
        }
        problem = Problem(
            horizon=horizon,
            site=self._read_site(horizon, chargers, problems),
            prices=prices.prices,
            chargers=tuple(self._charger_model(c) for c in self.settings.chargers),
            vehicles=tuple(
                self._vehicle_model(self._settings_of(v.subentry_id), v, horizon, now)
                for v in vehicles.values()
                if v.planned and v.charger_id is not None
            ),
            currency=self.hass.config.currency,
        )
        return Inputs(
            now=now,
            problem=problem,
            vehicles=vehicles,
            chargers=chargers,
            prices_estimated=prices.estimated,
            prices_known_until=prices.known_until,
            price_forecast=prices.forecast,
            prices_stale=prices.stale,
            export_prices=self.prices.export_prices(horizon),
            problems=tuple(dict.fromkeys(problems)),
        )

    def _settings_of(self, vehicle_id: str) -> VehicleSettings:
        """Vehicle settings by subentry id."""
        return next(v for v in self.settings.vehicles if v.subentry_id == vehicle_id)

    def _read_charger(
        self, charger: ChargerSettings, problems: list[str]
    ) -> ChargerInputs:
        """Plugged in / charging from the status entity, and measured power."""
        status = self._status(charger)
        if status is None and charger.status_entity:
            problems.append(charger.status_entity)
        plugged, charging = status or (False, False)
        power = None
        if charger.power_entity:
            power = read_power_kw(self.hass.states.get(charger.power_entity))
            if power is None:
                problems.append(charger.power_entity)
        return ChargerInputs(
            subentry_id=charger.subentry_id,
            plugged_in=plugged,
            charging=charging,
            vehicle=self._vehicle_on(charger.subentry_id) if plugged else None,
            power_kw=power,
        )

    def _status(self, charger: ChargerSettings) -> tuple[bool, bool] | None:
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

    def _chosen(self, charger_id: str) -> str | None:
        """The vehicle the user chose for a charger, if it (still) exists."""
        chosen = self.user.chargers.get(charger_id, ChargerState()).connected_vehicle
        if chosen is not None and any(
            v.subentry_id == chosen for v in self.settings.vehicles
        ):
            return chosen
        return None

    def _vehicle_on(self, charger_id: str) -> str | None:
        """The vehicle plugged into a charger: chosen by the user, else its regular.

        A regular the user chose for another charger that is plugged in is there,
        not here: one vehicle is never on two chargers.
        """
        if (chosen := self._chosen(charger_id)) is not None:
            return chosen
        elsewhere = {
            self._chosen(other.subentry_id)
            for other in self.settings.chargers
            if other.subentry_id != charger_id
            and (status := self._status(other)) is not None
            and status[0]
        }
        regulars = [
            v
            for v in self.settings.vehicles
            if v.charger == charger_id and v.subentry_id not in elsewhere
        ]
        if regulars:
            return regulars[0].subentry_id
        if len(self.settings.vehicles) == 1 and len(self.settings.chargers) == 1:
            return self.settings.vehicles[0].subentry_id
        return None

    def _read_vehicle(
        self,
        vehicle: VehicleSettings,
        chargers: dict[str, ChargerInputs],
        now: datetime,
        problems: list[str],
    ) -> VehicleInputs:
        """Where the vehicle is, what it needs and by when."""
        state = self.user.vehicles.get(vehicle.subentry_id) or VehicleState(
            target_soc=vehicle.target_soc,
            min_soc=vehicle.min_soc,
            departure=vehicle.departure,
            arrival=vehicle.arrival,
        )
        on = next(
            (c for c in chargers.values() if c.vehicle == vehicle.subentry_id), None
        )
        charger_id = on.subentry_id if on else vehicle.charger
        if charger_id is not None and self.settings.charger(charger_id) is None:
            charger_id = None
        soc = None
        if vehicle.has_soc and vehicle.soc_entity:
            soc = state_number(self.hass.states.get(vehicle.soc_entity))
            if soc is None:
                problems.append(vehicle.soc_entity)
        arrival = now if on is not None else self._expected_arrival(state, now)
        departure = next_occurrence(max(arrival, now), state.departure)
        need = self._energy_needed(vehicle, state, soc, on)
        mode = (
            self.user.chargers.get(charger_id, ChargerState()).mode
            if charger_id
            else ChargerMode.SMART
        )
        plannable = (
            on is not None or vehicle.plan_ahead
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
        )

    @staticmethod
    def _expected_arrival(state: VehicleState, now: datetime) -> datetime:
        """When a vehicle that is not plugged in is expected.

        Between its usual arrival and departure it is late and may arrive any
        moment, so capacity is reserved from now; otherwise from its next arrival.
        """
        arrival = next_occurrence(now, state.arrival)
        departure = next_occurrence(now, state.departure)
        return now if departure < arrival else arrival

    def _energy_needed(
        self,
        vehicle: VehicleSettings,
        state: VehicleState,
        soc: float | None,
        charger: ChargerInputs | None,
    ) -> float | None:
        """Energy to add to the battery, or None when it cannot be known now."""
        if vehicle.has_soc:
            if soc is None or vehicle.capacity_kwh is None:
                return None
            return max(0.0, (state.target_soc - soc) / 100 * vehicle.capacity_kwh)
        delivered = 0.0
        if charger is not None:
            session = self.user.chargers.get(charger.subentry_id, ChargerState())
            delivered = session.session_energy_kwh * vehicle.efficiency
        return max(0.0, state.energy_to_add_kwh - delivered)

    def _min_energy(self, vehicle: VehicleSettings, inputs: VehicleInputs) -> float:
        """Energy wanted at once: up to the minimum SoC, or all of it in fast mode."""
        mode = ChargerState().mode
        if inputs.charger_id is not None:
            mode = self.user.chargers.get(inputs.charger_id, ChargerState()).mode
        if mode is ChargerMode.FAST:
            return inputs.energy_needed_kwh
        state = self.user.vehicles.get(vehicle.subentry_id)
        if inputs.soc is None or vehicle.capacity_kwh is None or state is None:
            return 0.0
        below = max(0.0, (state.min_soc - inputs.soc) / 100 * vehicle.capacity_kwh)
        return min(below, inputs.energy_needed_kwh)

    def _read_site(
        self,
        horizon: Horizon,
        chargers: dict[str, ChargerInputs],
        problems: list[str],
    ) -> Site:
        """The grid limit, and what the rest of the house uses right now.

        Meters tell the present only, so the measured house load (grid import
        minus our chargers) holds for the current step; later steps are re-read
        at every replan.
        """
        site = self.settings.site
        charger_kw = sum(self._charger_kw(c) for c in chargers.values())
        base_now = 0.0
        if site.grid_power_entity:
            grid = read_power_kw(self.hass.states.get(site.grid_power_entity))
            if grid is None:
                problems.append(site.grid_power_entity)
            else:
                if site.grid_sign is GridSign.EXPORT_POSITIVE:
                    grid = -grid
                base_now = max(base_now, grid - charger_kw)
        phase_amps: dict[int, float] = {}
        for phase, entity_id in enumerate(site.phase_current_entities, start=1):
            state = self.hass.states.get(entity_id)
            amps = state_number(state)
            unit = state.attributes.get("unit_of_measurement") if state else None
            if amps is None or unit not in (None, UnitOfElectricCurrent.AMPERE):
                problems.append(entity_id)
                continue
            phase_amps[phase] = amps - self._charger_amps_on(chargers, phase)
        if phase_amps:
            worst = max(phase_amps.values())
            base_now = max(base_now, worst * site.voltage * site.phases / 1000)
        base = (max(0.0, base_now),) + (0.0,) * (horizon.steps - 1)
        return Site(
            import_limit_kw=site.limit_kw,
            fuse_limit_a=site.limit_a if site.limit_mode is LimitMode.CURRENT else None,
            phases=site.phases,
            voltage_v=site.voltage,
            base_load_kw=base,
        )

    def _charger_amps_on(self, chargers: dict[str, ChargerInputs], phase: int) -> float:
        """Current our chargers draw on one phase (a 1-phase one on its own phase)."""
        total = 0.0
        for charger in self.settings.chargers:
            seen = chargers.get(charger.subentry_id)
            if seen is None or not (
                charger.phases == THREE_PHASE or charger.phase == phase
            ):
                continue
            total += self._charger_kw(seen) / charger.kw_per_a
        return total

    def _charger_kw(self, charger: ChargerInputs) -> float:
        """What a charger draws now: measured, else its setpoint while charging.

        Without either the meter would count our own charging as house load and
        the next plan would throttle the charger it just allowed.
        """
        if charger.power_kw is not None:
            return charger.power_kw
        written = self.writer.states.get(charger.subentry_id)
        settings = self.settings.charger(charger.subentry_id)
        if not charger.charging or written is None or settings is None:
            return 0.0
        return (written.current_a or 0.0) * settings.kw_per_a

    @staticmethod
    def _charger_model(charger: ChargerSettings) -> Charger:
        """The optimizer's view of a charger."""
        return Charger(
            id=charger.subentry_id,
            phases=charger.phases,
            phase=charger.phase,
            voltage_v=charger.voltage,
            min_current_a=charger.min_current,
            max_current_a=charger.max_current,
            current_step_a=1.0,
            accepts_zero=charger.pause_mode is PauseMode.ZERO,
        )

    def _vehicle_model(
        self,
        vehicle: VehicleSettings,
        inputs: VehicleInputs,
        horizon: Horizon,
        now: datetime,
    ) -> Vehicle:
        """The optimizer's view of a vehicle (plugged in or expected)."""
        assert inputs.charger_id is not None  # noqa: S101  # only planned vehicles
        return Vehicle(
            id=vehicle.subentry_id,
            charger_id=inputs.charger_id,
            # Plugged in (or late and due any moment) means from the current step;
            # a later arrival counts from the first whole step after it.
            arrival=inputs.arrival if inputs.arrival > now else horizon.start,
            departure=min(inputs.departure, horizon.end),
            energy_needed_kwh=inputs.energy_needed_kwh,
            min_energy_kwh=self._min_energy(vehicle, inputs),
            max_power_kw=vehicle.max_power_kw,
            efficiency=vehicle.efficiency,
        )


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
                "power_kw": value.power_kw,
            }
            for key, value in inputs.chargers.items()
        },
    }
