"""Reservations from a calendar and from actions: room kept, session, no-show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest

from custom_components.opti_vgi.const import DOMAIN
from custom_components.opti_vgi.reservations import (
    Reservation,
    current,
    from_event,
    no_shows,
)

from .site import (
    CARPORT,
    CARPORT_STATUS,
    ENTRY_ID,
    GARAGE,
    LEAF,
    TESLA,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

CALENDAR = "calendar.family"
VEHICLES = {"Tesla": TESLA, "Leaf": LEAF}
CHARGERS = {"Garage": GARAGE, "Carport": CARPORT}


def _local(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """Local time on Monday 2026-11-23 (+ ``day``), the tests' today."""
    zone = dt_util.get_default_time_zone()
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=zone)


@pytest.mark.usefixtures("hass")
def test_events_that_name_one_vehicle_are_reservations() -> None:
    """Title names the vehicle (and a charger); energy or SoC from title or text."""
    start, end = _local(19).isoformat(), _local(23).isoformat()
    found = from_event(
        {
            "summary": "Leaf at the Garage",
            "description": "needs 15,5 kWh",
            "start": start,
            "end": end,
        },
        VEHICLES,
        CHARGERS,
    )
    assert found is not None
    assert (found.vehicle_id, found.charger_id, found.energy_kwh) == (
        LEAF,
        GARAGE,
        15.5,
    )
    assert found.start == _local(19)
    soc = from_event(
        {"summary": "tesla 80 %", "start": start, "end": end}, VEHICLES, {}
    )
    assert soc is not None
    assert (soc.vehicle_id, soc.target_soc, soc.charger_id) == (TESLA, 80.0, None)
    for event in (
        {"summary": "Dinner", "start": start, "end": end},  # no vehicle
        {"summary": "Tesla and Leaf", "start": start, "end": end},  # which one?
        {"summary": "Leaf", "start": "2026-11-23", "end": "2026-11-24"},  # all day
        {"summary": "Leaf", "start": end, "end": start},  # ends before it starts
        {"summary": "Leafy greens", "start": start, "end": end},  # not a whole word
    ):
        assert from_event(event, VEHICLES, CHARGERS) is None


def test_current_and_no_shows() -> None:
    """Away: the next one until the grace time is over; plugged in: the one it is in."""
    base = datetime(2026, 1, 5, 19, tzinfo=dt_util.UTC)
    first = Reservation(
        id="a", vehicle_id=LEAF, start=base, end=base + timedelta(hours=4)
    )
    later = Reservation(
        id="b",
        vehicle_id=LEAF,
        start=base + timedelta(days=1),
        end=base + timedelta(days=1, hours=4),
    )
    both = (later, first)
    assert current(both, LEAF, base - timedelta(hours=2), plugged_in=False) == first
    assert current(both, LEAF, base - timedelta(hours=2), plugged_in=True) is None
    assert current(both, LEAF, base + timedelta(minutes=20), plugged_in=False) == first
    assert current(both, LEAF, base + timedelta(minutes=40), plugged_in=False) == later
    assert current(both, LEAF, base + timedelta(minutes=40), plugged_in=True) == first
    assert (
        current(both, LEAF, base, plugged_in=False, dropped=frozenset({"a"})) == later
    )
    assert current(both, TESLA, base, plugged_in=False) is None
    late = base + timedelta(minutes=31)
    assert no_shows(both, late, {LEAF: False}) == {"a"}
    assert no_shows(both, late, {LEAF: True}) == set()
    assert Reservation.from_dict(first.as_dict()) == first
    assert Reservation.from_dict({"id": "x"}) is None


def _calendar(hass: HomeAssistant, events: list[dict[str, Any]]) -> list[ServiceCall]:
    """A calendar whose get_events answers ``events`` (changed in place by tests)."""
    calls: list[ServiceCall] = []

    async def get_events(call: ServiceCall) -> dict[str, Any]:
        calls.append(call)
        return {CALENDAR: {"events": list(events)}}

    hass.services.async_register(
        "calendar", "get_events", get_events, supports_response=SupportsResponse.ONLY
    )
    return calls


async def _site_with_calendar(
    hass: HomeAssistant, overrides: dict[str, dict[str, Any]] | None = None
) -> Any:
    entry = site_entry(site_limit_kw=11.0, overrides=overrides)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"calendar_entity": CALENDAR})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry.runtime_data.coordinator


