"""The config flows: site entry, options, charger and vehicle subentries."""

from __future__ import annotations

from collections.abc import Generator
from datetime import time
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER, ConfigSubentry, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData, section
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import TextSelector
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.opti_vgi.config_flow import (
    ALGORITHM_OPTIONS,
    STEP_OPTIONS,
)
from custom_components.opti_vgi.const import (
    ALGORITHM_CHOICES,
    CONF_ACTION,
    CONF_ACTION_DATA,
    CONF_ACTION_UNIT,
    CONF_ACTION_VALUE_FIELD,
    CONF_ALGORITHM,
    CONF_ARRIVAL,
    CONF_CAPACITY_KWH,
    CONF_CHARGER,
    CONF_CHARGING_STATES,
    CONF_CONNECTION,
    CONF_CONTROL,
    CONF_CURRENT_ENTITY,
    CONF_CURRENT_STEP,
    CONF_DEPARTURE,
    CONF_EFFICIENCY,
    CONF_ENERGY_ENTITY,
    CONF_EXPORT_PRICE_ENTITY,
    CONF_FALLBACK_HOUSE_KW,
    CONF_GRID_POWER_ENTITY,
    CONF_GRID_POWER_SIGN,
    CONF_GUEST_ENERGY,
    CONF_GUEST_HOURS,
    CONF_HORIZON_HOURS,
    CONF_LIMIT_MODE,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_MIN_CURRENT,
    CONF_MIN_SOC,
    CONF_MIN_SWITCH_TIME,
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
    CONF_PLUGGED_STATES,
    CONF_POWER_ENTITY,
    CONF_PRESET,
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
    CONF_VOLTAGE,
    DOMAIN,
    MAX_HORIZON_HOURS,
    OCPP_CHARGING_STATES,
    OCPP_PLUGGED_STATES,
    STEP_CHOICES,
    SUBENTRY_CHARGER,
    SUBENTRY_VEHICLE,
    ChargerPreset,
    ControlMethod,
    CurrentUnit,
    GridSign,
    LimitMode,
    PauseMode,
    ReleaseMode,
)
from custom_components.opti_vgi.flow_common import BoundedNumberSelector
from custom_components.opti_vgi.price_source import action_candidates
from custom_components.opti_vgi.settings import (
    ChargerSettings,
    Settings,
    SiteSettings,
    VehicleSettings,
)
from custom_components.opti_vgi.writer import ChargerWriter

type Result = dict[str, Any]

PRICE = "sensor.price"
GRID = "sensor.grid_power"
PHASES = ["sensor.l1_current", "sensor.l2_current", "sensor.l3_current"]
PHASE_KEYS = ("phase_l1_entity", "phase_l2_entity", "phase_l3_entity")
PHASE_FORM = dict(zip(PHASE_KEYS, PHASES, strict=True))

# A complete vehicle form, as the frontend submits it.
VEHICLE_FORM: dict[str, Any] = {
    CONF_NAME: "Family car",
    CONF_TARGET_SOC: 80,
    CONF_MIN_SOC: 20,
    CONF_EFFICIENCY: 90,
    CONF_MAX_POWER_KW: 11,
    CONF_DEPARTURE: "07:00:00",
    CONF_ARRIVAL: "18:00:00",
    CONF_PLAN_AHEAD: True,
}
VEHICLE_ADVANCED = (CONF_EFFICIENCY, CONF_PLAN_AHEAD)


def vehicle_form(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The vehicle form as the frontend submits it, the rarely changed in a section."""
    flat = VEHICLE_FORM | (changes or {})
    nested = {k: v for k, v in flat.items() if k not in VEHICLE_ADVANCED}
    return nested | {"advanced": {k: flat[k] for k in VEHICLE_ADVANCED if k in flat}}


# The charger step's fields (the voltage and write interval are in a section).
CHARGER_FORM: dict[str, Any] = {
    CONF_CONTROL: ControlMethod.ACTION,
    CONF_CONNECTION: "three_phase",
    CONF_VOLTAGE: 230,
    CONF_MIN_CURRENT: 6,
    CONF_MAX_CURRENT: 16,
    CONF_MIN_WRITE_INTERVAL: 60,
}
ADVANCED = (CONF_VOLTAGE, CONF_MIN_WRITE_INTERVAL, CONF_MIN_SWITCH_TIME)


def charger_form(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The charger step as the frontend submits it, the rarely changed in a section."""
    flat = CHARGER_FORM | (changes or {})
    return {k: v for k, v in flat.items() if k not in ADVANCED} | {
        "advanced": {k: flat[k] for k in ADVANCED if k in flat}
    }


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Entry setup is not what these tests are about."""
    with patch(
        "custom_components.opti_vgi.async_setup_entry", return_value=True
    ) as mock:
        yield mock


@pytest.fixture(autouse=True)
def sources(hass: HomeAssistant) -> None:
    """Entities the flows read: a price, a grid meter and phase meters."""
    hass.states.async_set(PRICE, "0.25", {"unit_of_measurement": "EUR/kWh"})
    hass.states.async_set(GRID, "1200", {"unit_of_measurement": "W"})
    for entity_id in PHASES:
        hass.states.async_set(entity_id, "4.2", {"unit_of_measurement": "A"})


@pytest.fixture
def site(hass: HomeAssistant) -> MockConfigEntry:
    """A site entry set up with a price entity and a power limit."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            CONF_PRICE_ENTITY: PRICE,
            CONF_LIMIT_MODE: LimitMode.POWER,
            CONF_SITE_LIMIT_KW: 11.0,
        },
    )
    entry.add_to_hass(hass)
    return entry


def suggested(result: Result, key: str) -> Any:
    """The value a form shows in a field: its suggested value, else its default.

    A field inside a section is found there (a section's own key names it).
    """
    schema = result["data_schema"].schema
    for marker in schema:
        if str(marker) != key:
            continue
        if marker.description and "suggested_value" in marker.description:
            return marker.description["suggested_value"]
        default = marker.default
        return default() if callable(default) else None
    for value in schema.values():
        if isinstance(value, section):
            try:
                return suggested({"data_schema": value.schema}, key)
            except KeyError:
                continue
    raise KeyError(key)


def fields(result: Result) -> list[str]:
    """The fields a form shows, in order."""
    return [str(marker) for marker in result["data_schema"].schema]


def select_options(result: Result, key: str) -> list[Any]:
    """The options of a select field."""
    for marker, selector in result["data_schema"].schema.items():
        if str(marker) == key:
            return list(selector.config["options"])
    raise KeyError(key)


# --- Site entry ---------------------------------------------------------------------


async def start_site(hass: HomeAssistant, source: str = "price_entity") -> Result:
    """Start the site flow and pick a kind of price source from its menu."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    # The action source only when a price integration offers one.
    expected = ["price_entity", "price_action", "price_tariff"]
    if not action_candidates(hass):
        expected.remove("price_action")
    assert result["menu_options"] == expected
    return await configure(hass, result, {"next_step_id": source})


async def start_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, source: str = "price_entity"
) -> Result:
    """Start reconfiguring the site and pick a kind of price source."""
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "reconfigure"
    return await configure(hass, result, {"next_step_id": source})


async def configure(hass: HomeAssistant, result: Result, data: dict[str, Any]) -> Any:
    """Submit a site or options form."""
    return await hass.config_entries.flow.async_configure(result["flow_id"], data)


async def test_site_with_power_limit_and_meters(hass: HomeAssistant) -> None:
    """Price, then the grid connection with its meters, then the power limit."""
    result = await start_site(hass)
    assert fields(result) == [CONF_PRICE_ENTITY, CONF_EXPORT_PRICE_ENTITY]

    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    assert result["step_id"] == "limit"
    assert suggested(result, CONF_LIMIT_MODE) == LimitMode.POWER
    assert suggested(result, CONF_GRID_POWER_SIGN) == GridSign.IMPORT_POSITIVE

    result = await configure(
        hass,
        result,
        {
            CONF_LIMIT_MODE: LimitMode.POWER,
            CONF_GRID_POWER_ENTITY: GRID,
            CONF_GRID_POWER_SIGN: GridSign.EXPORT_POSITIVE,
            **PHASE_FORM,
        },
    )
    assert result["step_id"] == "limit_power"
    assert suggested(result, CONF_SITE_LIMIT_KW) == 11.0

    result = await configure(hass, result, {CONF_SITE_LIMIT_KW: 17.5})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == hass.config.location_name
    assert result["data"] == {
        CONF_PRICE_SOURCE: "entity",
        CONF_PRICE_ENTITY: PRICE,
        CONF_LIMIT_MODE: "power",
        CONF_GRID_POWER_ENTITY: GRID,
        CONF_GRID_POWER_SIGN: "export_positive",
        CONF_PHASE_CURRENT_ENTITIES: PHASES,
        CONF_SITE_LIMIT_KW: 17.5,
    }
    assert result["options"] == {}


async def test_site_with_current_limit(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    """A current limit per phase, with phases and voltage; no meters."""
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    result = await configure(
        hass,
        result,
        {CONF_LIMIT_MODE: LimitMode.CURRENT, CONF_GRID_POWER_SIGN: "import_positive"},
    )
    assert result["step_id"] == "limit_current"
    assert suggested(result, CONF_SITE_LIMIT_A) == 25.0
    assert suggested(result, CONF_SITE_PHASES) == "3"
    assert suggested(result, CONF_SITE_VOLTAGE) == 230.0

    result = await configure(
        hass,
        result,
        {CONF_SITE_LIMIT_A: 35, CONF_SITE_PHASES: "1", CONF_SITE_VOLTAGE: 240},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_PRICE_SOURCE: "entity",
        CONF_PRICE_ENTITY: PRICE,
        CONF_LIMIT_MODE: "current",
        CONF_SITE_LIMIT_A: 35.0,
        CONF_SITE_PHASES: 1,
        CONF_SITE_VOLTAGE: 240.0,
    }
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize(
    ("state", "attributes"),
    [
        ("0.25", {"unit_of_measurement": "EUR/kWh"}),
        ("310", {"unit_of_measurement": "SEK/MWh"}),
        ("0.03", {"unit_of_measurement": "c/Wh"}),
        ("0.25", {"unit_of_measurement": "€/kwh"}),
        ("0.25", {}),
    ],
)
async def test_price_units_accepted(
    hass: HomeAssistant, state: str, attributes: dict[str, Any]
) -> None:
    """A currency per kWh, MWh or Wh, or a bare number, is a price."""
    hass.states.async_set("sensor.other_price", state, attributes)
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: "sensor.other_price"})
    assert result["step_id"] == "limit"


@pytest.mark.parametrize(
    ("state", "attributes"),
    [
        ("0.25", {"unit_of_measurement": "EUR"}),
        ("0.25", {"unit_of_measurement": "EUR/m³"}),
        ("0.25", {"unit_of_measurement": "/kWh"}),
        ("0.25", {"unit_of_measurement": "kWh"}),
        ("cheap", {}),
        ("unknown", {}),
        ("nan", {}),
    ],
)
async def test_price_unit_invalid_then_fixed(
    hass: HomeAssistant, state: str, attributes: dict[str, Any]
) -> None:
    """Anything but a price per energy is refused on the price field."""
    hass.states.async_set("sensor.other_price", state, attributes)
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: "sensor.other_price"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "price_entity"
    assert result["errors"] == {CONF_PRICE_ENTITY: "price_format_unknown"}
    assert suggested(result, CONF_PRICE_ENTITY) == "sensor.other_price"

    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    assert result["step_id"] == "limit"


async def test_price_entity_not_found_then_fixed(hass: HomeAssistant) -> None:
    """A price entity that does not exist is an error on its field, then fixed."""
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: "sensor.nope"})
    assert result["errors"] == {CONF_PRICE_ENTITY: "entity_not_found"}
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    assert result["step_id"] == "limit"


async def test_unit_from_entity_registry(hass: HomeAssistant) -> None:
    """A meter whose state carries no unit (unavailable) is judged by its registry."""
    er.async_get(hass).async_get_or_create(
        "sensor",
        "meter",
        "grid",
        suggested_object_id="meter_grid",
        unit_of_measurement="kW",
    )
    hass.states.async_set("sensor.meter_grid", "unavailable", {})
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    result = await configure(
        hass,
        result,
        {
            CONF_LIMIT_MODE: LimitMode.POWER,
            CONF_GRID_POWER_ENTITY: "sensor.meter_grid",
            CONF_GRID_POWER_SIGN: GridSign.IMPORT_POSITIVE,
        },
    )
    assert result["step_id"] == "limit_power"


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        (
            {CONF_GRID_POWER_ENTITY: "sensor.nope"},
            {CONF_GRID_POWER_ENTITY: "entity_not_found"},
        ),
        (
            {CONF_GRID_POWER_ENTITY: PHASES[0]},
            {CONF_GRID_POWER_ENTITY: "power_unit_invalid"},
        ),
        (
            {"phase_l1_entity": PHASES[0], "phase_l2_entity": PHASES[0]},
            {"phase_l2_entity": "phase_sensor_twice"},
        ),
        (
            {"phase_l1_entity": PHASES[0], "phase_l2_entity": "sensor.nope"},
            {"phase_l2_entity": "entity_not_found"},
        ),
        (
            {"phase_l1_entity": GRID, "phase_l3_entity": PHASES[2]},
            {"phase_l1_entity": "current_unit_invalid"},
        ),
        (
            {CONF_GRID_POWER_ENTITY: PHASES[0], "phase_l1_entity": GRID},
            {
                CONF_GRID_POWER_ENTITY: "power_unit_invalid",
                "phase_l1_entity": "current_unit_invalid",
            },
        ),
    ],
)
async def test_limit_errors_then_fixed(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    """Meters must exist and measure W/kW (grid) or A (phases), one per phase."""
    hass.states.async_set("sensor.l4_current", "1", {"unit_of_measurement": "A"})
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    base = {
        CONF_LIMIT_MODE: LimitMode.POWER,
        CONF_GRID_POWER_SIGN: GridSign.IMPORT_POSITIVE,
    }
    result = await configure(hass, result, base | user_input)
    assert result["step_id"] == "limit"
    assert result["errors"] == errors
    for key, value in user_input.items():
        assert suggested(result, key) == value

    result = await configure(hass, result, base | {CONF_GRID_POWER_ENTITY: GRID})
    assert result["step_id"] == "limit_power"


async def test_only_one_site(hass: HomeAssistant, site: MockConfigEntry) -> None:
    """A second site is refused: one Home Assistant, one grid connection."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


