"""Every charger preset, end to end: the flow recognises it, and the writes are right.

For each preset a device of that integration's shape is made (its status
entity, its limit number or none, its pause switch or select, named as the
integration names them). The charger flow is run with what it suggests; the
charger it creates is then written by the writer, and the actions it calls are
checked: a limit, a pause (0 A), and charging again.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opti_vgi.const import (
    CONF_ACTION,
    CONF_ACTION_DATA,
    CONF_ACTION_UNIT,
    CONF_ACTION_VALUE_FIELD,
    CONF_CHARGING_STATES,
    CONF_CONNECTION,
    CONF_CONTROL,
    CONF_CURRENT_ENTITY,
    CONF_CURRENT_STEP,
    CONF_LIMIT_MODE,
    CONF_MAX_CURRENT,
    CONF_MIN_CURRENT,
    CONF_MIN_SWITCH_TIME,
    CONF_MIN_WRITE_INTERVAL,
    CONF_NAME,
    CONF_PAUSE_ACTION,
    CONF_PAUSE_ENTITY,
    CONF_PAUSE_MODE,
    CONF_PAUSE_OPTION,
    CONF_PLUGGED_STATES,
    CONF_PRESET,
    CONF_PRICE_ENTITY,
    CONF_RESUME_ACTION,
    CONF_RESUME_OPTION,
    CONF_SITE_LIMIT_KW,
    CONF_STATUS_ENTITY,
    CONF_VOLTAGE,
    DOMAIN,
    SUBENTRY_CHARGER,
    ChargerPreset,
    LimitMode,
)
from custom_components.opti_vgi.presets import PRESETS
from custom_components.opti_vgi.settings import ChargerSettings
from custom_components.opti_vgi.writer import ChargerWriter

type Call = tuple[str, dict[str, Any]]

LIMIT = "{limit}"  # placeholders in the expected calls, filled in per device
PAUSE = "{pause}"
DEVICE = "{device}"
TARGET_A = 10.0
CORE = frozenset({"wallbox", "peblar", "lektrico", "tesla_fleet", "teslemetry", "v2c"})


@dataclass(frozen=True, kw_only=True)
class Shape:
    """A charger device as one integration makes it, and the writes it must get.

    ``status`` is (domain, key, state); ``limit`` (key, unit, attributes) of its
    number entity, if it has one; ``pause`` (domain, key, state, options) of
    its pause entity; ``others`` more entities of the device (key, unit) that
    must not be taken for the limit. The expected calls name the entities by
    the placeholders above.
    """

    preset: ChargerPreset
    platform: str
    status: tuple[str, str, str]
    limit: tuple[str, str, dict[str, Any]] | None = None
    pause: tuple[str, str, str, list[str] | None] | None = None
    others: tuple[tuple[str, str], ...] = ()
    action_data: dict[str, Any] = field(default_factory=dict)  # the user adds
    target_a: float = TARGET_A
    limit_calls: tuple[Call, ...]
    pause_calls: tuple[Call, ...]
    resume_calls: tuple[Call, ...]


def _set(value: float) -> Call:
    """number.set_value on the limit entity."""
    return ("number.set_value", {"entity_id": LIMIT, "value": value})


def _switch(service: str) -> Call:
    """A switch action on the pause entity."""
    return (f"switch.{service}", {"entity_id": PAUSE})


def _option(option: str) -> Call:
    """select.select_option on the pause entity."""
    return ("select.select_option", {"entity_id": PAUSE, "option": option})


A = {"min": 0, "max": 32, "step": 1}
SWITCHED: tuple[Call, ...] = (_switch("turn_off"),)

SHAPES: tuple[Shape, ...] = (
    Shape(
        preset=ChargerPreset.OCPP,
        platform="ocpp",
        status=("sensor", "status_connector", "Charging"),
        action_data={"devid": "pole"},
        target_a=10.4,  # OCPP's limit has one decimal
        limit_calls=(("ocpp.set_charge_rate", {"devid": "pole", "limit_amps": 10.4}),),
        pause_calls=(("ocpp.set_charge_rate", {"devid": "pole", "limit_amps": 0}),),
        resume_calls=(("ocpp.set_charge_rate", {"devid": "pole", "limit_amps": 10.4}),),
    ),
    Shape(
        preset=ChargerPreset.EASEE,
        platform="easee",
        status=("sensor", "status", "charging"),
        limit_calls=(
            (
                "easee.set_charger_dynamic_limit",
                {"device_id": DEVICE, "current": 10},
            ),
        ),
        pause_calls=(
            ("easee.set_charger_dynamic_limit", {"device_id": DEVICE, "current": 0}),
        ),
        resume_calls=(
            (
                "easee.set_charger_dynamic_limit",
                {"device_id": DEVICE, "current": 10},
            ),
        ),
    ),
    Shape(
        preset=ChargerPreset.KEBA,
        platform="keba",
        status=("binary_sensor", "plug", "on"),
        target_a=10.5,  # keba.set_current takes tenths
        limit_calls=(("keba.set_current", {"current": 10.5}),),
        pause_calls=(("keba.disable", {}),),
        resume_calls=(("keba.enable", {}), ("keba.set_current", {"current": 10.5})),
    ),
    Shape(
        preset=ChargerPreset.ZAPTEC,
        platform="zaptec",
        status=("sensor", "charger_mode", "connected_charging"),
        limit=("charger_max_current", "A", A),
        limit_calls=(_set(10),),
        pause_calls=(_set(0),),
        resume_calls=(_set(10),),
    ),
    Shape(
        preset=ChargerPreset.WALLBOX,
        platform="wallbox",
        status=("sensor", "status_description", "Charging"),
        limit=("maximum_charging_current", "A", A),
        pause=("switch", "pause_resume", "on", None),
        limit_calls=(_set(10),),
        pause_calls=SWITCHED,
        resume_calls=(_switch("turn_on"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.PEBLAR,
        platform="peblar",
        status=("sensor", "cp_state", "charging"),
        limit=("charge_current_limit", "A", {"min": 6, "max": 32, "step": 1}),
        pause=("switch", "charge", "on", None),
        limit_calls=(_set(10),),
        pause_calls=SWITCHED,
        resume_calls=(_switch("turn_on"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.LEKTRICO,
        platform="lektrico",
        status=("sensor", "state", "charging"),
        limit=("dynamic_limit", "A", A),
        limit_calls=(_set(10),),
        pause_calls=(_set(0),),
        resume_calls=(_set(10),),
    ),
    Shape(
        preset=ChargerPreset.GOE,
        platform="goecharger_api2",
        status=("sensor", "car_value", "charging"),
        limit=("amp", "A", {"min": 6, "max": 32, "step": 1}),
        pause=("select", "frc", "0", ["0", "1", "2"]),
        limit_calls=(_set(10),),
        pause_calls=(_option("1"),),
        resume_calls=(_option("0"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.OPENEVSE,
        platform="openevse",
        status=("sensor", "station_status", "charging"),
        limit=("max_current_soft", "A", {"min": 6, "max": 48, "step": 1}),
        pause=("select", "override_state", "auto", ["active", "auto", "disabled"]),
        limit_calls=(_set(10),),
        pause_calls=(_option("disabled"),),
        resume_calls=(_option("auto"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.HYPERVOLT,
        platform="hypervolt_charger",
        status=("sensor", "charging_readiness", "charging"),
        limit=("max_current", "A", {"min": 6, "max": 32, "step": 1}),
        pause=("switch", "charging", "on", None),
        limit_calls=(_set(10),),
        pause_calls=SWITCHED,
        resume_calls=(_switch("turn_on"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.SMARTEVSE,
        platform="smartevse",
        status=("sensor", "state", "Charging"),
        # 6-16 A in tenths: 10.5 A is written as 10.5.
        limit=("override_current", "A", {"min": 6, "max": 16, "step": 0.1}),
        pause=(
            "select",
            "mode_id",
            "NORMAL",
            ["OFF", "NORMAL", "SOLAR", "SMART", "PAUSE"],
        ),
        target_a=10.5,
        limit_calls=(_set(10.5),),
        pause_calls=(_option("PAUSE"),),
        resume_calls=(_option("NORMAL"), _set(10.5)),
    ),
    Shape(
        preset=ChargerPreset.EMPORIA,
        platform="emporia_vue",
        status=("sensor", "charger_state", "charging"),
        limit=("current_limit", "A", {"min": 6, "max": 40, "step": 1}),
        pause=("switch", "charger", "on", None),
        limit_calls=(_set(10),),
        pause_calls=SWITCHED,
        resume_calls=(_switch("turn_on"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.TESLA_FLEET,
        platform="tesla_fleet",
        status=("sensor", "charge_state_charging_state", "charging"),
        limit=("charge_state_charge_current_request", "A", A),
        pause=("switch", "charge_state_user_charge_enable_request", "on", None),
        others=(("charge_state_charge_limit_soc", "%"),),
        limit_calls=(_set(10),),
        pause_calls=SWITCHED,
        resume_calls=(_switch("turn_on"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.TESLEMETRY,
        platform="teslemetry",
        status=("sensor", "charge_state_charging_state", "charging"),
        limit=("charge_state_charge_current_request", "A", A),
        pause=("switch", "charge_state_user_charge_enable_request", "on", None),
        limit_calls=(_set(10),),
        pause_calls=SWITCHED,
        resume_calls=(_switch("turn_on"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.V2C,
        platform="v2c",
        status=("binary_sensor", "connected", "on"),
        limit=("intensity", "A", {"min": 6, "max": 32, "step": 1}),
        # Its switch is "Paused": on pauses, off resumes.
        pause=("switch", "paused", "off", None),
        # The charger's own range, also numbers in A: not the limit.
        others=(("min_intensity", "A"), ("max_intensity", "A")),
        limit_calls=(_set(10),),
        pause_calls=(_switch("turn_on"),),
        resume_calls=(_switch("turn_off"), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.SMAPPEE,
        platform="smappee_ev",
        status=("sensor", "evcc_state", "C"),
        limit=("max_charging_speed", "A", {"min": 6, "max": 32, "step": 0.1}),
        others=(("offline_failsafe_current", "A"),),
        limit_calls=(_set(10),),
        pause_calls=(("smappee_ev.pause_charging", {}),),
        resume_calls=(("smappee_ev.resume_charging", {}), _set(10)),
    ),
    Shape(
        preset=ChargerPreset.ZAPPI,
        platform="myenergi",
        status=("sensor", "plug_status", "Charging"),
        pause=("select", "charge_mode", "Eco+", ["Fast", "Eco", "Eco+", "Stopped"]),
        # No limit: Fast charges at full power, Stopped stops.
        limit_calls=(_option("Fast"),),
        pause_calls=(_option("Stopped"),),
        resume_calls=(_option("Fast"),),
    ),
    Shape(
        preset=ChargerPreset.POD_POINT,
        platform="pod_point",
        status=("binary_sensor", "cable_status", "on"),
        pause=("switch", "charging_allowed", "off", None),
        limit_calls=(_switch("turn_on"),),
        pause_calls=SWITCHED,
        resume_calls=(_switch("turn_on"),),
    ),
)


def test_every_preset_has_a_shape() -> None:
    """No preset goes without its flow-and-write test."""
    assert {shape.preset for shape in SHAPES} == set(PRESETS)
    assert len(PRESETS) >= 18


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Entry setup is not what these tests are about."""
    with patch(
        "custom_components.opti_vgi.async_setup_entry", return_value=True
    ) as mock:
        yield mock


