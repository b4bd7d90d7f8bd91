"""The Opti-VGI integration: joint, cost-optimal charging of every EV at a site."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers import config_validation as cv

from .const import DOMAIN
from .coordinator import OptiVgiRuntimeData, SiteSettings

if TYPE_CHECKING:
    from homeassistant.const import Platform
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

    from .coordinator import OptiVgiConfigEntry

# Everything is configured in the UI; YAML only declares that the domain exists.
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = []


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Set up the domain; actions are registered here, not per entry."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Set up the site from its config entry."""
    entry.runtime_data = OptiVgiRuntimeData(site=SiteSettings.from_entry(entry))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Unload the site and every platform it set up."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
