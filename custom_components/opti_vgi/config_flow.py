"""Config flows: the site entry, its options, and charger and vehicle subentries.

Every flow checks what it can before it writes anything (test-before-configure):
the entities exist, their units are ones the integration can read, actions exist.
The flows write plain dicts with the keys in const.py; settings.py parses them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    ObjectSelectorConfig,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
from homeassistant.util import dt as dt_util

from .compat import vol
from .const import (
    CONF_ACTION,
    CONF_ACTION_DATA,
    CONF_ACTION_UNIT,
    CONF_ACTION_VALUE_FIELD,
    CONF_ALGORITHM,
    CONF_ARRIVAL,
    CONF_CALENDAR_ENTITY,
    CONF_CAPACITY_KWH,
    CONF_CHARGER,
    CONF_CHARGING_STATES,
    CONF_CONNECTION,
    CONF_CONTROL,
    CONF_CURRENT_ENTITY,
    CONF_DEPARTURE,
    CONF_EFFICIENCY,
    CONF_ENERGY_ENTITY,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FALLBACK_HOUSE_KW,
    CONF_GRID_POWER_ENTITY,
    CONF_GRID_POWER_SIGN,
    CONF_HORIZON_HOURS,
    CONF_LIMIT_MODE,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_MIN_CURRENT,
    CONF_MIN_SOC,
    CONF_MIN_WRITE_INTERVAL,
    CONF_NAME,
    CONF_OVERRIDE_MINUTES,
    CONF_PAUSE_ENTITY,
    CONF_PAUSE_MODE,
    CONF_PAUSE_OPTION,
    CONF_PHASE,
    CONF_PHASE_CURRENT_ENTITIES,
    CONF_PHASES,
    CONF_PLAN_AHEAD,
    CONF_PLUGGED_ENTITY,
    CONF_PLUGGED_STATES,
    CONF_POWER_ENTITY,
    CONF_PRESET,
    CONF_PRICE_ACTION,
    CONF_PRICE_AREA,
    CONF_PRICE_CHANNEL,
    CONF_PRICE_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_RELEASE_CURRENT,
    CONF_RELEASE_MODE,
    CONF_RESUME_OPTION,
    CONF_SAFETY,
    CONF_SESSION_ENERGY,
    CONF_SITE_LIMIT_A,
    CONF_SITE_LIMIT_KW,
    CONF_SITE_PHASES,
    CONF_SITE_VOLTAGE,
    CONF_SOC_ENTITY,
    CONF_STATUS_ENTITY,
    CONF_STEP_MINUTES,
    CONF_TARGET_SOC,
    CONF_TARIFF,
    CONF_TARIFF_PERIODS,
    CONF_TARIFF_PRICE,
    CONF_TRACKER_ENTITY,
    CONF_VOLTAGE,
    CONF_WEEKLY_DEPARTURES,
    DEFAULT_ALGORITHM,
    DEFAULT_ARRIVAL,
    DEFAULT_DEPARTURE,
    DEFAULT_EFFICIENCY,
    DEFAULT_HORIZON_HOURS,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MAX_POWER_KW,
    DEFAULT_MIN_SOC,
    DEFAULT_OVERRIDE_MINUTES,
    DEFAULT_RELEASE_CURRENT,
    DEFAULT_SESSION_ENERGY_KWH,
    DEFAULT_SITE_LIMIT_A,
    DEFAULT_SITE_LIMIT_KW,
    DEFAULT_STEP_MINUTES,
    DEFAULT_TARGET_SOC,
    DEFAULT_VOLTAGE,
    DOMAIN,
    MAX_HORIZON_HOURS,
    SUBENTRY_CHARGER,
    SUBENTRY_VEHICLE,
    WEEKDAYS,
    ChargerConnection,
    ChargerPreset,
    ControlMethod,
    CurrentUnit,
    GridSign,
    LimitMode,
    PauseMode,
    PriceSourceKind,
    ReleaseMode,
)
from .optimizer.model import obc_from_power
from .presets import PRESETS, Preset, preset_for_platform
from .price_source import (
    PriceReader,
    action_candidates,
    entity_candidates,
    entity_series,
)
from .prices.errors import PriceError
from .prices.tariffs import WEEKDAY_NAMES, tariff_from_dict, tariff_to_dict
from .settings import SiteSettings, obc_settings

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from homeassistant.core import HomeAssistant

# --- Units the integration can read -------------------------------------------------
PRICE_ENERGY_UNITS: Final = frozenset({"wh", "kwh", "mwh"})  # lower-cased, after "/"
POWER_UNITS: Final = frozenset({UnitOfPower.WATT, UnitOfPower.KILO_WATT})
ENERGY_UNITS: Final = frozenset({UnitOfEnergy.WATT_HOUR, UnitOfEnergy.KILO_WATT_HOUR})
CURRENT_UNITS: Final = frozenset({UnitOfElectricCurrent.AMPERE})
NUMBER_UNITS: Final = frozenset({CurrentUnit.AMPERE, CurrentUnit.WATT})
SOC_UNITS: Final = frozenset({"%"})
# The site's phase current sensors, one field per phase (stored in phase order,
# "" for a phase without a sensor).
PHASE_FIELDS: Final = ("phase_l1_entity", "phase_l2_entity", "phase_l3_entity")

# Select options are strings; these are stored as integers. The literals are spelled
# out because translations/en.json names them (selector.<key>.options).
STEP_OPTIONS: Final = ("5", "15", "30", "60")
PHASES_OPTIONS: Final = ("1", "3")
VEHICLE_PHASES_OPTIONS: Final = ("1", "2", "3")
MAX_OBC_CURRENT: Final = 80.0  # A per phase: the most an on-board charger takes
ALGORITHM_OPTIONS: Final = ("lp", "heuristic")

# A charger integration we have no preset for: a number entity, paused with 0 A.
CUSTOM_PRESET: Final = Preset(
    preset=ChargerPreset.CUSTOM, platform=None, control=ControlMethod.NUMBER
)


# --- Selectors --------------------------------------------------------------------


def _entity(
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


def _number(minimum: float, maximum: float, step: float, unit: str) -> NumberSelector:
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


# Each selector's translation_key is written out where it is used: the translation
# tests read them from the code.
LIMIT_MODE_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[mode.value for mode in LimitMode],
        translation_key="limit_mode",
        mode=SelectSelectorMode.LIST,
    )
)
GRID_SIGN_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[sign.value for sign in GridSign],
        translation_key="grid_power_sign",
        mode=SelectSelectorMode.LIST,
    )
)
PHASES_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(PHASES_OPTIONS),
        translation_key="phases",
        mode=SelectSelectorMode.LIST,
    )
)
CONNECTION_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[connection.value for connection in ChargerConnection],
        translation_key="connection",
        mode=SelectSelectorMode.LIST,
    )
)
STEP_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(STEP_OPTIONS),
        translation_key="step_minutes",
        mode=SelectSelectorMode.DROPDOWN,
    )
)
ALGORITHM_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(ALGORITHM_OPTIONS),
        translation_key="algorithm",
        mode=SelectSelectorMode.LIST,
    )
)
CONTROL_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[control.value for control in ControlMethod],
        translation_key="control",
        mode=SelectSelectorMode.LIST,
    )
)
PRESET_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[preset.value for preset in ChargerPreset],
        translation_key="preset",
        mode=SelectSelectorMode.DROPDOWN,
    )
)
ACTION_UNIT_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[unit.value for unit in CurrentUnit],
        translation_key="action_unit",
        mode=SelectSelectorMode.LIST,
    )
)
PAUSE_MODE_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[mode.value for mode in PauseMode],
        translation_key="pause_mode",
        mode=SelectSelectorMode.LIST,
    )
)
CURRENT_SELECTOR = _number(0, 80, 0.1, UnitOfElectricCurrent.AMPERE)
VOLTAGE_SELECTOR = _number(100, 300, 1, UnitOfElectricPotential.VOLT)
PERCENT_SELECTOR = _number(0, 100, 1, "%")


# --- Schemas ----------------------------------------------------------------------

PRICE_MENU: Final = ["price_entity", "price_action", "price_tariff"]

TARIFF_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_TARIFF_PRICE): NumberSelector(
            NumberSelectorConfig(step="any", mode=NumberSelectorMode.BOX)
        ),
        vol.Optional(CONF_TARIFF_PERIODS): ObjectSelector(
            ObjectSelectorConfig(
                multiple=True,
                translation_key="tariff_period",
                label_field="price",
                fields={
                    "start": {"selector": {"time": {}}, "required": True},
                    "end": {"selector": {"time": {}}, "required": True},
                    "weekdays": {
                        "selector": {
                            "select": {
                                "options": list(WEEKDAY_NAMES),
                                "multiple": True,
                                "translation_key": "weekday",
                            }
                        },
                    },
                    "price": {
                        "selector": {"number": {"step": "any", "mode": "box"}},
                        "required": True,
                    },
                },
            )
        ),
    }
)

LIMIT_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_LIMIT_MODE, default=LimitMode.POWER.value): (
            LIMIT_MODE_SELECTOR
        ),
        vol.Optional(CONF_GRID_POWER_ENTITY): _entity("sensor", device_class="power"),
        vol.Required(
            CONF_GRID_POWER_SIGN, default=GridSign.IMPORT_POSITIVE.value
        ): GRID_SIGN_SELECTOR,
        # One field per phase, named for it: a multi-select mapped its picks to
        # L1, L2, L3 in the order they were made, and nothing said so.
        **{
            vol.Optional(key): _entity("sensor", device_class="current")
            for key in PHASE_FIELDS
        },
    }
)

# The site limit's range, checked by the flow (not the selector) so that a value
# outside it is a translated error ("Value 0.0 is too small" came from the
# selector's own check, in English).
SITE_LIMIT_KW_RANGE: Final = (0.5, 10000.0)
SITE_LIMIT_A_RANGE: Final = (1.0, 4000.0)


def _unbounded(step: float, unit: str) -> NumberSelector:
    """A number box whose range the step checks itself (a translated error)."""
    return NumberSelector(
        NumberSelectorConfig(
            step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
        )
    )


LIMIT_POWER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SITE_LIMIT_KW, default=DEFAULT_SITE_LIMIT_KW): _unbounded(
            0.1, UnitOfPower.KILO_WATT
        ),
    }
)

LIMIT_CURRENT_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SITE_LIMIT_A, default=DEFAULT_SITE_LIMIT_A): _unbounded(
            1, UnitOfElectricCurrent.AMPERE
        ),
        vol.Required(CONF_SITE_PHASES, default="3"): PHASES_SELECTOR,
        vol.Required(CONF_SITE_VOLTAGE, default=DEFAULT_VOLTAGE): VOLTAGE_SELECTOR,
    }
)

SECTION_WEEK = "week"  # the vehicle's weekly departures
SECTION_EVIDENCE = "evidence"  # how to tell that it is plugged in here
NO_DEPARTURE = "no_departure"  # weekdays without a departure


def _week_data(week: Mapping[str, Any]) -> dict[str, str | None]:
    """The form's week section as stored: a day's time, None for no departure."""
    stored: dict[str, str | None] = {
        day: str(week[day]) for day in WEEKDAYS if week.get(day)
    }
    for day in week.get(NO_DEPARTURE) or ():
        if day in WEEKDAYS:
            stored[day] = None
    return stored


def _week_form(stored: object) -> dict[str, Any]:
    """Stored weekly departures back as the form's section."""
    if not isinstance(stored, dict):
        return {}
    form: dict[str, Any] = {
        day: value for day, value in stored.items() if day in WEEKDAYS and value
    }
    if off := [day for day in WEEKDAYS if day in stored and stored[day] is None]:
        form[NO_DEPARTURE] = off
    return form


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_STEP_MINUTES, default=str(DEFAULT_STEP_MINUTES)): (
            STEP_SELECTOR
        ),
        vol.Required(CONF_HORIZON_HOURS, default=DEFAULT_HORIZON_HOURS): _number(
            1, MAX_HORIZON_HOURS, 1, UnitOfTime.HOURS
        ),
        vol.Required(CONF_ALGORITHM, default=DEFAULT_ALGORITHM): ALGORITHM_SELECTOR,
        vol.Optional(CONF_CALENDAR_ENTITY): _entity("calendar"),
    }
)

