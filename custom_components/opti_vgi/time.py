"""Times the user sets per vehicle: departure, and expected arrival."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.helpers.restore_state import RestoreEntity

from .entity import OptiVgiSettingEntity

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator
    from .translation import VehicleState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class VehicleTimeDescription(TimeEntityDescription):
    """A time stored in the vehicle's user state, under ``field``."""

    get_fn: Callable[[VehicleState], time]
    field: str


DEPARTURE = VehicleTimeDescription(
    key="departure",
    translation_key="departure",
    get_fn=lambda state: state.departure,
    field="departure",
)
ARRIVAL = VehicleTimeDescription(
    key="arrival",
    translation_key="arrival",
    get_fn=lambda state: state.arrival,
    field="arrival",
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Departure and expected arrival for every vehicle."""
    coordinator = entry.runtime_data.coordinator
    for vehicle in coordinator.settings.vehicles:
        async_add_entities(
            [
                VehicleTime(coordinator, d, vehicle.subentry_id)
                for d in (DEPARTURE, ARRIVAL)
            ],
            config_subentry_id=vehicle.subentry_id,
        )


class VehicleTime(OptiVgiSettingEntity, TimeEntity, RestoreEntity):
    """A daily time of a vehicle, restored after restarts."""

    entity_description: VehicleTimeDescription

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: VehicleTimeDescription,
        subentry_id: str,
    ) -> None:
        """Bind the time to its vehicle's state."""
        super().__init__(coordinator, description, subentry_id)
        self._vehicle_id = subentry_id

    async def async_added_to_hass(self) -> None:
        """Restore the user's last time (the subentry's default before that)."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is None or last.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return
        try:
            value = time.fromisoformat(last.state)
        except ValueError:
            return
        self.coordinator.restore_vehicle(
            self._vehicle_id, **{self.entity_description.field: value}
        )

    @property
    def native_value(self) -> time:
        """The current setting."""
        state = self.coordinator.vehicle_state(self._vehicle_id)
        return self.entity_description.get_fn(state)

    async def async_set_value(self, value: time) -> None:
        """Hand the new time to the coordinator, which plans again."""
        await self.coordinator.async_set_vehicle(
            self._vehicle_id, **{self.entity_description.field: value}
        )
        self.async_write_ha_state()