async def test_reconfigure_site(hass: HomeAssistant) -> None:
    """Every step is prefilled; the new data replaces the old.

    Keys of the old limit mode and meters that were cleared are gone.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            CONF_PRICE_ENTITY: PRICE,
            CONF_LIMIT_MODE: "power",
            CONF_SITE_LIMIT_KW: 11.0,
            CONF_GRID_POWER_ENTITY: GRID,
            CONF_GRID_POWER_SIGN: "export_positive",
        },
    )
    entry.add_to_hass(hass)
    hass.states.async_set("sensor.spot", "120", {"unit_of_measurement": "EUR/MWh"})

    result = await start_reconfigure(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "price_entity"
    assert suggested(result, CONF_PRICE_ENTITY) == PRICE

    result = await configure(hass, result, {CONF_PRICE_ENTITY: "sensor.nope"})
    assert result["step_id"] == "price_entity"
    assert result["errors"] == {CONF_PRICE_ENTITY: "entity_not_found"}

    result = await configure(hass, result, {CONF_PRICE_ENTITY: "sensor.spot"})
    assert result["step_id"] == "limit"
    assert suggested(result, CONF_LIMIT_MODE) == "power"
    assert suggested(result, CONF_GRID_POWER_ENTITY) == GRID
    assert suggested(result, CONF_GRID_POWER_SIGN) == "export_positive"

    result = await configure(
        hass,
        result,
        {
            CONF_LIMIT_MODE: LimitMode.CURRENT,
            CONF_GRID_POWER_SIGN: GridSign.EXPORT_POSITIVE,
            **PHASE_FORM,
        },
    )
    assert result["step_id"] == "limit_current"
    result = await configure(
        hass,
        result,
        {CONF_SITE_LIMIT_A: 20, CONF_SITE_PHASES: "3", CONF_SITE_VOLTAGE: 230},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Home"
    assert dict(entry.data) == {
        CONF_PRICE_SOURCE: "entity",
        CONF_PRICE_ENTITY: "sensor.spot",
        CONF_LIMIT_MODE: "current",
        CONF_PHASE_CURRENT_ENTITIES: PHASES,
        CONF_SITE_LIMIT_A: 20.0,
        CONF_SITE_PHASES: 3,
        CONF_SITE_VOLTAGE: 230.0,
    }

    # And back: the current limit is prefilled, then replaced by a power limit.
    result = await start_reconfigure(hass, entry)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: "sensor.spot"})
    for key, entity_id in PHASE_FORM.items():
        assert suggested(result, key) == entity_id
    result = await configure(
        hass,
        result,
        {CONF_LIMIT_MODE: "current", CONF_GRID_POWER_SIGN: "import_positive"},
    )
    assert suggested(result, CONF_SITE_LIMIT_A) == 20.0
    assert suggested(result, CONF_SITE_PHASES) == "3"
    result = await configure(
        hass,
        result,
        {CONF_SITE_LIMIT_A: 25, CONF_SITE_PHASES: "1", CONF_SITE_VOLTAGE: 230},
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_SITE_PHASES] == 1
    assert CONF_PHASE_CURRENT_ENTITIES not in entry.data


async def test_reconfigure_site_power_prefilled(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """The power limit step shows the stored limit."""
    result = await start_reconfigure(hass, site)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    result = await configure(
        hass,
        result,
        {CONF_LIMIT_MODE: "power", CONF_GRID_POWER_SIGN: "import_positive"},
    )
    assert result["step_id"] == "limit_power"
    assert suggested(result, CONF_SITE_LIMIT_KW) == 11.0
    result = await configure(hass, result, {CONF_SITE_LIMIT_KW: 22})
    assert result["reason"] == "reconfigure_successful"
    assert site.data[CONF_SITE_LIMIT_KW] == 22.0


# --- Options ------------------------------------------------------------------------


def test_select_options_match_constants() -> None:
    """The select options spelled out for translations are the contract's choices."""
    assert tuple(int(option) for option in STEP_OPTIONS) == STEP_CHOICES
    assert ALGORITHM_OPTIONS == ALGORITHM_CHOICES


async def test_options(hass: HomeAssistant, site: MockConfigEntry) -> None:
    """Step, horizon and algorithm are written to the options as int/int/str."""
    result = await hass.config_entries.options.async_init(site.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert suggested(result, CONF_STEP_MINUTES) == "15"
    assert suggested(result, CONF_HORIZON_HOURS) == 24
    assert suggested(result, CONF_ALGORITHM) == "lp"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_STEP_MINUTES: "30", CONF_HORIZON_HOURS: 36, CONF_ALGORITHM: "heuristic"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(site.options) == {
        CONF_STEP_MINUTES: 30,
        CONF_HORIZON_HOURS: 36,
        CONF_ALGORITHM: "heuristic",
    }
    assert isinstance(site.options[CONF_HORIZON_HOURS], int)

    result = await hass.config_entries.options.async_init(site.entry_id)
    assert suggested(result, CONF_STEP_MINUTES) == "30"
    assert suggested(result, CONF_HORIZON_HOURS) == 36
    assert suggested(result, CONF_ALGORITHM) == "heuristic"


async def test_options_safety_section(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """The safety section is stored flat; leaving it out later keeps it."""
    assert SiteSettings.from_entry(site).assumed_house_kw == 5.5  # half of 11 kW
    result = await hass.config_entries.options.async_init(site.entry_id)
    plan = {CONF_STEP_MINUTES: "15", CONF_HORIZON_HOURS: 24, CONF_ALGORITHM: "lp"}
    safety = {
        CONF_FALLBACK_HOUSE_KW: 3,
        CONF_RELEASE_MODE: "current",
        CONF_RELEASE_CURRENT: 10,
        CONF_OVERRIDE_MINUTES: 30,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], plan | {CONF_SAFETY: safety}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    settings = SiteSettings.from_entry(site)
    assert settings.assumed_house_kw == 3.0
    assert settings.release_mode is ReleaseMode.CURRENT
    assert settings.release_current == 10.0
    assert settings.override_minutes == 30.0

    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], plan)
    assert SiteSettings.from_entry(site).release_mode is ReleaseMode.CURRENT
    assert site.options[CONF_FALLBACK_HOUSE_KW] == 3.0


async def test_options_reject_out_of_range(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """7 minutes or 49 hours are refused: a choice not offered, a number too big.

    The number is the flow's own translated error naming the bounds (the
    selector's check would fail the form in English).
    """
    result = await hass.config_entries.options.async_init(site.entry_id)
    for bad in (
        {CONF_STEP_MINUTES: "7", CONF_HORIZON_HOURS: 24, CONF_ALGORITHM: "lp"},
        {CONF_STEP_MINUTES: "15", CONF_HORIZON_HOURS: 24, CONF_ALGORITHM: "magic"},
    ):
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(result["flow_id"], bad)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_STEP_MINUTES: "15", CONF_HORIZON_HOURS: 49, CONF_ALGORITHM: "lp"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HORIZON_HOURS: "number_out_of_range"}
    assert result["description_placeholders"] == {
        "minimum": "1 h",
        "maximum": f"{MAX_HORIZON_HOURS} h",
    }
    assert suggested(result, CONF_HORIZON_HOURS) == 49
    assert CONF_HORIZON_HOURS not in site.options


# --- Charger subentry ---------------------------------------------------------------


async def start_charger(hass: HomeAssistant, entry: MockConfigEntry) -> Result:
    """Start adding a charger."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def sub(hass: HomeAssistant, result: Result, data: dict[str, Any]) -> Any:
    """Submit a subentry form."""
    return await hass.config_entries.subentries.async_configure(result["flow_id"], data)


def charger_device(
    hass: HomeAssistant, platform: str, *entities: tuple[str, str, str | None]
) -> tuple[str, list[str]]:
    """A device of a charger integration with (domain, key, unit) entities.

    Returns the device id and the entity ids, in order.
    """
    foreign = MockConfigEntry(domain=platform)
    foreign.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=foreign.entry_id, identifiers={(platform, "charger-1")}
    )
    registry = er.async_get(hass)
    entity_ids = []
    for domain, key, unit in entities:
        entry = registry.async_get_or_create(
            domain,
            platform,
            f"charger-1-{key}",
            suggested_object_id=f"{platform}_{key}",
            config_entry=foreign,
            device_id=device.id,
            unit_of_measurement=unit,
        )
        entity_ids.append(entry.entity_id)
    return device.id, entity_ids


async def test_ocpp_charger(hass: HomeAssistant, site: MockConfigEntry) -> None:
    """An OCPP status sensor fills in the OCPP action, its field and its states."""
    _, (status, power, energy) = charger_device(
        hass,
        "ocpp",
        ("sensor", "status_connector", None),
        ("sensor", "power", "W"),
        ("sensor", "energy", "kWh"),
    )
    hass.states.async_set(status, "Available")
    hass.states.async_set(power, "0", {"unit_of_measurement": "W"})
    hass.states.async_set(energy, "12.5", {"unit_of_measurement": "kWh"})
    async_mock_service(hass, "ocpp", "set_charge_rate")

    result = await start_charger(hass, site)
    assert fields(result) == [CONF_NAME, CONF_STATUS_ENTITY]
    result = await sub(
        hass, result, {CONF_NAME: " Garage ", CONF_STATUS_ENTITY: status}
    )
    assert result["step_id"] == "charger"
    assert suggested(result, CONF_CONTROL) == "action"
    assert suggested(result, CONF_MIN_CURRENT) == 6.0
    assert suggested(result, CONF_MIN_WRITE_INTERVAL) == 60
    # One choice for the wiring, three-phase by default on a 3-phase site.
    assert suggested(result, CONF_CONNECTION) == "three_phase"
    assert CONF_PHASES not in fields(result)
    assert CONF_PHASE not in fields(result)
    assert suggested(result, CONF_POWER_ENTITY) == power
    assert suggested(result, CONF_ENERGY_ENTITY) == energy

    result = await sub(
        hass,
        result,
        charger_form({CONF_POWER_ENTITY: power, CONF_ENERGY_ENTITY: energy}),
    )
    assert result["step_id"] == "action"
    assert suggested(result, CONF_PRESET) == "ocpp"
    assert suggested(result, CONF_ACTION) == "ocpp.set_charge_rate"
    assert suggested(result, CONF_ACTION_VALUE_FIELD) == "limit_amps"
    assert suggested(result, CONF_ACTION_UNIT) == "A"
    assert suggested(result, CONF_ACTION_DATA) == {}
    # OCPP's limit takes tenths of an ampere.
    assert suggested(result, CONF_CURRENT_STEP) == 0.1

    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "ocpp",
            CONF_ACTION: "ocpp.set_charge_rate",
            CONF_ACTION_VALUE_FIELD: "limit_amps",
            CONF_ACTION_UNIT: "A",
            CONF_ACTION_DATA: {"conn_id": 1},
            CONF_CURRENT_STEP: 0.1,
        },
    )
    assert result["step_id"] == "pause"
    assert suggested(result, CONF_PAUSE_MODE) == "zero"

    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    assert result["step_id"] == "status"
    assert suggested(result, CONF_PLUGGED_STATES) == list(OCPP_PLUGGED_STATES)
    assert suggested(result, CONF_CHARGING_STATES) == list(OCPP_CHARGING_STATES)
    assert select_options(result, CONF_PLUGGED_STATES) == [
        "Available",
        *OCPP_PLUGGED_STATES,
    ]

    result = await sub(
        hass,
        result,
        {
            CONF_PLUGGED_STATES: list(OCPP_PLUGGED_STATES),
            CONF_CHARGING_STATES: list(OCPP_CHARGING_STATES),
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Garage"
    assert result["unique_id"] == status
    assert result["data"] == {
        CONF_STATUS_ENTITY: status,
        CONF_CONTROL: "action",
        CONF_PHASES: 3,
        CONF_PHASE: 1,
        CONF_VOLTAGE: 230.0,
        CONF_MIN_CURRENT: 6.0,
        CONF_MAX_CURRENT: 16.0,
        CONF_MIN_WRITE_INTERVAL: 60,
        CONF_MIN_SWITCH_TIME: 0,  # no minimum on/off time
        CONF_POWER_ENTITY: power,
        CONF_ENERGY_ENTITY: energy,
        CONF_PRESET: "ocpp",
        CONF_ACTION: "ocpp.set_charge_rate",
        CONF_ACTION_VALUE_FIELD: "limit_amps",
        CONF_ACTION_UNIT: "A",
        CONF_ACTION_DATA: {"conn_id": 1},
        CONF_CURRENT_STEP: 0.1,
        CONF_PAUSE_MODE: "zero",
        CONF_PLUGGED_STATES: list(OCPP_PLUGGED_STATES),
        CONF_CHARGING_STATES: ["Charging"],
    }
    (subentry,) = site.subentries.values()
    assert subentry.subentry_type == SUBENTRY_CHARGER
    assert subentry.unique_id == status


async def test_easee_charger_gets_device_id(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Easee's action takes the HA device id of the charger: it is prefilled."""
    device_id, (status,) = charger_device(hass, "easee", ("sensor", "status", None))
    hass.states.async_set(
        status, "charging", {"options": ["disconnected", "awaiting_start", "charging"]}
    )
    async_mock_service(hass, "easee", "set_charger_dynamic_limit")

    result = await start_charger(hass, site)
    result = await sub(hass, result, {CONF_NAME: "Drive", CONF_STATUS_ENTITY: status})
    assert suggested(result, CONF_MIN_WRITE_INTERVAL) == 120
    assert suggested(result, CONF_POWER_ENTITY) is None
    result = await sub(hass, result, charger_form({CONF_MIN_WRITE_INTERVAL: 120}))
    assert suggested(result, CONF_PRESET) == "easee"
    assert suggested(result, CONF_ACTION) == "easee.set_charger_dynamic_limit"
    assert suggested(result, CONF_ACTION_VALUE_FIELD) == "current"
    assert suggested(result, CONF_ACTION_DATA) == {"device_id": device_id}

    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "easee",
            CONF_ACTION: "easee.set_charger_dynamic_limit",
            CONF_ACTION_VALUE_FIELD: "current",
            CONF_ACTION_UNIT: "A",
            CONF_ACTION_DATA: {"device_id": device_id},
        },
    )
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    assert result["step_id"] == "status"
    # The sensor's own options first (its current state among them), then the preset's.
    assert select_options(result, CONF_PLUGGED_STATES) == [
        "disconnected",
        "awaiting_start",
        "charging",
        "completed",
        "ready_to_charge",
    ]
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["awaiting_start"], CONF_CHARGING_STATES: ["charging"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ACTION_DATA] == {"device_id": device_id}
    assert result["data"][CONF_MIN_WRITE_INTERVAL] == 120
    # Charging states count as plugged in.
    assert result["data"][CONF_PLUGGED_STATES] == ["awaiting_start", "charging"]
    assert result["data"][CONF_CHARGING_STATES] == ["charging"]


