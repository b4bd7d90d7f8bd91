"""Reading Home Assistant's state into the optimizer's problem.

The seeded site (tests/site.py) at 17:05 in Stockholm, driven as a user would:
states change, the user acts through our entities, the frozen clock moves. What
is checked is what the planner was given (``plan_data.inputs``), what it made
of it, the status sensor and the repair issues.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
)

from custom_components.opti_vgi.const import (
    CONF_CHARGER,
    CONF_GRID_POWER_ENTITY,
    CONF_GRID_POWER_SIGN,
    CONF_LIMIT_MODE,
    CONF_PHASE,
    CONF_PHASE_CURRENT_ENTITIES,
    CONF_PHASES,
    CONF_PLAN_AHEAD,
    CONF_POWER_ENTITY,
    CONF_SITE_LIMIT_A,
    CONF_SITE_PHASES,
    CONF_SITE_VOLTAGE,
    CONF_STATUS_ENTITY,
    Control,
)
from custom_components.opti_vgi.coordinator import (
    PlanData,
    resolution_kwh,
)
from custom_components.opti_vgi.optimizer.lp import LinearProgramAlgorithm
from custom_components.opti_vgi.optimizer.model import PlanStatus, Vehicle
from custom_components.opti_vgi.translation import MeterSource

from .site import (
    CARPORT,
    CARPORT_STATUS,
    ENTRY_ID,
    GARAGE,
    GARAGE_CURRENT,
    GARAGE_STATUS,
    LEAF,
    OCPP,
    PRICE,
    SET_VALUE,
    TESLA,
    TESLA_SOC,
    ChargerCalls,
    act,
    open_issue,
    plan_of,
    recalculate,
    seed_prices,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

STATUS = "sensor.home_status"
GRID = "sensor.grid_power"
PHASES = ("sensor.current_l1", "sensor.current_l2", "sensor.current_l3")
GARAGE_POWER = "sensor.garage_power"
CARPORT_POWER = "sensor.carport_power"
LEAF_ENERGY = "number.leaf_energy_to_add"
LEAF_NEEDED = "sensor.leaf_energy_needed"
TESLA_MIN_SOC = "number.tesla_minimum_state_of_charge"
TESLA_TARGET_SOC = "number.tesla_target_state_of_charge"
TESLA_ARRIVAL = "time.tesla_expected_arrival"
TESLA_DEPARTURE = "time.tesla_departure"
CARPORT_MODE = "select.carport_mode"
GARAGE_MODE = "select.garage_mode"
CARPORT_VEHICLE = "select.carport_connected_vehicle"
KW_PER_A = 230 * 3 / 1000


def _vehicle(data: PlanData, vehicle_id: str) -> Vehicle | None:
    """The vehicle as the optimizer was given it, if it was."""
    return next((v for v in data.inputs.problem.vehicles if v.id == vehicle_id), None)


def _local(day: datetime, hours: int, minutes: int = 0, *, days: int = 0) -> datetime:
    """A local clock time on ``day`` (plus ``days``)."""
    return (day + timedelta(days=days)).replace(hour=hours, minute=minutes)


# --- Vehicle state of charge ---------------------------------------------------


@pytest.mark.parametrize(
    "soc", ["unavailable", "unknown", "full", "nan", "inf", "150", "-5"]
)
async def test_unusable_soc_is_not_planned(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    soc: str,
) -> None:
    """Without a usable SoC the need is unknown: no plan for that vehicle."""
    seed_states(hass, today, soc=soc)
    coordinator = await setup_site(hass, site_entry())
    data = plan_of(coordinator)
    tesla = data.inputs.vehicles[TESLA]
    assert tesla.soc is None
    assert not tesla.planned
    assert _vehicle(data, TESLA) is None
    assert data.inputs.problems == (TESLA_SOC,)
    status = hass.states.get(STATUS)
    assert status.state == "source_unavailable"
    assert status.attributes["unusable_entities"] == [TESLA_SOC]
    # The entity exists: a status, not a repair.
    assert open_issue(hass, "source_missing", TESLA_SOC) is None

    await tick(hass, freezer, 10)
    hass.states.async_set(TESLA_SOC, "30", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    data = plan_of(coordinator)
    assert data.inputs.vehicles[TESLA].soc == 30
    assert _vehicle(data, TESLA) is not None
    assert data.inputs.problems == ()
    assert hass.states.get(STATUS).state == "ok"
    assert hass.states.get(STATUS).attributes["unusable_entities"] == []


async def test_missing_soc_entity_is_a_repair_until_it_returns(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A configured entity that does not exist at all asks the user to fix it."""
    seed_states(hass, today)
    hass.states.async_remove(TESLA_SOC)
    coordinator = await setup_site(hass, site_entry())
    assert _vehicle(plan_of(coordinator), TESLA) is None
    assert hass.states.get(STATUS).state == "source_unavailable"
    issue = open_issue(hass, "source_missing", TESLA_SOC)
    assert issue is not None
    assert issue.translation_key == "source_missing"
    assert issue.translation_placeholders == {"entity_id": TESLA_SOC}

    await tick(hass, freezer, 10)
    hass.states.async_set(TESLA_SOC, "30", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert _vehicle(plan_of(coordinator), TESLA) is not None
    assert open_issue(hass, "source_missing", TESLA_SOC) is None
    assert hass.states.get(STATUS).state == "ok"


async def test_unusable_charger_sources(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """An unusable status is a charger left alone; an unusable power meter, unknown.

    A status that cannot be read could hide a car charging at full power, so the
    Garage is counted at the limit it reports (16 A) on its phases for as long as
    that lasts, and its car is not planned on it. (It used to be taken as not
    plugged in: its draw then went uncounted.)
    """
    seed_states(hass, today)
    hass.states.async_set(GARAGE_STATUS, "unavailable")
    hass.states.async_set(CARPORT_POWER, "12", {"unit_of_measurement": "A"})
    entry = site_entry(overrides={CARPORT: {CONF_POWER_ENTITY: CARPORT_POWER}})
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    garage = data.inputs.chargers[GARAGE]
    assert not garage.status_known
    assert garage.control is Control.STATUS_UNAVAILABLE
    assert garage.counted_a == 16
    site = data.inputs.problem.site
    assert [site.fixed_a(0, p) for p in (1, 2, 3)] == [16, 16, 16]
    assert site.fixed_load_a is not None
    assert len(site.fixed_load_a) == data.inputs.problem.horizon.steps
    assert data.inputs.chargers[CARPORT].power_kw is None
    assert set(data.inputs.problems) == {GARAGE_STATUS, CARPORT_POWER}
    assert hass.states.get(STATUS).state == "source_unavailable"
    assert _vehicle(data, TESLA) is None
    assert chargers.of(SET_VALUE) == []


async def test_charger_without_status_entity_is_never_plugged_in(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """Without a status, a charger is not known to be in use: reservations only."""
    seed_states(hass, today)
    entry = site_entry(overrides={GARAGE: {CONF_STATUS_ENTITY: None}})
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    assert not data.inputs.chargers[GARAGE].plugged_in
    assert not data.inputs.vehicles[TESLA].plugged_in
    assert data.inputs.problems == ()
    assert chargers.of(SET_VALUE) == []


# --- Grid meter and phase currents ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "sign", "base_kw"),
    [
        pytest.param("2500", "W", "import_positive", 2.5, id="watt"),
        pytest.param("2.5", "kW", "import_positive", 2.5, id="kilowatt"),
        pytest.param("-2500", "W", "export_positive", 2.5, id="export-positive"),
        pytest.param("1500", "W", "export_positive", 0.0, id="exporting"),
        pytest.param("-1.5", "kW", "import_positive", 0.0, id="exporting-import"),
    ],
)
async def test_grid_meter_gives_the_base_load_now(
    hass: HomeAssistant,
    today: datetime,
    chargers: ChargerCalls,
    value: str,
    unit: str,
    sign: str,
    base_kw: float,
) -> None:
    """What the house imports now, in kW and with the meter's sign."""
    seed_states(hass, today, garage="off")  # no charger draws: all is house load
    hass.states.async_set(GRID, value, {"unit_of_measurement": unit})
    entry = site_entry(**{CONF_GRID_POWER_ENTITY: GRID, CONF_GRID_POWER_SIGN: sign})
    coordinator = await setup_site(hass, entry)
    site = plan_of(coordinator).inputs.problem.site
    assert site.base_load_kw is not None
    assert site.base_load_kw[0] == pytest.approx(base_kw)
    assert set(site.base_load_kw[1:]) == {0.0}
    assert plan_of(coordinator).inputs.problems == ()


async def test_grid_meter_less_what_the_chargers_draw(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """The chargers' own measured power is not house load; the rest limits them."""
    seed_states(hass, today)
    hass.states.async_set(GRID, "14000", {"unit_of_measurement": "W"})
    hass.states.async_set(GARAGE_POWER, "2.0", {"unit_of_measurement": "kW"})
    entry = site_entry(
        overrides={GARAGE: {CONF_POWER_ENTITY: GARAGE_POWER}},
        **{CONF_GRID_POWER_ENTITY: GRID},
    )
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    assert data.inputs.chargers[GARAGE].power_kw == 2.0
    assert data.inputs.problem.site.base_load_kw is not None
    assert data.inputs.problem.site.base_load_kw[0] == pytest.approx(12.0)
    # 5 kW of the 17 kW are left now: 7 A (4.83 kW) instead of 15 A.
    assert data.plan.charger(GARAGE).current_a[0] == 7
    assert data.plan.site_power_kw[0] <= 5.0
    assert data.plan.charger(GARAGE).current_a[1] == 15


@pytest.mark.parametrize(
    ("state", "attributes"),
    [
        pytest.param("unavailable", {}, id="unavailable"),
        pytest.param("12", {"unit_of_measurement": "A"}, id="not-a-power"),
    ],
)
async def test_unusable_grid_meter(
    hass: HomeAssistant,
    today: datetime,
    chargers: ChargerCalls,
    state: str,
    attributes: dict[str, Any],
) -> None:
    """A grid meter without a usable power: the assumed house load, and a status.

    With no good reading to hold, the options' conservative house load (half the
    17 kW limit by default) counts at once. (It used to count as 0 kW.)
    """
    seed_states(hass, today)
    hass.states.async_set(GRID, state, attributes)
    coordinator = await setup_site(hass, site_entry(**{CONF_GRID_POWER_ENTITY: GRID}))
    data = plan_of(coordinator)
    assert data.inputs.problems == (GRID,)
    assert data.inputs.meter is MeterSource.ASSUMED
    assert data.inputs.problem.site.base_load_kw is not None
    assert data.inputs.problem.site.base_load_kw[0] == 8.5
    # 8.5 kW left: 12 A (8.28 kW) instead of 15 A.
    assert data.plan.charger(GARAGE).current_a[0] == 12
    assert hass.states.get(STATUS).state == "meter_unavailable"


async def test_phase_currents_limit_the_current_step(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """The most loaded phase, less the chargers' share, is the house load."""
    seed_states(hass, today)
    for entity_id, amps in zip(PHASES, ("18", "24", "20"), strict=True):
        hass.states.async_set(entity_id, amps, {"unit_of_measurement": "A"})
    # The Garage draws 6.9 kW: 10 A on each phase of the 24 A are its own.
    hass.states.async_set(GARAGE_POWER, "6900", {"unit_of_measurement": "W"})
    entry = site_entry(
        overrides={GARAGE: {CONF_POWER_ENTITY: GARAGE_POWER}},
        **{CONF_PHASE_CURRENT_ENTITIES: list(PHASES)},
    )
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    base = data.inputs.problem.site.base_load_kw
    assert base is not None
    assert base[0] == pytest.approx(14 * KW_PER_A)  # 9.66 kW
    assert set(base[1:]) == {0.0}
    assert data.inputs.problems == ()
    # 7.34 kW left: 10 A now, the full 15 A from the next step.
    assert data.plan.charger(GARAGE).current_a[:2] == (10, 15)


async def test_phase_currents_and_grid_meter_the_larger_counts(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """Both meters configured: the one that sees more house load wins."""
    seed_states(hass, today, garage="off")
    hass.states.async_set(GRID, "3000", {"unit_of_measurement": "W"})
    hass.states.async_set(PHASES[0], "8", {"unit_of_measurement": "A"})
    hass.states.async_set(PHASES[1], "5", {})  # no unit: taken as amperes
    hass.states.async_set(PHASES[2], "4", {"unit_of_measurement": "A"})
    entry = site_entry(
        **{CONF_GRID_POWER_ENTITY: GRID, CONF_PHASE_CURRENT_ENTITIES: list(PHASES)}
    )
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    base = data.inputs.problem.site.base_load_kw
    assert base is not None
    assert base[0] == pytest.approx(8 * KW_PER_A)  # 5.52 kW > 3 kW
    assert data.inputs.problems == ()


async def test_site_limit_per_phase(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A 16 A main fuse: both chargers together stay under 16 A per phase."""
    seed_states(hass, today)
    entry = site_entry(
        **{
            CONF_LIMIT_MODE: "current",
            CONF_SITE_LIMIT_A: 16,
            CONF_SITE_PHASES: 3,
            CONF_SITE_VOLTAGE: 230,
        }
    )
    coordinator = await setup_site(hass, entry)
    site = plan_of(coordinator).inputs.problem.site
    assert site.fuse_limit_a == 16
    assert site.import_limit_kw == pytest.approx(16 * KW_PER_A)

    # Both vehicles want power now: 15 A and 10 A, more than the fuse allows.
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=10)
    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    plan = plan_of(coordinator).plan
    garage, carport = plan.charger(GARAGE).current_a, plan.charger(CARPORT).current_a
    assert garage[0] + carport[0] > 0
    assert max(garage[:4]) > 0
    assert max(carport[:4]) > 0
    assert max(g + c for g, c in zip(garage, carport, strict=True)) <= 16


# --- Prices ----------------------------------------------------------------------


async def test_current_price_only_plans_flat_and_asks_for_a_forecast(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A price sensor without a forecast: a flat price, a status and a repair."""
    seed_states(hass, today)
    hass.states.async_set(PRICE, "0.25", {"unit_of_measurement": "EUR/kWh"})
    coordinator = await setup_site(hass, site_entry())
    data = plan_of(coordinator)
    assert data.inputs.problem.prices == (0.25,) * 96
    assert not data.inputs.price_forecast
    assert data.inputs.prices_known_until is None
    assert data.plan.vehicle(TESLA).energy_kwh > 0
    assert hass.states.get(STATUS).state == "estimated_prices"
    issue = open_issue(hass, "price_no_forecast")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert PRICE in (issue.translation_placeholders or {}).values()
    assert chargers.of(SET_VALUE) != []

    await tick(hass, freezer, 10)
    seed_prices(hass, today)
    await hass.async_block_till_done()
    data = plan_of(coordinator)
    assert data.inputs.price_forecast
    assert data.inputs.problem.prices[0] == 0.40
    assert open_issue(hass, "price_no_forecast") is None
    assert hass.states.get(STATUS).state == "ok"


@pytest.mark.parametrize("state", ["unavailable", "unknown", "n/a"])
async def test_unusable_price_plans_at_a_flat_price(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
    state: str,
) -> None:
    """No prices: a flat-price plan still meets the minimum SoC; a repair says why.

    (It used to make no plan and write nothing, so a paused car stayed paused
    and the limits went unguarded.)
    """
    seed_states(hass, today)
    hass.states.async_set(PRICE, state, {})
    coordinator = await setup_site(hass, site_entry())
    data = plan_of(coordinator)
    prices = data.inputs.problem.prices
    assert max(prices) - min(prices) < 1e-3  # flat (a tiny rise: sooner wins)
    # The Tesla's minimum SoC (40 % from 30 %) comes first, at full power.
    assert data.plan.charger(GARAGE).current_a[0] == 15
    assert hass.states.get(STATUS).state == "no_prices"
    assert hass.states.get("sensor.home_plan_cost").state == "unknown"
    assert chargers.of(SET_VALUE) == [{"entity_id": GARAGE_CURRENT, "value": 15}]
    if state in ("unavailable", "unknown"):
        # A gap that may close by itself: the status shows it, a repair waits
        # until it has lasted (the next step's round is 15 minutes later).
        assert open_issue(hass, "price_unavailable") is None
        await tick(hass, freezer, 15 * 60)
    issue = open_issue(hass, "price_unavailable")
    assert issue is not None
    assert PRICE in (issue.translation_placeholders or {}).values()

    await tick(hass, freezer, 10)
    seed_prices(hass, today)
    await hass.async_block_till_done()
    assert plan_of(coordinator).inputs.problem.prices[0] == 0.40
    assert hass.states.get(STATUS).state == "ok"
    assert open_issue(hass, "price_unavailable") is None


async def test_prices_lost_after_a_plan(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Prices going away: planning and writing go on at a flat price until back."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())

    await tick(hass, freezer, 61)
    hass.states.async_set(PRICE, "unavailable", {})
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).state == "no_prices"
    assert open_issue(hass, "price_unavailable") is None  # not yet: it may come back
    assert coordinator.last_update_success

    # The Tesla is full: it is stopped even without prices.
    await tick(hass, freezer, 61)
    hass.states.async_set(TESLA_SOC, "80", {"unit_of_measurement": "%"})
    await hass.async_block_till_done()
    assert chargers.of(SET_VALUE)[-1]["value"] == 0

    # Still gone at the next step's round, ten minutes on: now it is a repair.
    await tick(hass, freezer, 15 * 60)
    assert open_issue(hass, "price_unavailable") is not None

    await tick(hass, freezer, 10)
    seed_prices(hass, today)
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert open_issue(hass, "price_unavailable") is None
    assert hass.states.get(STATUS).state == "ok"


async def test_removing_the_site_clears_its_repairs(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A deleted site leaves no repair issues behind."""
    seed_states(hass, today)
    hass.states.async_set(PRICE, "not a price", {})  # not transient: at once
    hass.states.async_remove(TESLA_SOC)
    await setup_site(hass, site_entry())
    await recalculate(hass)
    assert open_issue(hass, "price_unavailable") is not None

    hass.states.async_set(PRICE, "0.25", {"unit_of_measurement": "EUR/kWh"})
    await recalculate(hass)
    assert open_issue(hass, "price_no_forecast") is not None
    assert open_issue(hass, "source_missing", TESLA_SOC) is not None
    ir.async_create_issue(
        hass,
        "other",
        "other_issue",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="other",
    )
    assert await hass.config_entries.async_remove(ENTRY_ID)
    await hass.async_block_till_done()
    assert list(ir.async_get(hass).issues) == [("other", "other_issue")]


async def test_failing_optimizer_falls_back_to_the_heuristic(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A solver crash still gives a plan (the heuristic's), and says so."""
    seed_states(hass, today)
    with patch.object(
        LinearProgramAlgorithm, "calculate", side_effect=RuntimeError("solver crashed")
    ):
        coordinator = await setup_site(hass, site_entry())
    data = plan_of(coordinator)
    assert data.plan.status is PlanStatus.FALLBACK
    assert "solver crashed" in data.plan.message
    assert hass.states.get(STATUS).state == "fallback"
    assert chargers.of(SET_VALUE) == [
        {"entity_id": "number.garage_charging_current", "value": 15}
    ]


async def test_missing_price_entity_is_a_repair(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """No price entity at all: the status names a missing source, and a repair."""
    seed_states(hass, today)
    hass.states.async_remove(PRICE)
    coordinator = await setup_site(hass, site_entry())
    assert plan_of(coordinator).inputs.price_error is not None  # planned flat
    assert hass.states.get(STATUS).state == "source_unavailable"
    issue = open_issue(hass, "price_unavailable")
    assert issue is not None
    assert PRICE in (issue.translation_placeholders or {}).values()


# --- Reservations, arrival and departure -----------------------------------------


async def test_plan_ahead_reserves_from_the_next_arrival(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Not plugged in: planned from 18:00 with plan-ahead, not at all without."""
    seed_states(hass, today, garage="off", carport="Available")
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=10)
    data = plan_of(coordinator)

    tesla = data.inputs.vehicles[TESLA]
    assert not tesla.plugged_in
    assert tesla.planned
    assert tesla.charger_id == GARAGE
    assert _vehicle(data, TESLA) == Vehicle(
        id=TESLA,
        charger_id=GARAGE,
        arrival=_local(today, 18),
        departure=_local(today, 7, days=1),
        energy_needed_kwh=30,
        min_energy_kwh=6,
        max_power_kw=11,
        efficiency=0.9,
        # Not stored: derived from its 11 kW on the 3-phase site.
        phases=3,
        max_current_a=16,
        battery_room_kwh=42,  # 30 % of 60 kWh: what it may take past the need
    )
    # Nothing before it arrives, its minimum right after.
    assert data.plan.vehicle(TESLA).current_a[:4] == (0, 0, 0, 0)
    assert data.plan.vehicle(TESLA).current_a[4] > 0

    # The Leaf (no plan-ahead) is not planned until it is plugged in.
    assert not data.inputs.vehicles[LEAF].planned
    assert _vehicle(data, LEAF) is None
    assert chargers.calls == []

    # Nor is a vehicle whose charger is switched off.
    await tick(hass, freezer, 6)
    await act(hass, "select.select_option", entity_id=GARAGE_MODE, option="off")
    assert _vehicle(plan_of(coordinator), TESLA) is None


async def test_without_plan_ahead_nothing_is_reserved(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A vehicle without plan-ahead waits until it is plugged in."""
    seed_states(hass, today, garage="off")
    entry = site_entry(overrides={TESLA: {CONF_PLAN_AHEAD: False}})
    data = plan_of(await setup_site(hass, entry))
    assert not data.inputs.vehicles[TESLA].planned
    assert _vehicle(data, TESLA) is None
    assert hass.states.get(STATUS).state == "ok"  # the Leaf is plugged in


async def test_late_vehicle_is_reserved_from_now(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Past its usual arrival and before its departure it may come any moment."""
    seed_states(hass, today, garage="off")
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "time.set_value", entity_id=TESLA_ARRIVAL, time="16:00:00")
    assert hass.states.get(TESLA_ARRIVAL).state == "16:00:00"
    data = plan_of(coordinator)
    assert data.inputs.vehicles[TESLA].arrival == dt_util.now()
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.arrival == data.inputs.problem.horizon.start
    assert vehicle.departure == _local(today, 7, days=1)
    assert data.plan.vehicle(TESLA).current_a[0] > 0  # its minimum SoC, now


@pytest.mark.parametrize(
    ("departure", "expected"),
    [
        pytest.param("22:00:00", (22, 0), id="later-today"),
        pytest.param("09:00:00", (9, 1), id="passed-today"),
        pytest.param("17:05:00", (17, 1), id="just-now"),
    ],
)
async def test_departure_is_the_next_one(
    hass: HomeAssistant,
    today: datetime,
    chargers: ChargerCalls,
    departure: str,
    expected: tuple[int, int],
) -> None:
    """A departure time that has passed today means tomorrow."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "time.set_value", entity_id=TESLA_DEPARTURE, time=departure)
    data = plan_of(coordinator)
    hour, days = expected
    when = _local(today, hour, int(departure[3:5]), days=days)
    assert data.inputs.vehicles[TESLA].departure == when
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.departure == min(when, data.inputs.problem.horizon.end)


async def test_departure_rolls_over_as_time_passes(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Still plugged in after its departure time: the next day's departure."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "time.set_value", entity_id=TESLA_DEPARTURE, time="17:10:00")
    assert plan_of(coordinator).inputs.vehicles[TESLA].departure == _local(
        today, 17, 10
    )

    freezer.move_to(_local(today, 17, 15))  # the next step
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    data = plan_of(coordinator)
    assert data.inputs.now == _local(today, 17, 15)
    assert data.inputs.vehicles[TESLA].departure == _local(today, 17, 10, days=1)
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.departure == _local(today, 17, 10, days=1)


# --- Which vehicle is on which charger -------------------------------------------


async def test_connected_vehicle_select_moves_a_vehicle(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """The Tesla plugged into the Carport for once: planned and written there."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    assert hass.states.get(CARPORT_VEHICLE).state == "Leaf"
    assert chargers.of(OCPP) == [{"devid": "carport", "limit_amps": 0}]

    await tick(hass, freezer, 61)
    await act(hass, "select.select_option", entity_id=CARPORT_VEHICLE, option="Tesla")
    assert hass.states.get(CARPORT_VEHICLE).state == "Tesla"
    data = plan_of(coordinator)
    assert data.inputs.chargers[CARPORT].vehicle == TESLA
    assert data.inputs.vehicles[TESLA].charger_id == CARPORT
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.charger_id == CARPORT
    # Its usual charger no longer counts it as plugged in there.
    assert data.inputs.chargers[GARAGE].vehicle is None
    assert not data.inputs.vehicles[LEAF].planned
    # Its minimum SoC goes to the Carport. The Garage, still plugged in with a
    # car nobody named, is left alone and counted at the 15 A it reports, so
    # the Carport gets what is left of the 17 kW: 9 A (6.21 kW). (It used to
    # get 15 A as well: 20.7 kW on a 17 kW limit.)
    assert data.inputs.chargers[GARAGE].control is Control.UNKNOWN_VEHICLE
    assert data.inputs.chargers[GARAGE].counted_a == 15
    assert data.plan.charger(CARPORT).current_a[0] == 9
    assert chargers.of(OCPP)[1:] == [{"devid": "carport", "limit_amps": 9}]
    assert len(chargers.of(SET_VALUE)) == 1


async def test_chosen_vehicle_on_an_unplugged_charger_is_home_again(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A choice left on an unplugged charger does not hide its usual charger."""
    seed_states(hass, today, carport="Available")
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "select.select_option", entity_id=CARPORT_VEHICLE, option="Tesla")
    data = plan_of(coordinator)
    assert data.inputs.chargers[GARAGE].vehicle == TESLA
    assert data.inputs.vehicles[TESLA].charger_id == GARAGE
    assert data.inputs.vehicles[TESLA].plugged_in


async def test_single_vehicle_and_charger_belong_together(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """With one charger and one vehicle, no usual charger needs to be set."""
    seed_states(hass, today)
    entry = site_entry(overrides={TESLA: {CONF_CHARGER: None}}, without=(CARPORT, LEAF))
    data = plan_of(await setup_site(hass, entry))
    assert data.inputs.chargers[GARAGE].vehicle == TESLA
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.charger_id == GARAGE
    assert chargers.of(SET_VALUE) == [
        {"entity_id": "number.garage_charging_current", "value": 15}
    ]


# --- Energy to add without a SoC sensor ------------------------------------------


async def test_session_energy_from_the_power_sensor(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Measured power, integrated between rounds, comes off the energy to add."""
    seed_states(hass, today, carport="Charging")
    hass.states.async_set(CARPORT_POWER, "7000", {"unit_of_measurement": "W"})
    entry = site_entry(overrides={CARPORT: {CONF_POWER_ENTITY: CARPORT_POWER}})
    coordinator = await setup_site(hass, entry)
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=20)
    assert plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh == 20

    # 3 minutes at 7 kW: 0.35 kWh from the grid, 0.315 kWh in the battery.
    await tick(hass, freezer, 180)
    hass.states.async_set(CARPORT_POWER, "3500", {"unit_of_measurement": "W"})
    await recalculate(hass)
    needed = plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh
    assert needed == pytest.approx(20 - 0.315)
    assert float(hass.states.get(LEAF_NEEDED).state) == pytest.approx(19.685)

    # 3 more minutes at 3.5 kW.
    await tick(hass, freezer, 180)
    await recalculate(hass)
    needed = plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh
    assert needed == pytest.approx(20 - 0.315 - 0.1575)

    # Unplugged: the session is over, the whole amount is to add again.
    await tick(hass, freezer, 10)
    hass.states.async_set(CARPORT_STATUS, "Available")
    await hass.async_block_till_done()
    leaf = plan_of(coordinator).inputs.vehicles[LEAF]
    assert not leaf.plugged_in
    assert leaf.energy_needed_kwh == 20
    await tick(hass, freezer, 10)
    hass.states.async_set(CARPORT_STATUS, "Charging")
    await hass.async_block_till_done()
    leaf = plan_of(coordinator).inputs.vehicles[LEAF]
    assert leaf.plugged_in
    assert leaf.energy_needed_kwh == 20


async def test_session_energy_from_the_written_setpoint(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Without a power sensor, the last setpoint counts while it is charging."""
    seed_states(hass, today, carport="Charging")
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=20)
    await tick(hass, freezer, 61)  # past the write interval of the first 0 A
    await act(hass, "select.select_option", entity_id=CARPORT_MODE, option="fast")
    assert chargers.of(OCPP)[-1] == {"devid": "carport", "limit_amps": 10}
    assert plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh == 20

    # 3 minutes at 10 A: 0.345 kWh from the grid, 0.3105 kWh in the battery.
    await tick(hass, freezer, 180)
    await recalculate(hass)
    needed = plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh
    assert needed == pytest.approx(20 - 0.3105)

    # The car stops drawing (full, or its own timer): nothing more counts.
    hass.states.async_set(CARPORT_STATUS, "SuspendedEV")
    await hass.async_block_till_done()
    await tick(hass, freezer, 180)
    await recalculate(hass)
    needed = plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh
    assert needed == pytest.approx(20 - 0.3105)


# --- Minimum SoC and fast mode -----------------------------------------------------


async def test_min_soc_is_charged_first(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """Up to the minimum SoC at once, whatever the price; the rest when cheap."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    data = plan_of(coordinator)
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.energy_needed_kwh == 30  # 30 % -> 80 % of 60 kWh
    assert vehicle.min_energy_kwh == 6  # 30 % -> 40 %
    tesla = data.plan.vehicle(TESLA)
    horizon = data.inputs.problem.horizon
    # 17:05: ten minutes are left of the first step.
    first = sum(kw * horizon.hours(t) for t, kw in enumerate(tesla.power_kw[:3]))
    assert first * 0.9 >= 6 - resolution_kwh(data.inputs.problem, TESLA)
    assert tesla.current_a[3:16] == (0,) * 13  # nothing more at the dear hours

    # Without a minimum above the SoC, nothing is charged at the dear hours.
    await act(hass, "number.set_value", entity_id=TESLA_MIN_SOC, value=30)
    data = plan_of(coordinator)
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.min_energy_kwh == 0
    assert data.plan.vehicle(TESLA).current_a[:16] == (0,) * 16

    # The minimum never exceeds what is needed to the target.
    await tick(hass, freezer, 6)
    await act(hass, "number.set_value", entity_id=TESLA_MIN_SOC, value=50)
    await tick(hass, freezer, 6)
    await act(hass, "number.set_value", entity_id=TESLA_TARGET_SOC, value=35)
    vehicle = _vehicle(plan_of(coordinator), TESLA)
    assert vehicle is not None
    assert vehicle.energy_needed_kwh == pytest.approx(3)
    assert vehicle.min_energy_kwh == pytest.approx(3)


async def test_the_battery_room_comes_from_the_soc(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A plan may go a little past the need, never past 100 %: 30 % of 60 kWh."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    data = plan_of(coordinator)
    tesla = _vehicle(data, TESLA)
    assert tesla is not None
    assert tesla.battery_room_kwh == pytest.approx(42)
    assert data.plan.vehicle(TESLA).shortfall_kwh == 0
    leaf = _vehicle(data, LEAF)  # no SoC sensor: the room is not known
    assert leaf is None or leaf.battery_room_kwh is None


async def test_fast_mode_wants_everything_now(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """In fast mode the whole need is the minimum."""
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    await act(hass, "select.select_option", entity_id=GARAGE_MODE, option="fast")
    data = plan_of(coordinator)
    vehicle = _vehicle(data, TESLA)
    assert vehicle is not None
    assert vehicle.min_energy_kwh == vehicle.energy_needed_kwh == 30
    # As fast as the vehicle takes (11 kW: 15 A) until it is done.
    assert data.plan.vehicle(TESLA).current_a[:12] == (15,) * 12


async def test_one_phase_charger_is_subtracted_on_its_own_phase(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A 1-phase charger's 16 A are its own on L1 only, not spread over three."""
    seed_states(hass, today)
    for entity_id, amps in zip(PHASES, ("18", "2", "3"), strict=True):
        hass.states.async_set(entity_id, amps, {"unit_of_measurement": "A"})
    hass.states.async_set(GARAGE_POWER, "3680", {"unit_of_measurement": "W"})
    entry = site_entry(
        overrides={
            GARAGE: {CONF_POWER_ENTITY: GARAGE_POWER, CONF_PHASES: 1, CONF_PHASE: 1}
        },
        **{CONF_PHASE_CURRENT_ENTITIES: list(PHASES)},
    )
    data = plan_of(await setup_site(hass, entry))
    base = data.inputs.problem.site.base_load_kw
    assert base is not None
    # L1: 18 - 16 = 2 A; L3: 3 A is the most loaded phase of the house.
    assert base[0] == pytest.approx(3 * KW_PER_A)


async def test_current_price_in_mwh_is_converted(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A current-price sensor in SEK/MWh is planned with its price per kWh."""
    seed_states(hass, today)
    hass.states.async_set(PRICE, "500", {"unit_of_measurement": "SEK/MWh"})
    data = plan_of(await setup_site(hass, site_entry()))
    assert data.inputs.problem.prices == pytest.approx((0.5,) * 96)
    assert not data.inputs.price_forecast


async def test_session_energy_from_the_energy_sensor(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A lifetime energy register counts from its value at plug-in."""
    meter = "sensor.carport_energy"
    seed_states(hass, today, carport="Charging")
    hass.states.async_set(meter, "1234500", {"unit_of_measurement": "Wh"})
    entry = site_entry(overrides={CARPORT: {"energy_entity": meter}})
    coordinator = await setup_site(hass, entry)
    await act(hass, "number.set_value", entity_id=LEAF_ENERGY, value=20)

    await tick(hass, freezer, 600)
    hass.states.async_set(meter, "1236500", {"unit_of_measurement": "Wh"})
    await recalculate(hass)
    # 2 kWh from the grid, 1.8 kWh in the battery.
    needed = plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh
    assert needed == pytest.approx(20 - 1.8)

    # A counter that starts again from zero (the charger rebooted) adds to what
    # it had counted: the car still has those 2 kWh. (This used to start the
    # count again, so the car was charged twice for them.)
    await tick(hass, freezer, 600)
    hass.states.async_set(meter, "500", {"unit_of_measurement": "Wh"})
    await recalculate(hass)
    needed = plan_of(coordinator).inputs.vehicles[LEAF].energy_needed_kwh
    assert needed == pytest.approx(20 - 2.5 * 0.9)


async def test_a_plan_within_a_step_has_only_the_rest_of_it(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """At 17:05 two thirds of the 17:00-17:15 step are left, at 17:14 one fifteenth.

    The plan counts the first step's energy at that share, so what it says a
    car gets is what the clock still allows.
    """
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    data = plan_of(coordinator)
    horizon = data.inputs.problem.horizon
    assert horizon.start == dt_util.as_utc(today + timedelta(hours=17))
    assert horizon.first_share == pytest.approx(10 / 15)
    tesla = data.plan.vehicle(TESLA)
    assert tesla.energy_kwh == pytest.approx(
        sum(kw * horizon.hours(t) for t, kw in enumerate(tesla.power_kw)) * 0.9
    )

    await tick(hass, freezer, 9 * 60)
    await recalculate(hass)
    later = plan_of(coordinator).inputs.problem.horizon
    assert later.start == horizon.start
    assert later.first_share == pytest.approx(1 / 15)
