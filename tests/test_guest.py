"""The guest profile: a plugged-in car that no vehicle is identified as.

With the charger's guest energy set, such a car is planned as a guest: that
energy less what this session delivered, wanted within the guest hours of its
plug-in, in the charger's mode, counted on every phase of the charger. Without
it (the default) the car is left alone and counted, as before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.opti_vgi.const import (
    CONF_ENERGY_ENTITY,
    CONF_GRID_POWER_ENTITY,
    CONF_GUEST_ENERGY,
    CONF_GUEST_HOURS,
    CONF_LIMIT_MODE,
    CONF_PHASE,
    CONF_POWER_ENTITY,
    CONF_SITE_LIMIT_A,
    CONF_SITE_PHASES,
    CONF_SITE_VOLTAGE,
    ChargerMode,
    Control,
)
from custom_components.opti_vgi.coordinator import EVENT_TARGET_AT_RISK
from custom_components.opti_vgi.settings import guest_id

from .site import (
    CARPORT,
    CARPORT_STATUS,
    GARAGE,
    LEAF,
    SET_VALUE,
    TESLA,
    ChargerCalls,
    act,
    plan_of,
    recalculate,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

GUEST = guest_id(CARPORT)
CARPORT_ENERGY = "sensor.carport_energy"
LEAF_PLUGGED = "sensor.leaf_plug_status"
KWH = {"unit_of_measurement": "kWh"}
W = {"unit_of_measurement": "W"}


def _guest_site(
    energy: float | None = 10, hours: float = 3, without: tuple[str, ...] = (TESLA,)
) -> Any:
    """The Carport with a guest profile and an energy meter; the Leaf is away.

    The Leaf's own sensor says it is not plugged in, so nothing identifies the
    car on the Carport; the Tesla is left out (expected at the Garage, it
    would share the site's room).
    """
    carport: dict[str, Any] = {CONF_ENERGY_ENTITY: CARPORT_ENERGY}
    if energy is not None:
        carport |= {CONF_GUEST_ENERGY: energy, CONF_GUEST_HOURS: hours}
    return site_entry(
        overrides={CARPORT: carport, LEAF: {"plugged_entity": LEAF_PLUGGED}},
        without=without,
    )


def _seed(hass: HomeAssistant, today: datetime, energy: str = "100") -> None:
    """The Garage is empty, the Carport has a car, the Leaf says unplugged."""
    seed_states(hass, today, carport="Preparing", garage="off")
    hass.states.async_set(CARPORT_ENERGY, energy, KWH)
    hass.states.async_set(LEAF_PLUGGED, "unplugged")


async def test_guest_is_planned_and_written(
    hass: HomeAssistant, today: datetime, ocpp_calls: list[Any]
) -> None:
    """10 kWh within 3 h of the plug-in, on all three phases, written to OCPP."""
    _seed(hass, today)
    coordinator = await setup_site(hass, _guest_site())
    data = plan_of(coordinator)
    carport = data.inputs.chargers[CARPORT]
    assert carport.vehicle == GUEST
    assert carport.control is Control.GUEST
    assert carport.vehicle_phases is None  # an unknown car
    guest = data.inputs.vehicles[GUEST]
    assert guest.guest
    assert guest.plugged_in
    assert guest.energy_needed_kwh == pytest.approx(10)
    plugged = hass.states.get(CARPORT_STATUS)
    assert plugged is not None
    assert guest.departure == plugged.last_changed + timedelta(hours=3)
    problem = data.inputs.problem
    (vehicle,) = (v for v in problem.vehicles if v.id == GUEST)
    assert vehicle.charger_id == CARPORT
    assert vehicle.energy_needed_kwh == pytest.approx(10)
    assert vehicle.efficiency == 1.0  # counted as the charger delivers it
    assert problem.vehicle_site_phases(vehicle) == (1, 2, 3)
    row = next(r for r in data.plan.vehicles if r.vehicle_id == GUEST)
    assert row.energy_kwh == pytest.approx(10, abs=0.2)
    assert row.shortfall_kwh == pytest.approx(0, abs=0.2)
    # Everything by its time: nothing planned after the guest wants it.
    index = problem.horizon.index_at(guest.departure)
    assert not any(data.plan.charger(CARPORT).current_a[int(index) + 1 :])
    # Written like a known car's plan: the current of this step, to the charger.
    decision = data.decisions[CARPORT]
    assert decision.target_a == data.plan.charger(CARPORT).current_a[0]
    assert [c.data for c in ocpp_calls] == [
        {"devid": "carport", "limit_amps": int(decision.target_a or 0)}
    ]
    # The charger's control sensor says it is a guest.
    control = hass.states.get("sensor.carport_control")
    assert control is not None
    assert control.state == "guest"
    assert control.attributes["guest"] is True
    assert control.attributes["vehicle"] == "Carport guest"
    assert control.attributes["counted_phases"] == ["L1", "L2", "L3"]


@pytest.mark.parametrize("energy", [None, 0])
async def test_guest_off_leaves_the_car_alone(
    hass: HomeAssistant,
    today: datetime,
    ocpp_calls: list[Any],
    energy: float | None,
) -> None:
    """No guest energy (the default, or 0): today's behaviour, left alone."""
    _seed(hass, today)
    coordinator = await setup_site(hass, _guest_site(energy))
    data = plan_of(coordinator)
    carport = data.inputs.chargers[CARPORT]
    assert carport.vehicle is None
    assert carport.control is Control.UNKNOWN_VEHICLE
    assert GUEST not in data.inputs.vehicles
    assert all(v.id != GUEST for v in data.inputs.problem.vehicles)
    assert ocpp_calls == []


async def test_delivered_energy_reduces_the_need_and_it_stops(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    ocpp_calls: list[Any],
) -> None:
    """The session's energy counts: 4 of 10 kWh in, 6 to go; all in, stopped."""
    _seed(hass, today, energy="100")
    coordinator = await setup_site(hass, _guest_site(hours=3))
    assert plan_of(coordinator).inputs.vehicles[GUEST].energy_needed_kwh == (
        pytest.approx(10)
    )

    await tick(hass, freezer, 1800)
    hass.states.async_set(CARPORT_ENERGY, "104", KWH)
    await recalculate(hass)
    data = plan_of(coordinator)
    assert data.inputs.vehicles[GUEST].energy_needed_kwh == pytest.approx(6)
    assert data.inputs.chargers[CARPORT].control is Control.GUEST
    row = next(r for r in data.plan.vehicles if r.vehicle_id == GUEST)
    assert row.energy_kwh == pytest.approx(6, abs=0.2)

    await tick(hass, freezer, 1800)
    hass.states.async_set(CARPORT_ENERGY, "110", KWH)
    await recalculate(hass)
    data = plan_of(coordinator)
    assert data.inputs.vehicles[GUEST].energy_needed_kwh == 0
    # Still the guest (unplugging ends it), but it needs nothing: paused.
    assert data.inputs.chargers[CARPORT].vehicle == GUEST
    assert data.decisions[CARPORT].control is Control.STOP
    assert data.decisions[CARPORT].target_a == 0
    # The step's round at this instant gave the OCPP charger (which cannot be
    # read back) its 24 A again, 30 minutes after the last write: the stop
    # goes out when its minimum write interval (60 s) has passed.
    assert ocpp_calls[-1].data == {"devid": "carport", "limit_amps": 24}
    await tick(hass, freezer, 61)
    assert ocpp_calls[-1].data == {"devid": "carport", "limit_amps": 0}
    control = hass.states.get("sensor.carport_control")
    assert control is not None
    assert control.attributes["guest"] is True


async def test_modes_apply_to_a_guest(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    ocpp_calls: list[Any],
) -> None:
    """Fast charges the guest at once, as much as the site allows; off stops it.

    The site's 17 kW is 24 A on three phases: a guest may be a 3-phase car.
    """
    _seed(hass, today)
    coordinator = await setup_site(hass, _guest_site(energy=20, hours=12))
    await act(
        hass, "select.select_option", entity_id="select.carport_mode", option="fast"
    )
    await tick(hass, freezer, 61)  # an increase waits for the write interval
    data = plan_of(coordinator)
    assert coordinator.user.charger(CARPORT).mode is ChargerMode.FAST
    assert data.decisions[CARPORT].control is Control.GUEST
    assert data.decisions[CARPORT].target_a == 24
    assert ocpp_calls[-1].data == {"devid": "carport", "limit_amps": 24}

    await act(
        hass, "select.select_option", entity_id="select.carport_mode", option="off"
    )
    await tick(hass, freezer, 61)  # a decrease the limits do not need waits too
    data = plan_of(coordinator)
    assert data.decisions[CARPORT].control is Control.STOP
    assert all(v.id != GUEST for v in data.inputs.problem.vehicles)
    assert ocpp_calls[-1].data == {"devid": "carport", "limit_amps": 0}


async def test_a_guest_past_its_time_is_charged_at_once(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    ocpp_calls: list[Any],
) -> None:
    """500 kWh in 1 h cannot be: at risk, announced once; then at once, any price.

    The site's 17 kW gives it 17 kWh in that hour. Once its hour is over it is
    charged as fast as the limits allow for as long as it stays (still short
    over the whole horizon), and that is not announced again at every plan.
    """
    events = async_capture_events(hass, EVENT_TARGET_AT_RISK)
    _seed(hass, today)
    coordinator = await setup_site(hass, _guest_site(energy=500, hours=1))
    data = plan_of(coordinator)
    assert not data.inputs.vehicles[GUEST].asap
    assert data.decisions[CARPORT].target_a == 24  # the site's 17 kW
    assert [e.data["vehicle"] for e in events] == ["Carport guest"]
    assert events[0].data["vehicle_id"] == GUEST
    assert events[0].data["plugged_in"] is True

    await tick(hass, freezer, 3600)
    await recalculate(hass)
    data = plan_of(coordinator)
    guest = data.inputs.vehicles[GUEST]
    assert guest.asap
    assert guest.departure == data.inputs.problem.horizon.end
    assert data.decisions[CARPORT].control is Control.GUEST
    assert data.decisions[CARPORT].target_a == 24
    (vehicle,) = data.inputs.problem.vehicles
    assert vehicle.min_energy_kwh == vehicle.energy_needed_kwh  # all of it at once
    await tick(hass, freezer, 900)
    await recalculate(hass)
    assert len(events) == 1


async def test_a_known_cars_evidence_replaces_the_guest(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    ocpp_calls: list[Any],
) -> None:
    """The Leaf's own sensor says it is plugged in: it is the Leaf, not a guest."""
    _seed(hass, today)
    coordinator = await setup_site(hass, _guest_site())
    assert plan_of(coordinator).inputs.chargers[CARPORT].vehicle == GUEST

    hass.states.async_set(LEAF_PLUGGED, "plugged_in")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    data = plan_of(coordinator)
    carport = data.inputs.chargers[CARPORT]
    assert carport.vehicle == LEAF
    assert carport.control is Control.PLAN
    assert GUEST not in data.inputs.vehicles
    assert all(v.id != GUEST for v in data.inputs.problem.vehicles)
    assert data.inputs.vehicles[LEAF].plugged_in
    control = hass.states.get("sensor.carport_control")
    assert control is not None
    assert control.state == "plan"
    assert control.attributes["guest"] is False
    assert control.attributes["vehicle"] == "Leaf"


async def test_the_users_choice_replaces_the_guest(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    ocpp_calls: list[Any],
) -> None:
    """Choosing the vehicle in the charger's select: that vehicle, not a guest.

    (The select is there with two vehicles: the Tesla too, on the empty Garage.)
    """
    _seed(hass, today)
    coordinator = await setup_site(hass, _guest_site(without=()))
    assert plan_of(coordinator).inputs.chargers[CARPORT].vehicle == GUEST
    await act(
        hass,
        "select.select_option",
        entity_id="select.carport_connected_vehicle",
        option="Leaf",
    )
    await tick(hass, freezer, 6)
    assert plan_of(coordinator).inputs.chargers[CARPORT].vehicle == LEAF


async def test_unplug_clears_the_guest(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    ocpp_calls: list[Any],
) -> None:
    """Unplugged: no guest; the next car is a new guest with a new session."""
    _seed(hass, today)
    coordinator = await setup_site(hass, _guest_site())
    await tick(hass, freezer, 1800)
    hass.states.async_set(CARPORT_ENERGY, "107", KWH)
    await recalculate(hass)
    assert plan_of(coordinator).inputs.vehicles[GUEST].energy_needed_kwh == (
        pytest.approx(3)
    )

    hass.states.async_set(CARPORT_STATUS, "Available")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    data = plan_of(coordinator)
    assert data.inputs.chargers[CARPORT].vehicle is None
    assert data.inputs.chargers[CARPORT].control is Control.IDLE
    assert GUEST not in data.inputs.vehicles
    assert all(v.id != GUEST for v in data.inputs.problem.vehicles)

    await tick(hass, freezer, 600)
    hass.states.async_set(CARPORT_STATUS, "Preparing")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    data = plan_of(coordinator)
    guest = data.inputs.vehicles[GUEST]
    assert guest.energy_needed_kwh == pytest.approx(10)  # a new session
    plugged = hass.states.get(CARPORT_STATUS)
    assert plugged is not None
    assert guest.departure == plugged.last_changed + timedelta(hours=3)


async def test_no_guest_on_a_charger_whose_status_is_unknown(
    hass: HomeAssistant, today: datetime, ocpp_calls: list[Any]
) -> None:
    """A status that cannot be read may hide any car: counted, never a guest."""
    _seed(hass, today)
    hass.states.async_set(CARPORT_STATUS, "unavailable")
    coordinator = await setup_site(hass, _guest_site())
    data = plan_of(coordinator)
    assert data.inputs.chargers[CARPORT].control is Control.STATUS_UNAVAILABLE
    assert data.inputs.chargers[CARPORT].vehicle is None
    assert GUEST not in data.inputs.vehicles
    assert ocpp_calls == []


GRID = "sensor.grid_power"
GARAGE_POWER = "sensor.garage_power"


async def test_the_fuse_counts_a_guest_on_every_phase(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """A guest drawing 3.68 kW may be a 1-phase car at 16 A: 16 A on each phase.

    A 3 x 20 A site, the Garage (wired L1 -> L2) the only charger. Its guest
    is planned and counted on all three phases, and what it draws is read as
    the worst one phase could carry (16 A, not 5.3 A spread as a 3-phase car
    would draw it). With 4 A of house per phase it gets the 16 A the fuse
    leaves; when the house grows to 6 A per phase, whichever phase the guest
    is on carries 22 A, and the guard lowers it to 14 A at once.
    """
    seed_states(hass, today)
    hass.states.async_set(GARAGE_POWER, "3680", W)
    hass.states.async_set(GRID, str(2760 + 3680), W)  # 4 A per phase of house
    entry = site_entry(
        overrides={
            GARAGE: {
                CONF_PHASE: 2,
                CONF_POWER_ENTITY: GARAGE_POWER,
                CONF_GUEST_ENERGY: 30,
                CONF_GUEST_HOURS: 2,
            }
        },
        without=(CARPORT, LEAF, TESLA),
        **{
            CONF_LIMIT_MODE: "current",
            CONF_SITE_LIMIT_A: 20,
            CONF_SITE_PHASES: 3,
            CONF_SITE_VOLTAGE: 230,
            CONF_GRID_POWER_ENTITY: GRID,
        },
    )
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    garage = data.inputs.chargers[GARAGE]
    assert garage.vehicle == guest_id(GARAGE)
    assert garage.control is Control.GUEST
    assert garage.phases == (2, 3, 1)
    # Its 3.68 kW is counted as 16 A on each phase, not spread as 5.3 A.
    assert 3.68 / garage.kw_per_a == pytest.approx(16)
    assert data.inputs.house.phase_a == pytest.approx((4, 4, 4))
    problem = data.inputs.problem
    (vehicle,) = problem.vehicles
    assert problem.vehicle_site_phases(vehicle) == (2, 3, 1)
    # 30 kWh in 2 h cannot fit: the most the fuse leaves, 16 A on each phase.
    assert data.decisions[GARAGE].target_a == 16
    writes = [d["value"] for d in chargers.of(SET_VALUE)]
    assert writes == [16]

    await tick(hass, freezer, 1)
    hass.states.async_set(GRID, str(4140 + 3680), W)  # 6 A per phase of house
    await hass.async_block_till_done()
    assert {d["value"] for d in chargers.of(SET_VALUE)[1:]} == {14}
    assert coordinator.guard_caps[GARAGE][0] == 14
    # The guest is planned again within the fuse: still a guest.
    assert plan_of(coordinator).inputs.chargers[GARAGE].control is Control.GUEST
