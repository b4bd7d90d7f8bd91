"""Binary sensors: whether a charger is planned to charge now."""

from __future__ import annotations

from typing import TYPE_CHECKING

# BinarySensorDeviceClass moved to .const in 2026.9 and is re-exported (as core's
# own platforms import it), which mypy --strict does not see as an export.
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined]
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .coordinator import shortfalls
from .entity import OptiVgiEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import OptiVgiConfigEntry

PARALLEL_UPDATES = 0

CHARGING_PLANNED = BinarySensorEntityDescription(
    key="charging_planned", translation_key="charging_planned"
)
TARGET_AT_RISK = BinarySensorEntityDescription(
    key="target_at_risk",
    translation_key="target_at_risk",
    device_class=BinarySensorDeviceClass.PROBLEM,
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Per charger "charging planned now", per vehicle "target at risk"."""
    coordinator = entry.runtime_data.coordinator
    for charger in coordinator.settings.chargers:
        async_add_entities(
            [ChargingPlannedSensor(coordinator, CHARGING_PLANNED, charger.subentry_id)],
            config_subentry_id=charger.subentry_id,
        )
    for vehicle in coordinator.settings.vehicles:
        async_add_entities(
            [TargetAtRiskSensor(coordinator, TARGET_AT_RISK, vehicle.subentry_id)],
            config_subentry_id=vehicle.subentry_id,
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


class TargetAtRiskSensor(OptiVgiEntity, BinarySensorEntity):
    """On when the plan cannot give this vehicle its target by its departure.

    The status sensor's message says how much is missing and why; the event
    ``opti_vgi_target_at_risk`` fires once per departure.
    """

    @property
    def is_on(self) -> bool:
        """Whether this vehicle is left short (beyond rounding)."""
        data = self.coordinator.data
        return any(
            short.vehicle_id == self.subentry_id
            for short in shortfalls(data.inputs.problem, data.plan)
        )
