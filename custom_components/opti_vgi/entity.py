"""Base entities: one device for the site, one per charger, one per vehicle.

Since Home Assistant 2026.8 a device belongs to at most one config subentry, so
every charger and vehicle subentry gets its own service device, and entities are
added with their subentry's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import OptiVgiCoordinator

if TYPE_CHECKING:
    from homeassistant.helpers.entity import EntityDescription

MANUFACTURER = "Opti-VGI"


class OptiVgiEntity(CoordinatorEntity[OptiVgiCoordinator]):
    """An entity of the site, a charger or a vehicle.

    ``subentry_id`` is None for the site's own entities. Entities that show the
    plan are unavailable until there is one; setting entities override
    ``available`` to stay usable before the first plan.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: EntityDescription,
        subentry_id: str | None = None,
    ) -> None:
        """Attach the entity to its device and give it a stable unique id."""
        super().__init__(coordinator)
        self.entity_description = description
        self.subentry_id = subentry_id
        entry = coordinator.config_entry
        owner = subentry_id or entry.entry_id
        self._attr_unique_id = f"{owner}_{description.key}"
        if subentry_id is None:
            self._attr_device_info = DeviceInfo(
                identifiers={(DOMAIN, entry.entry_id)},
                name=entry.title,
                manufacturer=MANUFACTURER,
                model="Site",
                entry_type=DeviceEntryType.SERVICE,
            )
        else:
            subentry = entry.subentries[subentry_id]
            self._attr_device_info = DeviceInfo(
                identifiers={(DOMAIN, subentry_id)},
                name=subentry.title,
                manufacturer=MANUFACTURER,
                model=subentry.subentry_type.capitalize(),
                entry_type=DeviceEntryType.SERVICE,
            )

    @property
    def available(self) -> bool:
        """Plan entities need a plan."""
        return super().available and self.coordinator.plan_data is not None


class OptiVgiSettingEntity(OptiVgiEntity):
    """An entity the user sets (target SoC, departure, mode...).

    It is usable before the first plan and while planning fails, restores its
    value after a restart, and hands changes to the coordinator, which keeps
    them and plans again.
    """

    @property
    def available(self) -> bool:
        """Settings are always available."""
        return True
