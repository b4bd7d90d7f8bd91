"""Which vehicle is plugged in: choice, the cars' own evidence, default."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.opti_vgi.const import Control

from .site import (
    CARPORT,
    GARAGE,
    LEAF,
    TESLA,
    act,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

TESLA_PLUGGED = "binary_sensor.tesla_charge_cable"
LEAF_PLUGGED = "sensor.leaf_plug_status"
TESLA_WHERE = "device_tracker.tesla_location"

EVIDENCE = {
    TESLA: {"plugged_entity": TESLA_PLUGGED, "tracker_entity": TESLA_WHERE},
    LEAF: {"plugged_entity": LEAF_PLUGGED},
}


async def test_two_vehicles_one_charger_from_their_sensors(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Only the Garage is in use: the car whose own sensor says plugged in is on it.

    Without any evidence the Garage's usual car (the Tesla) is assumed; a car
    that is away is never assumed; and the evidence follows the cars' changes.
    """
    seed_states(hass, today, carport="Available")
    hass.states.async_set(TESLA_PLUGGED, "off")
    hass.states.async_set(LEAF_PLUGGED, "plugged_in")
    hass.states.async_set(TESLA_WHERE, "home")
    coordinator = await setup_site(hass, site_entry(overrides=EVIDENCE))
    inputs = plan_of(coordinator).inputs
    assert inputs.chargers[GARAGE].vehicle == LEAF
    assert inputs.chargers[CARPORT].vehicle is None
    assert inputs.vehicles[LEAF].plugged_in
    assert not inputs.vehicles[TESLA].plugged_in

    # The cars swap: the sensors say so, and the plan follows without a choice.
    hass.states.async_set(LEAF_PLUGGED, "unplugged")
    hass.states.async_set(TESLA_PLUGGED, "on")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle == TESLA

    # No evidence at all (sensors unavailable): the Garage's usual car.
    hass.states.async_set(LEAF_PLUGGED, "unavailable")
    hass.states.async_set(TESLA_PLUGGED, "unavailable")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle == TESLA

    # The usual car is away: it is not assumed; the charger is left alone.
    hass.states.async_set(TESLA_WHERE, "not_home")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    inputs = plan_of(coordinator).inputs
    assert inputs.chargers[GARAGE].vehicle is None
    assert inputs.chargers[GARAGE].control is Control.UNKNOWN_VEHICLE


async def test_the_users_choice_wins_until_unplugged(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """A choice in the select beats the sensors; unplugging clears it."""
    seed_states(hass, today, carport="Available")
    hass.states.async_set(TESLA_PLUGGED, "on")
    coordinator = await setup_site(hass, site_entry(overrides=EVIDENCE))
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle == TESLA
    await act(
        hass,
        "select.select_option",
        entity_id="select.garage_connected_vehicle",
        option="Leaf",
    )
    await tick(hass, freezer, 6)
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle == LEAF

    hass.states.async_set("binary_sensor.garage_plugged_in", "off")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    hass.states.async_set("binary_sensor.garage_plugged_in", "on")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle == TESLA


async def test_a_charging_sensor_that_is_off_does_not_rule_the_car_out(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """A car's *charging* sensor on proves it is plugged in; off proves nothing.

    The plan pauses cars: a paused car is not charging, and taking "not
    charging" for "not here" left the Garage with an unknown car that the
    plan would never start again. A plugged-in sensor off still rules it out.
    """
    charging = "binary_sensor.tesla_charging"
    seed_states(hass, today, carport="Available")
    hass.states.async_set(charging, "on", {"device_class": "battery_charging"})
    hass.states.async_set(LEAF_PLUGGED, "unplugged")
    overrides = {TESLA: {"plugged_entity": charging}, LEAF: EVIDENCE[LEAF]}
    coordinator = await setup_site(hass, site_entry(overrides=overrides))
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle == TESLA

    hass.states.async_set(charging, "off", {"device_class": "battery_charging"})
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    inputs = plan_of(coordinator).inputs
    assert inputs.chargers[GARAGE].vehicle == TESLA
    assert inputs.chargers[GARAGE].control is Control.PLAN

    # The same "off" from a plugged-in sensor (no charging class) rules it out.
    hass.states.async_set(charging, "off", {"device_class": "plug"})
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    inputs = plan_of(coordinator).inputs
    assert inputs.chargers[GARAGE].vehicle is None
    assert inputs.chargers[GARAGE].control is Control.UNKNOWN_VEHICLE
