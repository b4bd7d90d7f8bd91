"""Actions: replan now, read the whole plan (response-only), set a one-off departure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    service,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now

from .compat import vol
from .const import DOMAIN
from .reservations import Reservation

if TYPE_CHECKING:
    from datetime import datetime

    from .coordinator import OptiVgiConfigEntry, PlanData
    from .settings import Settings

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
SERVICE_RECALCULATE = "recalculate"
SERVICE_GET_PLAN = "get_plan"

SERVICE_SET_DEPARTURE = "set_departure"
SERVICE_ADD_RESERVATION = "add_reservation"
SERVICE_REMOVE_RESERVATION = "remove_reservation"
ATTR_DEVICE_ID = "device_id"
ATTR_DEPARTURE = "departure"
ATTR_START = "start"
ATTR_END = "end"
ATTR_CHARGER = "charger"
ATTR_ENERGY = "energy_kwh"
ATTR_TARGET_SOC = "target_soc"

SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
ADD_RESERVATION_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_START): cv.datetime,
        vol.Required(ATTR_END): cv.datetime,
        vol.Optional(ATTR_CHARGER): cv.string,
        vol.Optional(ATTR_ENERGY): vol.All(
            vol.Coerce(float), vol.Range(min=0, max=300)
        ),
        vol.Optional(ATTR_TARGET_SOC): vol.All(
            vol.Coerce(float), vol.Range(min=0, max=100)
        ),
    }
)
REMOVE_RESERVATION_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_START): cv.datetime,
    }
)
DEPARTURE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_DEPARTURE): vol.Any(None, cv.datetime),
    }
)


def _entry(hass: HomeAssistant, call: ServiceCall) -> OptiVgiConfigEntry:
    """The loaded site entry the call names, or a translated validation error."""
    return _loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> OptiVgiConfigEntry:
    """The loaded site entry ``entry_id``, or core's translated validation error."""
    entry: OptiVgiConfigEntry = service.async_get_config_entry(hass, DOMAIN, entry_id)
    return entry


def plan_response(data: PlanData, settings: Settings) -> dict[str, Any]:
    """The whole plan, per charger and vehicle and step, with names (JSON-safe)."""
    plan = data.plan
    starts = [
        dt_util.as_local(plan.horizon.step_start(i)).isoformat()
        for i in range(plan.horizon.steps)
    ]
    charger_names = {c.subentry_id: c.name for c in settings.chargers}
    vehicle_names = settings.vehicle_names
    return {
        "state": data.state.value,
        "algorithm": plan.algorithm,
        "status": plan.status.value,
        "message": plan.message,
        "currency": data.inputs.problem.currency,
        "cost": round(plan.cost, 4),
        "savings": round(data.savings, 4),
        "shortfall_kwh": round(plan.shortfall_kwh, 3),
        "horizon": {
            "start": dt_util.as_local(plan.horizon.start).isoformat(),
            "step_minutes": plan.horizon.step_minutes,
            "steps": plan.horizon.steps,
        },
        "prices": list(data.inputs.problem.prices),
        "prices_estimated": data.inputs.prices_estimated,
        "export_prices": list(data.inputs.export_prices)
        if data.inputs.export_prices is not None
        else None,
        "site_power_kw": [round(p, 3) for p in plan.site_power_kw],
        "chargers": [
            {
                "id": row.charger_id,
                "name": charger_names.get(row.charger_id, row.charger_id),
                "control": data.decisions[row.charger_id].control.value
                if row.charger_id in data.decisions
                else None,
                "schedule": [
                    {"start": start, "current_a": current, "power_kw": round(power, 3)}
                    for start, current, power in zip(
                        starts, row.current_a, row.power_kw, strict=True
                    )
                ],
            }
            for row in plan.chargers
        ],
        "vehicles": [
            {
                "id": row.vehicle_id,
                "name": vehicle_names.get(row.vehicle_id, row.vehicle_id),
                "charger": row.charger_id,
                "energy_kwh": round(row.energy_kwh, 3),
                "shortfall_kwh": round(row.shortfall_kwh, 3),
                "completion": dt_util.as_local(row.completion).isoformat()
                if row.completion
                else None,
                "cost": round(row.cost, 4),
                "schedule": [
                    {"start": start, "power_kw": round(power, 3)}
                    for start, power in zip(starts, row.power_kw, strict=True)
                ],
            }
            for row in plan.vehicles
        ],
    }


async def _recalculate(call: ServiceCall) -> None:
    """Replan now, bypassing the debouncer."""
    entry = _entry(call.hass, call)
    coordinator = entry.runtime_data.coordinator
    await coordinator.async_refresh()
    if not coordinator.last_update_success:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="recalculate_failed",
            translation_placeholders={"error": str(coordinator.last_exception)},
        )