RELEASE_MODE_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[mode.value for mode in ReleaseMode],
        translation_key="release_mode",
        mode=SelectSelectorMode.DROPDOWN,
    )
)


SAFETY_KEYS = (
    CONF_FALLBACK_HOUSE_KW,
    CONF_RELEASE_MODE,
    CONF_RELEASE_CURRENT,
    CONF_OVERRIDE_MINUTES,
)


def _options_schema(site: SiteSettings) -> vol.Schema:
    """The planning options, with the safety settings in their own section.

    The assumed house load defaults to half the site limit: high enough that a
    failed meter cannot let the chargers exceed the limit with a busy house.
    """
    safety = vol.Schema(
        {
            vol.Required(
                CONF_FALLBACK_HOUSE_KW, default=round(site.assumed_house_kw, 1)
            ): _number(0, 1000, 0.1, UnitOfPower.KILO_WATT),
            vol.Required(
                CONF_RELEASE_MODE, default=ReleaseMode.MINIMUM.value
            ): RELEASE_MODE_SELECTOR,
            vol.Required(
                CONF_RELEASE_CURRENT, default=DEFAULT_RELEASE_CURRENT
            ): _number(0, 80, 1, UnitOfElectricCurrent.AMPERE),
            vol.Required(
                CONF_OVERRIDE_MINUTES, default=DEFAULT_OVERRIDE_MINUTES
            ): _number(0, 1440, 1, UnitOfTime.MINUTES),
        }
    )
    return OPTIONS_SCHEMA.extend(
        # Optional: a client that leaves the section out keeps the current values.
        {vol.Optional(CONF_SAFETY): section(safety, {"collapsed": True})}
    )