@pytest.fixture
def site(hass: HomeAssistant) -> MockConfigEntry:
    """A site entry with a price entity and a power limit."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            CONF_PRICE_ENTITY: "sensor.price",
            CONF_LIMIT_MODE: LimitMode.POWER,
            CONF_SITE_LIMIT_KW: 11.0,
        },
    )
    entry.add_to_hass(hass)
    return entry


def _suggested(result: dict[str, Any], key: str) -> Any:
    """The value a form shows in a field (in a section too), else its default."""
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
            found = _suggested({"data_schema": value.schema}, key)
            if found is not None:
                return found
    return None


def _device(hass: HomeAssistant, shape: Shape) -> tuple[str, dict[str, str]]:
    """The charger's device and its entities, with their states."""
    foreign = MockConfigEntry(domain=shape.platform)
    foreign.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=foreign.entry_id, identifiers={(shape.platform, "serial")}
    )
    registry = er.async_get(hass)

    def entity(domain: str, key: str, unit: str | None = None) -> str:
        entry = registry.async_get_or_create(
            domain,
            shape.platform,
            f"serial_{key}",
            suggested_object_id=f"{shape.platform}_{key}",
            config_entry=foreign,
            device_id=device.id,
            unit_of_measurement=unit,
            # Core integrations name their entities so; the custom ones are
            # found by the end of their unique id.
            translation_key=key if shape.platform in CORE else None,
        )
        return entry.entity_id

    ids: dict[str, str] = {}
    domain, key, state = shape.status
    ids["status"] = entity(domain, key)
    hass.states.async_set(ids["status"], state)
    if shape.limit is not None:
        key, unit, attributes = shape.limit
        ids["limit"] = entity("number", key, unit)
        hass.states.async_set(
            ids["limit"], "16", {"unit_of_measurement": unit, **attributes}
        )
    for key, unit in shape.others:
        other = entity("number", key, unit)
        hass.states.async_set(other, "6", {"unit_of_measurement": unit})
    if shape.pause is not None:
        domain, key, state, options = shape.pause
        ids["pause"] = entity(domain, key)
        hass.states.async_set(
            ids["pause"], state, {"options": options} if options else {}
        )
    return device.id, ids


