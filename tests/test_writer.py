"""Writing each charger's setpoint: units, ranges, pauses, throttling, failures.

Everything goes through the integration as a user would see it: the site is set
up from its config entry, inputs change as states, the user acts through our
entities, time moves on a frozen clock, and the chargers' actions are captured.
The seeded site (tests/site.py) at 17:05 in Stockholm: the Tesla (30 %, minimum
40 %) on the Garage charges now; the Leaf on the Carport needs nothing yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.opti_vgi import writer as writer_module
from custom_components.opti_vgi.const import (
    CONF_ACTION,
    CONF_ACTION_DATA,
    CONF_ACTION_UNIT,
    CONF_ACTION_VALUE_FIELD,
    CONF_CHARGER,
    CONF_CONTROL,
    CONF_GRID_POWER_ENTITY,
    CONF_PAUSE_ENTITY,
    CONF_PAUSE_MODE,
    CONF_PAUSE_OPTION,
    CONF_POWER_ENTITY,
    CONF_RESUME_OPTION,
    DOMAIN,
    Control,
)
from custom_components.opti_vgi.control import Decision, House, Limits
from custom_components.opti_vgi.coordinator import (
    OptiVgiCoordinator,
    resolution_kwh,
)
from custom_components.opti_vgi.optimizer.model import Charger, Horizon, Problem, Site
from custom_components.opti_vgi.writer import WriteState, _Room

from .site import (
    CARPORT,
    CARPORT_STATUS,
    ENTRY_ID,
    GARAGE,
    GARAGE_CURRENT,
    LEAF,
    OCPP,
    SELECT_OPTION,
    SET_VALUE,
    TESLA,
    TESLA_SOC,
    TURN_OFF,
    TURN_ON,
    ChargerCalls,
    act,
    plan_of,
    recalculate,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

SMART_CHARGING = "switch.home_smart_charging"
STATUS = "sensor.home_status"
GARAGE_MODE = "select.garage_mode"
CARPORT_MODE = "select.carport_mode"
LEAF_ENERGY = "number.leaf_energy_to_add"
GRID = "sensor.grid_power"
CARPORT_SWITCH = "switch.carport_charging"
CARPORT_POWER = "sensor.carport_power"
CARPORT_SELECT = "select.carport_charge_mode"
KW_PER_A = 230 * 3 / 1000


def _now_a(coordinator: OptiVgiCoordinator, charger: str) -> float:
    """The planned current of a charger in the current step."""
    return plan_of(coordinator).plan.charger(charger).current_a[0]


def _number(unit: str, low: float | None, high: float | None) -> dict[str, Any]:
    """Attributes of the Garage's number entity (a range only where given)."""
    attributes: dict[str, Any] = {"unit_of_measurement": unit}
    if low is not None:
        attributes["min"] = low
    if high is not None:
        attributes["max"] = high
    return attributes


# --- Number entities: unit and range ---------------------------------------------


@pytest.mark.parametrize(
    ("unit", "low", "high", "planned", "expected"),
    [
        pytest.param("A", 0, 16, 15, lambda a: a, id="ampere"),
        pytest.param("mA", 0, 16000, 15, lambda a: a * 1000, id="milliampere"),
        pytest.param("W", 0, 22080, 15, lambda a: a * 230 * 3, id="watt"),
        pytest.param("kW", 0, 22.08, 15, lambda a: a * KW_PER_A, id="kilowatt"),
        # The number's own maximum is planned with (not just written): the
        # plan knows the charger gives no more.
        pytest.param("A", 0, 10, 10, lambda _: 10, id="clamped-to-max-ampere"),
        # 6000 W is 8.7 A on three phases: 8 A on the 1 A grid, 5520 W.
        pytest.param("W", 0, 6000, 8, lambda _: 5520, id="clamped-to-max-watt"),
        pytest.param("A", None, None, 15, lambda a: a, id="no-range"),
    ],
)
async def test_number_value_in_its_unit_and_range(
    hass: HomeAssistant,
    today: datetime,
    chargers: ChargerCalls,
    unit: str,
    low: float | None,
    high: float | None,
    planned: float,
    expected: Any,
) -> None:
    """The setpoint is converted to the number's unit and kept within its range."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_CURRENT, "0", _number(unit, low, high))
    coordinator = await setup_site(hass, site_entry())

    amps = _now_a(coordinator, GARAGE)
    # The Tesla's minimum SoC: as fast as it takes (11 kW) or the number allows.
    assert amps == planned
    assert chargers.of(SET_VALUE) == [
        {ATTR_ENTITY_ID: GARAGE_CURRENT, "value": pytest.approx(expected(amps))}
    ]


async def test_the_numbers_minimum_is_planned_with(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A number that takes no less than 16 A: the plan never asks for less.

    The Tesla takes at most 15.9 A (11 kW), so it cannot charge on this number
    at all: it is planned at 0 A, and the writer sends 0 (never 15 A, which
    the charger would refuse or raise to 16).
    """
    seed_states(hass, today)
    hass.states.async_set(GARAGE_CURRENT, "0", _number("A", 16, 32))
    coordinator = await setup_site(hass, site_entry())
    assert _now_a(coordinator, GARAGE) == 0
    assert coordinator.writer.states[GARAGE].failures == 0
    assert all(call["value"] == 0 for call in chargers.of(SET_VALUE))


