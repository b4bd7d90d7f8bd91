"""Sensors that show the plan: now, per charger, per vehicle and for the site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.util import dt as dt_util

from .const import Control, PlanState
from .coordinator import shortfalls
from .entity import OptiVgiEntity

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .coordinator import (
        OptiVgiConfigEntry,
        OptiVgiCoordinator,
        PlanData,
        Shortfall,
    )
    from .settings import VehicleSettings

PARALLEL_UPDATES = 0

type Value = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class OptiVgiSensorDescription(SensorEntityDescription):
    """A sensor of the site or of one charger or vehicle (``owner`` is its id)."""

    value_fn: Callable[[PlanData, str], Value]
    attrs_fn: Callable[[PlanData, str], dict[str, Any]] | None = None


def _schedule(data: PlanData, charger_id: str, series: str) -> dict[str, Any]:
    """The whole schedule of one charger: one item per step (unrecorded)."""
    plan = data.plan
    values = (
        getattr(plan.charger(charger_id), series)
        if _has_charger(data, charger_id)
        else ()
    )
    return {
        "schedule": [
            {"start": _local(plan.horizon.step_start(i)), "value": round(value, 3)}
            for i, value in enumerate(values)
        ]
    }


def _local(moment: datetime) -> str:
    """A time as users read it: local, ISO 8601 with its offset."""
    return dt_util.as_local(moment).isoformat()


def _has_charger(data: PlanData, charger_id: str) -> bool:
    """Whether the plan has a row for this charger."""
    return any(c.charger_id == charger_id for c in data.plan.chargers)


def _charger_now(data: PlanData, charger_id: str, series: str) -> float:
    """A charger's planned value for the current step (0 when it is not planned)."""
    if not _has_charger(data, charger_id):
        return 0.0
    return float(getattr(data.plan.charger(charger_id), series)[0])


def _next_start(data: PlanData, charger_id: str) -> datetime | None:
    """When charging is planned to start: now if in the current step, never before.

    The current step began before now (the plan is made within it), and a
    timestamp in the past would fire a time trigger that already passed.
    """
    if not _has_charger(data, charger_id):
        return None
    currents = data.plan.charger(charger_id).current_a
    first = next((i for i, current in enumerate(currents) if current > 0), None)
    if first is None:
        return None
    return max(data.plan.horizon.step_start(first), data.inputs.now)


def _vehicle_plan_value(data: PlanData, vehicle_id: str, name: str) -> Any:
    """A field of the vehicle's plan, or None when it is not planned."""
    plan = next((v for v in data.plan.vehicles if v.vehicle_id == vehicle_id), None)
    return None if plan is None else getattr(plan, name)


SITE_SENSORS = (
    OptiVgiSensorDescription(
        key="planned_site_power",
        translation_key="planned_site_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda data, _: data.plan.site_power_kw[0],
    ),
    OptiVgiSensorDescription(
        key="plan_cost",
        translation_key="plan_cost",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        # At a flat stand-in price (no prices) a cost would be made up.
        value_fn=lambda data, _: (
            None if data.inputs.price_error else round(data.plan.cost, 4)
        ),
    ),
    OptiVgiSensorDescription(
        key="savings",
        translation_key="savings",
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda data, _: (
            None if data.inputs.price_error else round(data.savings, 4)
        ),
    ),
    OptiVgiSensorDescription(
        key="last_solve_time",
        translation_key="last_solve_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data, _: round(data.plan.solve_ms, 1),
        attrs_fn=lambda data, _: {"algorithm": data.plan.algorithm},
    ),
)

STATUS_SENSOR = OptiVgiSensorDescription(
    key="status",
    translation_key="status",
    device_class=SensorDeviceClass.ENUM,
    options=[state.value for state in PlanState],
    value_fn=lambda data, _: data.state.value,
)

CONTROL_SENSOR = OptiVgiSensorDescription(
    key="control",
    translation_key="control",
    device_class=SensorDeviceClass.ENUM,
    options=[control.value for control in Control],
    value_fn=lambda data, cid: (
        data.decisions[cid].control.value if cid in data.decisions else None
    ),
)

CHARGER_SENSORS = (
    OptiVgiSensorDescription(
        key="planned_current",
        translation_key="planned_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=0,
        value_fn=lambda data, cid: _charger_now(data, cid, "current_a"),
        attrs_fn=lambda data, cid: _schedule(data, cid, "current_a"),
    ),
    OptiVgiSensorDescription(
        key="planned_power",
        translation_key="planned_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda data, cid: _charger_now(data, cid, "power_kw"),
        attrs_fn=lambda data, cid: _schedule(data, cid, "power_kw"),
    ),
    OptiVgiSensorDescription(
        key="next_start",
        translation_key="next_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_next_start,
    ),
)


