"""Charge now (fast until full or unplugged) and what an unplug clears."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.opti_vgi.const import ChargerMode

from .site import (
    CARPORT,
    GARAGE,
    GARAGE_STATUS,
    LEAF,
    TESLA_SOC,
    act,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

BUTTON = "button.garage_charge_now"
MODE = "select.garage_mode"


async def test_charge_now_until_full(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Fast now at the most the limits allow, whatever the price; smart once full."""
    seed_states(hass, today, soc="50")  # above its 40 % minimum: smart waits
    coordinator = await setup_site(hass, site_entry())
    assert plan_of(coordinator).plan.charger(GARAGE).current_a[0] == 0

    await act(hass, "button.press", entity_id=BUTTON)
    await tick(hass, freezer, 6)
    assert hass.states.get(MODE).state == "fast"
    data = plan_of(coordinator)
    assert data.plan.charger(GARAGE).current_a[0] == 15  # the Tesla's 11 kW

    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})  # its target
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert coordinator.user.charger(GARAGE).mode is ChargerMode.SMART
    assert not coordinator.user.charger(GARAGE).charge_now
    assert hass.states.get(MODE).state == "smart"


async def test_unplug_ends_charge_now_and_the_vehicle_choice(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Unplugging: back to smart, and the next car is not assumed to be the last.

    A mode chosen by hand is the user's: it stays after an unplug.
    """
    seed_states(hass, today, soc="50")
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "button.press", entity_id=BUTTON)
    await act(
        hass,
        "select.select_option",
        entity_id="select.garage_connected_vehicle",
        option="Leaf",
    )
    await act(
        hass, "select.select_option", entity_id="select.carport_mode", option="fast"
    )
    await tick(hass, freezer, 6)
    assert coordinator.user.charger(GARAGE).connected_vehicle == LEAF
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle == LEAF

    hass.states.async_set(GARAGE_STATUS, "off")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    garage = coordinator.user.charger(GARAGE)
    assert garage.mode is ChargerMode.SMART
    assert not garage.charge_now
    assert garage.connected_vehicle is None
    assert coordinator.user.charger(CARPORT).mode is ChargerMode.FAST

    # Plugged in again: without evidence, its usual vehicle (the Tesla).
    hass.states.async_set(GARAGE_STATUS, "on")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert plan_of(coordinator).inputs.chargers[GARAGE].vehicle != LEAF


async def test_choosing_a_mode_ends_charge_now(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Picking a mode by hand after "charge now": the user's choice holds."""
    seed_states(hass, today, soc="50")
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "button.press", entity_id=BUTTON)
    await act(hass, "select.select_option", entity_id=MODE, option="fast")
    await tick(hass, freezer, 6)
    assert not coordinator.user.charger(GARAGE).charge_now
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert coordinator.user.charger(GARAGE).mode is ChargerMode.FAST
