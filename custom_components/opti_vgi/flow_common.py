"""What the config flows share: selectors, units and entity checks.

The site flow (config_flow.py), the charger subentry flow (flow_charger.py)
and the vehicle subentry flow (flow_vehicle.py) build their forms from these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .const import CurrentUnit

if TYPE_CHECKING:
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
    *domains: str, multiple: bool = False, device_class: str | None = None
) -> EntitySelector:
    """An entity selector for one or more domains (and one device class).

    The device class keeps the list short (a power meter picker does not start
    with "Backup Manager state"); the unit is still checked on submit, since
    some integrations leave the class out.
    """
    config = EntitySelectorConfig(domain=list(domains), multiple=multiple)
    if device_class is not None:
        config = EntitySelectorConfig(
            domain=list(domains), multiple=multiple, device_class=device_class
        )
    return EntitySelector(config)


def number_selector(
    minimum: float, maximum: float, step: float, unit: str
) -> NumberSelector:
    """A number box with bounds and a unit."""
    return NumberSelector(
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


def unbounded_number(step: float, unit: str) -> NumberSelector:
    """A number box whose range the step checks itself (a translated error)."""
    return NumberSelector(
        NumberSelectorConfig(
            step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
        )
    )


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
