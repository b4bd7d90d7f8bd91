"""Faults between the plan and the real site, through the real coordinator.

Each test injects one fault into the seeded site (tests/site.py: 17 kW, the
Garage 3 x 6-16 A on a number entity, the Carport 3 x 6-32 A on OCPP) and
checks what a user and an electrician care about: the other charger keeps
working, what is written plus what is counted stays within the limit, the
status (and where it lasts, a repair) says why, and it all recovers by itself
when the fault ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant, ServiceCall
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.opti_vgi import coordinator as coordinator_module, writer
from custom_components.opti_vgi.const import (
    CONF_GRID_POWER_ENTITY,
    CONF_POWER_ENTITY,
    CONF_RELEASE_CURRENT,
    CONF_RELEASE_MODE,
    Control,
)
from custom_components.opti_vgi.coordinator import OptiVgiCoordinator
from custom_components.opti_vgi.optimizer.heuristic import HeuristicAlgorithm
from custom_components.opti_vgi.optimizer.lp import LinearProgramAlgorithm
from custom_components.opti_vgi.optimizer.model import PlanStatus
from custom_components.opti_vgi.translation import MeterSource

from .site import (
    CARPORT,
    ENTRY_ID,
    GARAGE,
    GARAGE_CURRENT,
    LEAF,
    OCPP,
    SET_VALUE,
    TESLA,
    TESLA_SOC,
    ChargerCalls,
    act,
    open_issue,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

STATUS = "sensor.home_status"
GRID = "sensor.grid_power"
GARAGE_POWER = "sensor.garage_power"
CARPORT_POWER = "sensor.carport_power"
GARAGE_CONTROL = "sensor.garage_control"
CARPORT_CONTROL = "sensor.carport_control"
CARPORT_MODE = "select.carport_mode"
GARAGE_VEHICLE = "select.garage_connected_vehicle"
CARPORT_VEHICLE = "select.carport_connected_vehicle"
SMART_CHARGING = "switch.home_smart_charging"
LIMIT_KW = 17.0
KW_PER_A = 230 * 3 / 1000
W = {"unit_of_measurement": "W"}


def _garage_a(chargers: ChargerCalls) -> float | None:
    """The Garage's last written setpoint."""
    values = [
        d["value"]
        for d in chargers.of(SET_VALUE)
        if d[ATTR_ENTITY_ID] == GARAGE_CURRENT
    ]
    return values[-1] if values else None


def _carport_a(chargers: ChargerCalls) -> float | None:
    """The Carport's last written setpoint."""
    values = [d["limit_amps"] for d in chargers.of(OCPP)]
    return values[-1] if values else None


def _planned_kw(coordinator: OptiVgiCoordinator) -> float:
    """What the round counts now: the house, fixed loads and every target (kW)."""
    data = plan_of(coordinator)
    site = data.inputs.problem.site
    base = site.base_load_kw[0] if site.base_load_kw else 0.0
    counted = sum(d.counted_a for d in data.decisions.values()) * KW_PER_A
    return base + counted


async def _run_until(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    done: Callable[[], bool],
    step: float = 0.05,
) -> None:
    """Move the clock in small steps until ``done`` (asyncio timeouts need it).

    The test loop's clock is the frozen one, so a timeout inside the
    integration only fires when time is moved on; the real wait between steps
    lets a solve in the executor get on.
    """
    for _ in range(300):
        if done():
            return
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await hass.async_add_executor_job(time.sleep, 0.01)
    raise AssertionError("never happened")