async def test_keba_binary_sensor_paused_by_switch(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """KEBA's preset pauses with keba.disable; a switch instead is checked.

    A binary status sensor needs no status step.
    """
    _, (plug,) = charger_device(hass, "keba", ("binary_sensor", "plug", None))
    hass.states.async_set(plug, "on")
    hass.states.async_set("switch.keba_enable", "on")
    hass.states.async_set("select.keba_mode", "auto", {"options": ["auto", "off"]})
    async_mock_service(hass, "keba", "set_current")

    result = await start_charger(hass, site)
    result = await sub(hass, result, {CONF_NAME: "Carport", CONF_STATUS_ENTITY: plug})
    result = await sub(hass, result, charger_form())
    assert suggested(result, CONF_ACTION) == "keba.set_current"
    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "keba",
            CONF_ACTION: "keba.set_current",
            CONF_ACTION_VALUE_FIELD: "current",
            CONF_ACTION_UNIT: "A",
        },
    )
    assert result["step_id"] == "pause"
    # KEBA's own way: its actions keba.disable and keba.enable.
    assert suggested(result, CONF_PAUSE_MODE) == "action"
    # The way of pausing is all this form asks.
    assert fields(result) == [CONF_PAUSE_MODE]
    # Options are only for select pausing: the form does not take them.
    with pytest.raises(InvalidData):
        await sub(hass, result, {CONF_PAUSE_MODE: "switch", CONF_PAUSE_OPTION: "off"})

    result = await sub(hass, result, {CONF_PAUSE_MODE: "switch"})
    assert result["step_id"] == "pause_switch"
    assert fields(result) == [CONF_PAUSE_ENTITY]
    assert _picker(result, CONF_PAUSE_ENTITY)["domain"] == ["switch"]
    # The picker takes switches only; a select is refused before the flow sees it.
    with pytest.raises(InvalidData):
        await sub(hass, result, {CONF_PAUSE_ENTITY: "select.keba_mode"})
    result = await sub(hass, result, {CONF_PAUSE_ENTITY: "switch.nope"})
    assert result["step_id"] == "pause_switch"
    assert result["errors"] == {CONF_PAUSE_ENTITY: "entity_not_found"}

    result = await sub(hass, result, {CONF_PAUSE_ENTITY: "switch.keba_enable"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_PRESET] == "keba"
    assert data[CONF_PAUSE_MODE] == "switch"
    assert data[CONF_PAUSE_ENTITY] == "switch.keba_enable"
    assert CONF_PAUSE_OPTION not in data
    assert data[CONF_PLUGGED_STATES] == ["on"]
    assert data[CONF_CHARGING_STATES] == ["on"]
    assert CONF_ACTION_DATA in data
    assert data[CONF_ACTION_DATA] == {}


async def test_zaptec_charger_number_control(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Zaptec is set through its number entity, at most every 15 minutes."""
    _, (status, limit, _, _) = charger_device(
        hass,
        "zaptec",
        ("sensor", "mode", None),
        ("number", "charger_max_current", "A"),
        ("sensor", "power", "kW"),
        ("sensor", "power_offered", "W"),
    )
    hass.states.async_set(status, "connected_requesting", {"options": []})
    hass.states.async_set(limit, "16", {"unit_of_measurement": "A"})
    hass.states.async_set("number.percent_limit", "70", {"unit_of_measurement": "%"})
    hass.states.async_set("number.watt_limit", "7000", {"unit_of_measurement": "W"})

    result = await start_charger(hass, site)
    result = await sub(hass, result, {CONF_NAME: "Zap", CONF_STATUS_ENTITY: status})
    assert suggested(result, CONF_CONTROL) == "number"
    assert suggested(result, CONF_MIN_WRITE_INTERVAL) == 900
    # Two power sensors on the device: no guess.
    assert suggested(result, CONF_POWER_ENTITY) is None

    result = await sub(
        hass,
        result,
        charger_form(
            {
                CONF_CONTROL: ControlMethod.NUMBER,
                CONF_CONNECTION: "single_phase_l2",
                CONF_MIN_WRITE_INTERVAL: 900,
            }
        ),
    )
    assert result["step_id"] == "number"
    assert suggested(result, CONF_CURRENT_ENTITY) == limit

    for entity_id, error in (
        ("number.nope", "entity_not_found"),
        ("number.percent_limit", "number_unit_invalid"),
    ):
        result = await sub(hass, result, {CONF_CURRENT_ENTITY: entity_id})
        assert result["step_id"] == "number"
        assert result["errors"] == {CONF_CURRENT_ENTITY: error}
        assert suggested(result, CONF_CURRENT_ENTITY) == entity_id

    result = await sub(hass, result, {CONF_CURRENT_ENTITY: "number.watt_limit"})
    assert result["step_id"] == "pause"
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    assert result["step_id"] == "status"
    assert select_options(result, CONF_PLUGGED_STATES) == [
        "connected_requesting",
        "connected_charging",
        "connected_finished",
    ]
    result = await sub(
        hass,
        result,
        {
            CONF_PLUGGED_STATES: ["connected_requesting", "connected_finished"],
            CONF_CHARGING_STATES: ["connected_charging"],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_STATUS_ENTITY: status,
        CONF_CONTROL: "number",
        CONF_PHASES: 1,
        CONF_PHASE: 2,
        CONF_VOLTAGE: 230.0,
        CONF_MIN_CURRENT: 6.0,
        CONF_MAX_CURRENT: 16.0,
        CONF_MIN_WRITE_INTERVAL: 900,
        CONF_MIN_SWITCH_TIME: 0,
        CONF_PRESET: "zaptec",
        CONF_CURRENT_ENTITY: "number.watt_limit",
        CONF_PAUSE_MODE: "zero",
        CONF_PLUGGED_STATES: [
            "connected_requesting",
            "connected_finished",
            "connected_charging",
        ],
        CONF_CHARGING_STATES: ["connected_charging"],
    }


async def _pause_with_wallbox_select(hass: HomeAssistant, result: Result) -> Any:
    """Pause through select.wallbox_mode (charge, stop): each form checked."""
    result = await sub(hass, result, {CONF_PAUSE_MODE: "select"})
    assert result["step_id"] == "pause_select"
    assert _picker(result, CONF_PAUSE_ENTITY)["domain"] == ["select"]
    # A custom charger has no device: nothing to suggest.
    assert suggested(result, CONF_PAUSE_ENTITY) is None
    with pytest.raises(InvalidData):
        await sub(hass, result, {CONF_PAUSE_ENTITY: "switch.any"})
    result = await sub(hass, result, {CONF_PAUSE_ENTITY: "select.nope"})
    assert result["errors"] == {CONF_PAUSE_ENTITY: "entity_not_found"}

    result = await sub(hass, result, {CONF_PAUSE_ENTITY: "select.wallbox_mode"})
    assert result["step_id"] == "pause_options"
    assert result["description_placeholders"] == {"entity": "select.wallbox_mode"}
    # The select's own options, to choose from; nothing else is taken.
    assert select_options(result, CONF_PAUSE_OPTION) == ["charge", "stop"]
    assert select_options(result, CONF_RESUME_OPTION) == ["charge", "stop"]
    for user_input in (
        {CONF_PAUSE_OPTION: "stop", CONF_RESUME_OPTION: "go"},
        {CONF_PAUSE_OPTION: "halt", CONF_RESUME_OPTION: "charge"},
        {CONF_PAUSE_OPTION: "stop"},
    ):
        with pytest.raises(InvalidData):
            await sub(hass, result, user_input)
    result = await sub(
        hass, result, {CONF_PAUSE_OPTION: "stop", CONF_RESUME_OPTION: "stop"}
    )
    assert result["step_id"] == "pause_options"
    assert result["errors"] == {CONF_RESUME_OPTION: "pause_resume_same"}
    assert suggested(result, CONF_PAUSE_OPTION) == "stop"

    result = await sub(
        hass, result, {CONF_PAUSE_OPTION: "stop", CONF_RESUME_OPTION: "charge"}
    )
    assert result["step_id"] == "status"
    return result


async def test_custom_charger_select_pause_and_status_errors(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """An unknown integration: number control, no states; select pausing checked."""
    hass.states.async_set("sensor.wallbox_status", "unavailable")
    hass.states.async_set("number.wallbox_current", "16", {"unit_of_measurement": "A"})
    hass.states.async_set(
        "select.wallbox_mode", "charge", {"options": ["charge", "stop"]}
    )

    result = await start_charger(hass, site)
    result = await sub(
        hass,
        result,
        {CONF_NAME: "Wallbox", CONF_STATUS_ENTITY: "sensor.wallbox_status"},
    )
    assert suggested(result, CONF_CONTROL) == "number"
    assert suggested(result, CONF_POWER_ENTITY) is None
    result = await sub(hass, result, charger_form({CONF_CONTROL: "number"}))
    assert suggested(result, CONF_CURRENT_ENTITY) is None
    result = await sub(hass, result, {CONF_CURRENT_ENTITY: "number.wallbox_current"})
    assert suggested(result, CONF_PAUSE_MODE) == "zero"

    result = await _pause_with_wallbox_select(hass, result)
    # Unavailable, no options and no preset: nothing to suggest, states are typed.
    assert select_options(result, CONF_PLUGGED_STATES) == []
    assert suggested(result, CONF_PLUGGED_STATES) == []

    result = await sub(
        hass, result, {CONF_PLUGGED_STATES: [], CONF_CHARGING_STATES: []}
    )
    assert result["errors"] == {
        CONF_PLUGGED_STATES: "states_required",
        CONF_CHARGING_STATES: "states_required",
    }
    result = await sub(
        hass, result, {CONF_PLUGGED_STATES: ["connected"], CONF_CHARGING_STATES: []}
    )
    assert result["errors"] == {CONF_CHARGING_STATES: "states_required"}
    assert suggested(result, CONF_PLUGGED_STATES) == ["connected"]

    # The status entity went away meanwhile: the form still works.
    hass.states.async_remove("sensor.wallbox_status")
    result = await sub(
        hass, result, {CONF_PLUGGED_STATES: [], CONF_CHARGING_STATES: []}
    )
    assert result["step_id"] == "status"
    assert select_options(result, CONF_PLUGGED_STATES) == []

    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["connected"], CONF_CHARGING_STATES: ["charging"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_PRESET] == "custom"
    assert data[CONF_PAUSE_MODE] == "select"
    assert data[CONF_PAUSE_ENTITY] == "select.wallbox_mode"
    assert data[CONF_PAUSE_OPTION] == "stop"
    assert data[CONF_RESUME_OPTION] == "charge"
    assert data[CONF_PLUGGED_STATES] == ["connected", "charging"]


async def test_charger_status_entity_not_found(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """The status entity must exist."""
    result = await start_charger(hass, site)
    result = await sub(
        hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: "sensor.nope"}
    )
    assert result["step_id"] == "user"
    assert result["errors"] == {CONF_STATUS_ENTITY: "entity_not_found"}
    assert suggested(result, CONF_NAME) == "Garage"
    hass.states.async_set("sensor.nope", "idle")
    result = await sub(
        hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: "sensor.nope"}
    )
    assert result["step_id"] == "charger"


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        (
            {CONF_MIN_CURRENT: 10, CONF_MAX_CURRENT: 8},
            {CONF_MAX_CURRENT: "current_range_invalid"},
        ),
        ({CONF_POWER_ENTITY: "sensor.nope"}, {CONF_POWER_ENTITY: "entity_not_found"}),
        (
            {CONF_POWER_ENTITY: "sensor.energy"},
            {CONF_POWER_ENTITY: "power_unit_invalid"},
        ),
        ({CONF_ENERGY_ENTITY: "sensor.nope"}, {CONF_ENERGY_ENTITY: "entity_not_found"}),
        ({CONF_ENERGY_ENTITY: GRID}, {CONF_ENERGY_ENTITY: "energy_unit_invalid"}),
    ],
)
async def test_charger_step_errors_then_fixed(
    hass: HomeAssistant,
    site: MockConfigEntry,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Current range and meters are checked; fixing them moves on."""
    hass.states.async_set("sensor.status", "idle")
    hass.states.async_set("sensor.energy", "1", {"unit_of_measurement": "Wh"})
    result = await start_charger(hass, site)
    result = await sub(
        hass, result, {CONF_NAME: "A", CONF_STATUS_ENTITY: "sensor.status"}
    )
    result = await sub(hass, result, charger_form(user_input))
    assert result["step_id"] == "charger"
    assert result["errors"] == errors
    for key, value in user_input.items():
        assert suggested(result, key) == value

    result = await sub(
        hass,
        result,
        charger_form({CONF_POWER_ENTITY: GRID, CONF_ENERGY_ENTITY: "sensor.energy"}),
    )
    assert result["step_id"] == "action"


async def test_action_step_presets_and_errors(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Choosing a preset refills the fields; an edited form is checked as it is."""
    device_id, (status,) = charger_device(hass, "ocpp", ("sensor", "status", None))
    hass.states.async_set(status, "Charging")
    async_mock_service(hass, "easee", "set_charger_dynamic_limit")
    async_mock_service(hass, "charger", "set_limit")

    result = await start_charger(hass, site)
    result = await sub(hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: status})
    result = await sub(hass, result, charger_form())
    ocpp = {
        CONF_PRESET: "ocpp",
        CONF_ACTION: "ocpp.set_charge_rate",
        CONF_ACTION_VALUE_FIELD: "limit_amps",
        CONF_ACTION_UNIT: "A",
        CONF_ACTION_DATA: {},
    }
    # Easee chosen, nothing else touched: the form comes back with Easee's values.
    result = await sub(hass, result, ocpp | {CONF_PRESET: "easee"})
    assert result["step_id"] == "action"
    assert result["errors"] == {}
    assert suggested(result, CONF_PRESET) == "easee"
    assert suggested(result, CONF_ACTION) == "easee.set_charger_dynamic_limit"
    assert suggested(result, CONF_ACTION_VALUE_FIELD) == "current"
    # The device is the OCPP charger's: it is the entity the user picked.
    assert suggested(result, CONF_ACTION_DATA) == {"device_id": device_id}

    # Custom chosen from Easee: the fields are emptied for the user to fill.
    easee = {
        CONF_PRESET: "custom",
        CONF_ACTION: "easee.set_charger_dynamic_limit",
        CONF_ACTION_VALUE_FIELD: "current",
        CONF_ACTION_UNIT: "A",
        CONF_ACTION_DATA: {"device_id": device_id},
    }
    result = await sub(hass, result, easee)
    assert suggested(result, CONF_PRESET) == "custom"
    assert suggested(result, CONF_ACTION) == ""
    assert suggested(result, CONF_ACTION_DATA) == {}

    custom = {
        CONF_PRESET: "custom",
        CONF_ACTION: "charger.set_limit",
        CONF_ACTION_VALUE_FIELD: "watts",
        CONF_ACTION_UNIT: "W",
        CONF_ACTION_DATA: {"charger": "left"},
    }
    for user_input, errors in (
        ({CONF_ACTION: "set_limit"}, {CONF_ACTION: "action_not_found"}),
        ({CONF_ACTION: "charger.nope"}, {CONF_ACTION: "action_not_found"}),
        ({CONF_ACTION: "ocpp.set_charge_rate"}, {CONF_ACTION: "action_not_found"}),
        ({CONF_ACTION_DATA: ["left"]}, {CONF_ACTION_DATA: "action_data_invalid"}),
        (
            {CONF_ACTION_VALUE_FIELD: "  "},
            {CONF_ACTION_VALUE_FIELD: "value_field_invalid"},
        ),
        (
            {CONF_ACTION_VALUE_FIELD: "charger"},
            {CONF_ACTION_VALUE_FIELD: "value_field_invalid"},
        ),
        # Another preset, but the fields were edited: they are checked, not replaced.
        (
            {CONF_PRESET: "ocpp", CONF_ACTION: "ocpp.x"},
            {CONF_ACTION: "action_not_found"},
        ),
    ):
        result = await sub(hass, result, custom | user_input)
        assert result["step_id"] == "action"
        assert result["errors"] == errors
        for key, value in user_input.items():
            assert suggested(result, key) == value

    result = await sub(hass, result, custom | {CONF_ACTION: " charger.set_limit "})
    assert result["step_id"] == "pause"
    # The pause default follows the preset in use: custom pauses with 0.
    assert suggested(result, CONF_PAUSE_MODE) == "zero"
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Charging"], CONF_CHARGING_STATES: ["Charging"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_PRESET] == "custom"
    assert data[CONF_ACTION] == "charger.set_limit"
    assert data[CONF_ACTION_VALUE_FIELD] == "watts"
    assert data[CONF_ACTION_UNIT] == "W"
    assert data[CONF_ACTION_DATA] == {"charger": "left"}
    assert data[CONF_PLUGGED_STATES] == ["Charging"]


async def test_action_data_may_be_left_out(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Without fixed fields the action data is stored empty."""
    hass.states.async_set("binary_sensor.plug", "off")
    async_mock_service(hass, "charger", "set_limit")
    result = await start_charger(hass, site)
    result = await sub(
        hass, result, {CONF_NAME: "Plug", CONF_STATUS_ENTITY: "binary_sensor.plug"}
    )
    result = await sub(hass, result, charger_form())
    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "custom",
            CONF_ACTION: "charger.set_limit",
            CONF_ACTION_VALUE_FIELD: "amps",
            CONF_ACTION_UNIT: "A",
        },
    )
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ACTION_DATA] == {}
    assert CONF_PAUSE_ENTITY not in result["data"]