async def test_a_value_below_the_numbers_minimum_is_refused(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """Raising a setpoint to the number's minimum would break the plan: not written.

    The number's minimum changed after the plan was made (its range is read
    again at the next round): the write of 15 A is refused, not raised to 16.
    """
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    assert _now_a(coordinator, GARAGE) == 15
    chargers.calls.clear()
    hass.states.async_set(GARAGE_CURRENT, "0", _number("A", 16, 32))
    written = coordinator.writer.states[GARAGE]
    written.current_a = None
    await coordinator.writer.async_apply(
        coordinator.decisions,
        plan_of(coordinator).inputs,
        coordinator.translation.limits(),
        dt_util.utcnow() + timedelta(hours=1),
    )
    assert chargers.of(SET_VALUE) == []
    assert written.failures == 1
    assert "accepts no less than 16" in (written.error or "")


async def test_zero_is_written_below_the_numbers_minimum(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A charger that pauses at 0 A gets 0, not the number's minimum."""
    seed_states(hass, today, soc="80")
    hass.states.async_set(GARAGE_CURRENT, "16", _number("A", 6, 16))
    await setup_site(hass, site_entry())
    assert chargers.of(SET_VALUE) == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 0}]


async def test_action_in_watt(hass: HomeAssistant, today: datetime) -> None:
    """An action that takes watts gets A x V x phases, as a whole number."""
    calls = async_mock_service(hass, "wallbox", "set_power")
    async_mock_service(hass, "ocpp", "set_charge_rate")
    seed_states(hass, today)
    entry = site_entry(
        overrides={
            GARAGE: {
                CONF_CONTROL: "action",
                CONF_ACTION: "wallbox.set_power",
                CONF_ACTION_VALUE_FIELD: "power",
                CONF_ACTION_UNIT: "W",
                CONF_ACTION_DATA: {"device": "garage"},
            }
        }
    )
    coordinator = await setup_site(hass, entry)
    amps = _now_a(coordinator, GARAGE)
    assert amps == 15
    assert [call.data for call in calls] == [{"device": "garage", "power": 10350}]
    assert isinstance(calls[0].data["power"], int)


# --- Pausing and resuming ------------------------------------------------------


async def test_pause_and_resume_through_a_switch(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """0 A turns the charger's switch off; charging again turns it on first."""
    seed_states(hass, today)
    entry = site_entry(
        overrides={
            CARPORT: {CONF_PAUSE_MODE: "switch", CONF_PAUSE_ENTITY: CARPORT_SWITCH}
        }
    )
    coordinator = await setup_site(hass, entry)
    assert _now_a(coordinator, CARPORT) == 0  # the Leaf needs nothing yet
    assert chargers.of(TURN_OFF) == [{ATTR_ENTITY_ID: CARPORT_SWITCH}]
    assert chargers.of(OCPP) == []

    # The user wants 10 kWh now, whatever the price.
    await tick(hass, freezer, 61)
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=10)
    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    amps = _now_a(coordinator, CARPORT)
    assert amps == 10  # 7.4 kW at most: 10 A on three phases
    carport = [call for call in chargers.calls if call[0] != SET_VALUE]
    assert carport == [
        (TURN_OFF, {ATTR_ENTITY_ID: CARPORT_SWITCH}),
        (TURN_ON, {ATTR_ENTITY_ID: CARPORT_SWITCH}),
        (OCPP, {"devid": "carport", "limit_amps": 10}),
    ]
    assert not coordinator.writer.states[CARPORT].paused

    # Off pauses again, through the switch.
    await tick(hass, freezer, 61)
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="off")
    carport = [call for call in chargers.calls if call[0] != SET_VALUE]
    assert carport[3:] == [(TURN_OFF, {ATTR_ENTITY_ID: CARPORT_SWITCH})]
    assert coordinator.writer.states[CARPORT].paused


