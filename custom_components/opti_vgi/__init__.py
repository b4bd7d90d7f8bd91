"""The Opti-VGI integration: joint, cost-optimal charging of every EV at a site."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store

from .const import CONF_PHASE, CONF_PHASES, DOMAIN, LOGGER, SUBENTRY_CHARGER
from .coordinator import (
    STORAGE_VERSION,
    OptiVgiConfigEntry,
    OptiVgiCoordinator,
    OptiVgiRuntimeData,
)
from .repairs import async_clear_issues
from .services import async_setup_services

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

# Everything is configured in the UI; YAML only declares that the domain exists.
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Register the actions once for the domain, not per entry."""
    async_setup_services(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Bring an entry of an older version up to this one.

    1.1 -> 1.2: a charger's ``phase`` is now the site phase of its L1 for a
    3-phase charger too (its wiring). Before, the flow asked it of every charger
    but said it was not used for 3-phase ones, so what they stored means
    nothing: it becomes the standard wiring (L1 on L1). A newer major version
    (written by a later release) is not loaded.
    """
    if entry.version > 1:
        return False
    if entry.minor_version < 2:  # noqa: PLR2004  # the version migrated from
        for subentry in entry.subentries.values():
            data = subentry.data
            if (
                subentry.subentry_type == SUBENTRY_CHARGER
                and int(data.get(CONF_PHASES, 3)) != 1
                and int(data.get(CONF_PHASE, 1)) != 1
            ):
                hass.config_entries.async_update_subentry(
                    entry, subentry, data={**data, CONF_PHASE: 1}
                )
        hass.config_entries.async_update_entry(entry, minor_version=2)
        LOGGER.debug("Migrated %s to version 1.2", entry.title)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Set up the site: entities first, the first plan once Home Assistant runs.

    Setup does not fail when a source entity is missing: during start-up the
    charger and price integrations may simply not be loaded yet. The status
    sensor and repairs report sources that stay missing.
    """
    coordinator = OptiVgiCoordinator(hass, entry)
    await coordinator.async_load()
    entry.runtime_data = OptiVgiRuntimeData(coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Any change to the entry or a subentry (options, reconfigure, a charger or
    # vehicle added or removed) rebuilds the whole site with the new settings.
    entry.async_on_unload(entry.add_update_listener(_async_reload))

    @callback
    def _start(_hass: HomeAssistant) -> None:
        coordinator.async_start()

    entry.async_on_unload(async_at_started(hass, _start))
    return True


async def _async_reload(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> None:
    """Reload the entry after its settings or subentries changed.

    The chargers stay as they are across this reload (it is over in a moment,
    and the new settings take them over from the stored state).
    """
    entry.runtime_data.coordinator.reloading = True
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> bool:
    """Unload every platform, release the chargers and keep what we know.

    Listeners and timers go with async_on_unload. A charger left paused by a
    site that is no longer there would strand the next car, so each is set as
    the options say; not on the reloads that our own settings changes cause.
    """
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    runtime: OptiVgiRuntimeData | None = getattr(entry, "runtime_data", None)
    if unloaded and runtime is not None:  # None: its setup never got that far
        coordinator = runtime.coordinator
        coordinator.close()
        # A write still on its way ends first (within its timeout): what is
        # stored must be what the chargers were last told.
        await coordinator.writer.async_idle()
        if not coordinator.reloading:
            await coordinator.async_release()
        await coordinator.async_save()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: OptiVgiConfigEntry) -> None:
    """Forget the entry's repair issues and stored state when the site is deleted."""
    async_clear_issues(hass, entry)
    await Store[dict[str, object]](
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}"
    ).async_remove()
