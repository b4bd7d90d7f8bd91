"""The entities: what they show, where they sit, what survives a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    async_mock_service,
    mock_restore_cache_with_extra_data,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.opti_vgi.const import DOMAIN, ChargerMode

from .site import (
    ENTRY_ID,
    GARAGE,
    LEAF,
    TESLA,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
)


def _projection(hass: HomeAssistant, entity: er.RegistryEntry) -> dict[str, Any]:
    """What a user and an automation see of an entity, stable across HA versions."""
    state = hass.states.get(entity.entity_id)
    attributes = dict(state.attributes) if state else {}
    if "schedule" in attributes:
        schedule = attributes["schedule"]
        attributes["schedule"] = {
            "steps": len(schedule),
            "first": schedule[0],
            "nonzero": sum(1 for item in schedule if item["value"] > 0),
        }
    return {
        "unique_id": entity.unique_id,
        "translation_key": entity.translation_key,
        "device_class": entity.original_device_class,
        "entity_category": entity.entity_category,
        "disabled_by": entity.disabled_by,
        "state": state.state if state else None,
        "attributes": attributes,
    }


async def test_entities(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every entity matches its snapshot."""
    seed_states(hass, today)
    plan_of(await setup_site(hass, site_entry()))
    entities = er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
    assert {e.entity_id: _projection(hass, e) for e in entities} == snapshot


