"""The site config flow."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opti_vgi.const import (
    CONF_PRICE_ENTITY,
    CONF_SITE_LIMIT_KW,
    DOMAIN,
)


async def test_user_flow_recovers_from_missing_entity(hass: HomeAssistant) -> None:
    """A price entity that does not exist is an error on its field, then fixed."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PRICE_ENTITY: "sensor.nope", CONF_SITE_LIMIT_KW: 11}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PRICE_ENTITY: "entity_not_found"}

    hass.states.async_set("sensor.price", "0.25", {"unit_of_measurement": "EUR/kWh"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PRICE_ENTITY: "sensor.price", CONF_SITE_LIMIT_KW: 11}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == hass.config.location_name
    assert result["data"] == {CONF_PRICE_ENTITY: "sensor.price", CONF_SITE_LIMIT_KW: 11}


async def test_only_one_site(hass: HomeAssistant) -> None:
    """A second site is refused: one Home Assistant, one grid connection."""
    MockConfigEntry(
        domain=DOMAIN, data={CONF_PRICE_ENTITY: "sensor.price", CONF_SITE_LIMIT_KW: 11}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"