async def _run_flow(
    hass: HomeAssistant, site: MockConfigEntry, shape: Shape, ids: dict[str, str]
) -> dict[str, Any]:
    """Add the charger with what the flow suggests; returns what it stored."""
    preset = PRESETS[shape.preset]
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (site.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    result = await flows.async_configure(
        result["flow_id"], {CONF_NAME: "Box", CONF_STATUS_ENTITY: ids["status"]}
    )
    assert result["step_id"] == "charger"
    assert _suggested(result, CONF_CONTROL) == preset.control.value
    advanced = {
        key: _suggested(result, key)
        for key in (CONF_VOLTAGE, CONF_MIN_WRITE_INTERVAL, CONF_MIN_SWITCH_TIME)
    }
    assert advanced[CONF_MIN_SWITCH_TIME] == preset.min_switch_time
    assert advanced[CONF_MIN_WRITE_INTERVAL] == preset.min_write_interval
    result = await flows.async_configure(
        result["flow_id"],
        {
            CONF_CONTROL: _suggested(result, CONF_CONTROL),
            CONF_MIN_CURRENT: _suggested(result, CONF_MIN_CURRENT),
            CONF_CONNECTION: "three_phase",
            CONF_MAX_CURRENT: 16,
            "advanced": advanced,
        },
    )
    if result["step_id"] == "number":
        # The integration's own limit entity, among the device's numbers.
        assert _suggested(result, CONF_CURRENT_ENTITY) == ids["limit"]
        result = await flows.async_configure(
            result["flow_id"], {CONF_CURRENT_ENTITY: ids["limit"]}
        )
    elif result["step_id"] == "action":
        action_form = {
            key: _suggested(result, key)
            for key in (
                CONF_PRESET,
                CONF_ACTION,
                CONF_ACTION_VALUE_FIELD,
                CONF_ACTION_UNIT,
                CONF_ACTION_DATA,
                CONF_CURRENT_STEP,
            )
        }
        assert action_form[CONF_CURRENT_STEP] == preset.current_step
        action_form[CONF_ACTION_DATA] = {
            **(action_form[CONF_ACTION_DATA] or {}),
            **shape.action_data,
        }
        result = await flows.async_configure(result["flow_id"], action_form)
    assert result["step_id"] == "pause"
    assert _suggested(result, CONF_PAUSE_MODE) == preset.pause_mode.value
    result = await flows.async_configure(
        result["flow_id"], {CONF_PAUSE_MODE: preset.pause_mode.value}
    )
    if result.get("step_id") in ("pause_switch", "pause_switch_on", "pause_select"):
        if preset.pause_key is not None:
            # The integration's own pause entity, among the device's.
            assert _suggested(result, CONF_PAUSE_ENTITY) == ids["pause"]
        result = await flows.async_configure(
            result["flow_id"], {CONF_PAUSE_ENTITY: ids["pause"]}
        )
    if result.get("step_id") in ("pause_options", "pause_actions"):
        keys = (
            (CONF_PAUSE_OPTION, CONF_RESUME_OPTION)
            if result["step_id"] == "pause_options"
            else (CONF_PAUSE_ACTION, CONF_RESUME_ACTION)
        )
        result = await flows.async_configure(
            result["flow_id"], {key: _suggested(result, key) for key in keys}
        )
    if result.get("step_id") == "status":
        state = shape.status[2]
        result = await flows.async_configure(
            result["flow_id"],
            {CONF_PLUGGED_STATES: [state], CONF_CHARGING_STATES: [state]},
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    data: dict[str, Any] = result["data"]
    assert data[CONF_PRESET] == shape.preset.value
    return data


def _filled(calls: tuple[Call, ...], device: str, ids: dict[str, str]) -> list[Call]:
    """The expected calls with the device's ids in place of the placeholders."""
    names = {LIMIT: ids.get("limit"), PAUSE: ids.get("pause"), DEVICE: device}
    return [
        (
            action,
            {k: names.get(v, v) if isinstance(v, str) else v for k, v in data.items()},
        )
        for action, data in calls
    ]


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.preset.value for shape in SHAPES])
async def test_preset_flow_and_writes(
    hass: HomeAssistant, site: MockConfigEntry, shape: Shape
) -> None:
    """Recognised from its entity, set up as suggested, written as it takes it."""
    device, ids = _device(hass, shape)
    calls: list[Call] = []
    for action in (
        "number.set_value",
        "switch.turn_on",
        "switch.turn_off",
        "select.select_option",
        "ocpp.set_charge_rate",
        "easee.set_charger_dynamic_limit",
        "keba.set_current",
        "keba.enable",
        "keba.disable",
        "smappee_ev.pause_charging",
        "smappee_ev.resume_charging",
    ):
        domain, service = action.split(".")

        async def record(call: ServiceCall, name: str = action) -> None:
            calls.append((name, dict(call.data)))

        hass.services.async_register(domain, service, record)

    await _run_flow(hass, site, shape, ids)
    (subentry,) = site.subentries.values()
    charger = ChargerSettings.from_subentry(subentry)
    writer = ChargerWriter(hass, (charger,))
    writer.vehicle_phases[charger.subentry_id] = 3
    now = dt_util.utcnow()

    async def write(target: float, at: datetime) -> list[Call]:
        calls.clear()
        assert await writer.async_write_now(charger, target, at)
        await hass.async_block_till_done()
        return list(calls)

    assert await write(shape.target_a, now) == _filled(shape.limit_calls, device, ids)
    state = writer.states[charger.subentry_id]
    assert state.current_a == pytest.approx(shape.target_a)
    later = now + timedelta(seconds=charger.min_switch_time + 1)
    assert await write(0.0, later) == _filled(shape.pause_calls, device, ids)
    assert state.current_a == 0
    latest = later + timedelta(seconds=charger.min_switch_time + 1)
    assert await write(shape.target_a, latest) == _filled(
        shape.resume_calls, device, ids
    )