def _expected_soc(vehicle: VehicleSettings) -> Callable[[PlanData, str], Value]:
    """Expected state of charge at departure: now plus what the plan delivers."""

    def value(data: PlanData, vehicle_id: str) -> Value:
        seen = data.inputs.vehicles.get(vehicle_id)
        if seen is None or seen.soc is None or not vehicle.capacity_kwh:
            return None
        energy = _vehicle_plan_value(data, vehicle_id, "energy_kwh") or 0.0
        return round(min(100.0, seen.soc + energy / vehicle.capacity_kwh * 100), 1)

    return value


def vehicle_sensors(vehicle: VehicleSettings) -> tuple[OptiVgiSensorDescription, ...]:
    """A vehicle's sensors: expected SoC when it reports one, else expected energy."""
    expected = (
        OptiVgiSensorDescription(
            key="expected_soc",
            translation_key="expected_soc",
            # Not SensorDeviceClass.BATTERY: it is a forecast, and a battery
            # class would show it as the car's battery level on its device.
            native_unit_of_measurement=PERCENTAGE,
            suggested_display_precision=0,
            value_fn=_expected_soc(vehicle),
        )
        if vehicle.has_soc
        else OptiVgiSensorDescription(
            key="expected_energy",
            translation_key="expected_energy",
            device_class=SensorDeviceClass.ENERGY_STORAGE,
            native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
            suggested_display_precision=1,
            value_fn=lambda data, vid: _vehicle_plan_value(data, vid, "energy_kwh"),
        )
    )
    return (
        OptiVgiSensorDescription(
            key="energy_needed",
            translation_key="energy_needed",
            device_class=SensorDeviceClass.ENERGY_STORAGE,
            native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
            suggested_display_precision=1,
            value_fn=lambda data, vid: (
                round(data.inputs.vehicles[vid].energy_needed_kwh, 3)
                if vid in data.inputs.vehicles
                else None
            ),
        ),
        expected,
        OptiVgiSensorDescription(
            key="charging_complete",
            translation_key="charging_complete",
            device_class=SensorDeviceClass.TIMESTAMP,
            value_fn=lambda data, vid: _vehicle_plan_value(data, vid, "completion"),
        ),
        OptiVgiSensorDescription(
            key="planned_cost",
            translation_key="planned_cost",
            device_class=SensorDeviceClass.MONETARY,
            suggested_display_precision=2,
            value_fn=lambda data, vid: _vehicle_plan_value(data, vid, "cost"),
        ),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OptiVgiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's sensors and those of every charger and vehicle."""
    coordinator = entry.runtime_data.coordinator
    currency = hass.config.currency
    async_add_entities(
        [OptiVgiSensor(coordinator, d, None, currency) for d in SITE_SENSORS]
        + [OptiVgiStatusSensor(coordinator, STATUS_SENSOR, None, currency)]
    )
    for charger in coordinator.settings.chargers:
        async_add_entities(
            [
                OptiVgiSensor(coordinator, d, charger.subentry_id, currency)
                for d in CHARGER_SENSORS
            ]
            + [
                ChargerControlSensor(
                    coordinator, CONTROL_SENSOR, charger.subentry_id, currency
                )
            ],
            config_subentry_id=charger.subentry_id,
        )
    for vehicle in coordinator.settings.vehicles:
        async_add_entities(
            [
                OptiVgiSensor(coordinator, d, vehicle.subentry_id, currency)
                for d in vehicle_sensors(vehicle)
            ],
            config_subentry_id=vehicle.subentry_id,
        )


class OptiVgiSensor(OptiVgiEntity, SensorEntity):
    """A sensor whose value comes from the latest plan."""

    entity_description: OptiVgiSensorDescription
    # Schedules have one item per step: far too big for the recorder.
    _unrecorded_attributes = frozenset({"schedule"})

    def __init__(
        self,
        coordinator: OptiVgiCoordinator,
        description: OptiVgiSensorDescription,
        subentry_id: str | None,
        currency: str,
    ) -> None:
        """Set up the sensor; monetary sensors use Home Assistant's currency."""
        super().__init__(coordinator, description, subentry_id)
        if description.device_class is SensorDeviceClass.MONETARY:
            self._attr_native_unit_of_measurement = currency

    @property
    def _owner(self) -> str:
        """The id the value functions take: subentry id, or entry id for the site."""
        return self.subentry_id or self.coordinator.config_entry.entry_id

    @property
    def native_value(self) -> Value:
        """The value for the current plan."""
        return self.entity_description.value_fn(self.coordinator.data, self._owner)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Extra attributes, such as the full schedule."""
        data = self.coordinator.plan_data
        if self.entity_description.attrs_fn is None or data is None:
            return None
        return self.entity_description.attrs_fn(data, self._owner)


class OptiVgiStatusSensor(OptiVgiSensor):
    """What the planner is doing, or why it cannot plan.

    Unlike the other sensors it stays available when planning fails, because
    then it is the one that says why.
    """

    @property
    def available(self) -> bool:
        """Available as soon as there is either a plan or a reason for none."""
        return (
            self.coordinator.plan_data is not None
            or self.coordinator.error_state is not None
        )

    @property
    def native_value(self) -> Value:
        """The failure reason if the last round failed, else the plan's state."""
        if self.coordinator.error_state is not None:
            return self.coordinator.error_state.value
        return super().native_value

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details: why, prices known until, unusable entities, chargers left alone."""
        coordinator = self.coordinator
        data = coordinator.plan_data
        if coordinator.error_state is not None:
            return {"reason": coordinator.error_reason}
        if data is None:
            return None
        until = data.inputs.prices_known_until
        names = {c.subentry_id: c.name for c in coordinator.settings.chargers}
        short = shortfalls(data.inputs.problem, data.plan)
        return {
            "message": _message(coordinator, data, short),
            "shortfall_kwh": {
                _vehicle_name(coordinator, s.vehicle_id): round(s.kwh, 2) for s in short
            },
            "prices_known_until": until.isoformat() if until else None,
            "unusable_entities": list(data.inputs.problems),
            "house_load_kw": round(data.inputs.house.kw, 2),
            "meter": data.inputs.meter.value,
            "chargers_left_alone": {
                names.get(cid, cid): decision.control.value
                for cid, decision in data.decisions.items()
                if decision.control.left_alone
            },
        }


_REASONS = {
    "time": "its maximum power cannot deliver it by then",
    "limit": "the site's limits are shared with the other vehicles",
}


def _vehicle_name(coordinator: OptiVgiCoordinator, vehicle_id: str) -> str:
    """The name the user gave a vehicle (a guest: its charger's name)."""
    return coordinator.settings.vehicle_names.get(vehicle_id, vehicle_id)


def _message(
    coordinator: OptiVgiCoordinator, data: PlanData, short: list[Shortfall]
) -> str:
    """One line per vehicle left short (which, how much, by when, why), then the plan's.

    The status says that not every need can be met; this says whose and why,
    which is what a user needs to decide (leave later, charge elsewhere).
    """
    lines = [
        f"{_vehicle_name(coordinator, s.vehicle_id)}: {s.kwh:.1f} kWh short by "
        f"{dt_util.as_local(s.departure).strftime('%a %H:%M')} "
        f"({_REASONS[s.reason]})"
        for s in short
    ]
    if data.plan.message:
        lines.append(data.plan.message)
    return "; ".join(lines)


class ChargerControlSensor(OptiVgiSensor):
    """Who controls a charger now and why; what it was told and what it does.

    The answer to "why is my car not charging": following the plan, stopped,
    left alone (and why), overridden, or not following what was written.
    """

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """What was written, what the charger reports, what is counted for it."""
        data = self.coordinator.plan_data
        cid = self.subentry_id or ""
        if data is None or cid not in data.decisions:
            return None
        decision = data.decisions[cid]
        state = self.coordinator.writer.states[cid]
        seen = data.inputs.chargers[cid]
        cap = self.coordinator.guard_caps.get(cid)
        return {
            # The vehicle it is planned for: a configured one, or its guest.
            "vehicle": _vehicle_name(self.coordinator, seen.vehicle)
            if seen.vehicle
            else None,
            "guest": seen.vehicle is not None
            and (vehicle := data.inputs.vehicles.get(seen.vehicle)) is not None
            and vehicle.guest,
            "target_current": decision.target_a,
            "counted_current": round(decision.counted_a, 2),
            # Where that current is: its car's phases, or all when unknown.
            "counted_phases": [f"L{phase}" for phase in seen.phases],
            "written_current": state.current_a,
            "reported_current": None
            if seen.limit_a is None
            else round(seen.limit_a, 2),
            "guard_current": cap[0] if cap else None,
            "not_following": state.not_following,
            "override_until": _local(state.override_until)
            if state.override_until
            else None,
            "write_error": state.error,
        }
