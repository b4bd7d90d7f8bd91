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
    """A number stored in the vehicle's user state."""

    get_fn: Callable[[VehicleState], float]
    set_fn: Callable[[VehicleState, float], None]


def _set_target(state: VehicleState, value: float) -> None:
    state.target_soc = value


def _set_min(state: VehicleState, value: float) -> None:
    state.min_soc = value


def _set_energy(state: VehicleState, value: float) -> None:
    state.energy_to_add_kwh = value


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
    set_fn=_set_target,
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
    set_fn=_set_min,
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
    set_fn=_set_energy,
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
        self._state = coordinator.user.vehicles[subentry_id]

    async def async_added_to_hass(self) -> None:
        """Restore the user's last value (the subentry's default before that)."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.entity_description.set_fn(self._state, float(last.native_value))

    @property
    def native_value(self) -> float:
        """The current setting."""
        return self.entity_description.get_fn(self._state)

    async def async_set_native_value(self, value: float) -> None:
        """Store the new value and replan."""
        self.entity_description.set_fn(self._state, value)
        await self.async_replan()