async def test_pause_and_resume_through_a_select(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """0 A chooses the pause option; charging again chooses the resume option."""
    seed_states(hass, today)
    entry = site_entry(
        overrides={
            CARPORT: {
                CONF_PAUSE_MODE: "select",
                CONF_PAUSE_ENTITY: CARPORT_SELECT,
                CONF_PAUSE_OPTION: "paused",
                CONF_RESUME_OPTION: "charging",
            }
        }
    )
    await setup_site(hass, entry)
    assert chargers.of(SELECT_OPTION) == [
        {ATTR_ENTITY_ID: CARPORT_SELECT, "option": "paused"}
    ]
    assert chargers.of(OCPP) == []

    await tick(hass, freezer, 61)
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=10)
    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    carport = [call for call in chargers.calls if call[0] != SET_VALUE]
    assert carport == [
        (SELECT_OPTION, {ATTR_ENTITY_ID: CARPORT_SELECT, "option": "paused"}),
        (SELECT_OPTION, {ATTR_ENTITY_ID: CARPORT_SELECT, "option": "charging"}),
        (OCPP, {"devid": "carport", "limit_amps": 10}),
    ]


# --- Throttling ----------------------------------------------------------------


async def test_increase_waits_for_the_write_interval(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A higher setpoint within 60 s of the last write waits until they passed."""
    seed_states(hass, today, soc="80")
    coordinator = await setup_site(hass, site_entry())
    assert chargers.of(SET_VALUE) == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 0}]

    # 30 s later the SoC reading drops: the plan wants 15 A now, not written yet.
    await tick(hass, freezer, 30)
    hass.states.async_set(TESLA_SOC, "30", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert _now_a(coordinator, GARAGE) == 15
    assert len(chargers.of(SET_VALUE)) == 1

    await tick(hass, freezer, 29)  # 59 s after the write
    await recalculate(hass)
    assert len(chargers.of(SET_VALUE)) == 1

    await tick(hass, freezer, 1)  # 60 s after the write
    await recalculate(hass)
    assert chargers.of(SET_VALUE)[1:] == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 15}]


async def test_held_increase_is_written_at_the_next_step(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Without anything else happening, the step timer writes what was held."""
    seed_states(hass, today, soc="80")
    await setup_site(hass, site_entry())
    await tick(hass, freezer, 30)
    hass.states.async_set(TESLA_SOC, "30", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert len(chargers.of(SET_VALUE)) == 1

    freezer.move_to("2026-11-23T16:15:00+00:00")  # 17:15, the next step
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert chargers.of(SET_VALUE)[1:] == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 15}]


