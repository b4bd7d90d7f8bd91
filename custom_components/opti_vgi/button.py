"""Buttons per charger: charge now, whatever the price, until the car is full."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription

from .entity import OptiVgiSettingEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import OptiVgiConfigEntry

PARALLEL_UPDATES = 0

CHARGE_NOW = ButtonEntityDescription(key="charge_now", translation_key="charge_now")


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One "charge now" button per charger."""
    coordinator = entry.runtime_data.coordinator
    for charger in coordinator.settings.chargers:
        async_add_entities(
            [ChargeNowButton(coordinator, CHARGE_NOW, charger.subentry_id)],
            config_subentry_id=charger.subentry_id,
        )


class ChargeNowButton(OptiVgiSettingEntity, ButtonEntity):
    """Fast mode until the car is full or unplugged, then smart again.

    Unlike choosing "fast" in the mode select, nobody has to remember to switch
    back: the next car on this charger is planned for the cheapest hours.
    """

    async def async_press(self) -> None:
        """Switch the charger to fast for this session."""
        await self.coordinator.async_charge_now(self.subentry_id or "")
