"""Departures: daily, weekly schedule, one-off override (opti_vgi.set_departure)."""

from __future__ import annotations

from datetime import datetime, time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest

from custom_components.opti_vgi.const import DOMAIN
from custom_components.opti_vgi.settings import parse_weekly
from custom_components.opti_vgi.translation import next_departure

from .site import (
    ENTRY_ID,
    GARAGE,
    TESLA,
    plan_of,
    seed_states,
    setup_site,
    site_entry,
    tick,
)

SEVEN = time(7)


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in the week of Monday 2026-11-23 (``day`` 0 is Monday)."""
    return datetime(
        2026, 11, 23 + day, hour, minute, tzinfo=dt_util.get_default_time_zone()
    )


@pytest.mark.usefixtures("hass")
def test_weekly_schedule_picks_the_next_day_with_a_departure() -> None:
    """Listed days depart at their time, None days not at all, others daily."""
    weekly = parse_weekly({"tue": None, "wed": "09:30:00", "sat": None, "sun": None})
    monday_evening = _local(0, 17, 5)
    # Tuesday has none: Wednesday 09:30.
    assert next_departure(monday_evening, SEVEN, weekly) == _local(2, 9, 30)
    # After Wednesday's: Thursday follows the daily 07:00.
    assert next_departure(_local(2, 10), SEVEN, weekly) == _local(3, 7)
    # Friday evening: no weekend departure, Monday 07:00.
    assert next_departure(_local(4, 18), SEVEN, weekly) == _local(7, 7)
    # No schedule: the daily time, the next one after now (a passed one rolls).
    assert next_departure(_local(0, 8), SEVEN) == _local(1, 7)
    assert next_departure(_local(0, 6), SEVEN) == _local(0, 7)


@pytest.mark.usefixtures("hass")
def test_override_schedule_and_fallbacks() -> None:
    """An override ahead wins; one passed does not; an empty week uses daily."""
    weekly = parse_weekly({"mon": "08:00", "thu": "bad", "xyz": "09:00"})
    assert weekly == {0: time(8)}  # unreadable entries are left out
    monday = _local(0, 6)
    override = _local(1, 12)
    assert next_departure(monday, SEVEN, weekly, override) == override
    assert next_departure(_local(1, 13), SEVEN, weekly, override) == _local(2, 7)
    nothing = parse_weekly(
        dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    )
    assert len(nothing) == 7
    assert next_departure(monday, SEVEN, nothing) == _local(0, 7)
    assert parse_weekly("not a mapping") == {}


async def test_weekly_schedule_sets_the_plans_window(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[object],
    ocpp_calls: list[object],
) -> None:
    """No departure on Tuesday: the Tesla's need is due Wednesday 09:30."""
    seed_states(hass, today)
    entry = site_entry(
        overrides={TESLA: {"weekly_departures": {"tue": None, "wed": "09:30:00"}}}
    )
    data = plan_of(await setup_site(hass, entry))
    assert data.inputs.vehicles[TESLA].departure == _local(2, 9, 30)


def _vehicle_device(hass: HomeAssistant, subentry_id: str) -> str:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)
    return next(d.id for d in devices if (DOMAIN, subentry_id) in d.identifiers)


async def test_set_departure_until_it_passes(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[object],
    ocpp_calls: list[object],
) -> None:
    """A one-off departure replaces the daily one, survives a reload, then goes."""
    seed_states(hass, today)
    entry = site_entry()
    coordinator = await setup_site(hass, entry)
    assert plan_of(coordinator).inputs.vehicles[TESLA].departure == _local(1, 7)

    leave = _local(0, 19)  # tonight at 19:00, not tomorrow 07:00
    await hass.services.async_call(
        DOMAIN,
        "set_departure",
        {"device_id": _vehicle_device(hass, TESLA), "departure": leave.isoformat()},
        blocking=True,
    )
    await tick(hass, freezer, 6)
    data = plan_of(coordinator)
    assert data.inputs.vehicles[TESLA].departure == leave
    window = data.inputs.problem.window(
        next(v for v in data.inputs.problem.vehicles if v.id == TESLA)
    )
    assert data.inputs.problem.horizon.step_start(window.stop) <= leave

    # A reload (a settings change) keeps it.
    assert await hass.config_entries.async_reload(ENTRY_ID)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    assert plan_of(coordinator).inputs.vehicles[TESLA].departure == leave

    # After 19:00 it is gone: the daily 07:00 again.
    await tick(hass, freezer, 2 * 3600)
    data = plan_of(coordinator)
    assert dt_util.as_local(data.inputs.now) > leave
    assert coordinator.vehicle_state(TESLA).departure_override is None
    assert data.inputs.vehicles[TESLA].departure == _local(1, 7)


async def test_set_departure_refuses_what_it_cannot_use(
    hass: HomeAssistant,
    today: datetime,
    freezer: FrozenDateTimeFactory,
    number_calls: list[object],
    ocpp_calls: list[object],
) -> None:
    """A passed time or a device that is not a vehicle: translated errors.

    Calling it without a departure clears a one-off departure.
    """
    seed_states(hass, today)
    coordinator = await setup_site(hass, site_entry())
    tesla = _vehicle_device(hass, TESLA)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_departure",
            {"device_id": tesla, "departure": _local(0, 9).isoformat()},
            blocking=True,
        )
    assert err.value.translation_key == "departure_in_past"
    for device in (_vehicle_device(hass, GARAGE), "no-such-device"):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                "set_departure",
                {"device_id": device, "departure": _local(1, 9).isoformat()},
                blocking=True,
            )
        assert err.value.translation_key == "not_a_vehicle"

    await hass.services.async_call(
        DOMAIN,
        "set_departure",
        {"device_id": tesla, "departure": _local(2, 9).isoformat()},
        blocking=True,
    )
    assert coordinator.vehicle_state(TESLA).departure_override == _local(2, 9)
    await hass.services.async_call(
        DOMAIN, "set_departure", {"device_id": tesla}, blocking=True
    )
    assert coordinator.vehicle_state(TESLA).departure_override is None
    await tick(hass, freezer, 6)
    assert plan_of(coordinator).inputs.vehicles[TESLA].departure == _local(1, 7)