async def test_decrease_for_the_site_limit_is_written_at_once(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Within the interval, a decrease the site limit needs goes out at once."""
    seed_states(hass, today)
    hass.states.async_set(GRID, "1000", {"unit_of_measurement": "W"})
    coordinator = await setup_site(hass, site_entry(**{CONF_GRID_POWER_ENTITY: GRID}))
    assert chargers.of(SET_VALUE) == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 15}]

    # 10 s later the house draws 12 kW of the 17 kW: the meter shows that plus
    # the Garage's own 15 A (10.35 kW, as its number entity reports it).
    # Keeping 15 A would break the limit, so the guard lowers it at once, to
    # what fits without a new plan: 7 A (4.83 kW of the 5 kW left).
    await tick(hass, freezer, 10)
    hass.states.async_set(GRID, "22350", {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    assert chargers.of(SET_VALUE)[1:] == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 7}]

    # The meter shows the lower draw a second later; the new plan, a few seconds
    # after the guard's write, starts from it and agrees.
    await tick(hass, freezer, 1)
    hass.states.async_set(GRID, "16830", {"unit_of_measurement": "W"})
    await tick(hass, freezer, 5)
    assert _now_a(coordinator, GARAGE) == 7
    assert len(chargers.of(SET_VALUE)) == 2

    # The house load drops again (1 kW plus the Garage's 7 A). Going back up
    # waits: the guard replans at most every two minutes, then it is written.
    await tick(hass, freezer, 10)
    hass.states.async_set(GRID, "5830", {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    assert _now_a(coordinator, GARAGE) == 7
    await tick(hass, freezer, 100)  # two minutes after the guard's first replan
    assert _now_a(coordinator, GARAGE) == 7
    await tick(hass, freezer, 10)
    assert _now_a(coordinator, GARAGE) == 15
    assert chargers.of(SET_VALUE)[2:] == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 15}]


async def test_decrease_within_the_limit_waits_for_the_interval(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A decrease the limit does not need is throttled like an increase."""
    seed_states(hass, today)
    hass.states.async_set(GRID, "1000", {"unit_of_measurement": "W"})
    coordinator = await setup_site(hass, site_entry(**{CONF_GRID_POWER_ENTITY: GRID}))
    assert chargers.of(SET_VALUE) == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 15}]

    # The Tesla reaches its target: 0 A is planned, but 15 A still fits.
    await tick(hass, freezer, 10)
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert _now_a(coordinator, GARAGE) == 0
    assert len(chargers.of(SET_VALUE)) == 1

    await tick(hass, freezer, 50)
    await recalculate(hass)
    assert chargers.of(SET_VALUE)[1:] == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 0}]


# --- Failures --------------------------------------------------------------------


