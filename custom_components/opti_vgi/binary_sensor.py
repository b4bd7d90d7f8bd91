"""Binary sensors: whether a charger is planned to charge now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .entity import OptiVgiEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import OptiVgiConfigEntry

PARALLEL_UPDATES = 0

CHARGING_PLANNED = BinarySensorEntityDescription(
    key="charging_planned", translation_key="charging_planned"
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One "charging planned now" sensor per charger."""
    coordinator = entry.runtime_data.coordinator
    for charger in coordinator.settings.chargers:
        async_add_entities(
            [ChargingPlannedSensor(coordinator, CHARGING_PLANNED, charger.subentry_id)],
            config_subentry_id=charger.subentry_id,
        )


class ChargingPlannedSensor(OptiVgiEntity, BinarySensorEntity):
    """On when a car is plugged in and the plan gives it a current now.

    Automations use it for chargers Opti-VGI cannot write to directly. The plan
    also holds room for a car that is only expected (due any moment), so an
    empty charger can have a current in the first step; following that would
    switch an empty plug on, hence the plugged-in check.
    """

    @property
    def is_on(self) -> bool:
        """Whether a plugged-in car is planned to charge in the current step."""
        data = self.coordinator.data
        seen = data.inputs.chargers.get(self.subentry_id or "")
        if seen is None or not seen.plugged_in:
            return False
        plan = data.plan
        row = next((c for c in plan.chargers if c.charger_id == self.subentry_id), None)
        return row is not None and row.current_a[0] > 0