async def test_action_current_step(hass: HomeAssistant, site: MockConfigEntry) -> None:
    """A 0.5 A step is checked against its bounds, stored, and written so."""
    hass.states.async_set("binary_sensor.plug", "on")
    calls = async_mock_service(hass, "charger", "set_limit")
    result = await start_charger(hass, site)
    result = await sub(
        hass, result, {CONF_NAME: "Plug", CONF_STATUS_ENTITY: "binary_sensor.plug"}
    )
    result = await sub(hass, result, charger_form())
    assert result["step_id"] == "action"
    assert suggested(result, CONF_CURRENT_STEP) == 1.0  # custom: whole amperes
    form = {
        CONF_PRESET: "custom",
        CONF_ACTION: "charger.set_limit",
        CONF_ACTION_VALUE_FIELD: "amps",
        CONF_ACTION_UNIT: "A",
    }
    for step in (0.05, 12):
        result = await sub(hass, result, form | {CONF_CURRENT_STEP: step})
        assert result["step_id"] == "action"
        assert result["errors"] == {CONF_CURRENT_STEP: "number_out_of_range"}
        assert result["description_placeholders"] == {
            "minimum": "0.1 A",
            "maximum": "10 A",
        }
    result = await sub(hass, result, form | {CONF_CURRENT_STEP: 0.5})
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CURRENT_STEP] == 0.5

    (subentry,) = site.subentries.values()
    charger = ChargerSettings.from_subentry(subentry)
    assert charger.current_step == 0.5
    writer = ChargerWriter(hass, (charger,))
    # 7.9 A (a guard's or a release's value, off the grid) goes as 7.5 A.
    assert await writer.async_write_now(charger, 7.9, dt_util.utcnow())
    assert calls[-1].data == {"amps": 7.5}
    assert writer.states[charger.subentry_id].current_a == 7.5


def charger_subentry(
    status: str, title: str = "Garage", **data: Any
) -> ConfigSubentryData:
    """A stored OCPP charger subentry."""
    return ConfigSubentryData(
        data={
            CONF_STATUS_ENTITY: status,
            CONF_CONTROL: "action",
            CONF_PHASES: 3,
            CONF_PHASE: 1,
            CONF_VOLTAGE: 230.0,
            CONF_MIN_CURRENT: 6.0,
            CONF_MAX_CURRENT: 32.0,
            CONF_MIN_WRITE_INTERVAL: 30,
            CONF_PRESET: "ocpp",
            CONF_ACTION: "ocpp.set_charge_rate",
            CONF_ACTION_VALUE_FIELD: "limit_amps",
            CONF_ACTION_UNIT: "A",
            CONF_ACTION_DATA: {"devid": "cp1"},
            CONF_PAUSE_MODE: "zero",
            CONF_PLUGGED_STATES: ["Preparing", "Charging"],
            CONF_CHARGING_STATES: ["Charging"],
            **data,
        },
        subentry_type=SUBENTRY_CHARGER,
        title=title,
        unique_id=status,
    )


@pytest.fixture
def site_with_charger(hass: HomeAssistant) -> MockConfigEntry:
    """A site with one OCPP charger."""
    hass.states.async_set("sensor.cp1_status", "Charging")
    hass.states.async_set("sensor.cp2_status", "Available")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={CONF_PRICE_ENTITY: PRICE, CONF_SITE_LIMIT_KW: 11.0},
        subentries_data=[charger_subentry("sensor.cp1_status")],
    )
    entry.add_to_hass(hass)
    return entry


async def test_duplicate_charger_aborts(
    hass: HomeAssistant, site_with_charger: MockConfigEntry
) -> None:
    """One charger per status entity."""
    result = await start_charger(hass, site_with_charger)
    result = await sub(
        hass, result, {CONF_NAME: "Again", CONF_STATUS_ENTITY: "sensor.cp1_status"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(site_with_charger.subentries) == 1


async def test_reconfigure_keeps_whole_amperes_of_an_older_charger(
    hass: HomeAssistant, site_with_charger: MockConfigEntry
) -> None:
    """An OCPP charger stored before the step was asked keeps whole amperes.

    Its preset takes tenths now; what it has been written with is suggested.
    """
    entry = site_with_charger
    (subentry_id,) = entry.subentries
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await sub(
        hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: "sensor.cp1_status"}
    )
    result = await sub(hass, result, charger_form({CONF_MIN_WRITE_INTERVAL: 30}))
    assert result["step_id"] == "action"
    assert suggested(result, CONF_CURRENT_STEP) == 1.0


async def test_reconfigure_charger(
    hass: HomeAssistant, site_with_charger: MockConfigEntry
) -> None:
    """Every step is prefilled with what is stored; the new data replaces it."""
    entry = site_with_charger
    (subentry_id,) = entry.subentries
    hass.states.async_set("number.cp2_current", "16", {"unit_of_measurement": "A"})

    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["step_id"] == "reconfigure"
    assert suggested(result, CONF_NAME) == "Garage"
    assert suggested(result, CONF_STATUS_ENTITY) == "sensor.cp1_status"

    result = await sub(
        hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: "sensor.gone"}
    )
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {CONF_STATUS_ENTITY: "entity_not_found"}

    result = await sub(
        hass,
        result,
        {CONF_NAME: "Garage left", CONF_STATUS_ENTITY: "sensor.cp2_status"},
    )
    assert result["step_id"] == "charger"
    assert suggested(result, CONF_CONTROL) == "action"
    assert suggested(result, CONF_MAX_CURRENT) == 32.0
    assert suggested(result, CONF_MIN_WRITE_INTERVAL) == 30
    assert suggested(result, CONF_CONNECTION) == "three_phase"

    result = await sub(hass, result, charger_form({CONF_MIN_WRITE_INTERVAL: 30}))
    assert result["step_id"] == "action"
    assert suggested(result, CONF_PRESET) == "ocpp"
    assert suggested(result, CONF_ACTION_DATA) == {"devid": "cp1"}
    # Switching to number control instead is another run; here keep the action.
    async_mock_service(hass, "ocpp", "set_charge_rate")
    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "ocpp",
            CONF_ACTION: "ocpp.set_charge_rate",
            CONF_ACTION_VALUE_FIELD: "limit_amps",
            CONF_ACTION_UNIT: "A",
            CONF_ACTION_DATA: {"devid": "cp2"},
        },
    )
    assert suggested(result, CONF_PAUSE_MODE) == "zero"
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    assert result["step_id"] == "status"
    assert suggested(result, CONF_PLUGGED_STATES) == ["Preparing", "Charging"]
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"

    subentry = entry.subentries[subentry_id]
    assert subentry.title == "Garage left"
    assert subentry.unique_id == "sensor.cp2_status"
    assert subentry.data[CONF_STATUS_ENTITY] == "sensor.cp2_status"
    assert subentry.data[CONF_ACTION_DATA] == {"devid": "cp2"}
    assert subentry.data[CONF_MIN_WRITE_INTERVAL] == 30

    # Now to number control: the action keys go, the number entity comes.
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await sub(
        hass,
        result,
        {CONF_NAME: "Garage left", CONF_STATUS_ENTITY: "sensor.cp2_status"},
    )
    result = await sub(hass, result, charger_form({CONF_CONTROL: "number"}))
    assert result["step_id"] == "number"
    result = await sub(hass, result, {CONF_CURRENT_ENTITY: "number.cp2_current"})
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
    )
    assert result["reason"] == "reconfigure_successful"
    data = entry.subentries[subentry_id].data
    assert data[CONF_CONTROL] == "number"
    assert data[CONF_CURRENT_ENTITY] == "number.cp2_current"
    assert data[CONF_PRESET] == "ocpp"
    assert CONF_ACTION not in data
    assert CONF_ACTION_DATA not in data


