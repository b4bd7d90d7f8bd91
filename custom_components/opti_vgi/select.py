"""Selects per charger: its mode, and which vehicle is plugged into it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.helpers.restore_state import RestoreEntity

from .const import ChargerMode
from .entity import OptiVgiSettingEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator

PARALLEL_UPDATES = 0

MODE = SelectEntityDescription(
    key="mode",
    translation_key="mode",
    options=[mode.value for mode in ChargerMode],
)
CONNECTED_VEHICLE = SelectEntityDescription(
    key="connected_vehicle", translation_key="connected_vehicle"
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A mode per charger; a vehicle choice when several vehicles could use it."""
    coordinator = entry.runtime_data.coordinator
    several = len(coordinator.settings.vehicles) > 1
    for charger in coordinator.settings.chargers:
        entities: list[SelectEntity] = [
            ChargerModeSelect(coordinator, MODE, charger.subentry_id)
        ]
        if several:
            entities.append(
                ConnectedVehicleSelect(
                    coordinator, CONNECTED_VEHICLE, charger.subentry_id
                )
            )
        async_add_entities(entities, config_subentry_id=charger.subentry_id)


class ChargerModeSelect(OptiVgiSettingEntity, SelectEntity, RestoreEntity):
    """Smart (follow the plan), fast (charge now whatever the price) or off."""

    async def async_added_to_hass(self) -> None:
        """Restore the last mode."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state in self.options:
            self.coordinator.restore_charger(
                self._charger_id, mode=ChargerMode(last.state)
            )

    @property
    def _charger_id(self) -> str:
        """The charger this select belongs to."""
        return self.subentry_id or ""

    @property
    def current_option(self) -> str:
        """The mode now."""
        return self.coordinator.user.charger(self._charger_id).mode.value

    async def async_select_option(self, option: str) -> None:
        """Hand the new mode to the coordinator, which plans again."""
        await self.coordinator.async_set_charger(
            self._charger_id, mode=ChargerMode(option)
        )
        self.async_write_ha_state()


class ConnectedVehicleSelect(OptiVgiSettingEntity, SelectEntity, RestoreEntity):
    """Which vehicle is on this charger, when it is not always the same one."""

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: SelectEntityDescription,
        subentry_id: str,
    ) -> None:
        """Offer the vehicles by name; store the chosen vehicle's subentry id."""
        super().__init__(coordinator, description, subentry_id)
        self._ids = {v.name: v.subentry_id for v in coordinator.settings.vehicles}
        self._attr_options = list(self._ids)
        self._charger_id = subentry_id

    async def async_added_to_hass(self) -> None:
        """Restore the last choice if that vehicle still exists."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state in self._ids:
            self.coordinator.restore_charger(
                self._charger_id, connected_vehicle=self._ids[last.state]
            )

    @property
    def current_option(self) -> str | None:
        """The chosen vehicle, else the one the plan assumes (its regular)."""
        chosen = self.coordinator.user.charger(self._charger_id).connected_vehicle
        if chosen is None:
            regular = next(
                (
                    v
                    for v in self.coordinator.settings.vehicles
                    if v.charger == self.subentry_id
                ),
                None,
            )
            chosen = regular.subentry_id if regular else None
        return next((name for name, vid in self._ids.items() if vid == chosen), None)

    async def async_select_option(self, option: str) -> None:
        """Hand the choice to the coordinator, which plans again."""
        await self.coordinator.async_set_charger(
            self._charger_id, connected_vehicle=self._ids[option]
        )
        self.async_write_ha_state()