CHARGER_IDENTITY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Required(CONF_STATUS_ENTITY): _entity("binary_sensor", "sensor"),
    }
)

CHARGER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CONTROL): CONTROL_SELECTOR,
        vol.Required(
            CONF_CONNECTION, default=ChargerConnection.THREE_PHASE.value
        ): CONNECTION_SELECTOR,
        vol.Required(CONF_VOLTAGE, default=DEFAULT_VOLTAGE): VOLTAGE_SELECTOR,
        vol.Required(CONF_MIN_CURRENT): CURRENT_SELECTOR,
        vol.Required(CONF_MAX_CURRENT, default=DEFAULT_MAX_CURRENT): CURRENT_SELECTOR,
        vol.Required(CONF_MIN_WRITE_INTERVAL): _number(0, 3600, 1, UnitOfTime.SECONDS),
        vol.Optional(CONF_POWER_ENTITY): _entity("sensor"),
        vol.Optional(CONF_ENERGY_ENTITY): _entity("sensor"),
    }
)

NUMBER_SCHEMA = vol.Schema({vol.Required(CONF_CURRENT_ENTITY): _entity("number")})

ACTION_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PRESET): PRESET_SELECTOR,
        vol.Required(CONF_ACTION): TextSelector(),
        vol.Required(CONF_ACTION_VALUE_FIELD): TextSelector(),
        vol.Required(CONF_ACTION_UNIT): ACTION_UNIT_SELECTOR,
        vol.Optional(CONF_ACTION_DATA): ObjectSelector(),
    }
)

PAUSE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PAUSE_MODE): PAUSE_MODE_SELECTOR,
        vol.Optional(CONF_PAUSE_ENTITY): _entity("switch", "select"),
        vol.Optional(CONF_PAUSE_OPTION): TextSelector(),
        vol.Optional(CONF_RESUME_OPTION): TextSelector(),
    }
)

VEHICLE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Optional(CONF_SOC_ENTITY): _entity("sensor", device_class="battery"),
        vol.Optional(CONF_CAPACITY_KWH): _number(
            1, 500, 0.1, UnitOfEnergy.KILO_WATT_HOUR
        ),
        vol.Required(CONF_SESSION_ENERGY, default=DEFAULT_SESSION_ENERGY_KWH): _number(
            0, 500, 0.5, UnitOfEnergy.KILO_WATT_HOUR
        ),
        vol.Required(CONF_TARGET_SOC, default=DEFAULT_TARGET_SOC): PERCENT_SELECTOR,
        vol.Required(CONF_MIN_SOC, default=DEFAULT_MIN_SOC): PERCENT_SELECTOR,
        vol.Required(CONF_EFFICIENCY, default=round(DEFAULT_EFFICIENCY * 100)): _number(
            50, 100, 1, "%"
        ),
        vol.Required(CONF_MAX_POWER_KW, default=DEFAULT_MAX_POWER_KW): _number(
            0.5, 400, 0.1, UnitOfPower.KILO_WATT
        ),
        vol.Required(CONF_DEPARTURE, default=DEFAULT_DEPARTURE): TimeSelector(),
        vol.Required(CONF_ARRIVAL, default=DEFAULT_ARRIVAL): TimeSelector(),
        vol.Required(CONF_PLAN_AHEAD, default=True): BooleanSelector(),
        # Rarely changed: collapsed sections.
        vol.Optional(SECTION_WEEK): section(
            vol.Schema(
                {
                    **{vol.Optional(day): TimeSelector() for day in WEEKDAYS},
                    vol.Optional(NO_DEPARTURE): SelectSelector(
                        SelectSelectorConfig(
                            options=list(WEEKDAYS),
                            multiple=True,
                            translation_key="weekday",
                            mode=SelectSelectorMode.LIST,
                        )
                    ),
                }
            ),
            {"collapsed": True},
        ),
        vol.Optional(SECTION_EVIDENCE): section(
            vol.Schema(
                {
                    vol.Optional(CONF_PLUGGED_ENTITY): _entity(
                        "binary_sensor", "sensor"
                    ),
                    vol.Optional(CONF_TRACKER_ENTITY): _entity(
                        "device_tracker", "person"
                    ),
                }
            ),
            {"collapsed": True},
        ),
    }
)

OBC_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PHASES): SelectSelector(
            SelectSelectorConfig(
                options=list(VEHICLE_PHASES_OPTIONS),
                translation_key="vehicle_phases",
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Required(CONF_MAX_CURRENT): _number(
            1, MAX_OBC_CURRENT, 0.1, UnitOfElectricCurrent.AMPERE
        ),
        vol.Optional(CONF_MIN_CURRENT): CURRENT_SELECTOR,
    }
)


# --- Checks -----------------------------------------------------------------------


def _unit(hass: HomeAssistant, entity_id: str) -> str | None:
    """The entity's unit: from its state, else from the entity registry."""
    state = hass.states.get(entity_id)
    if state is not None and (unit := state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)):
        return str(unit)
    entry = er.async_get(hass).async_get(entity_id)
    return entry.unit_of_measurement if entry is not None else None