async def test_reconfigure_charger_to_another_chargers_status_aborts(
    hass: HomeAssistant, site_with_charger: MockConfigEntry
) -> None:
    """A charger cannot take the status entity of another charger."""
    entry = site_with_charger
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(**charger_subentry("sensor.cp2_status", title="Two")),
    )
    own = next(s for s in entry.subentries.values() if s.title == "Two")
    result = await entry.start_subentry_reconfigure_flow(hass, own.subentry_id)
    result = await sub(
        hass, result, {CONF_NAME: "Two", CONF_STATUS_ENTITY: "sensor.cp1_status"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("stored", "shown", "chosen", "saved"),
    [
        ({CONF_PHASES: 3, CONF_PHASE: 2}, "three_phase_l2", "three_phase_l3", (3, 3)),
        ({CONF_PHASES: 1, CONF_PHASE: 3}, "single_phase_l3", "three_phase", (3, 1)),
        # Not a connection there is (stored by hand): the default is suggested.
        ({CONF_PHASES: 2, CONF_PHASE: 1}, "three_phase", "single_phase_l2", (1, 2)),
    ],
)
async def test_reconfigure_charger_connection(
    hass: HomeAssistant,
    stored: dict[str, int],
    shown: str,
    chosen: str,
    saved: tuple[int, int],
) -> None:
    """The stored phases and phase are shown as one connection, and saved so."""
    hass.states.async_set("sensor.cp1_status", "Charging")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={CONF_PRICE_ENTITY: PRICE, CONF_SITE_LIMIT_KW: 11.0},
        subentries_data=[charger_subentry("sensor.cp1_status", **stored)],
    )
    entry.add_to_hass(hass)
    (subentry_id,) = entry.subentries
    async_mock_service(hass, "ocpp", "set_charge_rate")
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await sub(
        hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: "sensor.cp1_status"}
    )
    assert result["step_id"] == "charger"
    assert suggested(result, CONF_CONNECTION) == shown
    result = await sub(hass, result, charger_form({CONF_CONNECTION: chosen}))
    assert result["step_id"] == "action"
    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "ocpp",
            CONF_ACTION: "ocpp.set_charge_rate",
            CONF_ACTION_VALUE_FIELD: "limit_amps",
            CONF_ACTION_UNIT: "A",
        },
    )
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
    )
    assert result["reason"] == "reconfigure_successful"
    data = entry.subentries[subentry_id].data
    assert (data[CONF_PHASES], data[CONF_PHASE]) == saved
    assert CONF_CONNECTION not in data


# --- Vehicle subentry ---------------------------------------------------------------


