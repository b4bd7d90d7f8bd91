"""The charger subentry flow: how a charger is read, limited, written and paused.

Recognises a preset from the status entity's integration and checks every
entity before anything is stored (test-before-configure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import (
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfTime,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    ObjectSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)

from .compat import vol
from .const import (
    CONF_ACTION,
    CONF_ACTION_DATA,
    CONF_ACTION_UNIT,
    CONF_ACTION_VALUE_FIELD,
    CONF_CHARGING_STATES,
    CONF_CONNECTION,
    CONF_CONTROL,
    CONF_CURRENT_ENTITY,
    CONF_CURRENT_STEP,
    CONF_ENERGY_ENTITY,
    CONF_GUEST_ENERGY,
    CONF_GUEST_HOURS,
    CONF_MAX_CURRENT,
    CONF_MIN_CURRENT,
    CONF_MIN_SWITCH_TIME,
    CONF_MIN_WRITE_INTERVAL,
    CONF_NAME,
    CONF_PAUSE_ACTION,
    CONF_PAUSE_ENTITY,
    CONF_PAUSE_MODE,
    CONF_PAUSE_OPTION,
    CONF_PHASE,
    CONF_PHASES,
    CONF_PLUGGED_STATES,
    CONF_POWER_ENTITY,
    CONF_PRESET,
    CONF_RESUME_ACTION,
    CONF_RESUME_OPTION,
    CONF_STATUS_ENTITY,
    CONF_VOLTAGE,
    DEFAULT_CURRENT_STEP,
    DEFAULT_GUEST_HOURS,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MIN_SWITCH_TIME,
    DEFAULT_VOLTAGE,
    MAX_CURRENT_STEP,
    MIN_CURRENT_STEP,
    ChargerConnection,
    ChargerPreset,
    ControlMethod,
    CurrentUnit,
    PauseMode,
)
from .flow_common import (
    CURRENT_SELECTOR,
    ENERGY_UNITS,
    NUMBER_UNITS,
    POWER_UNITS,
    VOLTAGE_SELECTOR,
    check_entity,
    check_ranges,
    entity_selector,
    entity_unit,
    number_selector,
    unique_id_taken,
)
from .presets import PRESETS, Preset, preset_for_platform
from .settings import SiteSettings

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from homeassistant.core import HomeAssistant

# A charger integration we have no preset for: a number entity, paused with 0 A.
CUSTOM_PRESET: Final = Preset(
    preset=ChargerPreset.CUSTOM, platform=None, control=ControlMethod.NUMBER
)

CONNECTION_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[connection.value for connection in ChargerConnection],
        translation_key="connection",
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

# A binary status is on while a vehicle is plugged in (or charging): of a device
# class that says so. A status sensor's states are chosen in the status step;
# charger integrations share no device class for it (OCPP's Status has none,
# Easee's and Zaptec's are enums), so every sensor is listed.
STATUS_BINARY_CLASSES: Final = ("plug", "battery_charging")
STATUS_SELECTOR = EntitySelector(
    EntitySelectorConfig(
        domain=["binary_sensor", "sensor"],
        filter=[
            EntityWithDeviceFilterSelectorConfig(
                domain=["binary_sensor"], device_class=list(STATUS_BINARY_CLASSES)
            ),
            EntityWithDeviceFilterSelectorConfig(domain=["sensor"]),
        ],
    )
)

CHARGER_IDENTITY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Required(CONF_STATUS_ENTITY): STATUS_SELECTOR,
    }
)

# Rarely changed: the voltage is the grid's, the write interval and the minimum
# on/off time the preset's.
SECTION_ADVANCED: Final = "advanced"
ADVANCED_KEYS: Final = (CONF_VOLTAGE, CONF_MIN_WRITE_INTERVAL, CONF_MIN_SWITCH_TIME)

# The guest profile: what a car nobody identifies gets (empty or 0: left alone).
SECTION_GUEST: Final = "guest"
GUEST_SECTION = section(
    vol.Schema(
        {
            vol.Optional(CONF_GUEST_ENERGY): number_selector(
                0, 200, 0.5, UnitOfEnergy.KILO_WATT_HOUR
            ),
            vol.Required(CONF_GUEST_HOURS, default=DEFAULT_GUEST_HOURS): (
                number_selector(0.5, 48, 0.5, UnitOfTime.HOURS)
            ),
        }
    ),
    {"collapsed": True},
)

CHARGER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CONTROL): CONTROL_SELECTOR,
        vol.Required(
            CONF_CONNECTION, default=ChargerConnection.THREE_PHASE.value
        ): CONNECTION_SELECTOR,
        vol.Required(CONF_MIN_CURRENT): CURRENT_SELECTOR,
        vol.Required(CONF_MAX_CURRENT, default=DEFAULT_MAX_CURRENT): CURRENT_SELECTOR,
        vol.Optional(CONF_POWER_ENTITY): entity_selector(
            "sensor", device_class="power", units=POWER_UNITS
        ),
        vol.Optional(CONF_ENERGY_ENTITY): entity_selector(
            "sensor", device_class="energy", units=ENERGY_UNITS
        ),
        # Optional: a client that leaves the section out keeps what is suggested.
        vol.Optional(SECTION_ADVANCED): section(
            vol.Schema(
                {
                    vol.Required(CONF_VOLTAGE, default=DEFAULT_VOLTAGE): (
                        VOLTAGE_SELECTOR
                    ),
                    vol.Required(CONF_MIN_WRITE_INTERVAL): number_selector(
                        0, 3600, 1, UnitOfTime.SECONDS
                    ),
                    vol.Required(
                        CONF_MIN_SWITCH_TIME, default=DEFAULT_MIN_SWITCH_TIME
                    ): number_selector(0, 3600, 1, UnitOfTime.SECONDS),
                }
            ),
            {"collapsed": True},
        ),
        vol.Optional(SECTION_GUEST): GUEST_SECTION,
    }
)

NUMBER_SCHEMA = vol.Schema(
    {vol.Required(CONF_CURRENT_ENTITY): entity_selector("number", units=NUMBER_UNITS)}
)

ACTION_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PRESET): PRESET_SELECTOR,
        vol.Required(CONF_ACTION): TextSelector(),
        vol.Required(CONF_ACTION_VALUE_FIELD): TextSelector(),
        vol.Required(CONF_ACTION_UNIT): ACTION_UNIT_SELECTOR,
        vol.Optional(CONF_ACTION_DATA): ObjectSelector(),
        # In A whatever the unit: the plan's grid, and what the value is
        # rounded down onto (a form without it keeps whole amperes).
        vol.Required(CONF_CURRENT_STEP, default=DEFAULT_CURRENT_STEP): number_selector(
            MIN_CURRENT_STEP,
            MAX_CURRENT_STEP,
            MIN_CURRENT_STEP,
            UnitOfElectricCurrent.AMPERE,
        ),
    }
)

# Pausing is asked in steps, so that each form shows only what applies: the way
# (pausing with 0 A needs nothing more), then the switch or the select, then
# the select's options.
PAUSE_SCHEMA = vol.Schema({vol.Required(CONF_PAUSE_MODE): PAUSE_MODE_SELECTOR})
PAUSE_SWITCH_SCHEMA = vol.Schema(
    {vol.Required(CONF_PAUSE_ENTITY): entity_selector("switch")}
)
PAUSE_SELECT_SCHEMA = vol.Schema(
    {vol.Required(CONF_PAUSE_ENTITY): entity_selector("select")}
)
PAUSE_ACTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PAUSE_ACTION): TextSelector(),
        vol.Required(CONF_RESUME_ACTION): TextSelector(),
    }
)


def _unique(values: Iterable[str]) -> list[str]:
    """The values in order, without repeats."""
    return list(dict.fromkeys(values))


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
        CONF_CURRENT_STEP: preset.current_step,
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
    if preset.pause_action and preset.resume_action:
        values[CONF_PAUSE_ACTION] = preset.pause_action
        values[CONF_RESUME_ACTION] = preset.resume_action
    values[CONF_MIN_SWITCH_TIME] = preset.min_switch_time
    return values


def _preset(preset: str) -> Preset:
    """The preset by name; custom for anything we have no preset for."""
    return PRESETS.get(ChargerPreset(preset), CUSTOM_PRESET)


# The device's one switch and one select, suggested for pausing (kept apart
# from what is stored: a stored pause entity is under CONF_PAUSE_ENTITY).
PAUSE_SWITCH: Final = "pause_switch"
PAUSE_SELECT: Final = "pause_select"


def _named(entries: list[er.RegistryEntry], key: str | None) -> str | None:
    """The entity among ``entries`` that the preset names ``key``.

    Its translation key says so; else the one unique id that ends with the
    key (custom integrations without translation keys), when only one does:
    V2C's "max_intensity" ends with "intensity" too.
    """
    if key is None:
        return None
    for entry in entries:
        if entry.translation_key == key:
            return entry.entity_id
    ends = [e.entity_id for e in entries if str(e.unique_id).endswith(key)]
    return ends[0] if len(ends) == 1 else None


def _device_suggestions(
    hass: HomeAssistant, device_id: str | None, preset: Preset
) -> dict[str, str]:
    """Entities of the charger's device that fit a field.

    The preset's own entities where it names them (V2C's "intensity" among
    its three numbers in A, Tesla's charge switch among its switches);
    otherwise the one entity that fits, when exactly one does.
    """
    if device_id is None:
        return {}
    registry = er.async_get(hass)
    candidates: dict[str, list[str]] = {
        CONF_CURRENT_ENTITY: [],
        CONF_POWER_ENTITY: [],
        CONF_ENERGY_ENTITY: [],
        PAUSE_SWITCH: [],
        PAUSE_SELECT: [],
    }
    entries: dict[str, list[er.RegistryEntry]] = {"number": [], "pause": []}
    for entry in er.async_entries_for_device(registry, device_id):
        unit = entity_unit(hass, entry.entity_id)
        if entry.domain == "number" and unit in NUMBER_UNITS:
            candidates[CONF_CURRENT_ENTITY].append(entry.entity_id)
            entries["number"].append(entry)
        elif entry.domain in (PauseMode.SWITCH, PauseMode.SELECT):
            key = PAUSE_SWITCH if entry.domain == PauseMode.SWITCH else PAUSE_SELECT
            candidates[key].append(entry.entity_id)
            if entry.domain == preset.pause_mode.domain:
                entries["pause"].append(entry)
        elif entry.domain == "sensor" and unit in POWER_UNITS:
            candidates[CONF_POWER_ENTITY].append(entry.entity_id)
        elif entry.domain == "sensor" and unit in ENERGY_UNITS:
            candidates[CONF_ENERGY_ENTITY].append(entry.entity_id)
    found = {key: ids[0] for key, ids in candidates.items() if len(ids) == 1}
    if (number := _named(entries["number"], preset.number_key)) is not None:
        found[CONF_CURRENT_ENTITY] = number
    if (pause := _named(entries["pause"], preset.pause_key)) is not None:
        found[
            PAUSE_SELECT if preset.pause_mode is PauseMode.SELECT else PAUSE_SWITCH
        ] = pause
    return found


class ChargerSubentryFlow(ConfigSubentryFlow):
    """Add or reconfigure a charger.

    Steps: ``user`` (name and status entity, from which a preset is recognized),
    ``charger`` (control method and electrical limits), ``number`` or ``action``
    (how the setpoint is written; neither for an on/off-only charger), ``pause``
    (then ``pause_switch`` or ``pause_switch_on``, ``pause_select`` and
    ``pause_options``, or ``pause_actions``), and ``status`` when the status
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
            if unique_id_taken(self._get_entry(), status, own_id):
                return self.async_abort(reason="already_configured")
            check_entity(self.hass, errors, CONF_STATUS_ENTITY, status)
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
        self._defaults.update(_device_suggestions(self.hass, self._device_id, preset))
        if self._subentry is not None:
            # What is stored wins over what we recognize.
            stored = dict(self._subentry.data)
            if stored.get(CONF_CONTROL) == ControlMethod.ACTION:
                # Stored before the step was asked: it has had whole amperes.
                stored.setdefault(CONF_CURRENT_STEP, DEFAULT_CURRENT_STEP)
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
        placeholders: dict[str, str] = {}
        schema = self._charger_schema()
        if user_input is not None:
            check_ranges(schema, user_input, errors, placeholders)
            advanced = self._advanced(user_input)
            if user_input[CONF_MIN_CURRENT] > user_input[CONF_MAX_CURRENT]:
                errors.setdefault(CONF_MAX_CURRENT, "current_range_invalid")
            if power := user_input.get(CONF_POWER_ENTITY):
                check_entity(
                    self.hass,
                    errors,
                    CONF_POWER_ENTITY,
                    power,
                    units=POWER_UNITS,
                    unit_error="power_unit_invalid",
                )
            if energy := user_input.get(CONF_ENERGY_ENTITY):
                check_entity(
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
                        CONF_VOLTAGE: float(advanced[CONF_VOLTAGE]),
                        CONF_MIN_CURRENT: float(user_input[CONF_MIN_CURRENT]),
                        CONF_MAX_CURRENT: float(user_input[CONF_MAX_CURRENT]),
                        CONF_MIN_WRITE_INTERVAL: int(advanced[CONF_MIN_WRITE_INTERVAL]),
                        CONF_MIN_SWITCH_TIME: int(
                            advanced.get(CONF_MIN_SWITCH_TIME, DEFAULT_MIN_SWITCH_TIME)
                        ),
                    }
                )
                self._data.update(self._guest(user_input))
                if power:
                    self._data[CONF_POWER_ENTITY] = power
                if energy:
                    self._data[CONF_ENERGY_ENTITY] = energy
                if user_input[CONF_CONTROL] == ControlMethod.ACTION:
                    return await self.async_step_action()
                self._data[CONF_PRESET] = self._defaults[CONF_PRESET]
                if user_input[CONF_CONTROL] == ControlMethod.ON_OFF:
                    # No limit to write: only how it is switched on and off.
                    return await self.async_step_pause()
                return await self.async_step_number()
        return self.async_show_form(
            step_id="charger",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._charger_shown()
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _advanced(self, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """The advanced section as given, else what it suggested."""
        shown: dict[str, Any] = self._charger_shown()[SECTION_ADVANCED]
        return shown | dict(user_input.get(SECTION_ADVANCED) or {})

    def _guest(self, user_input: Mapping[str, Any]) -> dict[str, float]:
        """The guest profile as given, else as stored; nothing stored when off.

        No energy (or 0) is off: a charger stored without the keys is one
        whose unidentified cars are left alone, as before there were guests.
        """
        shown: dict[str, Any] = self._charger_shown()[SECTION_GUEST]
        given = shown | dict(user_input.get(SECTION_GUEST) or {})
        if SECTION_GUEST in user_input:
            # An emptied energy field is the guest profile switched off.
            given[CONF_GUEST_ENERGY] = user_input[SECTION_GUEST].get(CONF_GUEST_ENERGY)
        if not given.get(CONF_GUEST_ENERGY):
            return {}
        return {
            CONF_GUEST_ENERGY: float(given[CONF_GUEST_ENERGY]),
            CONF_GUEST_HOURS: float(given.get(CONF_GUEST_HOURS) or DEFAULT_GUEST_HOURS),
        }

    def _charger_shown(self) -> dict[str, Any]:
        """The charger step's suggestions, the advanced ones in their section."""
        shown = self._connection_shown()
        shown[SECTION_ADVANCED] = {
            CONF_VOLTAGE: DEFAULT_VOLTAGE,
            CONF_MIN_SWITCH_TIME: DEFAULT_MIN_SWITCH_TIME,
            **{key: shown[key] for key in ADVANCED_KEYS if key in shown},
        }
        shown[SECTION_GUEST] = {
            CONF_GUEST_HOURS: shown.get(CONF_GUEST_HOURS, DEFAULT_GUEST_HOURS),
        }
        if shown.get(CONF_GUEST_ENERGY):
            shown[SECTION_GUEST][CONF_GUEST_ENERGY] = shown[CONF_GUEST_ENERGY]
        return shown

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
            check_entity(
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
        placeholders: dict[str, str] = {}
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
                check_ranges(ACTION_SCHEMA, user_input, errors, placeholders)
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
                            CONF_CURRENT_STEP: float(user_input[CONF_CURRENT_STEP]),
                        }
                    )
                    return await self.async_step_pause()
        return self.async_show_form(
            step_id="action",
            data_schema=self.add_suggested_values_to_schema(ACTION_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
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
        """How to pause charging: 0 A, a switch, a select option or actions.

        Only the way is asked here: pausing with 0 A needs nothing more, and the
        switch or select (and a select's options), or the actions, follow on
        their own forms. A charger that can only be switched cannot pause at 0.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            mode = PauseMode(user_input[CONF_PAUSE_MODE])
            if (
                mode is PauseMode.ZERO
                and self._data[CONF_CONTROL] == ControlMethod.ON_OFF
            ):
                errors[CONF_PAUSE_MODE] = "pause_mode_required"
            else:
                self._data[CONF_PAUSE_MODE] = mode.value
                for key in (
                    CONF_PAUSE_ENTITY,
                    CONF_PAUSE_OPTION,
                    CONF_RESUME_OPTION,
                    CONF_PAUSE_ACTION,
                    CONF_RESUME_ACTION,
                ):
                    self._data.pop(key, None)
                if mode is PauseMode.SWITCH:
                    return await self.async_step_pause_switch()
                if mode is PauseMode.SWITCH_ON:
                    return await self.async_step_pause_switch_on()
                if mode is PauseMode.SELECT:
                    return await self.async_step_pause_select()
                if mode is PauseMode.ACTION:
                    return await self.async_step_pause_actions()
                return await self._async_step_after_pause()
        return self.async_show_form(
            step_id="pause",
            data_schema=self.add_suggested_values_to_schema(
                PAUSE_SCHEMA, user_input or self._defaults
            ),
            errors=errors,
        )

    async def async_step_pause_switch_on(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The switch that pauses charging when it is turned on (V2C's "Paused")."""
        return await self._async_step_pause_entity(
            "pause_switch_on", PAUSE_SWITCH_SCHEMA, PauseMode.SWITCH_ON, user_input
        )

    async def async_step_pause_actions(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The actions that stop charging and let the charger charge again."""
        errors: dict[str, str] = {}
        if user_input is not None:
            actions = {
                key: str(user_input.get(key) or "").strip()
                for key in (CONF_PAUSE_ACTION, CONF_RESUME_ACTION)
            }
            for key, action in actions.items():
                domain, dot, service = action.partition(".")
                if not (dot and self.hass.services.has_service(domain, service)):
                    errors[key] = "action_not_found"
            if not errors:
                self._data.update(actions)
                return await self._async_step_after_pause()
        return self.async_show_form(
            step_id="pause_actions",
            data_schema=self.add_suggested_values_to_schema(
                PAUSE_ACTIONS_SCHEMA, user_input or self._defaults
            ),
            errors=errors,
        )

    async def async_step_pause_switch(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The switch that pauses charging when it is turned off."""
        return await self._async_step_pause_entity(
            "pause_switch", PAUSE_SWITCH_SCHEMA, PauseMode.SWITCH, user_input
        )

    async def async_step_pause_select(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The select whose options pause and resume charging."""
        return await self._async_step_pause_entity(
            "pause_select", PAUSE_SELECT_SCHEMA, PauseMode.SELECT, user_input
        )

    async def _async_step_pause_entity(
        self,
        step_id: str,
        schema: vol.Schema,
        mode: PauseMode,
        user_input: dict[str, Any] | None,
    ) -> SubentryFlowResult:
        """Pick the switch or select; the picker lists only that domain."""
        errors: dict[str, str] = {}
        if user_input is not None:
            entity_id = user_input[CONF_PAUSE_ENTITY]
            check_entity(self.hass, errors, CONF_PAUSE_ENTITY, entity_id)
            if not errors:
                self._data[CONF_PAUSE_ENTITY] = entity_id
                if mode is PauseMode.SELECT:
                    return await self.async_step_pause_options()
                return await self._async_step_after_pause()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._pause_entity_suggested(mode)
            ),
            errors=errors,
        )

    def _pause_entity_suggested(self, mode: PauseMode) -> dict[str, str]:
        """The stored pause entity when it is of this kind, else the device's one."""
        stored = str(self._defaults.get(CONF_PAUSE_ENTITY) or "")
        if stored.partition(".")[0] == mode.domain:
            return {CONF_PAUSE_ENTITY: stored}
        key = PAUSE_SELECT if mode is PauseMode.SELECT else PAUSE_SWITCH
        if found := self._defaults.get(key):
            return {CONF_PAUSE_ENTITY: found}
        return {}

    async def async_step_pause_options(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The select's options that pause and resume, from its own options.

        A select that lists no options (unavailable just now) gets text fields;
        pausing and resuming with the same option could never pause.
        """
        errors: dict[str, str] = {}
        entity_id = self._data[CONF_PAUSE_ENTITY]
        state = self.hass.states.get(entity_id)
        options = _unique(
            str(option)
            for option in (state.attributes.get("options") if state else None) or []
        )
        if user_input is not None:
            pause = str(user_input[CONF_PAUSE_OPTION]).strip()
            resume = str(user_input[CONF_RESUME_OPTION]).strip()
            for key, value in (
                (CONF_PAUSE_OPTION, pause),
                (CONF_RESUME_OPTION, resume),
            ):
                if not value:
                    errors[key] = "option_required"
            if pause == resume:
                errors.setdefault(CONF_RESUME_OPTION, "pause_resume_same")
            if not errors:
                self._data[CONF_PAUSE_OPTION] = pause
                self._data[CONF_RESUME_OPTION] = resume
                return await self._async_step_after_pause()
        field: SelectSelector | TextSelector = TextSelector()
        if options:
            field = SelectSelector(
                SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_PAUSE_OPTION): field,
                vol.Required(CONF_RESUME_OPTION): field,
            }
        )
        suggested = {
            key: self._defaults[key]
            for key in (CONF_PAUSE_OPTION, CONF_RESUME_OPTION)
            if self._defaults.get(key)
            and (not options or self._defaults[key] in options)
        }
        return self.async_show_form(
            step_id="pause_options",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or suggested
            ),
            errors=errors,
            description_placeholders={"entity": entity_id},
        )

    async def _async_step_after_pause(self) -> SubentryFlowResult:
        """The status step for a status sensor; a binary sensor needs none."""
        if self._data[CONF_STATUS_ENTITY].startswith("sensor."):
            return await self.async_step_status()
        # A binary sensor is on when a vehicle is plugged in (or charging).
        self._data[CONF_PLUGGED_STATES] = ["on"]
        self._data[CONF_CHARGING_STATES] = ["on"]
        return self._async_finish()

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
