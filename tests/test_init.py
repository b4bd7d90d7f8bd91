"""Setting up, unloading and removing the site entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.opti_vgi.const import DOMAIN
from custom_components.opti_vgi.settings import SiteSettings

from .const import INTEGRATION
from .site import PRICE, seed_states, site_entry


async def test_setup_and_unload(hass: HomeAssistant) -> None:
    """A site loads with its settings parsed, and unloading leaves no listeners."""
    assert await async_setup_component(hass, "number", {})
    async_mock_service(hass, "number", "set_value")
    async_mock_service(hass, "ocpp", "set_charge_rate")
    seed_states(hass, dt_util.start_of_local_day())
    listeners_before = hass.bus.async_listeners().get(EVENT_STATE_CHANGED, 0)
    entry = site_entry()
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data.coordinator
    assert coordinator.settings.site == SiteSettings(price_entity=PRICE, limit_kw=17.0)
    assert coordinator.plan_data is not None
    assert coordinator._timer is not None

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert coordinator._timer is None
    assert hass.bus.async_listeners().get(EVENT_STATE_CHANGED, 0) == listeners_before


async def test_registered_actions_match_services_yaml(hass: HomeAssistant) -> None:
    """The actions registered at setup are exactly those services.yaml describes."""
    assert await async_setup_component(hass, DOMAIN, {})
    path = INTEGRATION / "services.yaml"
    described = set(load_yaml(str(path)) or {}) if path.exists() else set()
    assert set(hass.services.async_services_for_domain(DOMAIN)) == described
