"""On-board chargers and charger wiring in Home Assistant.

A car draws on ``min(charger phases, its own)`` phases, the charger's first
ones, which sit on the site phases the charger is wired to. These tests check
that the settings read it, old entries keep working, and that the control
layer counts a car's draw where it really is: a 1-phase car on a 3-phase
charger wired L1 -> L2 loads the site's L2 only, and the guard keeps that
phase of the fuse whole. An unknown car counts on every phase of its charger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentry,
    ConfigSubentryData,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opti_vgi.const import (
    CONF_GRID_POWER_ENTITY,
    CONF_LIMIT_MODE,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_MIN_CURRENT,
    CONF_PHASE,
    CONF_PHASES,
    CONF_POWER_ENTITY,
    CONF_SITE_LIMIT_A,
    CONF_SITE_PHASES,
    CONF_SITE_VOLTAGE,
    DOMAIN,
    SUBENTRY_VEHICLE,
    ChargerConnection,
    Control,
    ControlMethod,
    PlanState,
)
from custom_components.opti_vgi.control import counted_phases, worst_phase_a
from custom_components.opti_vgi.settings import (
    ChargerSettings,
    SiteSettings,
    VehicleSettings,
)

from .site import (
    CARPORT,
    GARAGE,
    GARAGE_CURRENT,
    LEAF,
    SET_VALUE,
    TESLA,
    ChargerCalls,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

GRID = "sensor.grid_power"
GARAGE_POWER = "sensor.garage_power"
W = {"unit_of_measurement": "W"}
STATUS = "sensor.home_status"

# --- Settings -------------------------------------------------------------------


@pytest.mark.parametrize("connection", list(ChargerConnection))
def test_connection_is_phases_and_phase(connection: ChargerConnection) -> None:
    """Each connection is stored as phases and the site phase of its L1."""
    assert ChargerConnection.of(connection.phases, connection.phase) is connection
    with pytest.raises(ValueError, match="no connection"):
        ChargerConnection.of(2, 1)


@pytest.mark.parametrize(
    ("phases", "phase", "all_phases", "one_phase_car"),
    [
        (3, 1, (1, 2, 3), (1,)),
        (3, 2, (2, 3, 1), (2,)),
        (3, 3, (3, 1, 2), (3,)),
        (1, 2, (2,), (2,)),
    ],
)
def test_charger_site_phases_follow_the_rotation(
    phases: int,
    phase: int,
    all_phases: tuple[int, ...],
    one_phase_car: tuple[int, ...],
) -> None:
    """A rotated charger's L2 and L3 follow its L1; a 1-phase car uses its L1."""
    charger = ChargerSettings(
        subentry_id="c",
        name="c",
        control=ControlMethod.NUMBER,
        phases=phases,
        phase=phase,
    )
    assert charger.site_phases == all_phases
    assert charger.site_phases_for(None) == all_phases
    assert charger.site_phases_for(1) == one_phase_car
    assert charger.site_phases_for(2) == all_phases[:2]


def _vehicle(data: dict[str, Any], site: SiteSettings | None = None) -> VehicleSettings:
    """A vehicle subentry with ``data``, parsed."""
    subentry = ConfigSubentry(
        data=data, subentry_type=SUBENTRY_VEHICLE, title="Car", unique_id=None
    )
    return VehicleSettings.from_subentry(subentry, site)


def test_vehicle_obc_stored_derived_or_unlimited() -> None:
    """Stored wins; else derived from the maximum power; else 3 phases, no limit."""
    stored = _vehicle(
        {
            CONF_MAX_POWER_KW: 11,
            CONF_PHASES: 1,
            CONF_MAX_CURRENT: 20,
            CONF_MIN_CURRENT: 8,
        }
    )
    assert (stored.phases, stored.max_current, stored.min_current) == (1, 20.0, 8.0)
    # Set up before on-board chargers were asked for: derived from the power.
    old = _vehicle({CONF_MAX_POWER_KW: 7.4})
    assert (old.phases, old.max_current, old.min_current) == (1, 32.0, 0.0)
    assert _vehicle({CONF_MAX_POWER_KW: 11}).phases == 3
    # On a 1-phase site every car charges on one phase.
    one_phase = SiteSettings(phases=1)
    assert (_vehicle({CONF_MAX_POWER_KW: 11}, one_phase).phases) == 1
    assert _vehicle({CONF_MAX_POWER_KW: 11}, one_phase).max_current == 48.0
    nothing = _vehicle({})
    assert (nothing.phases, nothing.max_current) == (3, None)