async def _get_plan(call: ServiceCall) -> ServiceResponse:
    """Return the latest plan."""
    entry = _entry(call.hass, call)
    coordinator = entry.runtime_data.coordinator
    if coordinator.plan_data is None:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="no_plan")
    return plan_response(coordinator.data, coordinator.settings)


def _subentry_of_device(
    hass: HomeAssistant, device_id: str, kind: str
) -> tuple[OptiVgiConfigEntry, str]:
    """The loaded site and the vehicle (or charger) subentry of a device.

    A device that is not one of ours, or not of that kind, is a translated
    validation error naming it.
    """
    device = dr.async_get(hass).async_get(device_id)
    entry: OptiVgiConfigEntry | None = None
    subentry_id: str | None = None
    if device is not None:
        for entry_id in device.config_entries:
            found = hass.config_entries.async_get_entry(entry_id)
            if found is not None and found.domain == DOMAIN:
                entry = found
        subentry_id = next(
            (ident for domain, ident in device.identifiers if domain == DOMAIN), None
        )
    if entry is not None and subentry_id is not None:
        coordinator = _loaded_entry(hass, entry.entry_id).runtime_data.coordinator
        settings = coordinator.settings
        ids = (
            {v.subentry_id for v in settings.vehicles}
            if kind == "vehicle"
            else {c.subentry_id for c in settings.chargers}
        )
        if subentry_id in ids:
            return entry, subentry_id
    placeholders = {"device_id": device_id}
    if kind == "vehicle":
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_vehicle",
            translation_placeholders=placeholders,
        )
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_charger",
        translation_placeholders=placeholders,
    )


def _aware(moment: datetime) -> datetime:
    """A time from an action: naive ones are local."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt_util.get_default_time_zone())
    return moment


async def _set_departure(call: ServiceCall) -> None:
    """A one-off departure for a vehicle, or none (back to its schedule)."""
    entry, vehicle_id = _subentry_of_device(
        call.hass, call.data[ATTR_DEVICE_ID], "vehicle"
    )
    departure = call.data.get(ATTR_DEPARTURE)
    if departure is not None:
        departure = _aware(departure)
        if departure <= dt_util.utcnow():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="departure_in_past",
                translation_placeholders={"departure": departure.isoformat()},
            )
    await entry.runtime_data.coordinator.async_set_departure(vehicle_id, departure)


async def _add_reservation(call: ServiceCall) -> None:
    """Expect a vehicle from a start until an end, with room kept for it."""
    hass = call.hass
    entry, vehicle_id = _subentry_of_device(hass, call.data[ATTR_DEVICE_ID], "vehicle")
    charger_id = None
    if charger := call.data.get(ATTR_CHARGER):
        charger_entry, charger_id = _subentry_of_device(hass, charger, "charger")
        if charger_entry.entry_id != entry.entry_id:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_charger",
                translation_placeholders={"device_id": charger},
            )
    start = _aware(call.data[ATTR_START])
    end = _aware(call.data[ATTR_END])
    if end <= start or end <= dt_util.utcnow():
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="reservation_times",
            translation_placeholders={
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
        )
    await entry.runtime_data.coordinator.async_add_reservation(
        Reservation(
            id=f"action:{vehicle_id}:{start.isoformat()}:{ulid_now()}",
            vehicle_id=vehicle_id,
            start=start,
            end=end,
            charger_id=charger_id,
            energy_kwh=call.data.get(ATTR_ENERGY),
            target_soc=call.data.get(ATTR_TARGET_SOC),
        )
    )


async def _remove_reservation(call: ServiceCall) -> None:
    """Remove a vehicle's reservations, or the one that starts at ``start``."""
    entry, vehicle_id = _subentry_of_device(
        call.hass, call.data[ATTR_DEVICE_ID], "vehicle"
    )
    start = call.data.get(ATTR_START)
    removed = await entry.runtime_data.coordinator.async_remove_reservations(
        vehicle_id, _aware(start) if start is not None else None
    )
    if not removed:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_reservation"
        )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, from async_setup)."""
    hass.services.async_register(
        DOMAIN, SERVICE_RECALCULATE, _recalculate, schema=SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_PLAN,
        _get_plan,
        schema=SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_SET_DEPARTURE, _set_departure, schema=DEPARTURE_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_ADD_RESERVATION,
        _add_reservation,
        schema=ADD_RESERVATION_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_REMOVE_RESERVATION,
        _remove_reservation,
        schema=REMOVE_RESERVATION_SCHEMA,
    )
