"""Chargers as they are: units, steps, ranges, and chargers that can only be switched.

The seeded site (tests/site.py) at 17:05 in Stockholm: the Tesla (30 %, minimum
40 %, 11 kW on three phases) on the Garage charges at once, as fast as it takes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.opti_vgi.const import (
    CONF_ACTION_DATA,
    CONF_CAPACITY_KWH,
    CONF_CONTROL,
    CONF_CURRENT_STEP,
    CONF_GRID_POWER_ENTITY,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_MIN_CURRENT,
    CONF_MIN_SWITCH_TIME,
    CONF_PAUSE_ACTION,
    CONF_PAUSE_ENTITY,
    CONF_PAUSE_MODE,
    CONF_PAUSE_OPTION,
    CONF_PHASES,
    CONF_RESUME_ACTION,
    CONF_RESUME_OPTION,
    ChargerMode,
    Control,
    ControlMethod,
    CurrentUnit,
    PauseMode,
)
from custom_components.opti_vgi.control import House, Limits, Load, shed
from custom_components.opti_vgi.coordinator import OptiVgiCoordinator
from custom_components.opti_vgi.settings import ChargerSettings
from custom_components.opti_vgi.writer import ChargerWriter

from .site import (
    CARPORT,
    GARAGE,
    GARAGE_CURRENT,
    OCPP,
    PRICE,
    SELECT_OPTION,
    SET_VALUE,
    TESLA,
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

GARAGE_SWITCH = "switch.garage_charging"
GARAGE_SELECT = "select.garage_charge_mode"
GARAGE_MODE = "select.garage_mode"
GRID = "sensor.grid_power"


def _now_a(coordinator: OptiVgiCoordinator) -> float:
    """The Garage's planned current in the current step."""
    return plan_of(coordinator).plan.charger(GARAGE).current_a[0]


def _number(unit: str, **attributes: Any) -> dict[str, Any]:
    """Attributes of the Garage's number entity."""
    return {"unit_of_measurement": unit, **attributes}