async def test_failing_charger_becomes_a_status_then_a_repair(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Refused writes back off; three in a row raise a repair, cleared later.

    The Carport's power sensor shows it draws nothing, so while it refuses it
    is counted at 0 A (without one it would be counted at its maximum).
    """
    chargers.failing.add(OCPP)
    seed_states(hass, today)
    hass.states.async_set(CARPORT_POWER, "0", {"unit_of_measurement": "W"})
    coordinator = await setup_site(
        hass, site_entry(overrides={CARPORT: {CONF_POWER_ENTITY: CARPORT_POWER}})
    )
    issue_id = f"{ENTRY_ID}_charger_write_failed_{CARPORT}"
    issues = ir.async_get(hass)

    assert len(chargers.of(OCPP)) == 1
    assert coordinator.writer.states[CARPORT].failures == 1
    assert coordinator.writer.states[CARPORT].error == f"{OCPP} refused"
    assert hass.states.get(STATUS).state == "write_failed"
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    # The Garage was written, and is not retried.
    assert len(chargers.of(SET_VALUE)) == 1

    # A refused write is retried by itself, but never faster than the charger's
    # interval (60 s) and backing off: 60 s, 60 s, then 120 s. Nothing in
    # between, however often we plan.
    await tick(hass, freezer, 30)
    await recalculate(hass)
    assert len(chargers.of(OCPP)) == 1
    await tick(hass, freezer, 31)  # 61 s after the first attempt
    assert coordinator.writer.states[CARPORT].failures == 2
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    await tick(hass, freezer, 61)
    assert len(chargers.of(OCPP)) == 3
    assert coordinator.writer.states[CARPORT].failures == 3
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "charger_write_failed"
    assert issue.translation_placeholders == {
        "charger": "Carport",
        "error": f"{OCPP} refused",
    }
    assert hass.states.get(STATUS).state == "write_failed"
    assert len(chargers.of(SET_VALUE)) == 1

    # The charger accepts again: the next retry (120 s later) clears counters,
    # status and repair.
    chargers.failing.clear()
    await tick(hass, freezer, 100)
    assert len(chargers.of(OCPP)) == 3
    await tick(hass, freezer, 21)
    assert chargers.of(OCPP)[-1] == {"devid": "carport", "limit_amps": 0}
    assert coordinator.writer.states[CARPORT].failures == 0
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(STATUS).state == "ok"

    # Once written, the same setpoint is not sent again.
    await tick(hass, freezer, 61)
    await recalculate(hass)
    assert len(chargers.of(OCPP)) == 4


@pytest.mark.parametrize(
    ("garage", "error"),
    [
        pytest.param({}, "does not exist", id="number-entity-missing"),
        pytest.param(
            {CONF_CONTROL: "action"}, "has no action configured", id="no-action"
        ),
        pytest.param(
            {CONF_PAUSE_MODE: "switch"}, "has no pause entity", id="no-pause-entity"
        ),
    ],
)
async def test_misconfigured_charger_fails_without_raising(
    hass: HomeAssistant,
    today: datetime,
    chargers: ChargerCalls,
    garage: dict[str, Any],
    error: str,
) -> None:
    """A charger that cannot be written shows as a failure; the rest goes on."""
    seed_states(hass, today, soc="80" if CONF_PAUSE_MODE in garage else "30")
    hass.states.async_remove(GARAGE_CURRENT)
    coordinator = await setup_site(hass, site_entry(overrides={GARAGE: garage}))
    state = coordinator.writer.states[GARAGE]
    assert state.failures == 1
    assert state.error is not None
    assert error in state.error
    assert state.current_a is None
    assert hass.states.get(STATUS).state == "write_failed"
    assert chargers.of(OCPP) == [{"devid": "carport", "limit_amps": 0}]


# --- What is written at all ------------------------------------------------------


async def test_smart_charging_off_releases_then_writes_nothing(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Hands off: each charger is released, then left alone; plans go on.

    The default release is the charger's minimum (6 A): a paused car charges
    again, slowly, rather than staying paused all night. (Before, turning smart
    charging off left a paused charger paused.)
    """
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    assert len(chargers.calls) == 2  # Garage 15 A, Carport paused (0 A)

    await act(hass, "switch.turn_off", entity_id=SMART_CHARGING)
    assert hass.states.get(SMART_CHARGING).state == "off"
    assert hass.states.get(STATUS).state == "disabled"
    assert chargers.calls[2:] == [
        (SET_VALUE, {ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 6}),
        (OCPP, {"devid": "carport", "limit_amps": 6}),
    ]
    written = list(chargers.calls)

    await tick(hass, freezer, 61)
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert _now_a(coordinator, GARAGE) == 0
    assert chargers.calls == written
    assert hass.states.get(STATUS).state == "disabled"

    await tick(hass, freezer, 6)
    await act(hass, "switch.turn_on", entity_id=SMART_CHARGING)
    assert chargers.calls[len(written) :] == [
        (SET_VALUE, {ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 0}),
        (OCPP, {"devid": "carport", "limit_amps": 0}),
    ]
    assert hass.states.get(STATUS).state == "ok"


async def test_mode_off_writes_zero(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A charger switched off by the user gets 0 A, and its vehicle no plan."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    assert chargers.of(SET_VALUE) == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 15}]

    await tick(hass, freezer, 61)
    await act(hass, "select.select_option", entity_id=GARAGE_MODE, option="off")
    assert hass.states.get(GARAGE_MODE).state == "off"
    assert chargers.of(SET_VALUE)[1:] == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 0}]
    data = plan_of(coordinator)
    assert TESLA not in {v.id for v in data.inputs.problem.vehicles}
    assert not data.inputs.vehicles[TESLA].planned


async def test_mode_fast_charges_now_at_a_high_price(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Smart waits for the cheap night; fast charges at once, whatever it costs."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    await tick(hass, freezer, 61)
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=10)
    data = plan_of(coordinator)
    prices = data.inputs.problem.prices
    assert prices[0] == max(prices)
    leaf = data.plan.vehicle(LEAF)
    assert leaf.power_kw[0] == 0
    assert leaf.shortfall_kwh <= resolution_kwh(data.inputs.problem, LEAF)
    assert chargers.of(OCPP) == [{"devid": "carport", "limit_amps": 0}]

    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    data = plan_of(coordinator)
    vehicle = next(v for v in data.inputs.problem.vehicles if v.id == LEAF)
    assert vehicle.min_energy_kwh == vehicle.energy_needed_kwh == 10
    leaf = data.plan.vehicle(LEAF)
    assert leaf.current_a[:4] == (10, 10, 10, 10)
    assert chargers.of(OCPP)[1:] == [{"devid": "carport", "limit_amps": 10}]


