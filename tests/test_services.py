"""The recalculate and get_plan actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opti_vgi.const import DOMAIN
from custom_components.opti_vgi.translation import HomeAssistantTranslation

from .site import (
    CARPORT,
    GARAGE,
    LEAF,
    TESLA,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
)


async def test_get_plan(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """get_plan returns every step of every charger and vehicle, with names."""
    seed_states(hass, today)
    entry = site_entry()
    data = plan_of(await setup_site(hass, entry))
    response = await hass.services.async_call(
        DOMAIN,
        "get_plan",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    steps = data.plan.horizon.steps
    assert response["horizon"]["steps"] == steps == 96
    assert response["state"] == "ok"
    assert response["currency"] == hass.config.currency
    assert [c["name"] for c in response["chargers"]] == ["Garage", "Carport"]
    assert {v["name"]: v["charger"] for v in response["vehicles"]} == {
        "Tesla": GARAGE,
        "Leaf": CARPORT,
    }
    garage = response["chargers"][0]
    assert len(garage["schedule"]) == steps
    assert [s["current_a"] for s in garage["schedule"]] == list(
        data.plan.charger(GARAGE).current_a
    )
    tesla = next(v for v in response["vehicles"] if v["id"] == TESLA)
    assert tesla["energy_kwh"] == pytest.approx(
        data.plan.vehicle(TESLA).energy_kwh, abs=1e-3
    )
    leaf = next(v for v in response["vehicles"] if v["id"] == LEAF)
    # No SoC sensor: the default session energy (20 kWh), planned for the night.
    assert leaf["energy_kwh"] == pytest.approx(
        data.plan.vehicle(LEAF).energy_kwh, abs=1e-3
    )
    assert leaf["energy_kwh"] > 19
    assert {c["name"]: c["control"] for c in response["chargers"]} == {
        "Garage": "plan",
        "Carport": "plan",
    }
    assert response["cost"] == pytest.approx(data.plan.cost, abs=1e-3)
    assert response["savings"] > 0  # night charging beats charging on arrival


async def test_actions_validate_the_entry(hass: HomeAssistant) -> None:
    """Unknown, foreign or unloaded entries give translated validation errors."""
    assert await async_setup_component(hass, DOMAIN, {})
    foreign = MockConfigEntry(domain="other")
    foreign.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "recalculate", {"config_entry_id": foreign.entry_id}, blocking=True
        )
    assert err.value.translation_key == "service_config_entry_wrong_domain"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "recalculate", {"config_entry_id": "nope"}, blocking=True
        )
    assert err.value.translation_key == "service_config_entry_not_found"

    entry = site_entry()
    entry.add_to_hass(hass)  # added but not set up
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_plan",
            {"config_entry_id": entry.entry_id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "service_config_entry_not_loaded"


async def test_get_plan_without_a_plan(
    hass: HomeAssistant,
    today: datetime,
) -> None:
    """No plan (every round fails) and get_plan says so; the status says why."""
    seed_states(hass, today)
    entry = site_entry()
    entry.add_to_hass(hass)
    with patch.object(
        HomeAssistantTranslation, "read", side_effect=RuntimeError("broken")
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert hass.states.get("sensor.home_status").state == "error"
    assert entry.runtime_data.coordinator.error_reason == (
        "unexpected_error: RuntimeError: broken"
    )
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_plan",
            {"config_entry_id": entry.entry_id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "no_plan"