async def test_fractional_step_is_planned_and_written(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A number with a 0.1 A step: 11 kW is 15.9 A, not 15 A."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_CURRENT, "0", _number("A", min=6, max=16, step=0.1))
    coordinator = await setup_site(hass, site_entry())
    model = plan_of(coordinator).inputs.problem.charger(GARAGE)
    assert model.current_step_a == pytest.approx(0.1)
    assert _now_a(coordinator) == pytest.approx(15.9)
    assert chargers.of(SET_VALUE) == [
        {ATTR_ENTITY_ID: GARAGE_CURRENT, "value": pytest.approx(15.9)}
    ]


async def test_a_step_finer_than_a_tenth_is_planned_in_tenths(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A number in mA with a 1 mA step: planned on 0.1 A, written in mA."""
    seed_states(hass, today)
    hass.states.async_set(
        GARAGE_CURRENT, "0", _number("mA", min=6000, max=16000, step=1)
    )
    coordinator = await setup_site(hass, site_entry())
    model = plan_of(coordinator).inputs.problem.charger(GARAGE)
    assert model.current_step_a == pytest.approx(0.1)
    assert model.min_current_a == pytest.approx(6)
    assert chargers.of(SET_VALUE) == [
        {ATTR_ENTITY_ID: GARAGE_CURRENT, "value": pytest.approx(15900)}
    ]
    # Read back in A: the value it shows is what was written.
    assert coordinator.translation.reported_limit_a(
        coordinator.settings.chargers[0], 3
    ) == pytest.approx(15.9)


async def test_an_actions_fractional_step_is_planned_written_and_kept_by_the_guard(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """The Carport's OCPP action on a 0.5 A step: the plan, the write, the guard.

    The Leaf's 7.4 kW is 10.7 A on three phases: 10.5 A on the step (10 A on
    whole amperes). When the house takes 11 kW of the 17 kW, the guard leaves
    6 kW, 8.7 A, and lowers the Carport onto its step: 8.5 A.
    """
    seed_states(hass, today, soc="80", carport="Charging")  # the Tesla is full
    hass.states.async_set(GRID, "0", {"unit_of_measurement": "W"})
    entry = site_entry(
        overrides={CARPORT: {CONF_CURRENT_STEP: 0.5}},
        **{CONF_GRID_POWER_ENTITY: GRID},
    )
    coordinator = await setup_site(hass, entry)
    assert plan_of(coordinator).inputs.problem.charger(CARPORT).current_step_a == 0.5
    coordinator.restore_charger(CARPORT, mode=ChargerMode.FAST)
    await recalculate(hass)
    await tick(hass, freezer, 61)
    currents = plan_of(coordinator).plan.charger(CARPORT).current_a
    assert currents[0] == 10.5
    assert all(a * 2 == round(a * 2) for a in currents)  # every step on the grid
    assert chargers.of(OCPP)[-1] == {"devid": "carport", "limit_amps": 10.5}

    await tick(hass, freezer, 10)
    hass.states.async_set(GRID, str(11000 + 10.5 * 690), {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    assert chargers.of(OCPP)[-1] == {"devid": "carport", "limit_amps": 8.5}


def test_the_guard_lowers_onto_a_tenth_exactly() -> None:
    """2.7 A too much off 10 A on a 0.1 A step is 7.3 A, not 7.300000000000001 A.

    The writer would round the noise down again; the guard's own value is on
    the step already, so what it counts is what is written.
    """
    limits = Limits(kw=17.0, fuse_a=None, phases=3, voltage=230.0)
    house = House(kw=17.0 - 7.3 * 0.69, phase_a=(0.0, 0.0, 0.0))
    load = Load(
        charger_id="c1",
        phases=(1, 2, 3),
        kw_per_a=0.69,
        current_a=10.0,
        min_a=6.0,
        step_a=0.1,
    )
    assert shed(limits, house, [load]) == {"c1": 7.3}
    # 0.5 A steps: 7.3 A of room is 7.0 A.
    assert shed(limits, house, [replace(load, step_a=0.5)]) == {"c1": 7.0}


def _quarter_prices(day: datetime) -> list[dict[str, Any]]:
    """15-minute prices: 0.30 but for one cheap quarter, 02:00-02:15."""
    return [
        {
            "time": (day + timedelta(minutes=15 * q)).isoformat(),
            "price": 0.05 if q == 8 else 0.30,
        }
        for q in range(96)
    ]


@pytest.mark.parametrize(
    ("switch_time", "expected"),
    [
        pytest.param(0, {36: 13.0}, id="no-minimum-one-step"),
        pytest.param(1800, {35: 6.0, 36: 7.0}, id="30-min-two-steps"),
    ],
)
async def test_minimum_switch_time_is_planned(
    hass: HomeAssistant,
    today: datetime,
    switch_time: int,
    expected: dict[int, float],
) -> None:
    """A 30-minute minimum on 15-minute prices is planned, not only held.

    The Tesla needs 2.018 kWh, 13 A for one quarter of an hour: all of it in
    the cheap quarter (step 36, 02:00) without a minimum; with one, the
    charger is on for two steps in a row (the cheap one and the one before).
    """
    seed_states(hass, today, soc="76")
    hass.states.async_set(
        PRICE,
        "0.30",
        {
            "unit_of_measurement": "EUR/kWh",
            "prices_today": _quarter_prices(today),
            "prices_tomorrow": _quarter_prices(today + timedelta(days=1)),
        },
    )
    entry = site_entry(
        overrides={
            GARAGE: {CONF_MIN_SWITCH_TIME: switch_time},
            # 4 % of it is 13 A x 690 W x 15 min x 90 %.
            TESLA: {CONF_CAPACITY_KWH: 13 * 0.69 * 0.25 * 0.9 / 0.04},
        }
    )
    coordinator = await setup_site(hass, entry)
    model = plan_of(coordinator).inputs.problem.charger(GARAGE)
    assert model.min_on_minutes == model.min_off_minutes == switch_time // 60
    currents = plan_of(coordinator).plan.charger(GARAGE).current_a
    assert {t: a for t, a in enumerate(currents) if a} == expected
    assert plan_of(coordinator).plan.vehicle(TESLA).shortfall_kwh == pytest.approx(
        0, abs=1e-6
    )


async def test_power_limit_uses_the_phases_of_the_car(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A 1-phase car on a 3-phase charger in W: 16 A is 3680 W, not 11040 W."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_CURRENT, "0", _number("W", min=0, max=22080))
    entry = site_entry(
        overrides={
            TESLA: {CONF_PHASES: 1, CONF_MAX_CURRENT: 16, CONF_MAX_POWER_KW: 3.7}
        }
    )
    coordinator = await setup_site(hass, entry)
    assert _now_a(coordinator) == 16
    assert chargers.of(SET_VALUE) == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 3680}]
    charger = coordinator.settings.chargers[0]
    assert coordinator.translation.reported_limit_a(charger, 1) == 16
    # Without a car known, 3680 W may all be on one phase: 16 A.
    assert coordinator.translation.reported_limit_a(charger) == 16


async def test_the_users_range_holds_over_the_numbers(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A number offering 0-32 A on a 6-12 A charger is planned and written 12 A."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_CURRENT, "0", _number("A", min=0, max=32))
    entry = site_entry(overrides={GARAGE: {CONF_MAX_CURRENT: 12}})
    coordinator = await setup_site(hass, entry)
    assert _now_a(coordinator) == 12
    assert chargers.of(SET_VALUE) == [{ATTR_ENTITY_ID: GARAGE_CURRENT, "value": 12}]


@pytest.mark.parametrize(
    ("user_min", "number_min", "expected"),
    [
        pytest.param(10, 0, 10, id="user-minimum-10"),
        pytest.param(6, 8, 8, id="number-minimum-8"),
        pytest.param(14, 17, 0, id="nothing-in-both"),
    ],
)
async def test_a_minimum_above_6_a(
    hass: HomeAssistant,
    today: datetime,
    user_min: float,
    number_min: float,
    expected: float,
) -> None:
    """The higher of the user's and the number's minimum is planned with."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_CURRENT, "0", _number("A", min=number_min, max=16))
    entry = site_entry(overrides={GARAGE: {CONF_MIN_CURRENT: user_min}})
    coordinator = await setup_site(hass, entry)
    model = plan_of(coordinator).inputs.problem.charger(GARAGE)
    assert model.min_current_a == expected
    assert all(
        a == 0 or a >= expected - 1e-9
        for a in plan_of(coordinator).plan.charger(GARAGE).current_a
    )


# --- Chargers that can only be switched ------------------------------------------


def _on_off(**extra: Any) -> dict[str, Any]:
    """The Garage as a charger with no current limit, switched on and off."""
    return {
        CONF_CONTROL: "on_off",
        CONF_PAUSE_MODE: "switch",
        CONF_PAUSE_ENTITY: GARAGE_SWITCH,
        **extra,
    }


async def test_on_off_charger_is_planned_at_its_fixed_current(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """Planned as 0 or its fixed current (the car's 11 kW); only switched."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_SWITCH, "off")
    coordinator = await setup_site(hass, site_entry(overrides={GARAGE: _on_off()}))
    model = plan_of(coordinator).inputs.problem.charger(GARAGE)
    fixed = 11000 / 690  # the Tesla's 11 kW, below the charger's 16 A
    assert model.min_current_a == model.max_current_a == pytest.approx(fixed)
    currents = plan_of(coordinator).plan.charger(GARAGE).current_a
    assert currents[0] == pytest.approx(fixed)
    assert all(a == 0 or a == pytest.approx(fixed) for a in currents)
    assert chargers.of(TURN_ON) == [{ATTR_ENTITY_ID: GARAGE_SWITCH}]
    assert chargers.of(TURN_OFF) == chargers.of(SET_VALUE) == []
    assert coordinator.writer.states[GARAGE].current_a == pytest.approx(fixed)
    # 30 kWh to add (30 % to 80 % of 60 kWh) in whole 15-minute steps of
    # 11 kW at 90 %: 13 steps, 32.175 kWh, so it is not stopped a step short.
    car = next(v for v in plan_of(coordinator).inputs.problem.vehicles if v.id == TESLA)
    assert car.energy_needed_kwh == pytest.approx(13 * 11 * 0.25 * 0.9)
    assert plan_of(coordinator).plan.vehicle(TESLA).shortfall_kwh == pytest.approx(
        0, abs=1e-6
    )


async def test_on_off_through_a_mode_select(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A mode-only charger (zappi): Fast to charge, Stopped to stop."""
    seed_states(hass, today)
    hass.states.async_set(
        GARAGE_SELECT, "Eco+", {"options": ["Fast", "Eco", "Eco+", "Stopped"]}
    )
    settings = {
        CONF_CONTROL: "on_off",
        CONF_PAUSE_MODE: "select",
        CONF_PAUSE_ENTITY: GARAGE_SELECT,
        CONF_PAUSE_OPTION: "Stopped",
        CONF_RESUME_OPTION: "Fast",
    }
    await setup_site(hass, site_entry(overrides={GARAGE: settings}))
    assert chargers.of(SELECT_OPTION) == [
        {ATTR_ENTITY_ID: GARAGE_SELECT, "option": "Fast"}
    ]
    await tick(hass, freezer, 61)
    await act(hass, "select.select_option", entity_id=GARAGE_MODE, option="off")
    assert chargers.of(SELECT_OPTION)[1:] == [
        {ATTR_ENTITY_ID: GARAGE_SELECT, "option": "Stopped"}
    ]
    assert chargers.of(SET_VALUE) == []


async def test_on_off_through_start_and_stop_actions(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A charger with only start/stop actions (Blue Current's shape).

    Its start action when the plan charges, its stop action when it stops,
    each with the charger's fixed fields; nothing else is called, and it is
    counted at its fixed current while on.
    """
    start = "blue_current.start_charge_session"
    stop = "blue_current.stop_charge_session"
    await chargers.async_capture(start, stop)
    seed_states(hass, today)
    settings = {
        CONF_CONTROL: "on_off",
        CONF_PAUSE_MODE: "action",
        CONF_PAUSE_ACTION: stop,
        CONF_RESUME_ACTION: start,
        CONF_ACTION_DATA: {"device_id": "blue-garage"},
    }
    coordinator = await setup_site(hass, site_entry(overrides={GARAGE: settings}))
    fixed = 11000 / 690  # the Tesla's 11 kW, below the charger's 16 A
    assert plan_of(coordinator).plan.charger(GARAGE).current_a[0] == pytest.approx(
        fixed
    )
    assert chargers.of(start) == [{"device_id": "blue-garage"}]
    assert chargers.of(stop) == []
    assert coordinator.writer.states[GARAGE].current_a == pytest.approx(fixed)

    await tick(hass, freezer, 61)
    await act(hass, "select.select_option", entity_id=GARAGE_MODE, option="off")
    assert chargers.of(stop) == [{"device_id": "blue-garage"}]
    assert chargers.of(start) == [{"device_id": "blue-garage"}]
    assert coordinator.writer.states[GARAGE].current_a == 0
    assert chargers.of(SET_VALUE) == chargers.of(TURN_ON) == []
    assert chargers.of(SELECT_OPTION) == []


async def test_minimum_on_time_is_kept(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Switched on, it stays on for its minimum time, then the plan switches it."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_SWITCH, "off")
    entry = site_entry(overrides={GARAGE: _on_off(**{CONF_MIN_SWITCH_TIME: 300})})
    coordinator = await setup_site(hass, entry)
    assert chargers.of(TURN_ON) == [{ATTR_ENTITY_ID: GARAGE_SWITCH}]

    await tick(hass, freezer, 61)
    await act(hass, "select.select_option", entity_id=GARAGE_MODE, option="off")
    assert plan_of(coordinator).inputs.chargers[GARAGE].control is Control.HELD
    assert chargers.of(TURN_OFF) == []  # not before its 5 minutes are over

    await tick(hass, freezer, 240)  # 301 s after it was switched on
    assert chargers.of(TURN_OFF) == [{ATTR_ENTITY_ID: GARAGE_SWITCH}]
    assert plan_of(coordinator).inputs.chargers[GARAGE].control is Control.STOP

    # Off now: not on again before another 5 minutes, whatever the user wants.
    await tick(hass, freezer, 10)
    await act(hass, "select.select_option", entity_id=GARAGE_MODE, option="fast")
    assert chargers.of(TURN_ON) == [{ATTR_ENTITY_ID: GARAGE_SWITCH}]
    await tick(hass, freezer, 300)
    assert chargers.of(TURN_ON) == [{ATTR_ENTITY_ID: GARAGE_SWITCH}] * 2


async def test_safety_switches_off_within_the_minimum_time(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """The guard switches a held charger off at once when the limit needs it."""
    seed_states(hass, today)
    hass.states.async_set(GARAGE_SWITCH, "off")
    hass.states.async_set(GRID, "0", {"unit_of_measurement": "W"})
    entry = site_entry(
        overrides={GARAGE: _on_off(**{CONF_MIN_SWITCH_TIME: 600})},
        **{CONF_GRID_POWER_ENTITY: GRID},
    )
    coordinator = await setup_site(hass, entry)
    assert chargers.of(TURN_ON) == [{ATTR_ENTITY_ID: GARAGE_SWITCH}]
    await tick(hass, freezer, 30)
    hass.states.async_set(GRID, "11000", {"unit_of_measurement": "W"})  # the car
    await tick(hass, freezer, 30)
    assert coordinator.writer.states[GARAGE].held(dt_util.utcnow())
    assert chargers.of(TURN_OFF) == []
    # The house takes 12 kW more: 23 kW on a 17 kW limit.
    hass.states.async_set(GRID, "23000", {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    assert chargers.of(TURN_OFF) == [{ATTR_ENTITY_ID: GARAGE_SWITCH}]


# --- What the writer refuses -------------------------------------------------------


def _writer(
    hass: HomeAssistant, **fields: Any
) -> tuple[ChargerWriter, ChargerSettings]:
    """A writer of one charger with these settings."""
    charger = ChargerSettings(subentry_id="c1", name="Box", **fields)
    return ChargerWriter(hass, (charger,)), charger


@pytest.mark.parametrize(
    ("fields", "target", "error"),
    [
        pytest.param(
            {"control": ControlMethod.ON_OFF},
            16.0,
            "can only be switched",
            id="switched-without-a-pause-method",
        ),
        pytest.param(
            {"control": ControlMethod.ON_OFF, "pause_mode": PauseMode.ACTION},
            16.0,
            "has no start action",
            id="no-start-action",
        ),
        pytest.param(
            {
                "control": ControlMethod.NUMBER,
                "pause_mode": PauseMode.ACTION,
                "current_entity": "number.box_limit",
            },
            0.0,
            "has no stop action",
            id="no-stop-action",
        ),
        pytest.param(
            {"control": ControlMethod.NUMBER, "current_entity": "number.box_limit"},
            4.0,
            "takes no less than 6.0 A",
            id="below-the-users-minimum",
        ),
        pytest.param(
            {"control": ControlMethod.NUMBER, "current_entity": "number.box_percent"},
            10.0,
            "not A, mA, W or kW",
            id="unit-not-written",
        ),
    ],
)
async def test_writes_that_are_refused(
    hass: HomeAssistant, fields: dict[str, Any], target: float, error: str
) -> None:
    """Nothing is sent that the charger cannot take as the plan means it."""
    hass.states.async_set("number.box_limit", "16", {"unit_of_measurement": "A"})
    hass.states.async_set("number.box_percent", "50", {"unit_of_measurement": "%"})
    writer, charger = _writer(hass, **fields)
    assert not await writer.async_write_now(charger, target, dt_util.utcnow())
    assert error in (writer.states["c1"].error or "")


@pytest.mark.parametrize(
    ("unit", "step", "expected", "written_a"),
    [
        pytest.param(CurrentUnit.AMPERE, 0.1, 15.9, 15.9, id="A-tenths"),
        pytest.param(CurrentUnit.AMPERE, 1.0, 15, 15, id="A-whole"),
        pytest.param(CurrentUnit.MILLIAMPERE, 0.1, 15900, 15.9, id="mA-tenths"),
        pytest.param(CurrentUnit.WATT, 0.5, 10695, 15.5, id="W-halves"),
        pytest.param(CurrentUnit.KILOWATT, 0.5, 10.695, 15.5, id="kW-halves"),
    ],
)
async def test_an_actions_value_is_rounded_down_onto_its_step(
    hass: HomeAssistant,
    unit: CurrentUnit,
    step: float,
    expected: float,
    written_a: float,
) -> None:
    """15.97 A on the action's step, then in its unit: never above 15.97 A."""
    calls = async_mock_service(hass, "box", "set_limit")
    writer, charger = _writer(
        hass,
        control=ControlMethod.ACTION,
        action="box.set_limit",
        action_value_field="limit",
        action_unit=unit,
        current_step=step,
        max_current=32.0,
    )
    writer.vehicle_phases["c1"] = 3
    assert await writer.async_write_now(charger, 15.97, dt_util.utcnow())
    assert calls[-1].data == {"limit": pytest.approx(expected)}
    assert writer.states["c1"].current_a == pytest.approx(written_a)


async def test_an_action_in_kilowatts_and_milliamperes(hass: HomeAssistant) -> None:
    """An action's value in kW (to the watt) or mA, for the phases of the car."""
    calls = async_mock_service(hass, "box", "set_limit")
    for unit, phases, expected in (
        (CurrentUnit.KILOWATT, 1, 2.3),
        (CurrentUnit.KILOWATT, 3, 6.9),
        (CurrentUnit.MILLIAMPERE, 3, 10000),
    ):
        writer, charger = _writer(
            hass,
            control=ControlMethod.ACTION,
            action="box.set_limit",
            action_value_field="limit",
            action_unit=unit,
        )
        writer.vehicle_phases["c1"] = phases
        assert await writer.async_write_now(charger, 10.0, dt_util.utcnow())
        assert calls[-1].data == {"limit": pytest.approx(expected)}
        assert writer.states["c1"].current_a == pytest.approx(10.0)