@pytest.mark.parametrize(
    ("vehicle_phases", "measured_kw", "limit_a", "expected"),
    [
        (None, None, None, 3),  # unknown car: every phase of the charger
        (None, 3.68, 16.0, 3),
        (1, None, None, 1),  # known 1-phase car
        (1, 3.68, 16.0, 1),  # 3.68 kW at 16 A: one phase, as it should
        (2, 7.36, 16.0, 2),
        (1, 11.04, 16.0, 3),  # 11 kW at 16 A is three phases: another car
        (3, 11.04, 16.0, 3),
    ],
)
def test_counted_phases(
    vehicle_phases: int | None,
    measured_kw: float | None,
    limit_a: float | None,
    expected: int,
) -> None:
    """Phases counted for a 3-phase charger: the car's, unless it is not known."""
    assert (
        counted_phases(
            charger_phases=3,
            vehicle_phases=vehicle_phases,
            measured_kw=measured_kw,
            limit_a=limit_a,
            voltage=230.0,
        )
        == expected
    )
    assert (
        counted_phases(
            charger_phases=1,
            vehicle_phases=vehicle_phases,
            measured_kw=None,
            limit_a=None,
            voltage=230.0,
        )
        == 1
    )


@pytest.mark.parametrize(
    ("measured_kw", "limit_a", "expected"),
    [
        (3.68, 16.0, 16.0),  # a 1-phase car at 16 A, on any phase
        (3.68, None, 16.0),  # no limit known: the charger's maximum bounds it
        (3.68, 10.0, 10.0),  # no phase carries more than the limit
        (4.14, 6.0, 6.0),  # a 3-phase car at its 6 A limit: exactly that
        (11.04, 10.0, 16.0),  # more than the limit allows: not following
        (0.0, 16.0, 0.0),
    ],
)
def test_worst_phase_a(
    measured_kw: float, limit_a: float | None, expected: float
) -> None:
    """An unknown split: all on one phase, within what the charger lets through."""
    assert worst_phase_a(
        measured_kw=measured_kw, phases=3, voltage=230.0, limit_a=limit_a, max_a=16.0
    ) == pytest.approx(expected)


# --- Migration ------------------------------------------------------------------


async def test_migration_makes_a_three_phase_chargers_phase_its_wiring(
    hass: HomeAssistant, today: datetime
) -> None:
    """1.1: a 3-phase charger's phase meant nothing; 1.2: standard wiring.

    A single-phase charger keeps its phase; the entry ends at 1.2.
    """
    seed_states(hass, today)
    entry = site_entry(overrides={GARAGE: {CONF_PHASE: 2}, CARPORT: {CONF_PHASES: 1}})
    old = MockConfigEntry(
        domain=DOMAIN,
        entry_id="01OLD",
        title="Home",
        data=dict(entry.data),
        version=1,
        minor_version=1,
        subentries_data=[
            ConfigSubentryData(
                data={**subentry.data, CONF_PHASE: 3}
                if subentry.subentry_id == CARPORT
                else dict(subentry.data),
                subentry_id=subentry.subentry_id,
                subentry_type=subentry.subentry_type,
                title=subentry.title,
                unique_id=subentry.unique_id,
            )
            for subentry in entry.subentries.values()
        ],
    )
    await setup_site(hass, old)
    assert old.state is ConfigEntryState.LOADED
    assert (old.version, old.minor_version) == (1, 2)
    assert old.subentries[GARAGE].data[CONF_PHASE] == 1
    assert old.subentries[GARAGE].data[CONF_PHASES] == 3
    assert old.subentries[CARPORT].data[CONF_PHASE] == 3
    assert old.subentries[CARPORT].data[CONF_PHASES] == 1
    coordinator = old.runtime_data.coordinator
    garage = coordinator.settings.charger(GARAGE)
    assert garage is not None
    assert garage.connection is ChargerConnection.THREE_PHASE
    carport = coordinator.settings.charger(CARPORT)
    assert carport is not None
    assert carport.connection is ChargerConnection.SINGLE_PHASE_L3