async def start_vehicle(hass: HomeAssistant, entry: MockConfigEntry) -> Result:
    """Start adding a vehicle."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_VEHICLE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def test_vehicle_with_soc_and_charger(
    hass: HomeAssistant, site_with_charger: MockConfigEntry
) -> None:
    """A vehicle with a SoC sensor, tied to the site's charger by subentry id."""
    entry = site_with_charger
    (charger_id,) = entry.subentries
    hass.states.async_set("sensor.car_soc", "54", {"unit_of_measurement": "%"})

    result = await start_vehicle(hass, entry)
    assert suggested(result, CONF_TARGET_SOC) == 80.0
    assert suggested(result, CONF_MIN_SOC) == 20.0
    assert suggested(result, CONF_EFFICIENCY) == 90
    assert suggested(result, CONF_DEPARTURE) == "07:00:00"
    assert suggested(result, CONF_PLAN_AHEAD) is True
    assert select_options(result, CONF_CHARGER) == [
        {"value": charger_id, "label": "Garage"}
    ]

    result = await sub(
        hass,
        result,
        vehicle_form(
            {
                CONF_SOC_ENTITY: "sensor.car_soc",
                CONF_CAPACITY_KWH: 77,
                CONF_EFFICIENCY: 85,
                CONF_DEPARTURE: "06:30:00",
                CONF_PLAN_AHEAD: False,
                CONF_CHARGER: charger_id,
            }
        ),
    )
    # Its on-board charger, suggested from the 11 kW: 3 x 16 A.
    assert result["step_id"] == "obc"
    assert fields(result) == [CONF_PHASES, CONF_MAX_CURRENT, CONF_MIN_CURRENT]
    assert suggested(result, CONF_PHASES) == "3"
    assert suggested(result, CONF_MAX_CURRENT) == 16.0
    assert suggested(result, CONF_MIN_CURRENT) is None
    assert result["description_placeholders"] == {
        "power": "11",
        "phases": "3",
        "current": "16",
    }
    result = await sub(
        hass, result, {CONF_PHASES: "3", CONF_MAX_CURRENT: 16, CONF_MIN_CURRENT: 8}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Family car"
    assert result["unique_id"] == "sensor.car_soc"
    assert result["data"] == {
        CONF_SOC_ENTITY: "sensor.car_soc",
        CONF_CAPACITY_KWH: 77.0,
        CONF_TARGET_SOC: 80.0,
        CONF_MIN_SOC: 20.0,
        CONF_EFFICIENCY: 0.85,
        CONF_MAX_POWER_KW: 11.0,
        CONF_DEPARTURE: "06:30:00",
        CONF_ARRIVAL: "18:00:00",
        CONF_PLAN_AHEAD: False,
        CONF_CHARGER: charger_id,
        CONF_SESSION_ENERGY: 20.0,
        CONF_PHASES: 3,
        CONF_MAX_CURRENT: 16.0,
        CONF_MIN_CURRENT: 8.0,
    }


async def test_vehicle_without_soc(hass: HomeAssistant, site: MockConfigEntry) -> None:
    """No SoC sensor: no unique id, no capacity needed; no charger to choose."""
    result = await start_vehicle(hass, site)
    assert CONF_CHARGER not in fields(result)
    result = await sub(hass, result, vehicle_form({CONF_MAX_POWER_KW: 3.7}))
    # 3.7 kW is a single-phase car at 16 A.
    assert suggested(result, CONF_PHASES) == "1"
    assert suggested(result, CONF_MAX_CURRENT) == 16.0
    result = await sub(hass, result, {CONF_PHASES: "1", CONF_MAX_CURRENT: 16})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["unique_id"] is None
    assert result["data"] == {
        CONF_TARGET_SOC: 80.0,
        CONF_MIN_SOC: 20.0,
        CONF_EFFICIENCY: 0.9,
        CONF_MAX_POWER_KW: 3.7,
        CONF_DEPARTURE: "07:00:00",
        CONF_ARRIVAL: "18:00:00",
        CONF_PLAN_AHEAD: True,
        CONF_SESSION_ENERGY: 20.0,
        CONF_PHASES: 1,
        CONF_MAX_CURRENT: 16.0,
    }


async def test_vehicle_obc_range_error_then_fixed(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """A minimum above the maximum is an error on the minimum; nothing is lost."""
    result = await start_vehicle(hass, site)
    result = await sub(hass, result, vehicle_form())
    entered = {CONF_PHASES: "2", CONF_MAX_CURRENT: 10, CONF_MIN_CURRENT: 12}
    result = await sub(hass, result, entered)
    assert result["step_id"] == "obc"
    assert result["errors"] == {CONF_MIN_CURRENT: "obc_current_range_invalid"}
    for key, value in entered.items():
        assert suggested(result, key) == value
    result = await sub(hass, result, entered | {CONF_MIN_CURRENT: 10})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PHASES] == 2
    assert result["data"][CONF_MIN_CURRENT] == 10.0
    with pytest.raises(InvalidData):
        await sub(hass, await _obc_step(hass, site), {CONF_PHASES: "4"})


async def _obc_step(hass: HomeAssistant, entry: MockConfigEntry) -> Result:
    """A new vehicle's on-board charger step (after a valid vehicle form)."""
    result = await start_vehicle(hass, entry)
    return await sub(hass, result, vehicle_form({CONF_NAME: "Other"}))


async def test_one_phase_site_asks_no_connection_and_derives_one_phase(
    hass: HomeAssistant,
) -> None:
    """On a 1-phase site a charger is single-phase on L1 and an 11 kW car 1 x 48 A."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Cottage",
        data={
            CONF_PRICE_ENTITY: PRICE,
            CONF_LIMIT_MODE: LimitMode.CURRENT,
            CONF_SITE_LIMIT_A: 35.0,
            CONF_SITE_PHASES: 1,
            CONF_SITE_VOLTAGE: 230.0,
        },
    )
    entry.add_to_hass(hass)
    result = await _obc_step(hass, entry)
    assert suggested(result, CONF_PHASES) == "1"
    assert suggested(result, CONF_MAX_CURRENT) == 48.0
    # 22 kW on one phase would be 96 A: the suggestion stays within the form.
    result = await start_vehicle(hass, entry)
    result = await sub(
        hass, result, vehicle_form({CONF_NAME: "Big", CONF_MAX_POWER_KW: 22})
    )
    assert suggested(result, CONF_MAX_CURRENT) == 80.0

    hass.states.async_set("sensor.cp1_status", "Available")
    async_mock_service(hass, "ocpp", "set_charge_rate")
    result = await start_charger(hass, entry)
    result = await sub(
        hass, result, {CONF_NAME: "Shed", CONF_STATUS_ENTITY: "sensor.cp1_status"}
    )
    assert result["step_id"] == "charger"
    assert CONF_CONNECTION not in fields(result)
    form = {k: v for k, v in charger_form().items() if k != CONF_CONNECTION}
    result = await sub(hass, result, form)
    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "ocpp",
            CONF_ACTION: "ocpp.set_charge_rate",
            CONF_ACTION_VALUE_FIELD: "limit_amps",
            CONF_ACTION_UNIT: "A",
        },
    )
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PHASES] == 1
    assert result["data"][CONF_PHASE] == 1


def vehicle_subentry(
    title: str, soc: str | None = None, **data: Any
) -> ConfigSubentryData:
    """A stored vehicle subentry."""
    stored: dict[str, Any] = {
        CONF_TARGET_SOC: 80.0,
        CONF_MIN_SOC: 20.0,
        CONF_EFFICIENCY: 0.92,
        CONF_MAX_POWER_KW: 7.4,
        CONF_DEPARTURE: "07:15:00",
        CONF_ARRIVAL: "17:30:00",
        CONF_PLAN_AHEAD: True,
        **data,
    }
    if soc:
        stored |= {CONF_SOC_ENTITY: soc, CONF_CAPACITY_KWH: 60.0}
    return ConfigSubentryData(
        data=stored, subentry_type=SUBENTRY_VEHICLE, title=title, unique_id=soc
    )


@pytest.fixture
def site_with_vehicle(hass: HomeAssistant) -> MockConfigEntry:
    """A site with a charger and a vehicle whose SoC sensor exists."""
    hass.states.async_set("sensor.cp1_status", "Charging")
    hass.states.async_set("sensor.car_soc", "54", {"unit_of_measurement": "%"})
    hass.states.async_set("sensor.van_soc", "30", {"unit_of_measurement": "%"})
    hass.states.async_set("sensor.car_energy", "3", {"unit_of_measurement": "kWh"})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={CONF_PRICE_ENTITY: PRICE, CONF_SITE_LIMIT_KW: 11.0},
        subentries_data=[
            charger_subentry("sensor.cp1_status"),
            vehicle_subentry("Family car", "sensor.car_soc"),
        ],
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_NAME: "family CAR "}, {CONF_NAME: "name_exists"}),
        (
            {CONF_SOC_ENTITY: "sensor.nope", CONF_CAPACITY_KWH: 50},
            {CONF_SOC_ENTITY: "entity_not_found"},
        ),
        (
            {CONF_SOC_ENTITY: "sensor.car_energy", CONF_CAPACITY_KWH: 50},
            {CONF_SOC_ENTITY: "soc_unit_invalid"},
        ),
        ({CONF_SOC_ENTITY: "sensor.van_soc"}, {CONF_CAPACITY_KWH: "capacity_required"}),
        ({CONF_MIN_SOC: 81}, {CONF_MIN_SOC: "soc_range_invalid"}),
        (
            {
                CONF_NAME: "Family car",
                CONF_SOC_ENTITY: "sensor.van_soc",
                CONF_MIN_SOC: 90,
            },
            {
                CONF_NAME: "name_exists",
                CONF_CAPACITY_KWH: "capacity_required",
                CONF_MIN_SOC: "soc_range_invalid",
            },
        ),
    ],
)
async def test_vehicle_errors_then_fixed(
    hass: HomeAssistant,
    site_with_vehicle: MockConfigEntry,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Each check is an error on its field, shown with what was entered."""
    form = vehicle_form({CONF_NAME: "Van"})
    result = await start_vehicle(hass, site_with_vehicle)
    result = await sub(hass, result, form | user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    for key, value in user_input.items():
        assert suggested(result, key) == value

    result = await sub(
        hass, result, form | {CONF_SOC_ENTITY: "sensor.van_soc", CONF_CAPACITY_KWH: 75}
    )
    assert result["step_id"] == "obc"
    result = await sub(hass, result, {CONF_PHASES: "3", CONF_MAX_CURRENT: 16})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["unique_id"] == "sensor.van_soc"


async def test_duplicate_vehicle_soc_aborts(
    hass: HomeAssistant, site_with_vehicle: MockConfigEntry
) -> None:
    """One vehicle per SoC sensor."""
    result = await start_vehicle(hass, site_with_vehicle)
    result = await sub(
        hass,
        result,
        vehicle_form(
            {
                CONF_NAME: "Other",
                CONF_SOC_ENTITY: "sensor.car_soc",
                CONF_CAPACITY_KWH: 50,
            }
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_vehicle(
    hass: HomeAssistant, site_with_vehicle: MockConfigEntry
) -> None:
    """Prefilled (efficiency in %), own name and SoC allowed, data replaced."""
    entry = site_with_vehicle
    charger_id, vehicle_id = entry.subentries
    # A stale charger id (the charger was deleted) is not suggested.
    hass.config_entries.async_update_subentry(
        entry,
        entry.subentries[vehicle_id],
        data={**entry.subentries[vehicle_id].data, CONF_CHARGER: "deleted"},
    )

    result = await entry.start_subentry_reconfigure_flow(hass, vehicle_id)
    assert result["step_id"] == "reconfigure"
    assert suggested(result, CONF_NAME) == "Family car"
    assert suggested(result, CONF_SOC_ENTITY) == "sensor.car_soc"
    assert suggested(result, CONF_CAPACITY_KWH) == 60.0
    assert suggested(result, CONF_EFFICIENCY) == 92
    assert suggested(result, CONF_MAX_POWER_KW) == 7.4
    assert suggested(result, CONF_DEPARTURE) == "07:15:00"
    assert suggested(result, CONF_CHARGER) is None

    result = await sub(hass, result, vehicle_form({CONF_SOC_ENTITY: "sensor.car_soc"}))
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {CONF_CAPACITY_KWH: "capacity_required"}

    result = await sub(
        hass,
        result,
        vehicle_form(
            {
                CONF_NAME: "Family car",
                CONF_SOC_ENTITY: "sensor.car_soc",
                CONF_CAPACITY_KWH: 64,
                CONF_CHARGER: charger_id,
                CONF_MAX_POWER_KW: 7.4,
            }
        ),
    )
    # Stored before on-board chargers were asked for: derived from its 7.4 kW.
    assert result["step_id"] == "obc"
    assert suggested(result, CONF_PHASES) == "1"
    assert suggested(result, CONF_MAX_CURRENT) == 32.0
    result = await sub(
        hass, result, {CONF_PHASES: "2", CONF_MAX_CURRENT: 16, CONF_MIN_CURRENT: 6}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[vehicle_id]
    assert subentry.unique_id == "sensor.car_soc"
    assert subentry.data[CONF_CAPACITY_KWH] == 64.0
    assert subentry.data[CONF_EFFICIENCY] == 0.9
    assert subentry.data[CONF_CHARGER] == charger_id
    assert subentry.data[CONF_PHASES] == 2
    assert subentry.data[CONF_MAX_CURRENT] == 16.0
    assert subentry.data[CONF_MIN_CURRENT] == 6.0

    # Renamed, without a SoC sensor: no unique id any more; the charger is shown.
    # The same maximum power keeps what is stored of its on-board charger.
    result = await entry.start_subentry_reconfigure_flow(hass, vehicle_id)
    assert suggested(result, CONF_CHARGER) == charger_id
    result = await sub(
        hass, result, vehicle_form({CONF_NAME: "Old car", CONF_MAX_POWER_KW: 7.4})
    )
    assert suggested(result, CONF_PHASES) == "2"
    assert suggested(result, CONF_MAX_CURRENT) == 16.0
    assert suggested(result, CONF_MIN_CURRENT) == 6.0
    result = await sub(hass, result, {CONF_PHASES: "2", CONF_MAX_CURRENT: 16})
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[vehicle_id]
    assert subentry.title == "Old car"
    assert subentry.unique_id is None
    assert CONF_SOC_ENTITY not in subentry.data
    assert CONF_CHARGER not in subentry.data
    assert CONF_MIN_CURRENT not in subentry.data  # left empty: none

    # Another maximum power: the suggestion follows it (11 kW: 3 x 16 A).
    result = await entry.start_subentry_reconfigure_flow(hass, vehicle_id)
    result = await sub(hass, result, vehicle_form({CONF_NAME: "Old car"}))
    assert suggested(result, CONF_PHASES) == "3"
    assert suggested(result, CONF_MAX_CURRENT) == 16.0


async def test_reconfigure_vehicle_to_another_vehicles_soc_aborts(
    hass: HomeAssistant, site_with_vehicle: MockConfigEntry
) -> None:
    """A vehicle cannot take the SoC sensor of another one."""
    entry = site_with_vehicle
    hass.config_entries.async_add_subentry(
        entry, ConfigSubentry(**vehicle_subentry("Van", "sensor.van_soc"))
    )
    van = next(s for s in entry.subentries.values() if s.title == "Van")
    result = await entry.start_subentry_reconfigure_flow(hass, van.subentry_id)
    result = await sub(
        hass,
        result,
        vehicle_form(
            {CONF_NAME: "Van", CONF_SOC_ENTITY: "sensor.car_soc", CONF_CAPACITY_KWH: 60}
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# --- What the flows write is what settings.py reads -----------------------------------


async def test_settings_parse_what_the_flows_create(hass: HomeAssistant) -> None:
    """Site, options, a charger and a vehicle, created by the flows, parse as meant."""
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    result = await configure(
        hass,
        result,
        {
            CONF_LIMIT_MODE: "current",
            CONF_GRID_POWER_ENTITY: GRID,
            CONF_GRID_POWER_SIGN: "export_positive",
            **PHASE_FORM,
        },
    )
    result = await configure(
        hass,
        result,
        {CONF_SITE_LIMIT_A: 25, CONF_SITE_PHASES: "3", CONF_SITE_VOLTAGE: 230},
    )
    entry = result["result"]
    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_STEP_MINUTES: "30", CONF_HORIZON_HOURS: 12, CONF_ALGORITHM: "heuristic"},
    )

    device_id, (status,) = charger_device(hass, "easee", ("sensor", "status", None))
    hass.states.async_set(status, "charging")
    hass.states.async_set("switch.easee_enable", "on")
    async_mock_service(hass, "easee", "set_charger_dynamic_limit")
    result = await start_charger(hass, entry)
    result = await sub(hass, result, {CONF_NAME: "Drive", CONF_STATUS_ENTITY: status})
    result = await sub(hass, result, charger_form({CONF_CONNECTION: "single_phase_l3"}))
    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "easee",
            CONF_ACTION: "easee.set_charger_dynamic_limit",
            CONF_ACTION_VALUE_FIELD: "current",
            CONF_ACTION_UNIT: "A",
            CONF_ACTION_DATA: {"device_id": device_id},
        },
    )
    result = await sub(hass, result, {CONF_PAUSE_MODE: "switch"})
    result = await sub(hass, result, {CONF_PAUSE_ENTITY: "switch.easee_enable"})
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["awaiting_start"], CONF_CHARGING_STATES: ["charging"]},
    )
    charger_id = next(iter(entry.subentries))

    hass.states.async_set("sensor.car_soc", "54", {"unit_of_measurement": "%"})
    result = await start_vehicle(hass, entry)
    result = await sub(
        hass,
        result,
        vehicle_form(
            {
                CONF_SOC_ENTITY: "sensor.car_soc",
                CONF_CAPACITY_KWH: 77,
                CONF_EFFICIENCY: 88,
                CONF_CHARGER: charger_id,
            }
        ),
    )
    result = await sub(
        hass, result, {CONF_PHASES: "1", CONF_MAX_CURRENT: 16, CONF_MIN_CURRENT: 6}
    )
    vehicle_id = next(s for s in entry.subentries if s != charger_id)

    settings = Settings.from_entry(entry)
    assert settings.site == SiteSettings(
        price_entity=PRICE,
        limit_mode=LimitMode.CURRENT,
        limit_kw=25 * 3 * 230 / 1000,
        limit_a=25.0,
        phases=3,
        voltage=230.0,
        grid_power_entity=GRID,
        grid_sign=GridSign.EXPORT_POSITIVE,
        phase_current_entities=tuple(PHASES),
        step_minutes=30,
        horizon_hours=12,
        algorithm="heuristic",
    )
    assert settings.chargers == (
        ChargerSettings(
            subentry_id=charger_id,
            name="Drive",
            control=ControlMethod.ACTION,
            preset=ChargerPreset.EASEE,
            action="easee.set_charger_dynamic_limit",
            action_value_field="current",
            action_unit=CurrentUnit.AMPERE,
            action_data={"device_id": device_id},
            pause_mode=PauseMode.SWITCH,
            pause_entity="switch.easee_enable",
            status_entity=status,
            plugged_states=("awaiting_start", "charging"),
            charging_states=("charging",),
            phases=1,
            phase=3,
            voltage=230.0,
            min_current=6.0,
            max_current=16.0,
            min_write_interval=60,
        ),
    )
    assert settings.vehicles == (
        VehicleSettings(
            subentry_id=vehicle_id,
            name="Family car",
            soc_entity="sensor.car_soc",
            capacity_kwh=77.0,
            target_soc=80.0,
            min_soc=20.0,
            efficiency=0.88,
            max_power_kw=11.0,
            departure=time(7, 0),
            arrival=time(18, 0),
            plan_ahead=True,
            charger=charger_id,
            phases=1,
            max_current=16.0,
            min_current=6.0,
        ),
    )
    assert settings.vehicles[0].has_soc
    assert settings.charger(charger_id) is settings.chargers[0]


async def test_vehicle_week_and_evidence_sections(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Weekly departures (a time, or none that day) and the car's own entities.

    Stored as the settings read them, and shown again on reconfigure.
    """
    result = await start_vehicle(hass, site)
    result = await sub(
        hass,
        result,
        vehicle_form()
        | {
            CONF_MAX_POWER_KW: 3.7,
            "week": {"wed": "09:30:00", "no_departure": ["sat", "sun"]},
            "evidence": {
                "plugged_entity": "binary_sensor.car_plugged",
                "tracker_entity": "device_tracker.car",
            },
        },
    )
    result = await sub(hass, result, {CONF_PHASES: "1", CONF_MAX_CURRENT: 16})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data["weekly_departures"] == {"wed": "09:30:00", "sat": None, "sun": None}
    assert data["plugged_entity"] == "binary_sensor.car_plugged"
    assert data["tracker_entity"] == "device_tracker.car"
    vehicle = VehicleSettings.from_subentry(
        next(s for s in site.subentries.values() if s.title == "Family car")
    )
    assert vehicle.weekly_departures == {2: time(9, 30), 5: None, 6: None}

    subentry_id = next(s for s, v in site.subentries.items() if v.title == "Family car")
    result = await site.start_subentry_reconfigure_flow(hass, subentry_id)

    def in_section(name: str, key: str) -> Any:
        part = next(v for k, v in result["data_schema"].schema.items() if k == name)
        return suggested({"data_schema": part.schema}, key)  # type: ignore[typeddict-item]

    assert in_section("week", "wed") == "09:30:00"
    assert in_section("week", "mon") is None
    assert in_section("week", "no_departure") == ["sat", "sun"]
    assert in_section("evidence", "plugged_entity") == "binary_sensor.car_plugged"
    assert in_section("evidence", "tracker_entity") == "device_tracker.car"


async def test_options_calendar(hass: HomeAssistant, site: MockConfigEntry) -> None:
    """A reservations calendar is an option; leaving it empty stores none."""
    result = await hass.config_entries.options.async_init(site.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_STEP_MINUTES: "15",
            CONF_HORIZON_HOURS: 24,
            CONF_ALGORITHM: "lp",
            "calendar_entity": "calendar.family",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert site.options["calendar_entity"] == "calendar.family"
    assert SiteSettings.from_entry(site).calendar_entity == "calendar.family"


async def test_phase_sensors_land_on_their_phase(hass: HomeAssistant) -> None:
    """A sensor picked for L2 (with none for L1) measures L2, not L1.

    (A multi-select mapped the picks to L1, L2, L3 in the order they were made.)
    """
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    result = await configure(
        hass,
        result,
        {
            CONF_LIMIT_MODE: "current",
            CONF_GRID_POWER_SIGN: "import_positive",
            "phase_l2_entity": PHASES[1],
            "phase_l3_entity": PHASES[2],
        },
    )
    result = await configure(
        hass,
        result,
        {CONF_SITE_LIMIT_A: 25, CONF_SITE_PHASES: "3", CONF_SITE_VOLTAGE: 230},
    )
    entry = result["result"]
    assert entry.data[CONF_PHASE_CURRENT_ENTITIES] == ["", PHASES[1], PHASES[2]]
    site = SiteSettings.from_entry(entry)
    assert site.phase_current_entities == (None, PHASES[1], PHASES[2])
    assert site.meter_entities == (PHASES[1], PHASES[2])


def _picker(result: Result, key: str) -> dict[str, Any]:
    """The config of a form's entity picker."""
    marker = next(m for m in result["data_schema"].schema if str(m) == key)
    config: dict[str, Any] = result["data_schema"].schema[marker].config
    return config


async def test_meter_pickers_are_filtered(hass: HomeAssistant) -> None:
    """Meter pickers list only sensors of their kind (not every entity)."""
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    assert _picker(result, CONF_GRID_POWER_ENTITY)["device_class"] == ["power"]
    for key in PHASE_KEYS:
        assert _picker(result, key)["device_class"] == ["current"]


async def test_soc_picker_is_filtered(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """The SoC picker lists battery sensors."""
    result = await start_vehicle(hass, site)
    assert _picker(result, CONF_SOC_ENTITY)["device_class"] == ["battery"]


@pytest.mark.parametrize(
    ("mode", "field", "bad", "bounds", "good"),
    [
        ("power", CONF_SITE_LIMIT_KW, 0, ("0.5 kW", "10000 kW"), 11),
        ("power", CONF_SITE_LIMIT_KW, 20000, ("0.5 kW", "10000 kW"), 11),
        ("current", CONF_SITE_LIMIT_A, 0, ("1 A", "4000 A"), 25),
    ],
)
async def test_site_limit_out_of_range_is_a_translated_error(
    hass: HomeAssistant,
    mode: str,
    field: str,
    bad: float,
    bounds: tuple[str, str],
    good: float,
) -> None:
    """A 0 A or 0 kW limit: our own translated error, the value kept to fix."""
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    result = await configure(
        hass,
        result,
        {CONF_LIMIT_MODE: mode, CONF_GRID_POWER_SIGN: "import_positive"},
    )
    extra = {CONF_SITE_PHASES: "3", CONF_SITE_VOLTAGE: 230} if mode == "current" else {}
    result = await configure(hass, result, {field: bad, **extra})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "number_out_of_range"}
    assert result["description_placeholders"] == dict(
        zip(("minimum", "maximum"), bounds, strict=True)
    )
    assert suggested(result, field) == bad
    result = await configure(hass, result, {field: good, **extra})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][field] == good


def bounded_fields(
    result: Result,
) -> list[tuple[str | None, str, BoundedNumberSelector]]:
    """Every bounded number a form shows: (its section or None, key, selector)."""
    found: list[tuple[str | None, str, BoundedNumberSelector]] = []
    for marker, value in result["data_schema"].schema.items():
        if isinstance(value, section):
            found += [
                (str(marker), str(inner), selector)
                for inner, selector in value.schema.schema.items()
                if isinstance(selector, BoundedNumberSelector)
            ]
        elif isinstance(value, BoundedNumberSelector):
            found.append((None, str(marker), value))
    return found


async def _limit_power_form(hass: HomeAssistant, site: None) -> Any:
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    return await configure(
        hass,
        result,
        {CONF_LIMIT_MODE: "power", CONF_GRID_POWER_SIGN: "import_positive"},
    )


async def _limit_current_form(hass: HomeAssistant, site: None) -> Any:
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    return await configure(
        hass,
        result,
        {CONF_LIMIT_MODE: "current", CONF_GRID_POWER_SIGN: "import_positive"},
    )


async def _options_form(hass: HomeAssistant, site: MockConfigEntry) -> Any:
    return await hass.config_entries.options.async_init(site.entry_id)


async def _charger_form(hass: HomeAssistant, site: MockConfigEntry) -> Any:
    hass.states.async_set("sensor.box_status", "ready")
    result = await start_charger(hass, site)
    return await sub(
        hass, result, {CONF_NAME: "Box", CONF_STATUS_ENTITY: "sensor.box_status"}
    )


async def _vehicle_form(hass: HomeAssistant, site: MockConfigEntry) -> Any:
    return await start_vehicle(hass, site)


async def _obc_form(hass: HomeAssistant, site: MockConfigEntry) -> Any:
    return await sub(hass, await start_vehicle(hass, site), vehicle_form())


# Each form with a bounded number, and a complete valid submission of it.
BOUNDED_FORMS: dict[str, tuple[Any, dict[str, Any]]] = {
    "limit_power": (_limit_power_form, {CONF_SITE_LIMIT_KW: 11}),
    "limit_current": (
        _limit_current_form,
        {CONF_SITE_LIMIT_A: 25, CONF_SITE_PHASES: "3", CONF_SITE_VOLTAGE: 230},
    ),
    "options": (
        _options_form,
        {
            CONF_STEP_MINUTES: "15",
            CONF_HORIZON_HOURS: 24,
            CONF_ALGORITHM: "lp",
            CONF_SAFETY: {
                CONF_FALLBACK_HOUSE_KW: 3,
                CONF_RELEASE_MODE: "minimum",
                CONF_RELEASE_CURRENT: 6,
                CONF_OVERRIDE_MINUTES: 60,
            },
        },
    ),
    "charger": (_charger_form, charger_form({CONF_CONTROL: "number"})),
    "vehicle": (_vehicle_form, vehicle_form({CONF_CAPACITY_KWH: 60})),
    "obc": (_obc_form, {CONF_PHASES: "1", CONF_MAX_CURRENT: 16, CONF_MIN_CURRENT: 6}),
}


@pytest.mark.parametrize("form", list(BOUNDED_FORMS))
async def test_every_number_bound_is_a_translated_error(
    hass: HomeAssistant, request: pytest.FixtureRequest, form: str
) -> None:
    """Below or above any number field's bounds: a translated error naming them.

    Home Assistant's own check would fail the whole form with an English
    "Value 0.0 is too small". Every bounded field of the form is tried, in a
    section too, and the bounds themselves are accepted.
    """
    start, valid = BOUNDED_FORMS[form]
    # The site flow runs without a site (there is only one); the others need one.
    site = None if form.startswith("limit") else request.getfixturevalue("site")
    result = await start(hass, site)
    flow_id, step_id = result["flow_id"], result["step_id"]
    manager: Any = (
        hass.config_entries.options
        if form == "options"
        else hass.config_entries.flow
        if form.startswith("limit")
        else hass.config_entries.subentries
    )
    bounded = bounded_fields(result)
    assert bounded, form
    for section_key, key, selector in bounded:
        low, high = selector.config["min"], selector.config["max"]
        assert selector.in_range(low)
        assert selector.in_range(high)
        assert not selector.in_range(float("nan"))
        for bad in (low - 1, high + 1):
            data = {k: dict(v) if isinstance(v, dict) else v for k, v in valid.items()}
            # A section the valid form leaves out (the guest's) is added.
            (data.setdefault(section_key, {}) if section_key else data)[key] = bad
            result = await manager.async_configure(flow_id, data)
            assert result["type"] is FlowResultType.FORM, (key, bad)
            assert result["step_id"] == step_id
            assert result["errors"][section_key or key] == "number_out_of_range"
            unit = selector.config["unit_of_measurement"]
            placeholders = result["description_placeholders"]
            assert placeholders["minimum"] == f"{low:g} {unit}", key
            assert placeholders["maximum"] == f"{high:g} {unit}", key
    result = await manager.async_configure(flow_id, valid)
    assert not result.get("errors")
    assert result["type"] is not FlowResultType.FORM or result["step_id"] != step_id


NUMBER_PRESETS = [
    # (preset, platform, pause mode, pause option, resume option, interval, minimum)
    ("wallbox", "wallbox", "switch", None, None, 120, 6.0),
    ("peblar", "peblar", "switch", None, None, 60, 6.0),
    ("lektrico", "lektrico", "zero", None, None, 60, 6.0),
    ("goe", "goecharger_api2", "select", "1", "0", 60, 6.0),
    ("openevse", "openevse", "select", "disabled", "auto", 60, 6.0),
    ("hypervolt", "hypervolt_charger", "switch", None, None, 120, 6.0),
    ("smartevse", "smartevse", "select", "PAUSE", "NORMAL", 60, 6.0),
    ("emporia", "emporia_vue", "switch", None, None, 120, 6.0),
    ("tesla_fleet", "tesla_fleet", "switch", None, None, 300, 5.0),
    ("teslemetry", "teslemetry", "switch", None, None, 300, 5.0),
]


@pytest.mark.parametrize(
    ("preset", "platform", "pause", "pause_option", "resume_option", "interval", "low"),
    NUMBER_PRESETS,
    ids=[row[0] for row in NUMBER_PRESETS],
)
async def test_number_presets(  # one parameter per preset fact
    hass: HomeAssistant,
    site: MockConfigEntry,
    preset: str,
    platform: str,
    pause: str,
    pause_option: str | None,
    resume_option: str | None,
    interval: int,
    low: float,
) -> None:
    """A status entity of each integration fills in its preset, number and pause.

    The number entity of the device (in A) is suggested; the preset's pause
    method, select options and write interval are the defaults.
    """
    _, (status, limit, switch, select) = charger_device(
        hass,
        platform,
        ("binary_sensor", "plugged", None),
        ("number", "current_limit", "A"),
        ("switch", "charging", None),
        ("select", "mode", None),
    )
    hass.states.async_set(status, "on")
    hass.states.async_set(limit, "16", {"unit_of_measurement": "A"})
    hass.states.async_set(switch, "on")
    options = [o for o in (pause_option, resume_option) if o] or ["a", "b"]
    hass.states.async_set(select, options[-1], {"options": options})

    result = await start_charger(hass, site)
    result = await sub(hass, result, {CONF_NAME: "Box", CONF_STATUS_ENTITY: status})
    assert suggested(result, CONF_CONTROL) == "number"
    assert suggested(result, CONF_MIN_WRITE_INTERVAL) == interval
    assert suggested(result, CONF_MIN_CURRENT) == low
    result = await sub(
        hass,
        result,
        charger_form(
            {
                CONF_CONTROL: ControlMethod.NUMBER,
                CONF_MIN_CURRENT: low,
                CONF_MIN_WRITE_INTERVAL: interval,
            }
        ),
    )
    assert result["step_id"] == "number"
    assert suggested(result, CONF_CURRENT_ENTITY) == limit
    result = await sub(hass, result, {CONF_CURRENT_ENTITY: limit})
    assert result["step_id"] == "pause"
    assert suggested(result, CONF_PAUSE_MODE) == pause
    result = await sub(hass, result, {CONF_PAUSE_MODE: pause})
    if pause == "switch":
        # The device's one switch is suggested.
        assert result["step_id"] == "pause_switch"
        assert suggested(result, CONF_PAUSE_ENTITY) == switch
        result = await sub(hass, result, {CONF_PAUSE_ENTITY: switch})
    elif pause == "select":
        assert result["step_id"] == "pause_select"
        assert suggested(result, CONF_PAUSE_ENTITY) == select
        result = await sub(hass, result, {CONF_PAUSE_ENTITY: select})
        assert result["step_id"] == "pause_options"
        assert select_options(result, CONF_PAUSE_OPTION) == options
        assert suggested(result, CONF_PAUSE_OPTION) == pause_option
        assert suggested(result, CONF_RESUME_OPTION) == resume_option
        result = await sub(
            hass,
            result,
            {CONF_PAUSE_OPTION: pause_option, CONF_RESUME_OPTION: resume_option},
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_PRESET] == preset
    assert data[CONF_CURRENT_ENTITY] == limit
    assert data[CONF_PAUSE_MODE] == pause
    assert data.get(CONF_PAUSE_ENTITY) == {"switch": switch, "select": select}.get(
        pause
    )
    assert data.get(CONF_PAUSE_OPTION) == pause_option
    assert data.get(CONF_RESUME_OPTION) == resume_option
    assert data[CONF_MIN_WRITE_INTERVAL] == interval
    assert (
        ChargerSettings.from_subentry(
            next(s for s in site.subentries.values() if s.title == "Box")
        ).preset.value
        == preset
    )


# --- Pausing, pickers and the advanced section of the charger flow -------------------


async def _ocpp_to_pause(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Reconfigure the stored OCPP charger up to its pause step."""
    async_mock_service(hass, "ocpp", "set_charge_rate")
    result = await entry.start_subentry_reconfigure_flow(
        hass, next(iter(entry.subentries))
    )
    result = await sub(
        hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: "sensor.cp1_status"}
    )
    result = await sub(hass, result, charger_form({CONF_MIN_WRITE_INTERVAL: 30}))
    return await sub(
        hass,
        result,
        {
            CONF_PRESET: "ocpp",
            CONF_ACTION: "ocpp.set_charge_rate",
            CONF_ACTION_VALUE_FIELD: "limit_amps",
            CONF_ACTION_UNIT: "A",
            CONF_ACTION_DATA: {"devid": "cp1"},
        },
    )


async def test_pause_select_without_options_is_typed_and_kept_on_reconfigure(
    hass: HomeAssistant,
) -> None:
    """A select listing no options (unavailable just now) gets text fields.

    What is stored is suggested again, and pausing with 0 A later drops the
    select and its options.
    """
    hass.states.async_set("sensor.cp1_status", "Available")
    hass.states.async_set("select.cp1_mode", "unavailable")
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_PRICE_ENTITY: PRICE,
            CONF_LIMIT_MODE: LimitMode.POWER,
            CONF_SITE_LIMIT_KW: 11.0,
        },
        subentries_data=[
            charger_subentry(
                "sensor.cp1_status",
                **{
                    CONF_PAUSE_MODE: "select",
                    CONF_PAUSE_ENTITY: "select.cp1_mode",
                    CONF_PAUSE_OPTION: "Paused",
                    CONF_RESUME_OPTION: "Normal",
                },
            )
        ],
    )
    entry.add_to_hass(hass)
    (subentry_id,) = entry.subentries

    result = await _ocpp_to_pause(hass, entry)
    assert result["step_id"] == "pause"
    assert suggested(result, CONF_PAUSE_MODE) == "select"
    result = await sub(hass, result, {CONF_PAUSE_MODE: "select"})
    assert suggested(result, CONF_PAUSE_ENTITY) == "select.cp1_mode"
    result = await sub(hass, result, {CONF_PAUSE_ENTITY: "select.cp1_mode"})
    assert result["step_id"] == "pause_options"
    marker = next(m for m in result["data_schema"].schema if m == CONF_PAUSE_OPTION)
    assert isinstance(result["data_schema"].schema[marker], TextSelector)
    assert suggested(result, CONF_PAUSE_OPTION) == "Paused"
    assert suggested(result, CONF_RESUME_OPTION) == "Normal"
    result = await sub(
        hass, result, {CONF_PAUSE_OPTION: " Paused ", CONF_RESUME_OPTION: "Paused"}
    )
    assert result["errors"] == {CONF_RESUME_OPTION: "pause_resume_same"}
    result = await sub(hass, result, {CONF_PAUSE_OPTION: " ", CONF_RESUME_OPTION: ""})
    assert result["errors"] == {
        CONF_PAUSE_OPTION: "option_required",
        CONF_RESUME_OPTION: "option_required",
    }
    result = await sub(
        hass, result, {CONF_PAUSE_OPTION: " Paused ", CONF_RESUME_OPTION: "Eco"}
    )
    assert result["step_id"] == "status"
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
    )
    assert result["reason"] == "reconfigure_successful"
    data = entry.subentries[subentry_id].data
    assert data[CONF_PAUSE_ENTITY] == "select.cp1_mode"
    assert (data[CONF_PAUSE_OPTION], data[CONF_RESUME_OPTION]) == ("Paused", "Eco")

    # The select now lists its options: a stored option that is not one of them
    # is not suggested.
    hass.states.async_set(
        "select.cp1_mode", "Normal", {"options": ["Normal", "Paused", "Solar"]}
    )
    result = await _ocpp_to_pause(hass, entry)
    result = await sub(hass, result, {CONF_PAUSE_MODE: "select"})
    result = await sub(hass, result, {CONF_PAUSE_ENTITY: "select.cp1_mode"})
    assert select_options(result, CONF_RESUME_OPTION) == ["Normal", "Paused", "Solar"]
    assert suggested(result, CONF_PAUSE_OPTION) == "Paused"
    assert suggested(result, CONF_RESUME_OPTION) is None
    result = await sub(
        hass, result, {CONF_PAUSE_OPTION: "Paused", CONF_RESUME_OPTION: "Solar"}
    )
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
    )
    assert entry.subentries[subentry_id].data[CONF_RESUME_OPTION] == "Solar"

    # Pausing with 0 A asks nothing more, and keeps no select or options.
    result = await _ocpp_to_pause(hass, entry)
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    assert result["step_id"] == "status"
    result = await sub(
        hass,
        result,
        {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
    )
    data = entry.subentries[subentry_id].data
    assert data[CONF_PAUSE_MODE] == "zero"
    for key in (CONF_PAUSE_ENTITY, CONF_PAUSE_OPTION, CONF_RESUME_OPTION):
        assert key not in data


async def test_pause_switch_suggestion_needs_one_switch_of_its_kind(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Two switches on the device: neither is guessed."""
    _, (plug, *_) = charger_device(
        hass,
        "keba",
        ("binary_sensor", "plug", None),
        ("switch", "enable", None),
        ("switch", "authorize", None),
    )
    hass.states.async_set(plug, "on")
    async_mock_service(hass, "keba", "set_current")
    result = await start_charger(hass, site)
    result = await sub(hass, result, {CONF_NAME: "Carport", CONF_STATUS_ENTITY: plug})
    result = await sub(hass, result, charger_form())
    result = await sub(
        hass,
        result,
        {
            CONF_PRESET: "keba",
            CONF_ACTION: "keba.set_current",
            CONF_ACTION_VALUE_FIELD: "current",
            CONF_ACTION_UNIT: "A",
        },
    )
    result = await sub(hass, result, {CONF_PAUSE_MODE: "switch"})
    assert result["step_id"] == "pause_switch"
    assert suggested(result, CONF_PAUSE_ENTITY) is None


async def test_charger_pickers_are_filtered(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Status, power, energy and limit pickers list only entities that fit."""
    result = await start_charger(hass, site)
    status = _picker(result, CONF_STATUS_ENTITY)
    assert status["domain"] == ["binary_sensor", "sensor"]
    assert status["filter"] == [
        {"domain": ["binary_sensor"], "device_class": ["plug", "battery_charging"]},
        {"domain": ["sensor"]},
    ]
    hass.states.async_set("sensor.box_status", "ready")
    result = await sub(
        hass, result, {CONF_NAME: "Box", CONF_STATUS_ENTITY: "sensor.box_status"}
    )
    for key, device_class, units in (
        (CONF_POWER_ENTITY, "power", ["W", "kW"]),
        (CONF_ENERGY_ENTITY, "energy", ["Wh", "kWh"]),
    ):
        picker = _picker(result, key)
        assert picker["domain"] == ["sensor"]
        (entity_filter,) = picker["filter"]
        assert entity_filter["device_class"] == [device_class]
        assert sorted(entity_filter["unit_of_measurement"]) == sorted(units)
    result = await sub(hass, result, charger_form({CONF_CONTROL: "number"}))
    (entity_filter,) = _picker(result, CONF_CURRENT_ENTITY)["filter"]
    assert entity_filter == {
        "domain": ["number"],
        "unit_of_measurement": ["A", "W", "kW", "mA"],  # every unit that is written
    }


async def test_meter_and_soc_pickers_filter_by_unit(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """The site's meters and a vehicle's SoC list only the units read."""
    result = await start_vehicle(hass, site)
    (entity_filter,) = _picker(result, CONF_SOC_ENTITY)["filter"]
    assert entity_filter == {
        "domain": ["sensor"],
        "device_class": ["battery"],
        "unit_of_measurement": ["%"],
    }
    await hass.config_entries.async_remove(site.entry_id)
    result = await start_site(hass)
    result = await configure(hass, result, {CONF_PRICE_ENTITY: PRICE})
    (grid,) = _picker(result, CONF_GRID_POWER_ENTITY)["filter"]
    assert sorted(grid["unit_of_measurement"]) == ["W", "kW"]
    for key in PHASE_KEYS:
        (phase,) = _picker(result, key)["filter"]
        assert phase["unit_of_measurement"] == ["A"]


async def test_charger_advanced_section(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """Voltage and write interval are in a collapsed section.

    They are prefilled from the preset, and a client that leaves the section
    out keeps those values.
    """
    _, (status,) = charger_device(hass, "zaptec", ("sensor", "mode", None))
    hass.states.async_set(status, "connected_requesting")
    hass.states.async_set("number.limit", "16", {"unit_of_measurement": "A"})
    result = await start_charger(hass, site)
    result = await sub(hass, result, {CONF_NAME: "Zap", CONF_STATUS_ENTITY: status})
    assert result["step_id"] == "charger"
    assert CONF_VOLTAGE not in fields(result)
    assert CONF_MIN_WRITE_INTERVAL not in fields(result)
    marker = next(m for m in result["data_schema"].schema if m == "advanced")
    advanced = result["data_schema"].schema[marker]
    assert isinstance(advanced, section)
    assert advanced.options["collapsed"] is True
    assert suggested(result, CONF_VOLTAGE) == 230
    assert suggested(result, CONF_MIN_WRITE_INTERVAL) == 900

    form = {k: v for k, v in charger_form().items() if k != "advanced"}
    result = await sub(hass, result, form | {CONF_CONTROL: "number"})
    assert result["step_id"] == "number"
    result = await sub(hass, result, {CONF_CURRENT_ENTITY: "number.limit"})
    result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
    result = await sub(
        hass,
        result,
        {
            CONF_PLUGGED_STATES: ["connected_requesting"],
            CONF_CHARGING_STATES: ["connected_charging"],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_MIN_WRITE_INTERVAL] == 900
    assert result["data"][CONF_VOLTAGE] == 230.0


async def test_charger_guest_section(
    hass: HomeAssistant, site_with_charger: MockConfigEntry
) -> None:
    """The guest profile is a collapsed section: off unless an energy is given.

    Stored with its hours when on; prefilled and kept when the section is left
    out; an emptied energy switches it off (the keys go, as never set).
    """
    entry = site_with_charger
    (subentry_id,) = entry.subentries
    hass.states.async_set("number.cp1_current", "16", {"unit_of_measurement": "A"})

    async def reconfigure(form: dict[str, Any]) -> dict[str, Any]:
        result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
        result = await sub(
            hass, result, {CONF_NAME: "Garage", CONF_STATUS_ENTITY: "sensor.cp1_status"}
        )
        assert result["step_id"] == "charger"
        shown = {
            CONF_GUEST_ENERGY: suggested(result, CONF_GUEST_ENERGY),
            CONF_GUEST_HOURS: suggested(result, CONF_GUEST_HOURS),
        }
        result = await sub(hass, result, form | {CONF_CONTROL: "number"})
        result = await sub(hass, result, {CONF_CURRENT_ENTITY: "number.cp1_current"})
        result = await sub(hass, result, {CONF_PAUSE_MODE: "zero"})
        result = await sub(
            hass,
            result,
            {CONF_PLUGGED_STATES: ["Preparing"], CONF_CHARGING_STATES: ["Charging"]},
        )
        assert result["reason"] == "reconfigure_successful"
        return shown

    # Nothing stored: off, and the default of 4 hours offered.
    shown = await reconfigure(charger_form())
    assert shown == {CONF_GUEST_ENERGY: None, CONF_GUEST_HOURS: 4.0}
    assert CONF_GUEST_ENERGY not in entry.subentries[subentry_id].data
    assert ChargerSettings.from_subentry(entry.subentries[subentry_id]).has_guest is (
        False
    )

    form = charger_form() | {"guest": {CONF_GUEST_ENERGY: 12, CONF_GUEST_HOURS: 2.5}}
    await reconfigure(form)
    data = entry.subentries[subentry_id].data
    assert data[CONF_GUEST_ENERGY] == 12.0
    assert data[CONF_GUEST_HOURS] == 2.5
    charger = ChargerSettings.from_subentry(entry.subentries[subentry_id])
    assert (charger.guest_energy_kwh, charger.guest_hours) == (12.0, 2.5)

    # Left out of the form: prefilled and kept.
    shown = await reconfigure(charger_form())
    assert shown == {CONF_GUEST_ENERGY: 12.0, CONF_GUEST_HOURS: 2.5}
    assert entry.subentries[subentry_id].data[CONF_GUEST_ENERGY] == 12.0

    # The energy emptied (or 0): off.
    for guest in ({CONF_GUEST_HOURS: 2.5}, {CONF_GUEST_ENERGY: 0, CONF_GUEST_HOURS: 3}):
        await reconfigure(charger_form() | {"guest": guest})
        data = entry.subentries[subentry_id].data
        assert CONF_GUEST_ENERGY not in data
        assert CONF_GUEST_HOURS not in data
        await reconfigure(form)


async def test_vehicle_advanced_section_left_out_keeps_what_is_stored(
    hass: HomeAssistant, site_with_vehicle: MockConfigEntry
) -> None:
    """Efficiency and planning ahead are in a collapsed section.

    Reconfiguring shows what is stored there; a client that leaves the section
    out keeps it (92 %, not the default 90 %), a new vehicle gets the defaults.
    """
    entry = site_with_vehicle
    vehicle_id = next(
        s for s, v in entry.subentries.items() if v.subentry_type == SUBENTRY_VEHICLE
    )
    hass.config_entries.async_update_subentry(
        entry,
        entry.subentries[vehicle_id],
        data={**entry.subentries[vehicle_id].data, CONF_PLAN_AHEAD: False},
    )
    result = await entry.start_subentry_reconfigure_flow(hass, vehicle_id)
    marker = next(m for m in result["data_schema"].schema if m == "advanced")
    assert result["data_schema"].schema[marker].options["collapsed"] is True
    assert CONF_EFFICIENCY not in fields(result)
    assert suggested(result, CONF_EFFICIENCY) == 92
    assert suggested(result, CONF_PLAN_AHEAD) is False

    form = {k: v for k, v in vehicle_form().items() if k != "advanced"}
    result = await sub(
        hass,
        result,
        form
        | {
            CONF_NAME: "Family car",
            CONF_SOC_ENTITY: "sensor.car_soc",
            CONF_CAPACITY_KWH: 60,
        },
    )
    result = await sub(hass, result, {CONF_PHASES: "1", CONF_MAX_CURRENT: 32})
    assert result["reason"] == "reconfigure_successful"
    data = entry.subentries[vehicle_id].data
    assert data[CONF_EFFICIENCY] == 0.92
    assert data[CONF_PLAN_AHEAD] is False

    result = await start_vehicle(hass, entry)
    result = await sub(hass, result, form | {CONF_NAME: "Van"})
    result = await sub(hass, result, {CONF_PHASES: "3", CONF_MAX_CURRENT: 16})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_EFFICIENCY] == 0.9
    assert result["data"][CONF_PLAN_AHEAD] is True
