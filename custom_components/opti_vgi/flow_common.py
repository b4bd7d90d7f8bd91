"""What the config flows share: selectors, units and entity checks.

The site flow (config_flow.py), the charger subentry flow (flow_charger.py)
and the vehicle subentry flow (flow_vehicle.py) build their forms from these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .compat import vol
from .const import CurrentUnit

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

# --- Units the integration can read -------------------------------------------------
PRICE_ENERGY_UNITS: Final = frozenset({"wh", "kwh", "mwh"})  # lower-cased, after "/"
POWER_UNITS: Final = frozenset({UnitOfPower.WATT, UnitOfPower.KILO_WATT})
ENERGY_UNITS: Final = frozenset({UnitOfEnergy.WATT_HOUR, UnitOfEnergy.KILO_WATT_HOUR})
CURRENT_UNITS: Final = frozenset({UnitOfElectricCurrent.AMPERE})
NUMBER_UNITS: Final = frozenset(unit.value for unit in CurrentUnit)  # A, mA, W, kW
SOC_UNITS: Final = frozenset({"%"})

# --- Selectors --------------------------------------------------------------------


def entity_selector(
    *domains: str,
    multiple: bool = False,
    device_class: str | None = None,
    units: Iterable[str] | None = None,
) -> EntitySelector:
    """An entity selector for one or more domains, of a device class and unit.

    The device class and unit keep the list short (a power meter picker does not
    start with "Backup Manager state", and lists no sensor in MW that the check
    on submit would refuse); the unit is still checked on submit, since the
    picker is only a filter. The legacy top-level keys stay besides ``filter``
    because Home Assistant validates the domain from them.
    """
    config = EntitySelectorConfig(domain=list(domains), multiple=multiple)
    entity_filter = EntityWithDeviceFilterSelectorConfig(domain=list(domains))
    if device_class is not None:
        config["device_class"] = [device_class]
        entity_filter["device_class"] = [device_class]
    if units is not None:
        entity_filter["unit_of_measurement"] = sorted(units)
    if device_class is not None or units is not None:
        config["filter"] = [entity_filter]
    return EntitySelector(config)


class BoundedNumberSelector(NumberSelector):
    """A number box whose bounds the flow checks, for a translated error.

    The bounds stay in the config for the frontend, but the selector only reads
    a number: Home Assistant's own range check fails the whole form with an
    English "Value 0.0 is too small". ``check_ranges`` gives the translated one.
    """

    def __call__(self, data: Any) -> float:
        """A number, inside the bounds or not."""
        value: float = vol.Coerce(float)(data)
        return value

    def in_range(self, value: float) -> bool:
        """Whether the value is within the bounds (NaN is not)."""
        return bool(self.config["min"] <= value <= self.config["max"])

    def range_placeholders(self) -> dict[str, str]:
        """The bounds with their unit, for the error's placeholders."""
        unit = self.config.get("unit_of_measurement") or ""
        return {
            "minimum": f"{self.config['min']:g} {unit}".strip(),
            "maximum": f"{self.config['max']:g} {unit}".strip(),
        }


def number_selector(
    minimum: float, maximum: float, step: float, unit: str
) -> BoundedNumberSelector:
    """A number box with bounds and a unit; the flow checks the bounds."""
    return BoundedNumberSelector(
        NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


CURRENT_SELECTOR = number_selector(0, 80, 0.1, UnitOfElectricCurrent.AMPERE)
VOLTAGE_SELECTOR = number_selector(100, 300, 1, UnitOfElectricPotential.VOLT)
PERCENT_SELECTOR = number_selector(0, 100, 1, "%")

# A number outside its field's bounds (placeholders: minimum, maximum).
RANGE_ERROR: Final = "number_out_of_range"


def _out_of_range(
    schema: vol.Schema, user_input: Mapping[str, Any]
) -> tuple[str, BoundedNumberSelector] | None:
    """The first field (a section for a field in it) whose number is out of range."""
    for marker, selector in schema.schema.items():
        key = str(marker)
        if isinstance(selector, section):
            inner = _out_of_range(selector.schema, user_input.get(key) or {})
            if inner is not None:
                return key, inner[1]
        elif (
            isinstance(selector, BoundedNumberSelector)
            and user_input.get(key) is not None
            and not selector.in_range(float(user_input[key]))
        ):
            return key, selector
    return None


def check_ranges(
    schema: vol.Schema,
    user_input: Mapping[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    """Record a translated error for a number outside its field's bounds.

    Only the first such field is marked: the error names the bounds through the
    form's placeholders, and a form has one set of them. A field inside a
    section is marked on its section (the frontend shows the error above it).
    Call it before the other checks, which then add errors only where it has
    not: a number out of bounds is the first thing to fix.
    """
    if (found := _out_of_range(schema, user_input)) is None:
        return
    field, selector = found
    errors[field] = RANGE_ERROR
    placeholders.update(selector.range_placeholders())


# --- Checks -----------------------------------------------------------------------


def entity_unit(hass: HomeAssistant, entity_id: str) -> str | None:
    """The entity's unit: from its state, else from the entity registry."""
    state = hass.states.get(entity_id)
    if state is not None and (unit := state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)):
        return str(unit)
    entry = er.async_get(hass).async_get(entity_id)
    return entry.unit_of_measurement if entry is not None else None


def check_entity(
    hass: HomeAssistant,
    errors: dict[str, str],
    field: str,
    entity_id: str,
    *,
    units: frozenset[str] | None = None,
    unit_error: str = "",
) -> None:
    """Record an error on ``field`` unless the entity exists with a usable unit."""
    if hass.states.get(entity_id) is None:
        errors[field] = "entity_not_found"
    elif units is not None and entity_unit(hass, entity_id) not in units:
        errors[field] = unit_error


def unique_id_taken(
    entry: ConfigEntry, unique_id: str, own_subentry_id: str | None
) -> bool:
    """Whether another subentry of the site already has this unique id."""
    return any(
        subentry.unique_id == unique_id and subentry.subentry_id != own_subentry_id
        for subentry in entry.subentries.values()
    )
