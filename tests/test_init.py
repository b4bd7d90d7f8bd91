"""Setting up and unloading the site entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opti_vgi.const import (
    CONF_PRICE_ENTITY,
    CONF_SITE_LIMIT_KW,
    DOMAIN,
)
from custom_components.opti_vgi.coordinator import SiteSettings

from .const import INTEGRATION


async def test_setup_and_unload(hass: HomeAssistant) -> None:
    """A site entry loads with its settings parsed, and unloads cleanly."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={CONF_PRICE_ENTITY: "sensor.price", CONF_SITE_LIMIT_KW: 17.5},
    )
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.site == SiteSettings(
        price_entity="sensor.price", site_limit_kw=17.5
    )

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_registered_actions_match_services_yaml(hass: HomeAssistant) -> None:
    """The actions registered at setup are exactly those services.yaml describes."""
    assert await async_setup_component(hass, DOMAIN, {})
    path = INTEGRATION / "services.yaml"
    described = set(load_yaml(str(path)) or {}) if path.exists() else set()
    assert set(hass.services.async_services_for_domain(DOMAIN)) == described