async def test_entities_sit_on_their_subentry_devices(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Charger and vehicle entities are on their subentry's own device."""
    seed_states(hass, today)
    plan_of(await setup_site(hass, site_entry()))
    entities = er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
    owners: dict[str | None, int] = {}
    for entity in entities:
        assert entity.device_id is not None
        device = device_registry.async_get(entity.device_id)
        assert device is not None
        owner = entity.config_subentry_id
        assert device.identifiers == {(DOMAIN, owner or ENTRY_ID)}
        owners[owner] = owners.get(owner, 0) + 1
    assert set(owners) == {None, GARAGE, "01CARPORT", TESLA, LEAF}


async def test_settings_restored_after_restart(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Target SoC, energy to add, departure, mode and the switch come back."""
    number = {
        "native_max_value": 100,
        "native_min_value": 0,
        "native_step": 1,
        "native_unit_of_measurement": "%",
    }
    mock_restore_cache_with_extra_data(
        hass,
        (
            (
                State("number.tesla_target_state_of_charge", "90"),
                {**number, "native_value": 90},
            ),
            (
                State("number.leaf_energy_to_add", "12"),
                {**number, "native_unit_of_measurement": "kWh", "native_value": 12},
            ),
            (State("time.tesla_departure", "06:30:00"), {}),
            (State("select.garage_mode", "fast"), {}),
            (State("switch.home_smart_charging", "off"), {}),
            (State("select.carport_connected_vehicle", "Tesla"), {}),
        ),
    )
    seed_states(hass, today)
    entry = site_entry()
    data = plan_of(await setup_site(hass, entry))
    user = entry.runtime_data.coordinator.user
    assert user.vehicles[TESLA].target_soc == 90
    assert user.vehicles[LEAF].energy_to_add_kwh == 12
    assert user.vehicles[TESLA].departure.isoformat() == "06:30:00"
    assert user.chargers[GARAGE].mode is ChargerMode.FAST
    assert user.chargers["01CARPORT"].connected_vehicle == TESLA
    assert not user.smart_charging
    # The plan used them: 90 % of 60 kWh from 30 % is 36 kWh, due by 06:30.
    assert data.inputs.vehicles[TESLA].energy_needed_kwh == 36
    assert data.inputs.vehicles[TESLA].departure.strftime("%H:%M") == "06:30"
    assert hass.states.get("number.tesla_target_state_of_charge").state == "90.0"
    assert hass.states.get("switch.home_smart_charging").state == "off"
    # Smart charging is off: nothing was written.
    assert number_calls == []
    assert ocpp_calls == []


async def test_changing_a_setting_replans(
    hass: HomeAssistant,
    today: datetime,
) -> None:
    """Setting the Leaf's energy to add through its entity plans charging for it.

    A vehicle without a SoC sensor starts each session with its default session
    energy (20 kWh here), so a plugged-in car is charged, not paused.
    """
    async_mock_service(hass, "ocpp", "set_charge_rate")
    seed_states(hass, today)
    entry = site_entry()
    data = plan_of(await setup_site(hass, entry))
    assert data.inputs.vehicles[LEAF].energy_needed_kwh == 20

    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.leaf_energy_to_add", "value": 8},
        blocking=True,
    )
    await hass.async_block_till_done()
    data = entry.runtime_data.coordinator.plan_data
    assert data is not None
    assert data.inputs.vehicles[LEAF].energy_needed_kwh == 8
    # Met, by less than one minimum current step past it (the last step).
    leaf = next(v for v in data.inputs.problem.vehicles if v.id == LEAF)
    step_kwh = data.inputs.problem.minimum_step_kwh(leaf)
    assert 8 <= data.plan.vehicle(LEAF).energy_kwh < 8 + step_kwh
    assert hass.states.get("number.leaf_energy_to_add").state == "8.0"


def _device(registry: dr.DeviceRegistry, owner: str) -> dr.DeviceEntry | None:
    """The site's device of one subentry, if it exists."""
    devices = dr.async_entries_for_config_entry(registry, ENTRY_ID)
    return next((d for d in devices if (DOMAIN, owner) in d.identifiers), None)


async def test_added_and_removed_subentries_come_and_go(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Dynamic devices: a vehicle added to a running site gets its device and plan.

    Adding a subentry reloads the site (its update listener); removing it takes
    the device and its entities away.
    """
    seed_states(hass, today)
    entry = site_entry(without=(LEAF,))
    coordinator = await setup_site(hass, entry)
    assert LEAF not in plan_of(coordinator).inputs.vehicles
    assert _device(device_registry, LEAF) is None

    leaf = site_entry().subentries[LEAF]
    assert hass.config_entries.async_add_subentry(entry, leaf)
    await hass.async_block_till_done()
    reloaded = entry.runtime_data.coordinator
    assert reloaded is not coordinator
    assert LEAF in plan_of(reloaded).inputs.vehicles
    device = _device(device_registry, LEAF)
    assert device is not None
    assert er.async_entries_for_device(entity_registry, device.id)

    assert hass.config_entries.async_remove_subentry(entry, LEAF)
    await hass.async_block_till_done()
    assert _device(device_registry, LEAF) is None
    assert not er.async_entries_for_device(entity_registry, device.id)
    assert LEAF not in plan_of(entry.runtime_data.coordinator).inputs.vehicles


async def test_planned_now_needs_a_plugged_in_car(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """An expected car holds room now, but "charging planned now" stays off.

    (It used to be on for an empty charger whose car was only expected, so an
    automation following it switched an empty plug on.) ``next_start`` is now,
    not the start of the current step, which lies in the past.
    """
    seed_states(hass, today, garage="off")
    # The Tesla usually arrives at 16:00: at 17:05 it is late, due any moment.
    entry = site_entry(overrides={TESLA: {"arrival": "16:00:00"}})
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    assert data.plan.charger(GARAGE).current_a[0] > 0  # room held for the Tesla
    planned = "binary_sensor.garage_charging_planned_now"
    assert hass.states.get(planned).state == "off"

    hass.states.async_set("binary_sensor.garage_plugged_in", "on")
    await hass.async_block_till_done()
    data = plan_of(coordinator)
    assert data.plan.charger(GARAGE).current_a[0] > 0
    assert hass.states.get(planned).state == "on"
    next_start = hass.states.get("sensor.garage_next_start").state
    assert datetime.fromisoformat(next_start) == data.inputs.now
    assert data.plan.horizon.start < data.inputs.now


async def test_expected_charge_at_departure_follows_the_plan(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Expected charge at departure: now plus what the plan delivers.

    The Tesla reports 30 % of 60 kWh, target 80 %; the Leaf has no SoC, so it
    shows energy instead.
    """
    soc = "sensor.tesla_expected_state_of_charge_at_departure"
    energy = "sensor.leaf_expected_energy_at_departure"
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    delivered = plan_of(coordinator).plan.vehicle(TESLA).energy_kwh
    assert float(hass.states.get(soc).state) == pytest.approx(
        30 + delivered / 60 * 100, abs=0.05
    )
    assert 80 <= float(hass.states.get(soc).state) <= 81  # one step's rounding
    assert hass.states.get("binary_sensor.tesla_target_at_risk").state == "off"
    leaf = plan_of(coordinator).plan.vehicle(LEAF).energy_kwh
    assert float(hass.states.get(energy).state) == pytest.approx(leaf, abs=0.01)
    assert leaf > 0


async def test_expected_charge_when_the_target_cannot_be_met(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Leaving at 17:45 (40 minutes at 11 kW): short of 80 %, and it says so."""
    soc = "sensor.tesla_expected_state_of_charge_at_departure"
    seed_states(hass, today)
    entry = site_entry(overrides={TESLA: {"departure": "17:45:00"}})
    coordinator = await setup_site(hass, entry)
    short = plan_of(coordinator).plan.vehicle(TESLA)
    expected = float(hass.states.get(soc).state)
    assert expected == pytest.approx(30 + short.energy_kwh / 60 * 100, abs=0.05)
    assert 30 < expected < 80
    assert expected == pytest.approx(80 - short.shortfall_kwh / 60 * 100, abs=0.2)
    assert hass.states.get("binary_sensor.tesla_target_at_risk").state == "on"