def _check_entity(
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
    elif units is not None and _unit(hass, entity_id) not in units:
        errors[field] = unit_error


def _price_unit_valid(hass: HomeAssistant, entity_id: str) -> bool:
    """A price per energy (``EUR/kWh``, ``SEK/MWh``, ``c/Wh``), or a bare number."""
    unit = _unit(hass, entity_id)
    if not unit:
        state = hass.states.get(entity_id)
        try:
            return state is not None and math.isfinite(float(state.state))
        except ValueError:
            return False
    currency, slash, energy = unit.partition("/")
    return bool(slash and currency.strip()) and (
        energy.strip().lower() in PRICE_ENERGY_UNITS
    )


def _price_entity_problem(
    hass: HomeAssistant, entity_id: str
) -> tuple[str, Mapping[str, str]] | None:
    """Why a price entity cannot be used (error key and placeholders), or None.

    A recognised price list is best; a sensor with only a current price per
    energy is accepted too (the plan then cannot move to cheaper hours, and a
    repair issue says so).
    """
    if hass.states.get(entity_id) is None:
        return "entity_not_found", {}
    try:
        entity_series(hass, entity_id)
    except PriceError as err:
        if _price_unit_valid(hass, entity_id):
            return None
        return err.translation_key, err.placeholders
    return None


def _tariff_period(period: Mapping[str, Any]) -> dict[str, Any]:
    """A period as the form gives it; no weekday chosen means every day."""
    cleaned = dict(period)
    if not cleaned.get("weekdays"):
        cleaned.pop("weekdays", None)
    return cleaned


def _with_ints_as_text(values: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """Stored integers shown in a select (whose options are strings)."""
    shown = dict(values)
    for key in keys:
        if shown.get(key) is not None:
            shown[key] = str(shown[key])
    return shown


def _unique(values: Iterable[str]) -> list[str]:
    """The values in order, without repeats."""
    return list(dict.fromkeys(values))


def _taken(entry: ConfigEntry, unique_id: str, own_subentry_id: str | None) -> bool:
    """Whether another subentry of the site already has this unique id."""
    return any(
        subentry.unique_id == unique_id and subentry.subentry_id != own_subentry_id
        for subentry in entry.subentries.values()
    )


# --- Site entry -------------------------------------------------------------------


class OptiVgiConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create (or reconfigure) the site: price source, grid limit and meters."""

    VERSION = 1
    MINOR_VERSION = 2  # 1.2: a 3-phase charger's phase is its wiring (see __init__)

    def __init__(self) -> None:
        """Start with nothing collected."""
        self._data: dict[str, Any] = {}
        self._stored: Mapping[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptiVgiOptionsFlow:  # noqa: ARG004
        """Planning options of the site."""
        return OptiVgiOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls,
        config_entry: ConfigEntry,  # noqa: ARG003
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Chargers and vehicles are subentries of the site."""
        return {
            SUBENTRY_CHARGER: ChargerSubentryFlow,
            SUBENTRY_VEHICLE: VehicleSubentryFlow,
        }

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose where the prices come from."""
        return self.async_show_menu(step_id="user", menu_options=self._price_menu())

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the site's sources and limit; every field is prefilled."""
        self._stored = self._get_reconfigure_entry().data
        return self.async_show_menu(
            step_id="reconfigure", menu_options=self._price_menu()
        )

    def _price_menu(self) -> list[str]:
        """The price sources to offer: an action only when an integration has one.

        (Offered without one, choosing it could only abort the whole flow.)
        """
        if action_candidates(self.hass):
            return PRICE_MENU
        return [option for option in PRICE_MENU if option != "price_action"]

    async def async_step_price_entity(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A sensor with prices; the ones whose format we recognise are listed."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            entity_id = str(user_input[CONF_PRICE_ENTITY])
            export = user_input.get(CONF_EXPORT_PRICE_ENTITY)
            for field, value in (
                (CONF_PRICE_ENTITY, entity_id),
                (CONF_EXPORT_PRICE_ENTITY, export),
            ):
                if value and (problem := _price_entity_problem(self.hass, value)):
                    errors[field], found = problem
                    placeholders.update(found)
            if not errors:
                self._data = {
                    CONF_PRICE_SOURCE: PriceSourceKind.ENTITY.value,
                    CONF_PRICE_ENTITY: entity_id,
                }
                if export:
                    self._data[CONF_EXPORT_PRICE_ENTITY] = export
                return await self.async_step_limit()
        candidates = entity_candidates(self.hass)
        entity_field: Any = (
            SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=c.value, label=c.label)
                        for c in candidates
                    ],
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                    sort=False,
                )
            )
            if candidates
            else _entity("sensor", "event")
        )
        schema = vol.Schema(
            {
                vol.Required(CONF_PRICE_ENTITY): entity_field,
                vol.Optional(CONF_EXPORT_PRICE_ENTITY): _entity("sensor", "event"),
            }
        )
        return self.async_show_form(
            step_id="price_entity",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._stored
            ),
            errors=errors,
            description_placeholders={
                "candidates": ", ".join(c.label for c in candidates) or "-",
                **placeholders,
            },
        )

    async def async_step_price_action(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A price integration's action (Nord Pool, Tibber, EnergyZero, Amber...)."""
        candidates = action_candidates(self.hass)
        if not candidates:
            return self.async_abort(reason="no_price_actions")
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            site = SiteSettings.from_data(
                {CONF_PRICE_SOURCE: PriceSourceKind.ACTION.value, **user_input}
            )
            reader = PriceReader(self.hass, site)
            await reader.async_update(dt_util.now())
            if reader.error_key is not None:
                errors["base"] = reader.error_key
                placeholders = reader.error_placeholders
            else:
                self._data = {
                    CONF_PRICE_SOURCE: PriceSourceKind.ACTION.value,
                    CONF_PRICE_ACTION: user_input[CONF_PRICE_ACTION],
                    CONF_PRICE_CHANNEL: user_input[CONF_PRICE_CHANNEL],
                }
                if area := user_input.get(CONF_PRICE_AREA):
                    self._data[CONF_PRICE_AREA] = area
                return await self.async_step_limit()
        schema = vol.Schema(
            {
                vol.Required(CONF_PRICE_ACTION): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=c.value, label=c.label)
                            for c in candidates
                        ],
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Optional(CONF_PRICE_AREA): TextSelector(),
                vol.Required(CONF_PRICE_CHANNEL, default="general"): SelectSelector(
                    SelectSelectorConfig(
                        options=["general", "controlled_load"],
                        translation_key="price_channel",
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="price_action",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._stored
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_price_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A fixed price, or time-of-use periods by time of day and weekday."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            try:
                tariff = tariff_from_dict(
                    {
                        "default_price": user_input.get(CONF_TARIFF_PRICE),
                        "periods": [
                            _tariff_period(period)
                            for period in user_input.get(CONF_TARIFF_PERIODS) or []
                        ],
                    }
                )
            except PriceError as err:
                errors["base"] = err.translation_key
                placeholders = dict(err.placeholders)
            else:
                self._data = {
                    CONF_PRICE_SOURCE: PriceSourceKind.TARIFF.value,
                    CONF_TARIFF: tariff_to_dict(tariff),
                }
                return await self.async_step_limit()
        stored = self._stored.get(CONF_TARIFF) or {}
        suggested = user_input or {
            CONF_TARIFF_PRICE: stored.get("default_price"),
            CONF_TARIFF_PERIODS: stored.get("periods") or [],
        }
        return self.async_show_form(
            step_id="price_tariff",
            data_schema=self.add_suggested_values_to_schema(TARIFF_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_limit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """How the grid connection is limited, and the meters that measure it."""
        errors: dict[str, str] = {}
        if user_input is not None:
            grid = user_input.get(CONF_GRID_POWER_ENTITY)
            phases = [str(user_input.get(key) or "") for key in PHASE_FIELDS]
            while phases and not phases[-1]:
                phases.pop()
            if grid:
                _check_entity(
                    self.hass,
                    errors,
                    CONF_GRID_POWER_ENTITY,
                    grid,
                    units=POWER_UNITS,
                    unit_error="power_unit_invalid",
                )
            for index, (key, entity_id) in enumerate(
                zip(PHASE_FIELDS, phases, strict=False)
            ):
                if not entity_id:
                    continue
                if entity_id in phases[:index]:
                    errors[key] = "phase_sensor_twice"
                    continue
                _check_entity(
                    self.hass,
                    errors,
                    key,
                    entity_id,
                    units=CURRENT_UNITS,
                    unit_error="current_unit_invalid",
                )
            if not errors:
                mode = LimitMode(user_input[CONF_LIMIT_MODE])
                self._data[CONF_LIMIT_MODE] = mode.value
                if grid:
                    self._data[CONF_GRID_POWER_ENTITY] = grid
                    self._data[CONF_GRID_POWER_SIGN] = user_input[CONF_GRID_POWER_SIGN]
                if phases:
                    self._data[CONF_PHASE_CURRENT_ENTITIES] = phases
                if mode is LimitMode.CURRENT:
                    return await self.async_step_limit_current()
                return await self.async_step_limit_power()
        stored = dict(self._stored)
        saved = stored.pop(CONF_PHASE_CURRENT_ENTITIES, None) or ()
        stored |= {
            key: entity_id
            for key, entity_id in zip(PHASE_FIELDS, saved, strict=False)
            if entity_id
        }
        return self.async_show_form(
            step_id="limit",
            data_schema=self.add_suggested_values_to_schema(
                LIMIT_SCHEMA, user_input or stored
            ),
            errors=errors,
        )

    async def async_step_limit_power(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The site limit as a power."""
        errors: dict[str, str] = {}
        if user_input is not None:
            low, high = SITE_LIMIT_KW_RANGE
            if low <= float(user_input[CONF_SITE_LIMIT_KW]) <= high:
                self._data[CONF_SITE_LIMIT_KW] = float(user_input[CONF_SITE_LIMIT_KW])
                return self._async_finish()
            errors[CONF_SITE_LIMIT_KW] = "site_limit_kw_range"
        return self.async_show_form(
            step_id="limit_power",
            data_schema=self.add_suggested_values_to_schema(
                LIMIT_POWER_SCHEMA, user_input or self._stored
            ),
            errors=errors,
        )

    async def async_step_limit_current(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The site limit as a current per phase."""
        errors: dict[str, str] = {}
        if user_input is not None:
            low, high = SITE_LIMIT_A_RANGE
            if low <= float(user_input[CONF_SITE_LIMIT_A]) <= high:
                self._data[CONF_SITE_LIMIT_A] = float(user_input[CONF_SITE_LIMIT_A])
                self._data[CONF_SITE_PHASES] = int(user_input[CONF_SITE_PHASES])
                self._data[CONF_SITE_VOLTAGE] = float(user_input[CONF_SITE_VOLTAGE])
                return self._async_finish()
            errors[CONF_SITE_LIMIT_A] = "site_limit_a_range"
        return self.async_show_form(
            step_id="limit_current",
            data_schema=self.add_suggested_values_to_schema(
                LIMIT_CURRENT_SCHEMA,
                user_input or _with_ints_as_text(self._stored, CONF_SITE_PHASES),
            ),
            errors=errors,
        )

    @callback
    def _async_finish(self) -> ConfigFlowResult:
        """Create the site, or replace the reconfigured site's data."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_and_abort(
                self._get_reconfigure_entry(), data=self._data
            )
        return self.async_create_entry(
            title=self.hass.config.location_name, data=self._data
        )


class OptiVgiOptionsFlow(OptionsFlow):
    """Planning options: time step, horizon and algorithm.

    A plain options flow: the site entry's update listener reloads it.
    """

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the planning options."""
        if user_input is not None:
            # Safety settings given now, else those stored before (a client that
            # leaves the section out changes none of them).
            safety = {
                key: self.config_entry.options[key]
                for key in SAFETY_KEYS
                if key in self.config_entry.options
            } | dict(user_input.get(CONF_SAFETY) or {})
            data: dict[str, Any] = {
                CONF_STEP_MINUTES: int(user_input[CONF_STEP_MINUTES]),
                CONF_HORIZON_HOURS: int(user_input[CONF_HORIZON_HOURS]),
                CONF_ALGORITHM: str(user_input[CONF_ALGORITHM]),
            }
            if calendar := user_input.get(CONF_CALENDAR_ENTITY):
                data[CONF_CALENDAR_ENTITY] = calendar
            for key, value in safety.items():
                data[key] = str(value) if key == CONF_RELEASE_MODE else float(value)
            return self.async_create_entry(data=data)
        options = self.config_entry.options
        suggested = _with_ints_as_text(options, CONF_STEP_MINUTES)
        suggested[CONF_SAFETY] = {
            key: options[key] for key in SAFETY_KEYS if key in options
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _options_schema(SiteSettings.from_entry(self.config_entry)),
                suggested,
            ),
        )


# --- Charger subentry -------------------------------------------------------------


def _preset_values(preset: Preset, device_id: str | None) -> dict[str, Any]:
    """What a preset fills in, in the keys the flow writes."""
    values: dict[str, Any] = {
        CONF_PRESET: preset.preset.value,
        CONF_CONTROL: preset.control.value,
        CONF_MIN_CURRENT: preset.min_current,
        CONF_MIN_WRITE_INTERVAL: preset.min_write_interval,
        CONF_ACTION: preset.action or "",
        CONF_ACTION_VALUE_FIELD: preset.value_field or "",
        CONF_ACTION_UNIT: preset.unit.value,
        CONF_ACTION_DATA: (
            {preset.device_field: device_id}
            if preset.device_field and device_id
            else {}
        ),
        CONF_PAUSE_MODE: preset.pause_mode.value,
        CONF_PLUGGED_STATES: list(preset.plugged_states),
        CONF_CHARGING_STATES: list(preset.charging_states),
    }
    if preset.pause_option and preset.resume_option:
        values[CONF_PAUSE_OPTION] = preset.pause_option
        values[CONF_RESUME_OPTION] = preset.resume_option
    return values


def _preset(preset: str) -> Preset:
    """The preset by name; custom for anything we have no preset for."""
    return PRESETS.get(ChargerPreset(preset), CUSTOM_PRESET)


def _device_suggestions(hass: HomeAssistant, device_id: str | None) -> dict[str, str]:
    """Entities of the charger's device that fit a field, when exactly one fits."""
    if device_id is None:
        return {}
    registry = er.async_get(hass)
    candidates: dict[str, list[str]] = {
        CONF_CURRENT_ENTITY: [],
        CONF_POWER_ENTITY: [],
        CONF_ENERGY_ENTITY: [],
    }
    for entry in er.async_entries_for_device(registry, device_id):
        unit = _unit(hass, entry.entity_id)
        if entry.domain == "number" and unit == UnitOfElectricCurrent.AMPERE:
            candidates[CONF_CURRENT_ENTITY].append(entry.entity_id)
        elif entry.domain == "sensor" and unit in POWER_UNITS:
            candidates[CONF_POWER_ENTITY].append(entry.entity_id)
        elif entry.domain == "sensor" and unit in ENERGY_UNITS:
            candidates[CONF_ENERGY_ENTITY].append(entry.entity_id)
    return {key: found[0] for key, found in candidates.items() if len(found) == 1}


class ChargerSubentryFlow(ConfigSubentryFlow):
    """Add or reconfigure a charger.

    Steps: ``user`` (name and status entity, from which a preset is recognized),
    ``charger`` (control method and electrical limits), ``number`` or ``action``
    (how the setpoint is written), ``pause``, and ``status`` when the status
    entity is a sensor (which of its states mean plugged in and charging).
    """

    def __init__(self) -> None:
        """Start with nothing collected."""
        self._title = ""
        self._data: dict[str, Any] = {}
        self._defaults: dict[str, Any] = {}
        self._device_id: str | None = None
        self._shown_preset = ChargerPreset.CUSTOM.value
        self._subentry: ConfigSubentry | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Name the charger and pick its status entity."""
        return await self._async_step_identity("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a charger; every step is prefilled with what is stored."""
        self._subentry = self._get_reconfigure_subentry()
        return await self._async_step_identity("reconfigure", user_input)

    async def _async_step_identity(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        """Name and status entity; one charger per status entity."""
        errors: dict[str, str] = {}
        own_id = self._subentry.subentry_id if self._subentry else None
        if user_input is not None:
            status = user_input[CONF_STATUS_ENTITY]
            if _taken(self._get_entry(), status, own_id):
                return self.async_abort(reason="already_configured")
            _check_entity(self.hass, errors, CONF_STATUS_ENTITY, status)
            if not errors:
                self._title = user_input[CONF_NAME].strip()
                self._data = {CONF_STATUS_ENTITY: status}
                self._recognize(status)
                return await self.async_step_charger()
        suggested: Mapping[str, Any] = user_input or (
            {CONF_NAME: self._subentry.title, **self._subentry.data}
            if self._subentry
            else {}
        )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                CHARGER_IDENTITY_SCHEMA, suggested
            ),
            errors=errors,
        )

    def _recognize(self, status: str) -> None:
        """Suggest a preset and entities from the status entity's integration."""
        entry = er.async_get(self.hass).async_get(status)
        self._device_id = entry.device_id if entry is not None else None
        preset = PRESETS.get(
            preset_for_platform(entry.platform if entry is not None else None),
            CUSTOM_PRESET,
        )
        self._defaults = _preset_values(preset, self._device_id)
        self._defaults.update(_device_suggestions(self.hass, self._device_id))
        if self._subentry is not None:
            # What is stored wins over what we recognize.
            stored = dict(self._subentry.data)
            self._defaults = (
                _preset_values(
                    _preset(stored.get(CONF_PRESET, preset.preset)), self._device_id
                )
                | stored
            )

    async def async_step_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Control method, phases and current range of the charger."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_MIN_CURRENT] > user_input[CONF_MAX_CURRENT]:
                errors[CONF_MAX_CURRENT] = "current_range_invalid"
            if power := user_input.get(CONF_POWER_ENTITY):
                _check_entity(
                    self.hass,
                    errors,
                    CONF_POWER_ENTITY,
                    power,
                    units=POWER_UNITS,
                    unit_error="power_unit_invalid",
                )
            if energy := user_input.get(CONF_ENERGY_ENTITY):
                _check_entity(
                    self.hass,
                    errors,
                    CONF_ENERGY_ENTITY,
                    energy,
                    units=ENERGY_UNITS,
                    unit_error="energy_unit_invalid",
                )
            if not errors:
                self._data.update(self._connection_data(user_input))
                self._data.update(
                    {
                        CONF_CONTROL: user_input[CONF_CONTROL],
                        CONF_VOLTAGE: float(user_input[CONF_VOLTAGE]),
                        CONF_MIN_CURRENT: float(user_input[CONF_MIN_CURRENT]),
                        CONF_MAX_CURRENT: float(user_input[CONF_MAX_CURRENT]),
                        CONF_MIN_WRITE_INTERVAL: int(
                            user_input[CONF_MIN_WRITE_INTERVAL]
                        ),
                    }
                )
                if power:
                    self._data[CONF_POWER_ENTITY] = power
                if energy:
                    self._data[CONF_ENERGY_ENTITY] = energy
                if user_input[CONF_CONTROL] == ControlMethod.ACTION:
                    return await self.async_step_action()
                self._data[CONF_PRESET] = self._defaults[CONF_PRESET]
                return await self.async_step_number()
        return self.async_show_form(
            step_id="charger",
            data_schema=self.add_suggested_values_to_schema(
                self._charger_schema(), user_input or self._connection_shown()
            ),
            errors=errors,
        )

    def _single_phase_site(self) -> bool:
        """A 1-phase site: every charger is single-phase on L1, nothing to ask."""
        return SiteSettings.from_entry(self._get_entry()).phases == 1

    def _charger_schema(self) -> vol.Schema:
        """The charger step; without the connection on a 1-phase site."""
        if not self._single_phase_site():
            return CHARGER_SCHEMA
        return vol.Schema(
            {k: v for k, v in CHARGER_SCHEMA.schema.items() if k != CONF_CONNECTION}
        )

    def _connection_shown(self) -> dict[str, Any]:
        """The defaults, with a stored charger's phases and phase as one choice."""
        shown = dict(self._defaults)
        if CONF_PHASES in shown:
            try:
                connection = ChargerConnection.of(
                    int(shown[CONF_PHASES]), int(shown.get(CONF_PHASE, 1))
                )
            except ValueError:
                return shown  # not one we know: the default is suggested
            shown[CONF_CONNECTION] = connection.value
        return shown

    def _connection_data(self, user_input: Mapping[str, Any]) -> dict[str, int]:
        """The chosen connection, stored as phases and the site phase of its L1."""
        connection = (
            ChargerConnection.SINGLE_PHASE_L1
            if self._single_phase_site()
            else ChargerConnection(user_input[CONF_CONNECTION])
        )
        return {CONF_PHASES: connection.phases, CONF_PHASE: connection.phase}

    async def async_step_number(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The number entity that takes the charger's current (A) or power (W)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            entity_id = user_input[CONF_CURRENT_ENTITY]
            _check_entity(
                self.hass,
                errors,
                CONF_CURRENT_ENTITY,
                entity_id,
                units=NUMBER_UNITS,
                unit_error="number_unit_invalid",
            )
            if not errors:
                self._data[CONF_CURRENT_ENTITY] = entity_id
                return await self.async_step_pause()
        return self.async_show_form(
            step_id="number",
            data_schema=self.add_suggested_values_to_schema(
                NUMBER_SCHEMA, user_input or self._defaults
            ),
            errors=errors,
        )

    async def async_step_action(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The action that takes the charger's limit, filled in from a preset.

        Choosing another preset without editing the other fields shows the form
        again with that preset's values.
        """
        errors: dict[str, str] = {}
        if user_input is None:
            self._shown_preset = self._defaults[CONF_PRESET]
            suggested: Mapping[str, Any] = self._defaults
        else:
            preset = user_input[CONF_PRESET]
            shown = self._action_values(self._defaults)
            if (
                preset != self._shown_preset
                and self._action_values(user_input) == shown
            ):
                self._shown_preset = preset
                self._defaults |= _preset_values(_preset(preset), self._device_id)
                suggested = self._defaults
            else:
                suggested = user_input
                self._validate_action(user_input, errors)
                if not errors:
                    self._data.update(
                        {
                            CONF_PRESET: preset,
                            CONF_ACTION: user_input[CONF_ACTION].strip(),
                            CONF_ACTION_VALUE_FIELD: user_input[
                                CONF_ACTION_VALUE_FIELD
                            ].strip(),
                            CONF_ACTION_UNIT: user_input[CONF_ACTION_UNIT],
                            CONF_ACTION_DATA: dict(
                                user_input.get(CONF_ACTION_DATA) or {}
                            ),
                        }
                    )
                    return await self.async_step_pause()
        return self.async_show_form(
            step_id="action",
            data_schema=self.add_suggested_values_to_schema(ACTION_SCHEMA, suggested),
            errors=errors,
        )

    @staticmethod
    def _action_values(values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The action fields a preset fills in, to see whether the user edited them."""
        return (
            values.get(CONF_ACTION) or "",
            values.get(CONF_ACTION_VALUE_FIELD) or "",
            values.get(CONF_ACTION_UNIT),
            values.get(CONF_ACTION_DATA) or {},
        )

    def _validate_action(
        self, user_input: Mapping[str, Any], errors: dict[str, str]
    ) -> None:
        """The action exists, its value field is named, its data is a mapping."""
        domain, dot, service = user_input[CONF_ACTION].strip().partition(".")
        if not (dot and self.hass.services.has_service(domain, service)):
            errors[CONF_ACTION] = "action_not_found"
        data = user_input.get(CONF_ACTION_DATA)
        if data is not None and not isinstance(data, dict):
            errors[CONF_ACTION_DATA] = "action_data_invalid"
        field = user_input[CONF_ACTION_VALUE_FIELD].strip()
        if not field or (isinstance(data, dict) and field in data):
            errors[CONF_ACTION_VALUE_FIELD] = "value_field_invalid"

    async def async_step_pause(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """How to pause charging: 0 A, a switch, or a select option."""
        errors: dict[str, str] = {}
        if user_input is not None:
            mode = PauseMode(user_input[CONF_PAUSE_MODE])
            entity_id: str = user_input.get(CONF_PAUSE_ENTITY) or ""
            if mode is not PauseMode.ZERO:
                self._validate_pause(mode, entity_id, user_input, errors)
            if not errors:
                self._data[CONF_PAUSE_MODE] = mode.value
                if mode is not PauseMode.ZERO:
                    self._data[CONF_PAUSE_ENTITY] = entity_id
                if mode is PauseMode.SELECT:
                    self._data[CONF_PAUSE_OPTION] = user_input[CONF_PAUSE_OPTION]
                    self._data[CONF_RESUME_OPTION] = user_input[CONF_RESUME_OPTION]
                if self._data[CONF_STATUS_ENTITY].startswith("sensor."):
                    return await self.async_step_status()
                # A binary sensor is on when a vehicle is plugged in (or charging).
                self._data[CONF_PLUGGED_STATES] = ["on"]
                self._data[CONF_CHARGING_STATES] = ["on"]
                return self._async_finish()
        return self.async_show_form(
            step_id="pause",
            data_schema=self.add_suggested_values_to_schema(
                PAUSE_SCHEMA, user_input or self._defaults
            ),
            errors=errors,
        )

    def _validate_pause(
        self,
        mode: PauseMode,
        entity_id: str,
        user_input: Mapping[str, Any],
        errors: dict[str, str],
    ) -> None:
        """A switch for switch mode; a select with both options for select mode."""
        if entity_id.partition(".")[0] != mode.value:
            errors[CONF_PAUSE_ENTITY] = "pause_entity_invalid"
            return
        if (state := self.hass.states.get(entity_id)) is None:
            errors[CONF_PAUSE_ENTITY] = "entity_not_found"
            return
        if mode is PauseMode.SELECT:
            options = state.attributes.get("options") or []
            for key in (CONF_PAUSE_OPTION, CONF_RESUME_OPTION):
                if user_input.get(key) not in options:
                    errors[key] = "option_invalid"

    async def async_step_status(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Which states of the status sensor mean plugged in, and charging."""
        errors: dict[str, str] = {}
        status = self._data[CONF_STATUS_ENTITY]
        if user_input is not None:
            plugged: list[str] = user_input.get(CONF_PLUGGED_STATES) or []
            charging: list[str] = user_input.get(CONF_CHARGING_STATES) or []
            if not plugged:
                errors[CONF_PLUGGED_STATES] = "states_required"
            if not charging:
                errors[CONF_CHARGING_STATES] = "states_required"
            if not errors:
                # A charging vehicle is plugged in too.
                self._data[CONF_PLUGGED_STATES] = _unique([*plugged, *charging])
                self._data[CONF_CHARGING_STATES] = _unique(charging)
                return self._async_finish()
        state = self.hass.states.get(status)
        known: list[str] = []
        if state is not None:
            known = [str(option) for option in state.attributes.get("options") or []]
            if state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE):
                known.append(state.state)
        options = _unique(
            [
                *known,
                *self._defaults.get(CONF_PLUGGED_STATES, []),
                *self._defaults.get(CONF_CHARGING_STATES, []),
            ]
        )
        states = SelectSelector(
            SelectSelectorConfig(
                options=options,
                multiple=True,
                custom_value=True,
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
        schema = vol.Schema(
            {
                vol.Required(CONF_PLUGGED_STATES): states,
                vol.Required(CONF_CHARGING_STATES): states,
            }
        )
        return self.async_show_form(
            step_id="status",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._defaults
            ),
            errors=errors,
        )

    @callback
    def _async_finish(self) -> SubentryFlowResult:
        """Add the charger, or replace the reconfigured charger's data."""
        status = self._data[CONF_STATUS_ENTITY]
        if self._subentry is not None:
            return self.async_update_and_abort(
                self._get_entry(),
                self._subentry,
                title=self._title,
                data=self._data,
                unique_id=status,
            )
        return self.async_create_entry(
            title=self._title, data=self._data, unique_id=status
        )


# --- Vehicle subentry -------------------------------------------------------------


class VehicleSubentryFlow(ConfigSubentryFlow):
    """Add or reconfigure a vehicle: battery, defaults and its usual charger.

    Steps: ``user`` (or ``reconfigure``), then ``obc``: its on-board charger,
    suggested from the maximum power entered before.
    """

    def __init__(self) -> None:
        """Start with nothing collected."""
        self._title = ""
        self._data: dict[str, Any] = {}
        self._subentry: ConfigSubentry | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe the vehicle."""
        return await self._async_step_vehicle("user", user_input, None)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a vehicle; every field is prefilled with what is stored."""
        return await self._async_step_vehicle(
            "reconfigure", user_input, self._get_reconfigure_subentry()
        )

    async def _async_step_vehicle(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        subentry: ConfigSubentry | None,
    ) -> SubentryFlowResult:
        """The one vehicle form, for adding and for reconfiguring."""
        entry = self._get_entry()
        own_id = subentry.subentry_id if subentry else None
        chargers = {
            other.subentry_id: other.title
            for other in entry.subentries.values()
            if other.subentry_type == SUBENTRY_CHARGER
        }
        errors: dict[str, str] = {}
        if user_input is not None:
            soc = user_input.get(CONF_SOC_ENTITY)
            if soc and _taken(entry, soc, own_id):
                return self.async_abort(reason="already_configured")
            name = user_input[CONF_NAME].strip()
            if any(
                other.subentry_type == SUBENTRY_VEHICLE
                and other.subentry_id != own_id
                and other.title.casefold() == name.casefold()
                for other in entry.subentries.values()
            ):
                errors[CONF_NAME] = "name_exists"
            if soc:
                _check_entity(
                    self.hass,
                    errors,
                    CONF_SOC_ENTITY,
                    soc,
                    units=SOC_UNITS,
                    unit_error="soc_unit_invalid",
                )
                if not user_input.get(CONF_CAPACITY_KWH):
                    errors[CONF_CAPACITY_KWH] = "capacity_required"
            if user_input[CONF_MIN_SOC] > user_input[CONF_TARGET_SOC]:
                errors[CONF_MIN_SOC] = "soc_range_invalid"
            if not errors:
                self._title = name
                self._data = self._vehicle_data(user_input)
                self._subentry = subentry
                return await self.async_step_obc()
        suggested: dict[str, Any] = dict(user_input or {})
        if user_input is None and subentry is not None:
            suggested = {CONF_NAME: subentry.title, **subentry.data}
            suggested[CONF_EFFICIENCY] = round(
                float(subentry.data.get(CONF_EFFICIENCY, DEFAULT_EFFICIENCY)) * 100
            )
            suggested[SECTION_WEEK] = _week_form(
                subentry.data.get(CONF_WEEKLY_DEPARTURES)
            )
            suggested[SECTION_EVIDENCE] = {
                key: subentry.data[key]
                for key in (CONF_PLUGGED_ENTITY, CONF_TRACKER_ENTITY)
                if subentry.data.get(key)
            }
        schema = VEHICLE_SCHEMA
        if chargers:
            if suggested.get(CONF_CHARGER) not in chargers:
                suggested.pop(CONF_CHARGER, None)
            schema = schema.extend(
                {
                    vol.Optional(CONF_CHARGER): SelectSelector(
                        SelectSelectorConfig(
                            options=[
                                SelectOptionDict(value=subentry_id, label=title)
                                for subentry_id, title in chargers.items()
                            ],
                            mode=SelectSelectorMode.DROPDOWN,
                        )
                    )
                }
            )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    async def async_step_obc(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The on-board charger: phases, and its current range per phase."""
        errors: dict[str, str] = {}
        if user_input is not None:
            maximum = float(user_input[CONF_MAX_CURRENT])
            minimum = user_input.get(CONF_MIN_CURRENT)
            if minimum is not None and float(minimum) > maximum:
                errors[CONF_MIN_CURRENT] = "obc_current_range_invalid"
            if not errors:
                data = self._data | {
                    CONF_PHASES: int(user_input[CONF_PHASES]),
                    CONF_MAX_CURRENT: maximum,
                }
                if minimum:
                    data[CONF_MIN_CURRENT] = float(minimum)
                return self._async_finish(data)
        site = SiteSettings.from_entry(self._get_entry())
        power = float(self._data[CONF_MAX_POWER_KW])
        phases, current = obc_from_power(power, site.voltage, site_phases=site.phases)
        return self.async_show_form(
            step_id="obc",
            data_schema=self.add_suggested_values_to_schema(
                OBC_SCHEMA, user_input or self._obc_suggested(site)
            ),
            errors=errors,
            description_placeholders={
                "power": f"{power:g}",
                "phases": str(phases),
                "current": f"{current:.3g}",
            },
        )

    def _obc_suggested(self, site: SiteSettings) -> dict[str, Any]:
        """What is stored; derived from the maximum power when that is new.

        A reconfigured vehicle keeps its on-board charger unless its maximum
        power was changed: then the suggestion follows the new power.
        """
        stored: Mapping[str, Any] = {}
        if self._subentry is not None:
            stored = self._subentry.data
        data: Mapping[str, Any] = stored
        if stored.get(CONF_MAX_POWER_KW) != self._data[CONF_MAX_POWER_KW]:
            data = {CONF_MAX_POWER_KW: self._data[CONF_MAX_POWER_KW]}
        phases, current = obc_settings(data, site)
        suggested: dict[str, Any] = {CONF_PHASES: str(phases)}
        if current is not None:
            # 22 kW on a 1-phase site would be 96 A: no more than the form takes.
            suggested[CONF_MAX_CURRENT] = min(round(current, 1), MAX_OBC_CURRENT)
        if stored.get(CONF_MIN_CURRENT):
            suggested[CONF_MIN_CURRENT] = stored[CONF_MIN_CURRENT]
        return suggested

    @callback
    def _async_finish(self, data: dict[str, Any]) -> SubentryFlowResult:
        """Add the vehicle, or replace the reconfigured vehicle's data."""
        unique_id = data.get(CONF_SOC_ENTITY)
        if self._subentry is not None:
            return self.async_update_and_abort(
                self._get_entry(),
                self._subentry,
                title=self._title,
                data=data,
                unique_id=unique_id,
            )
        return self.async_create_entry(
            title=self._title, data=data, unique_id=unique_id
        )

    @staticmethod
    def _vehicle_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
        """The subentry data: efficiency as a fraction, absent fields left out."""
        data: dict[str, Any] = {
            CONF_TARGET_SOC: float(user_input[CONF_TARGET_SOC]),
            CONF_MIN_SOC: float(user_input[CONF_MIN_SOC]),
            CONF_EFFICIENCY: float(user_input[CONF_EFFICIENCY]) / 100,
            CONF_MAX_POWER_KW: float(user_input[CONF_MAX_POWER_KW]),
            CONF_DEPARTURE: user_input[CONF_DEPARTURE],
            CONF_ARRIVAL: user_input[CONF_ARRIVAL],
            CONF_PLAN_AHEAD: bool(user_input[CONF_PLAN_AHEAD]),
            CONF_SESSION_ENERGY: float(user_input[CONF_SESSION_ENERGY]),
        }
        if soc := user_input.get(CONF_SOC_ENTITY):
            data[CONF_SOC_ENTITY] = soc
        if capacity := user_input.get(CONF_CAPACITY_KWH):
            data[CONF_CAPACITY_KWH] = float(capacity)
        if charger := user_input.get(CONF_CHARGER):
            data[CONF_CHARGER] = charger
        if week := _week_data(user_input.get(SECTION_WEEK) or {}):
            data[CONF_WEEKLY_DEPARTURES] = week
        evidence = user_input.get(SECTION_EVIDENCE) or {}
        for key in (CONF_PLUGGED_ENTITY, CONF_TRACKER_ENTITY):
            if value := evidence.get(key):
                data[key] = value
        return data