async def _fast_carport(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """The Leaf is wanted now: the Carport in fast mode, past its write interval."""
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    await tick(hass, freezer, 61)


# --- Count every draw ------------------------------------------------------------


async def test_a_charger_left_alone_is_counted_at_what_it_draws(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """The Tesla sleeps (SoC unavailable) but draws 16 A: the Carport gets the rest.

    This was the 18.25 kW on a 17 kW limit: the Garage's draw was taken off the
    grid meter as "our charging" and was not in the plan.
    """
    seed_states(hass, today, soc="unavailable")
    hass.states.async_set(GARAGE_POWER, "11040", W)  # 16 A on three phases
    hass.states.async_set(GRID, str(1000 + 11040), W)  # 1 kW house + the Garage
    entry = site_entry(
        overrides={GARAGE: {CONF_POWER_ENTITY: GARAGE_POWER}},
        **{CONF_GRID_POWER_ENTITY: GRID},
    )
    coordinator = await setup_site(hass, entry)
    await _fast_carport(hass, freezer)

    assert hass.states.get(GARAGE_CONTROL).state == "need_unknown"
    assert hass.states.get(GARAGE_CONTROL).attributes["counted_current"] == 16
    assert _garage_a(chargers) is None  # left alone: never written
    # 17 - 1 - 11.04 = 4.96 kW left: 7 A (4.83 kW), not the Leaf's 10 A.
    assert _carport_a(chargers) == 7
    assert 1 + 11.04 + 7 * KW_PER_A <= LIMIT_KW
    assert _planned_kw(coordinator) <= LIMIT_KW + 1e-6

    # The car wakes up: the Garage is planned again, within the same limit.
    await tick(hass, freezer, 61)
    hass.states.async_set(TESLA_SOC, "30", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert hass.states.get(GARAGE_CONTROL).state == "plan"
    assert _garage_a(chargers) is not None
    assert _planned_kw(coordinator) <= LIMIT_KW + 1e-6


async def test_an_unknown_draw_is_counted_at_the_chargers_maximum(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """Nothing tells what a charger draws: it is counted at the most it can."""
    seed_states(hass, today, soc="unavailable")
    hass.states.async_remove(GARAGE_CURRENT)  # no limit to read back either
    coordinator = await setup_site(hass, site_entry())
    decision = plan_of(coordinator).decisions[GARAGE]
    assert decision.control is Control.NEED_UNKNOWN
    assert decision.counted_a == 16
    # 17 - 11.04 kW: the Carport may take 8 A at most now.
    assert plan_of(coordinator).plan.charger(CARPORT).current_a[0] <= 8


async def test_one_vehicle_on_two_chargers_is_refused_on_the_second(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """The Tesla chosen on both chargers: planned on one, the other counted."""
    seed_states(hass, today)
    hass.states.async_set(CARPORT_POWER, "0", W)
    entry = site_entry(overrides={CARPORT: {CONF_POWER_ENTITY: CARPORT_POWER}})
    coordinator = await setup_site(hass, entry)
    await act(hass, "select.select_option", entity_id=GARAGE_VEHICLE, option="Tesla")
    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=CARPORT_VEHICLE, option="Tesla")
    await tick(hass, freezer, 61)

    data = plan_of(coordinator)
    claims = [c for c in data.inputs.chargers.values() if c.vehicle == TESLA]
    assert len(claims) == 1
    assert [v.charger_id for v in data.inputs.problem.vehicles if v.id == TESLA] == [
        GARAGE
    ]
    assert hass.states.get(CARPORT_CONTROL).state == "claimed_elsewhere"
    assert data.decisions[CARPORT].counted_a == 0  # what it measures
    assert data.decisions[CARPORT].target_a is None  # not written
    written = len(chargers.of(OCPP))
    # The car on the Carport starts drawing 6 A: counted at once, not written.
    hass.states.async_set(CARPORT_POWER, "4140", W)
    await tick(hass, freezer, 6)
    assert len(chargers.of(OCPP)) == written
    assert _planned_kw(coordinator) <= LIMIT_KW + 1e-6

    # The user picks the Leaf for the Carport again: both are planned.
    await act(hass, "select.select_option", entity_id=CARPORT_VEHICLE, option="Leaf")
    await tick(hass, freezer, 6)
    assert hass.states.get(CARPORT_CONTROL).state == "plan"


# --- Writes that cannot lie --------------------------------------------------------


async def test_a_refused_decrease_is_counted_where_the_charger_stayed(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """The Garage refuses 0 A and stays at 15 A: the Carport gets only the rest."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    assert _garage_a(chargers) == 15

    chargers.failing.add(SET_VALUE)
    await tick(hass, freezer, 61)
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})  # full
    await hass.async_block_till_done()
    await _fast_carport(hass, freezer)

    assert hass.states.get(STATUS).state == "write_failed"
    assert hass.states.get(GARAGE_CONTROL).state == "not_following"
    assert plan_of(coordinator).decisions[GARAGE].counted_a == 15
    # 17 - 10.35 kW: 9 A on the Carport, not the Leaf's 10 A.
    assert _carport_a(chargers) == 9

    # The Garage accepts again: 0 A goes out, and the Carport gets its 10 A.
    chargers.failing.clear()
    await tick(hass, freezer, 300)
    await tick(hass, freezer, 61)
    assert _garage_a(chargers) == 0
    assert hass.states.get(GARAGE_CONTROL).state == "stop"
    assert _carport_a(chargers) == 10
    assert hass.states.get(STATUS).state == "ok"


async def test_a_write_without_effect_is_seen_and_shown(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """The number accepts 15 A but keeps showing 16 A: it does not follow.

    After the grace time the Garage is counted at the 16 A it shows, a repair
    names it, and the value is asserted again when writing is due; once the
    number shows what was written, all is well again.
    """
    chargers.follow = False
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    assert _garage_a(chargers) == 15
    assert hass.states.get(GARAGE_CONTROL).state == "plan"

    await tick(hass, freezer, 61)  # past the grace time: checked by the clock
    await tick(hass, freezer, 6)
    assert coordinator.writer.states[GARAGE].not_following == "limit_not_applied"
    assert hass.states.get(GARAGE_CONTROL).state == "not_following"
    assert hass.states.get(STATUS).state == "not_following"
    issue = open_issue(hass, "charger_not_following", GARAGE)
    assert issue is not None
    assert issue.translation_key == "charger_not_following_limit_not_applied"
    assert issue.translation_placeholders == {"charger": "Garage"}
    assert plan_of(coordinator).decisions[GARAGE].counted_a == 16
    # Re-asserted at what it should have, once writing is due again.
    assert len(chargers.of(SET_VALUE)) >= 2
    assert _garage_a(chargers) == 15

    # It follows now: the number shows the 15 A.
    chargers.follow = True
    hass.states.async_set(GARAGE_CURRENT, "15", {"unit_of_measurement": "A"})
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert coordinator.writer.states[GARAGE].not_following is None
    assert open_issue(hass, "charger_not_following", GARAGE) is None
    assert hass.states.get(GARAGE_CONTROL).state == "plan"


async def test_a_limit_changed_by_someone_else_is_an_override(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Set to 10 A in the charger's app: respected for an hour, shown, taken back."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    assert _garage_a(chargers) == 15
    await tick(hass, freezer, 61)

    hass.states.async_set(GARAGE_CURRENT, "10", {"unit_of_measurement": "A"})
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert hass.states.get(GARAGE_CONTROL).state == "override"
    assert hass.states.get(GARAGE_CONTROL).attributes["override_until"] is not None
    assert plan_of(coordinator).decisions[GARAGE].counted_a == 10
    assert len(chargers.of(SET_VALUE)) == 1  # respected: nothing written

    # An hour later it is taken back.
    await tick(hass, freezer, 3600)
    await tick(hass, freezer, 6)
    assert hass.states.get(GARAGE_CONTROL).state == "plan"
    assert _garage_a(chargers) == plan_of(coordinator).plan.charger(GARAGE).current_a[0]
    assert len(chargers.of(SET_VALUE)) == 2


async def test_a_write_that_never_returns_blocks_nothing(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Carport's action hangs: it times out, the Garage and later rounds go on."""
    monkeypatch.setattr(writer, "WRITE_TIMEOUT", 0.05)
    hang = asyncio.Event()

    async def set_charge_rate(call: ServiceCall) -> None:
        await hang.wait()

    hass.services.async_register("ocpp", "set_charge_rate", set_charge_rate)
    seed_states(hass, today)
    entry = site_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator: OptiVgiCoordinator = entry.runtime_data.coordinator
    state = coordinator.writer.states[CARPORT]
    await _run_until(hass, freezer, lambda: state.failures == 1)
    await hass.async_block_till_done()
    assert _garage_a(chargers) == 15  # written beside the hung Carport
    assert "no answer within" in (state.error or "")
    assert hass.states.get(STATUS).state == "write_failed"

    # Later rounds are not blocked, though every retry of the Carport hangs
    # again (the clock is moved in small steps so its timeout can fire): the
    # Tesla is full, and the Garage is stopped.
    await tick(hass, freezer, 10)
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})
    await _run_until(hass, freezer, lambda: _garage_a(chargers) == 0, step=1)
    await _run_until(hass, freezer, lambda: state.failures >= 2, step=1)
    assert hass.states.get(STATUS).state == "write_failed"

    # The charger answers again: the next retry clears it.
    hang.set()
    await _run_until(hass, freezer, lambda: state.failures == 0, step=1)
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    assert hass.states.get(STATUS).state == "ok"
    assert state.error is None


async def test_a_held_increase_goes_out_when_its_interval_ends(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """No other trigger needed: the increase is sent when the interval is over."""
    seed_states(hass, today, soc="80")
    await setup_site(hass, site_entry())
    assert _garage_a(chargers) == 0
    await tick(hass, freezer, 10)
    hass.states.async_set(TESLA_SOC, "30", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert _garage_a(chargers) == 0  # held: 10 s after the last write
    await tick(hass, freezer, 49)
    assert _garage_a(chargers) == 0
    await tick(hass, freezer, 1)  # 60 s after the last write
    assert _garage_a(chargers) == 15


# --- Faults with a safe default ----------------------------------------------------


@pytest.mark.parametrize(
    ("state", "attributes"),
    [
        pytest.param("unavailable", {}, id="unavailable"),
        pytest.param("12", {"unit_of_measurement": "A"}, id="wrong-unit"),
    ],
)
async def test_a_failing_meter_is_held_then_assumed(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    state: str,
    attributes: dict[str, Any],
) -> None:
    """Its last value for a minute, then the assumed 8.5 kW; back when it is."""
    seed_states(hass, today)
    hass.states.async_set(GRID, str(2000 + 15 * 690), W)  # 2 kW and the Garage
    coordinator = await setup_site(hass, site_entry(**{CONF_GRID_POWER_ENTITY: GRID}))
    assert _garage_a(chargers) == 15
    assert hass.states.get(STATUS).state == "ok"

    await tick(hass, freezer, 5)
    hass.states.async_set(GRID, state, attributes)
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    data = plan_of(coordinator)
    assert data.inputs.meter is MeterSource.HELD
    assert data.inputs.problem.site.base_load_kw[0] == pytest.approx(2.0)
    assert hass.states.get(STATUS).state == "meter_unavailable"
    assert _garage_a(chargers) == 15

    # A minute later it is still out: 8.5 kW of house load is assumed, so the
    # Garage goes down to what fits: 12 A (8.28 kW), at once.
    await tick(hass, freezer, 61)
    await tick(hass, freezer, 6)
    data = plan_of(coordinator)
    assert data.inputs.meter is MeterSource.ASSUMED
    assert data.inputs.problem.site.base_load_kw[0] == pytest.approx(8.5)
    assert _garage_a(chargers) == 12
    assert hass.states.get(STATUS).state == "meter_unavailable"

    # The meter is back.
    hass.states.async_set(GRID, str(2000 + 12 * 690), W)
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    data = plan_of(coordinator)
    assert data.inputs.meter is MeterSource.MEASURED
    assert data.inputs.problem.site.base_load_kw[0] == pytest.approx(2.0)
    assert hass.states.get(STATUS).state == "ok"


async def test_every_planner_failing_still_keeps_the_limits(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """LP and heuristic both raise: the uncontrolled plan, capped, is written."""
    seed_states(hass, today)
    with (
        patch.object(
            LinearProgramAlgorithm, "calculate", side_effect=RuntimeError("lp")
        ),
        patch.object(HeuristicAlgorithm, "calculate", side_effect=RuntimeError("h")),
    ):
        coordinator = await setup_site(hass, site_entry())
        data = plan_of(coordinator)
        assert data.plan.algorithm == "uncontrolled"
        assert data.plan.status is PlanStatus.FALLBACK
        assert hass.states.get(STATUS).state == "fallback"
        assert max(data.plan.site_power_kw) <= LIMIT_KW + 1e-6
        # Charging as soon as plugged in, within the limit: the Tesla now.
        assert _garage_a(chargers) == 15

    await tick(hass, freezer, 61)
    hass.states.async_set(TESLA_SOC, "33", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert plan_of(coordinator).plan.algorithm == "lp"
    assert hass.states.get(STATUS).state == "ok"


async def test_a_round_has_a_deadline(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A solve that does not come back in time is a status with its reason."""
    monkeypatch.setattr(coordinator_module, "ROUND_TIMEOUT", 0.2)
    real = coordinator_module.plan_with_fallback

    def slow(*args: Any) -> Any:
        time.sleep(1)
        return real(*args)

    with patch.object(coordinator_module, "plan_with_fallback", slow):
        seed_states(hass, today)
        entry = site_entry()
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        coordinator: OptiVgiCoordinator = entry.runtime_data.coordinator
        await _run_until(hass, freezer, lambda: coordinator.error_reason is not None)
        await hass.async_block_till_done()
        assert coordinator.error_reason is not None
        assert coordinator.error_reason.startswith("round_timeout")
        assert hass.states.get(STATUS).state == "error"
        assert chargers.calls == []  # no plan, nothing written
    await hass.async_add_executor_job(time.sleep, 1)  # the slow solve ends

    await tick(hass, freezer, 61)
    hass.states.async_set(TESLA_SOC, "33", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert coordinator.error_reason is None
    assert hass.states.get(STATUS).state == "ok"


# --- Never strand a car; nothing forgotten -----------------------------------------


@pytest.mark.parametrize(
    ("options", "garage", "carport"),
    [
        pytest.param({}, 6, 6, id="minimum"),
        pytest.param({CONF_RELEASE_MODE: "maximum"}, 16, 32, id="maximum"),
        pytest.param(
            {CONF_RELEASE_MODE: "current", CONF_RELEASE_CURRENT: 10},
            10,
            10,
            id="current",
        ),
        pytest.param({CONF_RELEASE_MODE: "leave"}, None, None, id="leave"),
    ],
)
async def test_unload_releases_every_charger(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    options: dict[str, Any],
    garage: float | None,
    carport: float | None,
) -> None:
    """Unloading the site sets each charger as the options say; then nothing."""
    seed_states(hass, today)
    entry = site_entry()
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    before = list(chargers.calls)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    released = chargers.calls[len(before) :]
    if garage is None:
        assert released == []
    else:
        assert (
            SET_VALUE,
            {ATTR_ENTITY_ID: GARAGE_CURRENT, "value": garage},
        ) in released
        assert (OCPP, {"devid": "carport", "limit_amps": carport}) in released
    # Nothing is written after that, whatever happens.
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})
    await tick(hass, freezer, 900)
    assert chargers.calls[len(before) :] == released


async def test_home_assistant_stopping_releases_the_chargers(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A paused charger is not left paused when Home Assistant stops."""
    seed_states(hass, today)
    await setup_site(hass, site_entry())
    assert _carport_a(chargers) == 0  # the Leaf waits for the night
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert _carport_a(chargers) == 6
    assert _garage_a(chargers) == 6


async def test_write_state_and_sessions_survive_a_reload(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A settings change reloads the site: intervals and session energy carry on.

    (Both used to start from nothing: the first round after a reload ignored
    the chargers' write intervals, and a car without a SoC sensor was charged
    again for what it already had.)
    """
    seed_states(hass, today, soc="80", carport="Charging")
    entry = site_entry()
    coordinator = await setup_site(hass, entry)
    await _fast_carport(hass, freezer)
    assert _carport_a(chargers) == 10
    await tick(hass, freezer, 1800)  # half an hour at 10 A: 3.45 kWh
    hass.states.async_set(TESLA_SOC, "30", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    garage = _garage_a(chargers)
    assert garage is not None
    assert garage > 0
    delivered = coordinator.sessions.delivered_kwh()[CARPORT]
    assert delivered == pytest.approx(3.45, abs=0.05)

    await tick(hass, freezer, 10)
    calls = len(chargers.calls)
    hass.config_entries.async_update_entry(entry, options={"horizon_hours": 24})
    await hass.async_block_till_done()
    reloaded: OptiVgiCoordinator = entry.runtime_data.coordinator
    assert reloaded is not coordinator
    assert chargers.calls[calls:] == []  # no release on our own reloads
    assert reloaded.sessions.delivered_kwh()[CARPORT] >= delivered
    leaf = plan_of(reloaded).inputs.vehicles[LEAF]
    assert leaf.energy_needed_kwh == pytest.approx(20 - delivered * 0.9, abs=0.05)

    # The Tesla is full 20 s after the Garage's last write: its 0 A waits for
    # the interval that began before the reload.
    await tick(hass, freezer, 10)
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert _garage_a(chargers) == garage
    await tick(hass, freezer, 40)
    assert _garage_a(chargers) == 0


async def test_smart_charging_off_releases_and_on_takes_back(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Off: released once, shown as released; on: planned and written again."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "switch.turn_off", entity_id=SMART_CHARGING)
    assert _carport_a(chargers) == 6
    assert hass.states.get(CARPORT_CONTROL).state == "released"
    await tick(hass, freezer, 61)
    await act(hass, "switch.turn_on", entity_id=SMART_CHARGING)
    assert hass.states.get(CARPORT_CONTROL).state == "plan"
    assert _carport_a(chargers) == 0
    assert open_issue(hass, "charger_write_failed", CARPORT) is None
    assert coordinator.config_entry.entry_id == ENTRY_ID