async def test_a_newer_major_version_is_not_loaded(
    hass: HomeAssistant, today: datetime
) -> None:
    """An entry written by a later release with another format: not guessed at."""
    seed_states(hass, today)
    entry = MockConfigEntry(domain=DOMAIN, data=dict(site_entry().data), version=2)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


# --- The control layer, through the real coordinator ----------------------------


def _fused_site(*, without: tuple[str, ...] = ()) -> MockConfigEntry:
    """A 3 x 20 A site with a grid meter: only the Garage, wired L1 -> L2.

    The Tesla is a 1-phase 16 A car (3.7 kW); ``without`` leaves more out.
    """
    changes: dict[str, dict[str, Any]] = {
        GARAGE: {CONF_PHASE: 2, CONF_POWER_ENTITY: GARAGE_POWER},
        TESLA: {CONF_PHASES: 1, CONF_MAX_CURRENT: 16},
    }
    return site_entry(
        overrides=changes,
        without=(CARPORT, LEAF, *without),
        **{
            CONF_LIMIT_MODE: "current",
            CONF_SITE_LIMIT_A: 20,
            CONF_SITE_PHASES: 3,
            CONF_SITE_VOLTAGE: 230,
            CONF_GRID_POWER_ENTITY: GRID,
        },
    )


def _garage_writes(chargers: ChargerCalls) -> list[float]:
    """The values written to the Garage's limit, in order."""
    return [
        d["value"]
        for d in chargers.of(SET_VALUE)
        if d[ATTR_ENTITY_ID] == GARAGE_CURRENT
    ]


async def test_one_phase_car_on_a_rotated_charger_counts_on_that_phase(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    chargers: ChargerCalls,
) -> None:
    """3.68 kW of a 1-phase car on a charger wired L1 -> L2: 16 A on L2 only.

    Its SoC cannot be read, so it is left alone and counted: 16 A on the
    site's L2 (not 5.3 A on each phase). When the house grows to 6 A per
    phase, L2 carries 22 A on a 20 A fuse: the guard lowers the Garage to
    14 A at once. (Counted on three phases, L2 looked like 11.3 A: no action,
    and the fuse would have blown.)
    """
    seed_states(hass, today, soc="unavailable")
    hass.states.async_set(GARAGE_POWER, "3680", W)
    hass.states.async_set(GRID, str(2760 + 3680), W)  # 4 A per phase of house
    coordinator = await setup_site(hass, _fused_site())
    data = plan_of(coordinator)
    garage = data.inputs.chargers[GARAGE]
    assert garage.control is Control.NEED_UNKNOWN
    assert garage.vehicle == TESLA
    assert garage.phases == (2,)
    assert garage.counted_a == pytest.approx(16)
    assert data.inputs.house.phase_a == pytest.approx((4, 4, 4))
    site = data.inputs.problem.site
    assert site.fixed_load_a is not None
    assert site.fixed_load_a[0] == pytest.approx((0, 16, 0))
    assert _garage_writes(chargers) == []  # 20 A on L2: just within the fuse
    control = hass.states.get("sensor.garage_control")
    assert control is not None
    assert control.attributes["counted_phases"] == ["L2"]

    await tick(hass, freezer, 1)  # a new meter reading, a second later
    hass.states.async_set(GRID, str(4140 + 3680), W)  # 6 A per phase of house
    await hass.async_block_till_done()
    # (Its own read-back, before the power sensor follows, asks the same again.)
    assert set(_garage_writes(chargers)) == {14}
    assert coordinator.guard_caps[GARAGE][0] == 14

    # The car draws what it was lowered to: L2 is within its fuse again, and
    # nothing lower is written.
    await tick(hass, freezer, 1)
    hass.states.async_set(GARAGE_POWER, str(14 * 230), W)
    hass.states.async_set(GRID, str(4140 + 14 * 230), W)
    await tick(hass, freezer, 1)
    assert set(_garage_writes(chargers)) == {14}


