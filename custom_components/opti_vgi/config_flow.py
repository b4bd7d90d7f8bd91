"""Config flows: the site entry, its options, and charger and vehicle subentries.

Every flow checks what it can before it writes anything (test-before-configure):
the entities exist, their units are ones the integration can read, actions exist.
The flows write plain dicts with the keys in const.py; settings.py parses them.

This module holds the site flow and its options (Home Assistant loads it by
name); the charger and vehicle subentry flows are in flow_charger.py and
flow_vehicle.py, and the selectors and checks they share in flow_common.py.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import (
    UnitOfElectricCurrent,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
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
)
from homeassistant.util import dt as dt_util

from .compat import vol
from .const import (
    CONF_ALGORITHM,
    CONF_CALENDAR_ENTITY,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FALLBACK_HOUSE_KW,
    CONF_GRID_POWER_ENTITY,
    CONF_GRID_POWER_SIGN,
    CONF_HORIZON_HOURS,
    CONF_LIMIT_MODE,
    CONF_OVERRIDE_MINUTES,
    CONF_PHASE_CURRENT_ENTITIES,
    CONF_PRICE_ACTION,
    CONF_PRICE_AREA,
    CONF_PRICE_CHANNEL,
    CONF_PRICE_ENTITY,
    CONF_PRICE_SOURCE,
    CONF_RELEASE_CURRENT,
    CONF_RELEASE_MODE,
    CONF_SAFETY,
    CONF_SITE_LIMIT_A,
    CONF_SITE_LIMIT_KW,
    CONF_SITE_PHASES,
    CONF_SITE_VOLTAGE,
    CONF_STEP_MINUTES,
    CONF_TARIFF,
    CONF_TARIFF_PERIODS,
    CONF_TARIFF_PRICE,
    DEFAULT_ALGORITHM,
    DEFAULT_HORIZON_HOURS,
    DEFAULT_OVERRIDE_MINUTES,
    DEFAULT_RELEASE_CURRENT,
    DEFAULT_SITE_LIMIT_A,
    DEFAULT_SITE_LIMIT_KW,
    DEFAULT_STEP_MINUTES,
    DEFAULT_VOLTAGE,
    DOMAIN,
    MAX_HORIZON_HOURS,
    SUBENTRY_CHARGER,
    SUBENTRY_VEHICLE,
    GridSign,
    LimitMode,
    PriceSourceKind,
    ReleaseMode,
)
from .flow_charger import ChargerSubentryFlow
from .flow_common import (
    CURRENT_UNITS,
    POWER_UNITS,
    PRICE_ENERGY_UNITS,
    VOLTAGE_SELECTOR,
    check_entity,
    check_ranges,
    entity_selector,
    entity_unit,
    number_selector,
)
from .flow_vehicle import VehicleSubentryFlow
from .price_source import (
    PriceReader,
    action_candidates,
    entity_candidates,
    entity_series,
)
from .prices.errors import PriceError
from .prices.tariffs import WEEKDAY_NAMES, tariff_from_dict, tariff_to_dict
from .settings import SiteSettings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.core import HomeAssistant

# The site's phase current sensors, one field per phase (stored in phase order,
# "" for a phase without a sensor).
PHASE_FIELDS: Final = ("phase_l1_entity", "phase_l2_entity", "phase_l3_entity")

# Select options are strings; these are stored as integers. The literals are spelled
# out because translations/en.json names them (selector.<key>.options).
STEP_OPTIONS: Final = ("5", "15", "30", "60")
PHASES_OPTIONS: Final = ("1", "3")
ALGORITHM_OPTIONS: Final = ("lp", "heuristic")

# --- Selectors --------------------------------------------------------------------

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
        vol.Optional(CONF_GRID_POWER_ENTITY): entity_selector(
            "sensor", device_class="power", units=POWER_UNITS
        ),
        vol.Required(
            CONF_GRID_POWER_SIGN, default=GridSign.IMPORT_POSITIVE.value
        ): GRID_SIGN_SELECTOR,
        # One field per phase, named for it: a multi-select mapped its picks to
        # L1, L2, L3 in the order they were made, and nothing said so.
        **{
            vol.Optional(key): entity_selector(
                "sensor", device_class="current", units=CURRENT_UNITS
            )
            for key in PHASE_FIELDS
        },
    }
)

LIMIT_POWER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SITE_LIMIT_KW, default=DEFAULT_SITE_LIMIT_KW): (
            number_selector(0.5, 10000, 0.1, UnitOfPower.KILO_WATT)
        ),
    }
)

LIMIT_CURRENT_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SITE_LIMIT_A, default=DEFAULT_SITE_LIMIT_A): number_selector(
            1, 4000, 1, UnitOfElectricCurrent.AMPERE
        ),
        vol.Required(CONF_SITE_PHASES, default="3"): PHASES_SELECTOR,
        vol.Required(CONF_SITE_VOLTAGE, default=DEFAULT_VOLTAGE): VOLTAGE_SELECTOR,
    }
)

OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_STEP_MINUTES, default=str(DEFAULT_STEP_MINUTES)): (
            STEP_SELECTOR
        ),
        vol.Required(
            CONF_HORIZON_HOURS, default=DEFAULT_HORIZON_HOURS
        ): number_selector(1, MAX_HORIZON_HOURS, 1, UnitOfTime.HOURS),
        vol.Required(CONF_ALGORITHM, default=DEFAULT_ALGORITHM): ALGORITHM_SELECTOR,
        vol.Optional(CONF_CALENDAR_ENTITY): entity_selector("calendar"),
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
            ): number_selector(0, 1000, 0.1, UnitOfPower.KILO_WATT),
            vol.Required(
                CONF_RELEASE_MODE, default=ReleaseMode.MINIMUM.value
            ): RELEASE_MODE_SELECTOR,
            vol.Required(
                CONF_RELEASE_CURRENT, default=DEFAULT_RELEASE_CURRENT
            ): number_selector(0, 80, 1, UnitOfElectricCurrent.AMPERE),
            vol.Required(
                CONF_OVERRIDE_MINUTES, default=DEFAULT_OVERRIDE_MINUTES
            ): number_selector(0, 1440, 1, UnitOfTime.MINUTES),
        }
    )
    return OPTIONS_SCHEMA.extend(
        # Optional: a client that leaves the section out keeps the current values.
        {vol.Optional(CONF_SAFETY): section(safety, {"collapsed": True})}
    )


# --- Checks -----------------------------------------------------------------------


def _price_unit_valid(hass: HomeAssistant, entity_id: str) -> bool:
    """A price per energy (``EUR/kWh``, ``SEK/MWh``, ``c/Wh``), or a bare number."""
    unit = entity_unit(hass, entity_id)
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
            else entity_selector("sensor", "event")
        )
        schema = vol.Schema(
            {
                vol.Required(CONF_PRICE_ENTITY): entity_field,
                vol.Optional(CONF_EXPORT_PRICE_ENTITY): entity_selector(
                    "sensor", "event"
                ),
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
                check_entity(
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
                check_entity(
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
        placeholders: dict[str, str] = {}
        if user_input is not None:
            check_ranges(LIMIT_POWER_SCHEMA, user_input, errors, placeholders)
            if not errors:
                self._data[CONF_SITE_LIMIT_KW] = float(user_input[CONF_SITE_LIMIT_KW])
                return self._async_finish()
        return self.async_show_form(
            step_id="limit_power",
            data_schema=self.add_suggested_values_to_schema(
                LIMIT_POWER_SCHEMA, user_input or self._stored
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_limit_current(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The site limit as a current per phase."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            check_ranges(LIMIT_CURRENT_SCHEMA, user_input, errors, placeholders)
            if not errors:
                self._data[CONF_SITE_LIMIT_A] = float(user_input[CONF_SITE_LIMIT_A])
                self._data[CONF_SITE_PHASES] = int(user_input[CONF_SITE_PHASES])
                self._data[CONF_SITE_VOLTAGE] = float(user_input[CONF_SITE_VOLTAGE])
                return self._async_finish()
        return self.async_show_form(
            step_id="limit_current",
            data_schema=self.add_suggested_values_to_schema(
                LIMIT_CURRENT_SCHEMA,
                user_input or _with_ints_as_text(self._stored, CONF_SITE_PHASES),
            ),
            errors=errors,
            description_placeholders=placeholders,
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
        schema = _options_schema(SiteSettings.from_entry(self.config_entry))
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            check_ranges(schema, user_input, errors, placeholders)
        if user_input is not None and not errors:
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
                schema, user_input or suggested
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