async def test_calendar_reservation_keeps_room_then_becomes_the_session(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """The Leaf booked 19:00-23:00 for 15 kWh: planned before it comes, then its stay.

    The Leaf does not plan ahead on its own (plan_ahead off): only the booking
    makes room for it. The Tesla (plugged in, 30 kWh due at 23:30, later than
    the booking ends) is planned around it: without the booking it would take
    the whole 11 kW from 21:00; with it, it shares those steps and still gets
    its 30 kWh.
    """
    seed_states(hass, today, carport="Available")
    events = [
        {
            "summary": "Leaf 15 kWh",
            "start": _local(19).isoformat(),
            "end": _local(23).isoformat(),
        }
    ]
    calls = _calendar(hass, events)
    coordinator = await _site_with_calendar(
        hass, overrides={TESLA: {"departure": "23:30:00"}}
    )
    assert calls
    data = plan_of(coordinator)
    leaf = data.inputs.vehicles[LEAF]
    assert leaf.planned
    assert not leaf.plugged_in
    assert (leaf.arrival, leaf.departure) == (_local(19), _local(23))
    assert leaf.energy_needed_kwh == 15
    plan = data.plan.vehicle(LEAF)
    assert plan.energy_kwh == pytest.approx(15, abs=0.5)
    horizon = data.plan.horizon
    for step, power in enumerate(plan.power_kw):
        if power > 0:
            assert _local(19) <= horizon.step_start(step) < _local(23)
    for step in range(horizon.steps):
        assert data.plan.site_power_kw[step] <= 11.0 + 1e-6
    tesla = data.plan.vehicle(TESLA)
    assert data.inputs.vehicles[TESLA].departure == _local(23, 30)
    assert tesla.shortfall_kwh == pytest.approx(0, abs=0.01)
    assert tesla.energy_kwh == pytest.approx(30, abs=0.5)
    most = max(tesla.power_kw)
    shared = [t for t, kw in enumerate(plan.power_kw) if kw > 0 and tesla.power_kw[t]]
    assert shared  # both charge in some steps ...
    for step in shared:  # ... where the Tesla gives way to the booked Leaf
        assert tesla.power_kw[step] + plan.power_kw[step] <= 11.0 + 1e-6
        assert tesla.power_kw[step] < most

    # It comes at 19:10: the booking is its session, due at 23:00.
    freezer.move_to(_local(19, 10))
    hass.states.async_set(CARPORT_STATUS, "Charging")
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    leaf = plan_of(coordinator).inputs.vehicles[LEAF]
    assert leaf.plugged_in
    assert leaf.reservation is not None
    assert leaf.departure == _local(23)


async def test_a_no_show_is_dropped(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """Not there 30 minutes after the start: the room goes back to the others."""
    seed_states(hass, today, carport="Available")
    _calendar(
        hass,
        [
            {
                "summary": "Leaf",
                "start": _local(18).isoformat(),
                "end": _local(23).isoformat(),
            }
        ],
    )
    coordinator = await _site_with_calendar(hass)
    assert plan_of(coordinator).inputs.vehicles[LEAF].planned
    freezer.move_to(_local(18, 25))
    await tick(hass, freezer, 60)
    assert plan_of(coordinator).inputs.vehicles[LEAF].planned  # within the grace
    freezer.move_to(_local(18, 31))
    await tick(hass, freezer, 60)
    await tick(hass, freezer, 6)
    assert not plan_of(coordinator).inputs.vehicles[LEAF].planned
    assert coordinator.user.dropped_reservations


def _device(hass: HomeAssistant, subentry_id: str) -> str:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)
    return next(d.id for d in devices if (DOMAIN, subentry_id) in d.identifiers)


async def test_reservation_actions(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[Any],
    ocpp_calls: list[Any],
) -> None:
    """add_reservation plans it on the Garage (kept on reload); remove ends it."""
    seed_states(hass, today, carport="Available", garage="off")
    entry = site_entry()
    coordinator = await setup_site(hass, entry)
    leaf_device = _device(hass, LEAF)
    assert not plan_of(coordinator).inputs.vehicles[LEAF].planned
    await hass.services.async_call(
        DOMAIN,
        "add_reservation",
        {
            "device_id": leaf_device,
            "start": _local(20).isoformat(),
            "end": _local(6, day=1).isoformat(),
            "charger": _device(hass, GARAGE),
            "energy_kwh": 12,
        },
        blocking=True,
    )
    await tick(hass, freezer, 6)
    leaf = plan_of(coordinator).inputs.vehicles[LEAF]
    assert (leaf.planned, leaf.charger_id, leaf.energy_needed_kwh) == (True, GARAGE, 12)

    assert await hass.config_entries.async_reload(ENTRY_ID)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    assert plan_of(coordinator).inputs.vehicles[LEAF].charger_id == GARAGE

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "add_reservation",
            {
                "device_id": leaf_device,
                "start": _local(20).isoformat(),
                "end": _local(19).isoformat(),
            },
            blocking=True,
        )
    assert err.value.translation_key == "reservation_times"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "add_reservation",
            {
                "device_id": leaf_device,
                "start": _local(20).isoformat(),
                "end": _local(22).isoformat(),
                "charger": leaf_device,
            },
            blocking=True,
        )
    assert err.value.translation_key == "not_a_charger"

    await hass.services.async_call(
        DOMAIN, "remove_reservation", {"device_id": leaf_device}, blocking=True
    )
    await tick(hass, freezer, 6)
    assert not plan_of(coordinator).inputs.vehicles[LEAF].planned
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "remove_reservation", {"device_id": leaf_device}, blocking=True
        )
    assert err.value.translation_key == "no_reservation"