async def test_unknown_car_on_the_same_charger_counts_on_every_phase(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """No vehicle is known to be on it: every phase of the charger counts.

    Its 3.68 kW may be a 1-phase car at 16 A on any of them, so under the
    per-phase fuse each phase counts 16 A (its limit), the power 3.68 kW.
    """
    seed_states(hass, today)
    hass.states.async_set(GARAGE_POWER, "3680", W)
    hass.states.async_set(GRID, str(2760 + 3680), W)
    coordinator = await setup_site(hass, _fused_site(without=(TESLA,)))
    data = plan_of(coordinator)
    garage = data.inputs.chargers[GARAGE]
    assert garage.control is Control.UNKNOWN_VEHICLE
    assert garage.vehicle is None
    assert garage.phases == (2, 3, 1)
    assert garage.counted_a == pytest.approx(16)
    assert garage.counted_a * garage.kw_per_a == pytest.approx(3.68)
    site = data.inputs.problem.site
    assert site.fixed_load_a is not None
    assert site.fixed_load_a[0] == pytest.approx((16, 16, 16))
    # The house is what the meter shows less the 3.68 kW: 4 A per phase.
    assert data.inputs.house.phase_a == pytest.approx((4, 4, 4))


async def test_a_car_drawing_on_more_phases_than_its_own_counts_on_all(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """11 kW at a 16 A limit is three phases: not the 1-phase car it is taken for."""
    seed_states(hass, today, soc="unavailable")
    hass.states.async_set(GARAGE_POWER, "11040", W)
    hass.states.async_set(GRID, str(2760 + 11040), W)
    coordinator = await setup_site(hass, _fused_site())
    garage = plan_of(coordinator).inputs.chargers[GARAGE]
    assert garage.vehicle == TESLA
    assert garage.phases == (2, 3, 1)
    assert garage.counted_a == pytest.approx(16)


async def test_one_phase_car_on_an_eleven_kw_charger_is_charged(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A 3.7 kW car on an 11 kW charger with a 6 A minimum: 16 A on one phase.

    Its minimum SoC is wanted at once, so it charges now, at its own 16 A,
    and the status is not a shortfall.
    """
    seed_states(hass, today)
    entry = site_entry(
        overrides={
            TESLA: {CONF_MAX_POWER_KW: 3.7, CONF_PHASES: 1, CONF_MAX_CURRENT: 16}
        },
        without=(CARPORT, LEAF),
    )
    coordinator = await setup_site(hass, entry)
    data = plan_of(coordinator)
    row = data.plan.vehicle(TESLA)
    assert row.current_a[0] == 16
    assert row.power_kw[0] == pytest.approx(16 * 230 / 1000)
    assert row.shortfall_kwh < 0.2
    assert data.state is not PlanState.SHORTFALL
    assert data.decisions[GARAGE].target_a == 16
    garage_limit = hass.states.get(GARAGE_CURRENT)
    assert garage_limit is not None
    assert float(garage_limit.state) == 16  # as seeded, or as written
    assert all(value == 16 for value in _garage_writes(chargers))


async def test_derived_obc_of_an_old_vehicle_reaches_the_problem(
    hass: HomeAssistant, today: datetime, chargers: ChargerCalls
) -> None:
    """A vehicle stored with only 3.7 kW is planned as a 1 x 16 A car."""
    seed_states(hass, today)
    entry = site_entry(overrides={TESLA: {CONF_MAX_POWER_KW: 3.7}})
    coordinator = await setup_site(hass, entry)
    problem = plan_of(coordinator).inputs.problem
    vehicle = next(v for v in problem.vehicles if v.id == TESLA)
    assert (vehicle.phases, vehicle.max_current_a, vehicle.min_current_a) == (
        1,
        16.0,
        0.0,
    )
    assert problem.vehicle_site_phases(vehicle) == (1,)
    assert plan_of(coordinator).inputs.chargers[GARAGE].phases == (1,)


async def test_a_single_phase_charger_on_l2_is_planned_on_l2(
    hass: HomeAssistant, today: datetime
) -> None:
    """What the flow stores for "single-phase on L2" (1 phase, phase 2) loads only L2.

    A 3-phase car on it draws on one phase: the plan counts it on the site's
    L2, and its planned current there is within the 20 A fuse less the house.
    """
    seed_states(hass, today)
    entry = site_entry(
        overrides={
            GARAGE: {CONF_PHASES: 1, CONF_PHASE: 2, CONF_POWER_ENTITY: GARAGE_POWER},
        },
        without=(CARPORT, LEAF),
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
    problem = data.inputs.problem
    charger = problem.charger(GARAGE)
    assert charger.phases == 1
    assert charger.site_phases() == (2,)
    vehicle = next(v for v in problem.vehicles if v.charger_id == GARAGE)
    assert problem.vehicle_site_phases(vehicle) == (2,)
    assert data.inputs.chargers[GARAGE].phases == (2,)
