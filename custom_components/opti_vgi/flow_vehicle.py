"""The vehicle subentry flow: battery, defaults, weekly departures, on-board charger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import (
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)

from .compat import vol
from .const import (
    CONF_ARRIVAL,
    CONF_CAPACITY_KWH,
    CONF_CHARGER,
    CONF_DEPARTURE,
    CONF_EFFICIENCY,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_MIN_CURRENT,
    CONF_MIN_SOC,
    CONF_NAME,
    CONF_PHASES,
    CONF_PLAN_AHEAD,
    CONF_PLUGGED_ENTITY,
    CONF_SESSION_ENERGY,
    CONF_SOC_ENTITY,
    CONF_TARGET_SOC,
    CONF_TRACKER_ENTITY,
    CONF_WEEKLY_DEPARTURES,
    DEFAULT_ARRIVAL,
    DEFAULT_DEPARTURE,
    DEFAULT_EFFICIENCY,
    DEFAULT_MAX_POWER_KW,
    DEFAULT_MIN_SOC,
    DEFAULT_SESSION_ENERGY_KWH,
    DEFAULT_TARGET_SOC,
    SUBENTRY_CHARGER,
    SUBENTRY_VEHICLE,
    WEEKDAYS,
)
from .flow_common import (
    CURRENT_SELECTOR,
    PERCENT_SELECTOR,
    SOC_UNITS,
    check_entity,
    check_ranges,
    entity_selector,
    number_selector,
    unique_id_taken,
)
from .optimizer.model import obc_from_power
from .settings import SiteSettings, obc_settings

if TYPE_CHECKING:
    from collections.abc import Mapping


# Select options are strings; these are stored as integers. The literals are spelled
# out because translations/en.json names them (selector.<key>.options).

VEHICLE_PHASES_OPTIONS: Final = ("1", "2", "3")
MAX_OBC_CURRENT: Final = 80.0  # A per phase: the most an on-board charger takes

SECTION_ADVANCED = "advanced"  # efficiency and planning before arrival
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


VEHICLE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Optional(CONF_SOC_ENTITY): entity_selector(
            "sensor", device_class="battery", units=SOC_UNITS
        ),
        vol.Optional(CONF_CAPACITY_KWH): number_selector(
            1, 500, 0.1, UnitOfEnergy.KILO_WATT_HOUR
        ),
        vol.Required(
            CONF_SESSION_ENERGY, default=DEFAULT_SESSION_ENERGY_KWH
        ): number_selector(0, 500, 0.5, UnitOfEnergy.KILO_WATT_HOUR),
        vol.Required(CONF_TARGET_SOC, default=DEFAULT_TARGET_SOC): PERCENT_SELECTOR,
        vol.Required(CONF_MIN_SOC, default=DEFAULT_MIN_SOC): PERCENT_SELECTOR,
        vol.Required(CONF_MAX_POWER_KW, default=DEFAULT_MAX_POWER_KW): number_selector(
            0.5, 400, 0.1, UnitOfPower.KILO_WATT
        ),
        vol.Required(CONF_DEPARTURE, default=DEFAULT_DEPARTURE): TimeSelector(),
        vol.Required(CONF_ARRIVAL, default=DEFAULT_ARRIVAL): TimeSelector(),
        # Rarely changed: collapsed sections.
        vol.Optional(SECTION_ADVANCED): section(
            vol.Schema(
                {
                    vol.Required(
                        CONF_EFFICIENCY, default=round(DEFAULT_EFFICIENCY * 100)
                    ): number_selector(50, 100, 1, "%"),
                    vol.Required(CONF_PLAN_AHEAD, default=True): BooleanSelector(),
                }
            ),
            {"collapsed": True},
        ),
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
                    vol.Optional(CONF_PLUGGED_ENTITY): entity_selector(
                        "binary_sensor", "sensor"
                    ),
                    vol.Optional(CONF_TRACKER_ENTITY): entity_selector(
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
        vol.Required(CONF_MAX_CURRENT): number_selector(
            1, MAX_OBC_CURRENT, 0.1, UnitOfElectricCurrent.AMPERE
        ),
        vol.Optional(CONF_MIN_CURRENT): CURRENT_SELECTOR,
    }
)


def _advanced_stored(subentry: ConfigSubentry | None) -> dict[str, Any]:
    """The advanced section as stored (efficiency in %), else its defaults."""
    data: Mapping[str, Any] = subentry.data if subentry is not None else {}
    return {
        CONF_EFFICIENCY: round(
            float(data.get(CONF_EFFICIENCY, DEFAULT_EFFICIENCY)) * 100
        ),
        CONF_PLAN_AHEAD: bool(data.get(CONF_PLAN_AHEAD, True)),
    }


def _advanced_given(
    user_input: Mapping[str, Any], subentry: ConfigSubentry | None
) -> dict[str, Any]:
    """The advanced section's fields as given; what is stored where left out."""
    return _advanced_stored(subentry) | dict(user_input.get(SECTION_ADVANCED) or {})


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
        placeholders: dict[str, str] = {}
        if user_input is not None:
            soc = user_input.get(CONF_SOC_ENTITY)
            if soc and unique_id_taken(entry, soc, own_id):
                return self.async_abort(reason="already_configured")
            # Out of bounds first: the other checks only add where it is not.
            check_ranges(VEHICLE_SCHEMA, user_input, errors, placeholders)
            name = user_input[CONF_NAME].strip()
            if any(
                other.subentry_type == SUBENTRY_VEHICLE
                and other.subentry_id != own_id
                and other.title.casefold() == name.casefold()
                for other in entry.subentries.values()
            ):
                errors[CONF_NAME] = "name_exists"
            if soc:
                check_entity(
                    self.hass,
                    errors,
                    CONF_SOC_ENTITY,
                    soc,
                    units=SOC_UNITS,
                    unit_error="soc_unit_invalid",
                )
                if not user_input.get(CONF_CAPACITY_KWH):
                    errors.setdefault(CONF_CAPACITY_KWH, "capacity_required")
            if user_input[CONF_MIN_SOC] > user_input[CONF_TARGET_SOC]:
                errors.setdefault(CONF_MIN_SOC, "soc_range_invalid")
            if not errors:
                self._title = name
                self._data = self._vehicle_data(
                    user_input | _advanced_given(user_input, subentry)
                )
                self._subentry = subentry
                return await self.async_step_obc()
        suggested: dict[str, Any] = dict(user_input or {})
        if user_input is None and subentry is not None:
            suggested = {CONF_NAME: subentry.title, **subentry.data}
            suggested[SECTION_ADVANCED] = _advanced_stored(subentry)
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
            description_placeholders=placeholders,
        )

    async def async_step_obc(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The on-board charger: phases, and its current range per phase."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            maximum = float(user_input[CONF_MAX_CURRENT])
            minimum = user_input.get(CONF_MIN_CURRENT)
            check_ranges(OBC_SCHEMA, user_input, errors, placeholders)
            if minimum is not None and float(minimum) > maximum:
                errors.setdefault(CONF_MIN_CURRENT, "obc_current_range_invalid")
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
                **placeholders,
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