async def test_pause_errors_of_switched_chargers(
    hass: HomeAssistant, site: MockConfigEntry
) -> None:
    """A switched charger cannot pause with 0; stop/start actions must exist."""
    shape = next(s for s in SHAPES if s.preset is ChargerPreset.POD_POINT)
    _, ids = _device(hass, shape)
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (site.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    result = await flows.async_configure(
        result["flow_id"], {CONF_NAME: "Pod", CONF_STATUS_ENTITY: ids["status"]}
    )
    result = await flows.async_configure(
        result["flow_id"],
        {
            CONF_CONTROL: "on_off",
            CONF_CONNECTION: "single_phase_l1",
            CONF_MIN_CURRENT: 6,
            CONF_MAX_CURRENT: 32,
            "advanced": {
                CONF_VOLTAGE: 230,
                CONF_MIN_WRITE_INTERVAL: 300,
                CONF_MIN_SWITCH_TIME: 300,
            },
        },
    )
    assert result["step_id"] == "pause"
    result = await flows.async_configure(result["flow_id"], {CONF_PAUSE_MODE: "zero"})
    assert result["step_id"] == "pause"
    assert result["errors"] == {CONF_PAUSE_MODE: "pause_mode_required"}
    result = await flows.async_configure(result["flow_id"], {CONF_PAUSE_MODE: "action"})
    assert result["step_id"] == "pause_actions"
    result = await flows.async_configure(
        result["flow_id"],
        {
            CONF_PAUSE_ACTION: "pod_point.stop_charge_now",
            CONF_RESUME_ACTION: "nonsense",
        },
    )
    assert result["step_id"] == "pause_actions"
    assert result["errors"] == {
        CONF_PAUSE_ACTION: "action_not_found",
        CONF_RESUME_ACTION: "action_not_found",
    }

    async def nothing(call: ServiceCall) -> None:
        """A stop or start action of the charger's integration."""

    hass.services.async_register("pod_point", "stop_charge_now", nothing)
    hass.services.async_register("pod_point", "charge_now", nothing)
    result = await flows.async_configure(
        result["flow_id"],
        {
            CONF_PAUSE_ACTION: " pod_point.stop_charge_now ",
            CONF_RESUME_ACTION: "pod_point.charge_now",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PAUSE_ACTION] == "pod_point.stop_charge_now"
    assert result["data"][CONF_RESUME_ACTION] == "pod_point.charge_now"
    assert result["data"][CONF_MIN_SWITCH_TIME] == 300
    assert CONF_CURRENT_ENTITY not in result["data"]