async def test_unplugged_charger_is_not_written(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Not plugged in: whatever the user asks, the charger is left alone."""
    seed_states(hass, today, carport="Available")
    await setup_site(hass, site_entry())
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=10)
    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="off")
    assert chargers.of(OCPP) == []


async def test_plugged_charger_without_known_vehicle_is_not_written(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A plugged-in car Opti-VGI cannot name (a guest's) is not stopped."""
    seed_states(hass, today)
    # The Tesla's usual charger was deleted: nobody is known to use the Garage.
    entry = site_entry(overrides={TESLA: {CONF_CHARGER: "01DELETED"}})
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    assert data.inputs.chargers[GARAGE].plugged_in
    assert data.inputs.chargers[GARAGE].vehicle is None
    assert data.inputs.vehicles[TESLA].charger_id is None
    assert not data.inputs.vehicles[TESLA].planned
    assert chargers.of(SET_VALUE) == []
    assert chargers.of(OCPP) == [{"devid": "carport", "limit_amps": 0}]


# --- Our own echoes ------------------------------------------------------------


@pytest.mark.parametrize("child", [False, True], ids=["same-context", "child-context"])
async def test_echo_of_our_write_does_not_replan(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    child: bool,
) -> None:
    """The charger's status changing because of our write is not news."""

    async def set_charge_rate(call: ServiceCall) -> None:
        # Like a real charger: the write shows up in its connector status.
        context = Context(parent_id=call.context.id) if child else call.context
        state = "SuspendedEVSE" if call.data["limit_amps"] == 0 else "Charging"
        hass.states.async_set(CARPORT_STATUS, state, context=context)

    hass.services.async_register("ocpp", "set_charge_rate", set_charge_rate)
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    first = coordinator.data
    await tick(hass, freezer, 30)
    assert hass.states.get(CARPORT_STATUS).state == "SuspendedEVSE"
    assert coordinator.data is first  # no new round

    # The same change by someone else is news.
    hass.states.async_set(CARPORT_STATUS, "Charging")
    await hass.async_block_till_done()
    assert coordinator.data is not first


def _room(
    problem: Problem,
    limits: Limits,
    house_kw: float,
    targets: dict[str, float],
    vehicle_phases: int | None = None,
) -> _Room:
    """The writer's room for a round that planned ``targets`` (A per charger).

    Each charger's draw lands on the phases of a car with ``vehicle_phases``
    (None: every phase of the charger), as the round counted it.
    """
    chargers = {}
    for cid in targets:
        charger = problem.charger(cid)
        phases = charger.site_phases(vehicle_phases)
        chargers[cid] = SimpleNamespace(
            phases=phases, kw_per_a=charger.voltage_v * len(phases) / 1000
        )
    inputs = SimpleNamespace(
        problem=problem,
        chargers=chargers,
        house=House(kw=house_kw, phase_a=(0.0, 0.0, 0.0)),
    )
    decisions = {
        cid: Decision(charger_id=cid, control=Control.PLAN, target_a=a, counted_a=a)
        for cid, a in targets.items()
    }
    return _Room(inputs, decisions, limits)  # type: ignore[arg-type]


def test_held_back_decreases_add_up() -> None:
    """Two decreases that each fit the spare room, but not together: one is urgent."""
    start = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    problem = Problem(
        horizon=Horizon(start=start, step_minutes=15, steps=1),
        site=Site(import_limit_kw=11.0, base_load_kw=(1.72,)),
        prices=(0.1,),
        chargers=(Charger(id="a"), Charger(id="b")),
        vehicles=(),
    )
    limits = Limits(kw=11.0, fuse_a=None, phases=3, voltage=230.0)
    # The plan gives each charger 6 A (4.14 kW each): 0.72 kW of room left.
    room = _room(problem, limits, 1.72, {"a": 6.0, "b": 6.0})
    charger = SimpleNamespace(subentry_id="a", kw_per_a=0.69)
    held = WriteState(current_a=7.0)
    # Keeping 7 A on the first costs 0.69 kW of the 0.72 kW: it may wait...
    assert not room.needs(charger, held, 6.0)  # type: ignore[arg-type]
    room.hold(charger, held, 6.0)  # type: ignore[arg-type]
    # ...but then the second one's 0.69 kW no longer fits: it goes out at once.
    charger_b = SimpleNamespace(subentry_id="b", kw_per_a=0.69)
    assert room.needs(charger_b, WriteState(current_a=7.0), 6.0)  # type: ignore[arg-type]


def test_held_back_decrease_respects_the_fuse_per_phase() -> None:
    """With a fuse, a decrease on a full phase is urgent even if kW would allow it."""
    start = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    problem = Problem(
        horizon=Horizon(start=start, step_minutes=15, steps=1),
        site=Site(import_limit_kw=50.0, fuse_limit_a=16.0),
        prices=(0.1,),
        chargers=(Charger(id="a", phases=1, phase=2, max_current_a=32),),
        vehicles=(),
    )
    limits = Limits(kw=50.0, fuse_a=16.0, phases=3, voltage=230.0)
    room = _room(problem, limits, 0.0, {"a": 16.0})
    charger = SimpleNamespace(subentry_id="a", kw_per_a=0.23)
    assert room.needs(charger, WriteState(current_a=20.0), 16.0)  # type: ignore[arg-type]
    # The same 4 A extra with the phase not full may wait.
    room = _room(problem, limits, 0.0, {"a": 10.0})
    assert not room.needs(charger, WriteState(current_a=14.0), 10.0)  # type: ignore[arg-type]


def test_held_back_decrease_on_the_phase_of_a_one_phase_car() -> None:
    """A 1-phase car on a 3-phase charger wired L1->L2: its extra is on L2 only.

    The fuse is full on L2 alone, so holding 4 A more there is urgent; on L1
    and L3 there is room, and in kW 4 A is 0.92 kW (one phase), not 2.76 kW.
    """
    start = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    problem = Problem(
        horizon=Horizon(start=start, step_minutes=15, steps=1),
        site=Site(import_limit_kw=50.0, fuse_limit_a=16.0),
        prices=(0.1,),
        chargers=(Charger(id="a", phases=3, phase=2, max_current_a=32),),
        vehicles=(),
    )
    limits = Limits(kw=50.0, fuse_a=16.0, phases=3, voltage=230.0)
    room = _room(problem, limits, 0.0, {"a": 16.0}, vehicle_phases=1)
    assert room.phases == {"a": (2,)}
    assert room.amps == {1: 16.0, 2: 0.0, 3: 16.0}
    charger = SimpleNamespace(subentry_id="a", kw_per_a=0.69)
    assert room.needs(charger, WriteState(current_a=20.0), 16.0)  # type: ignore[arg-type]
    room.hold(charger, WriteState(current_a=12.0), 16.0)  # type: ignore[arg-type]
    assert room.kw == pytest.approx(50.0 - 16 * 0.23 + 4 * 0.23)


async def test_a_charger_found_paused_is_resumed_after_a_restart(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A pause switch that is off (from before a restart) is turned on to charge."""
    seed_states(hass, today)
    hass.states.async_set(CARPORT_SWITCH, "off")
    entry = site_entry(
        overrides={
            CARPORT: {CONF_PAUSE_MODE: "switch", CONF_PAUSE_ENTITY: CARPORT_SWITCH}
        }
    )
    coordinator = await setup_site(hass, entry)
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=10)
    await tick(hass, freezer, 6)
    # A reload starts with an empty memory of what was written; the switch is off.
    coordinator.writer.states[CARPORT] = WriteState()
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    carport = [call for call in chargers.calls if call[0] != SET_VALUE]
    assert carport[-2:] == [
        (TURN_ON, {ATTR_ENTITY_ID: CARPORT_SWITCH}),
        (OCPP, {"devid": "carport", "limit_amps": 10}),
    ]


async def test_a_limit_that_cannot_be_read_back_is_given_again(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An OCPP charger shows nothing of what it was told: it gets it again.

    One that rebooted to its default (often its maximum) or was changed in its
    own app would otherwise stay so unseen. Not before REASSERT_UNREAD (here 4
    minutes) has passed since the last write; the number charger, which shows
    its limit, is not written again.
    """
    monkeypatch.setattr(writer_module, "REASSERT_UNREAD", timedelta(minutes=4))
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    carport = coordinator.writer.states[CARPORT].current_a
    assert carport is not None
    assert [c["limit_amps"] for c in chargers.of(OCPP)] == [carport]
    numbers = len(chargers.of(SET_VALUE))
    assert numbers == 1

    await tick(hass, freezer, 120)
    await recalculate(hass)
    assert len(chargers.of(OCPP)) == 1  # 2 minutes: not yet

    await tick(hass, freezer, 150)
    await recalculate(hass)
    assert coordinator.writer.states[CARPORT].current_a == carport  # same plan
    assert [c["limit_amps"] for c in chargers.of(OCPP)] == [carport, carport]
    assert len(chargers.of(SET_VALUE)) == numbers
