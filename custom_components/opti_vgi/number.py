"""Numbers the user sets per vehicle: target and minimum SoC, energy to add."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
    RestoreNumber,
)
from homeassistant.const import PERCENTAGE, UnitOfEnergy

from .entity import OptiVgiSettingEntity

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import OptiVgiConfigEntry, OptiVgiCoordinator
    from .translation import VehicleState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class VehicleNumberDescription(NumberEntityDescription):
    """A number stored in the vehicle's user state, under ``field``."""

    get_fn: Callable[[VehicleState], float]
    field: str


TARGET_SOC = VehicleNumberDescription(
    key="target_soc",
    translation_key="target_soc",
    device_class=NumberDeviceClass.BATTERY,
    native_unit_of_measurement=PERCENTAGE,
    native_min_value=0,
    native_max_value=100,
    native_step=1,
    mode=NumberMode.SLIDER,
    get_fn=lambda state: state.target_soc,
    field="target_soc",
)
MIN_SOC = VehicleNumberDescription(
    key="min_soc",
    translation_key="min_soc",
    device_class=NumberDeviceClass.BATTERY,
    native_unit_of_measurement=PERCENTAGE,
    native_min_value=0,
    native_max_value=100,
    native_step=1,
    mode=NumberMode.SLIDER,
    get_fn=lambda state: state.min_soc,
    field="min_soc",
)
ENERGY_TO_ADD = VehicleNumberDescription(
    key="energy_to_add",
    translation_key="energy_to_add",
    device_class=NumberDeviceClass.ENERGY_STORAGE,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    native_min_value=0,
    native_max_value=200,
    native_step=0.5,
    mode=NumberMode.BOX,
    get_fn=lambda state: state.energy_to_add_kwh,
    field="energy_to_add_kwh",
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Target and minimum SoC per vehicle, or the energy to add without a SoC."""
    coordinator = entry.runtime_data.coordinator
    for vehicle in coordinator.settings.vehicles:
        descriptions = (TARGET_SOC, MIN_SOC) if vehicle.has_soc else (ENERGY_TO_ADD,)
        async_add_entities(
            [VehicleNumber(coordinator, d, vehicle.subentry_id) for d in descriptions],
            config_subentry_id=vehicle.subentry_id,
        )


class VehicleNumber(OptiVgiSettingEntity, RestoreNumber):
    """A vehicle setting that survives restarts and replans when changed."""

    entity_description: VehicleNumberDescription

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: VehicleNumberDescription,
        subentry_id: str,
    ) -> None:
        """Bind the number to its vehicle's state."""
        super().__init__(coordinator, description, subentry_id)
        self._vehicle_id = subentry_id

    async def async_added_to_hass(self) -> None:
        """Restore the user's last value (the subentry's default before that)."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.coordinator.restore_vehicle(
                self._vehicle_id,
                **{self.entity_description.field: float(last.native_value)},
            )

    @property
    def native_value(self) -> float:
        """The current setting."""
        state = self.coordinator.vehicle_state(self._vehicle_id)
        return self.entity_description.get_fn(state)

    async def async_set_native_value(self, value: float) -> None:
        """Hand the new value to the coordinator, which plans again."""
        await self.coordinator.async_set_vehicle(
            self._vehicle_id, **{self.entity_description.field: value}
        )
        self.async_write_ha_state()
