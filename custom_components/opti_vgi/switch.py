"""The site's smart charging switch: plan and control, or hands off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_OFF
from homeassistant.helpers.restore_state import RestoreEntity

from .entity import OptiVgiSettingEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import OptiVgiConfigEntry

PARALLEL_UPDATES = 0

SMART_CHARGING = SwitchEntityDescription(
    key="smart_charging", translation_key="smart_charging"
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One switch for the site."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([SmartChargingSwitch(coordinator, SMART_CHARGING)])


class SmartChargingSwitch(OptiVgiSettingEntity, SwitchEntity, RestoreEntity):
    """When off, Opti-VGI releases each charger once, then writes nothing.

    It still plans, for the dashboards.
    """

    async def async_added_to_hass(self) -> None:
        """Restore the last state; on by default."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state == STATE_OFF:
            self.coordinator.restore_smart_charging(on=False)

    @property
    def is_on(self) -> bool:
        """Whether Opti-VGI controls the chargers."""
        return self.coordinator.user.smart_charging

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Take control again and replan."""
        await self.coordinator.async_set_smart_charging(on=True)
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Release the chargers as the options say, then write nothing."""
        await self.coordinator.async_set_smart_charging(on=False)
        self.async_write_ha_state()
