"""Every kind of price source, from the config flow to the plan's cost.

Action sources are real response actions registered in the test's Home
Assistant, answering like core Nord Pool does (per MWh, one call per date).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import date, datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.opti_vgi.const import (
    CONF_PRICE_ACTION,
    CONF_PRICE_AREA,
    CONF_PRICE_CHANNEL,
    CONF_PRICE_ENTITY,
    CONF_SITE_LIMIT_KW,
    CONF_TARIFF_PERIODS,
    CONF_TARIFF_PRICE,
    DOMAIN,
    PlanState,
)
from custom_components.opti_vgi.coordinator import PlanData
from custom_components.opti_vgi.price_source import Candidate

from .site import ENTRY_ID, seed_states, site_entry

NORDPOOL_ENTRY = "01NORDPOOL"


@pytest.fixture
def nordpool(hass: HomeAssistant) -> Generator[Callable[[set[date]], NordPool]]:
    """Make the Nord Pool stand-in; its entry is marked unloaded at teardown.

    Otherwise Home Assistant would unload it at shutdown by importing the real
    integration, whose library is not installed.
    """
    made: list[NordPool] = []

    def make(days: set[date]) -> NordPool:
        made.append(NordPool(hass, days))
        return made[-1]

    yield make
    for stand_in in made:
        stand_in.entry.mock_state(hass, ConfigEntryState.NOT_LOADED)


def nordpool_day(day: date, price: Callable[[int], float]) -> list[dict[str, Any]]:
    """One local day of quarter-hour prices per MWh, as core Nord Pool answers."""
    start = dt_util.start_of_local_day(day)
    end = dt_util.start_of_local_day(day + timedelta(days=1))
    items = []
    moment = start
    while moment < end:
        nxt = moment + timedelta(minutes=15)
        items.append(
            {
                "start": dt_util.as_utc(moment).isoformat(),
                "end": dt_util.as_utc(nxt).isoformat(),
                "price": price(dt_util.as_local(moment).hour),
            }
        )
        moment = dt_util.as_utc(nxt)
    return items


class NordPool:
    """A stand-in for core Nord Pool's get_prices_for_date action."""

    def __init__(self, hass: HomeAssistant, days: set[date]) -> None:
        """Answer for ``days``; other dates get an empty list, like the real one."""
        self.days = days
        self.calls: list[dict[str, Any]] = []
        self.fail = False
        self.entry = MockConfigEntry(
            domain="nordpool",
            entry_id=NORDPOOL_ENTRY,
            title="Nord Pool",
            state=ConfigEntryState.LOADED,
        )
        self.entry.add_to_hass(hass)
        hass.services.async_register(
            "nordpool",
            "get_prices_for_date",
            self.handle,
            supports_response=SupportsResponse.ONLY,
        )

    @staticmethod
    def price(hour: int) -> float:
        """Per MWh: 50 at night (01-05), 400 in the evening (17-21), else 200."""
        return 50.0 if 1 <= hour < 5 else 400.0 if 17 <= hour < 21 else 200.0

    async def handle(self, call: ServiceCall) -> dict[str, Any]:
        """Answer one call."""
        self.calls.append(dict(call.data))
        if self.fail:
            raise HomeAssistantError("Nord Pool is down")
        day = date.fromisoformat(str(call.data["date"]))
        items = nordpool_day(day, self.price) if day in self.days else []
        return {"SE3": items}


async def _site_flow(
    hass: HomeAssistant, kind: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Run the site flow with a price source of ``kind``; return the entry data."""
    with patch("custom_components.opti_vgi.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": kind}
        )
        result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
        assert result["step_id"] == "limit", result.get("errors")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"limit_mode": "power", "grid_power_sign": "import_positive"},
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_SITE_LIMIT_KW: 17}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        flow_data = dict(result["data"])
        entry = hass.config_entries.async_get_entry(result["result"].entry_id)
        assert entry is not None
        await hass.config_entries.async_remove(entry.entry_id)
    return flow_data


async def _plan_with(hass: HomeAssistant, data: dict[str, Any]) -> PlanData:
    """Set up the test site with the flow's price settings; return its plan."""
    entry = site_entry(**data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    plan = entry.runtime_data.coordinator.plan_data
    assert plan is not None
    return plan


def _cost_from_prices(data: PlanData) -> float:
    """What the plan costs when priced with the problem's own prices.

    The first step counts for what is left of it when the plan was made.
    """
    horizon = data.plan.horizon
    return sum(
        price * power * horizon.hours(t)
        for t, (price, power) in enumerate(
            zip(data.inputs.problem.prices, data.plan.site_power_kw, strict=True)
        )
    )


def _local_hour_prices(data: PlanData) -> dict[int, float]:
    """The price of each local hour of the plan's first day in the horizon."""
    horizon = data.plan.horizon
    return {
        dt_util.as_local(horizon.step_start(i)).hour: price
        for i, price in enumerate(data.inputs.problem.prices)
    }


async def test_entity_sources_are_listed_and_used(
    hass: HomeAssistant, today: datetime, chargers: None
) -> None:
    """Price sensors in known formats are offered with their source named."""
    seed_states(hass, today)
    hass.states.async_set(
        "sensor.nordpool_kwh_se3_sek",
        "1.5",
        {
            "unit": "kWh",
            "currency": "SEK",
            "price_in_cents": False,
            "raw_today": [
                {
                    "start": today + timedelta(hours=h),
                    "end": today + timedelta(hours=h + 1),
                    "value": 0.1 if 1 <= h < 5 else 1.0,
                }
                for h in range(24)
            ],
            "raw_tomorrow": [
                {
                    "start": today + timedelta(days=1, hours=h),
                    "end": today + timedelta(days=1, hours=h + 1),
                    "value": 0.1 if 1 <= h < 5 else 1.0,
                }
                for h in range(24)
            ],
        },
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "price_entity"}
    )
    options = {
        option["value"]: option["label"]
        for option in result["data_schema"].schema[CONF_PRICE_ENTITY].config["options"]
    }
    assert options == {
        "sensor.electricity_price": "sensor.electricity_price (price list)",
        "sensor.nordpool_kwh_se3_sek": "sensor.nordpool_kwh_se3_sek (Nord Pool (HACS))",
    }
    data = await _site_flow(
        hass, "price_entity", {CONF_PRICE_ENTITY: "sensor.nordpool_kwh_se3_sek"}
    )
    assert data[CONF_PRICE_ENTITY] == "sensor.nordpool_kwh_se3_sek"
    plan = await _plan_with(hass, data)
    hours = _local_hour_prices(plan)
    assert hours[2] == pytest.approx(0.1)
    assert hours[18] == pytest.approx(1.0)
    assert plan.plan.cost == pytest.approx(_cost_from_prices(plan), rel=1e-6)
    assert plan.plan.cost > 0


async def test_unknown_price_format_says_what_was_found(
    hass: HomeAssistant, today: datetime
) -> None:
    """A sensor with no known price list nor price unit is refused; found is named."""
    hass.states.async_set("sensor.weird", "abc", {"foo": [1, 2], "bar": "x"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "price_entity"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PRICE_ENTITY: "sensor.weird"}
    )
    assert result["errors"] == {CONF_PRICE_ENTITY: "price_format_unknown"}
    assert "foo" in result["description_placeholders"]["found"]
    assert "bar" in result["description_placeholders"]["found"]


async def test_action_source_nord_pool(
    hass: HomeAssistant,
    today: datetime,
    chargers: None,
    nordpool: Callable[[set[date]], NordPool],
) -> None:
    """Core Nord Pool's action: offered, called for today and tomorrow, per MWh."""
    seed_states(hass, today)
    stand_in = nordpool({today.date(), today.date() + timedelta(days=1)})
    data = await _site_flow(
        hass,
        "price_action",
        {
            CONF_PRICE_ACTION: f"nordpool:{NORDPOOL_ENTRY}",
            CONF_PRICE_AREA: "SE3",
            CONF_PRICE_CHANNEL: "general",
        },
    )
    assert data[CONF_PRICE_ACTION] == f"nordpool:{NORDPOOL_ENTRY}"
    stand_in.calls.clear()
    plan = await _plan_with(hass, data)
    assert [call["date"] for call in stand_in.calls] == [
        today.date().isoformat(),
        (today.date() + timedelta(days=1)).isoformat(),
    ]
    assert all(call["config_entry"] == NORDPOOL_ENTRY for call in stand_in.calls)
    hours = _local_hour_prices(plan)
    assert hours[2] == pytest.approx(0.05)  # 50 per MWh
    assert hours[18] == pytest.approx(0.40)
    assert not plan.inputs.prices_estimated
    assert plan.plan.cost == pytest.approx(_cost_from_prices(plan), rel=1e-6)


async def test_action_source_area_unknown(
    hass: HomeAssistant, today: datetime, nordpool: Callable[[set[date]], NordPool]
) -> None:
    """The flow calls the action and names the areas it answered with."""
    nordpool({today.date()})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "price_action"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_PRICE_ACTION: f"nordpool:{NORDPOOL_ENTRY}",
            CONF_PRICE_AREA: "XX",
            CONF_PRICE_CHANNEL: "general",
        },
    )
    assert result["errors"] == {"base": "price_area_unknown"}
    assert result["description_placeholders"]["found"] == "SE3"


async def test_no_price_action_available(hass: HomeAssistant) -> None:
    """Without any price integration the action is not offered.

    When the price integration goes away between the menu and the choice, the
    action step says what to do instead of failing.
    """
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["menu_options"] == ["price_entity", "price_tariff"]
    hass.config_entries.flow.async_abort(result["flow_id"])

    gone = Candidate(value="nordpool:gone", label="Nord Pool")
    with patch(
        "custom_components.opti_vgi.config_flow.action_candidates",
        return_value=[gone],
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    assert "price_action" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "price_action"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_price_actions"


async def test_failing_action_keeps_the_last_prices(
    hass: HomeAssistant,
    today: datetime,
    chargers: None,
    freezer: FrozenDateTimeFactory,
    nordpool: Callable[[set[date]], NordPool],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing action keeps the last prices (status says so) until they run out."""
    seed_states(hass, today)
    stand_in = nordpool({today.date()})  # tomorrow not published yet
    data = {
        "price_source": "action",
        CONF_PRICE_ACTION: f"nordpool:{NORDPOOL_ENTRY}",
        CONF_PRICE_AREA: "SE3",
    }
    plan = await _plan_with(hass, data)
    assert plan.inputs.prices_estimated  # tomorrow is estimated from today
    assert plan.state is PlanState.ESTIMATED_PRICES
    calls = len(stand_in.calls)

    # After 13:00 tomorrow is asked for at every round until it comes.
    stand_in.fail = True
    freezer.tick(timedelta(minutes=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    coordinator = hass.config_entries.async_get_entry(ENTRY_ID).runtime_data.coordinator
    assert len(stand_in.calls) > calls
    assert coordinator.plan_data is not None
    assert coordinator.plan_data.state is PlanState.PRICES_STALE
    assert hass.states.get("sensor.home_status").state == "prices_stale"

    # Two days later the kept prices have run out: a flat-price plan (limits and
    # departures still kept), the status and a repair issue say why.
    freezer.tick(timedelta(days=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert coordinator.data.inputs.price_error is not None
    assert hass.states.get("sensor.home_status").state == "no_prices"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"{ENTRY_ID}_price_unavailable")

    # Retried at many rounds, the failure is logged once, as a warning.
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert [r.levelname for r in failed][:1] == ["WARNING"]
    assert sum(r.levelname == "WARNING" for r in failed) == 1
    assert len(failed) > 1  # the retries are in the debug log

    # The action works again: prices and plan come back, the issue goes.
    stand_in.fail = False
    stand_in.days = {dt_util.now().date(), dt_util.now().date() + timedelta(days=1)}
    freezer.tick(timedelta(minutes=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert coordinator.plan_data.state is not PlanState.PRICES_STALE
    assert "works again" in caplog.text
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"{ENTRY_ID}_price_unavailable"
    )


async def test_tariff_source(
    hass: HomeAssistant, today: datetime, chargers: None
) -> None:
    """A time-of-use tariff entered in the flow prices the plan."""
    seed_states(hass, today)
    data = await _site_flow(
        hass,
        "price_tariff",
        {
            CONF_TARIFF_PRICE: 0.30,
            CONF_TARIFF_PERIODS: [
                {"start": "01:00:00", "end": "05:00:00", "weekdays": [], "price": 0.10},
                {
                    "start": "17:00:00",
                    "end": "21:00:00",
                    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                    "price": 0.50,
                },
            ],
        },
    )
    plan = await _plan_with(hass, data)
    hours = _local_hour_prices(plan)
    assert hours[2] == pytest.approx(0.10)
    assert hours[10] == pytest.approx(0.30)
    assert hours[17] == pytest.approx(0.50)  # a Monday evening
    assert not plan.inputs.prices_estimated
    assert plan.plan.cost == pytest.approx(_cost_from_prices(plan), rel=1e-6)


async def test_tariff_overlap_is_refused(hass: HomeAssistant) -> None:
    """Overlapping periods are an error naming both periods."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "price_tariff"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_TARIFF_PRICE: 0.3,
            CONF_TARIFF_PERIODS: [
                {"start": "01:00:00", "end": "05:00:00", "price": 0.1},
                {"start": "04:00:00", "end": "06:00:00", "price": 0.2},
            ],
        },
    )
    assert result["errors"] == {"base": "tariff_overlap"}
    assert set(result["description_placeholders"]) == {"first", "second"}


async def test_export_prices_come_with_the_plan(
    hass: HomeAssistant, today: datetime, chargers: None
) -> None:
    """An export price sensor chosen in the flow is read per step and returned."""
    seed_states(hass, today)
    hass.states.async_set(
        "sensor.feed_in",
        "0.02",
        {
            "unit_of_measurement": "EUR/kWh",
            "prices_today": [
                {"time": (today + timedelta(hours=h)).isoformat(), "price": h / 100}
                for h in range(24)
            ],
            "prices_tomorrow": None,
        },
    )
    data = await _site_flow(
        hass,
        "price_entity",
        {
            CONF_PRICE_ENTITY: "sensor.electricity_price",
            "export_price_entity": "sensor.feed_in",
        },
    )
    assert data["export_price_entity"] == "sensor.feed_in"
    await _plan_with(hass, data)
    response = await hass.services.async_call(
        DOMAIN,
        "get_plan",
        {"config_entry_id": ENTRY_ID},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    export = response["export_prices"]
    assert len(export) == len(response["prices"]) == 96
    assert export[0] == pytest.approx(0.17)  # 17:00-17:15
    assert export[4] == pytest.approx(0.18)

    # An export sensor without prices only loses the export prices, not the plan.
    hass.states.async_set("sensor.feed_in", "unknown", {})
    await hass.services.async_call(
        DOMAIN, "recalculate", {"config_entry_id": ENTRY_ID}, blocking=True
    )
    response = await hass.services.async_call(
        DOMAIN,
        "get_plan",
        {"config_entry_id": ENTRY_ID},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["export_prices"] is None
    assert response["state"] == "ok"


async def test_nord_pool_without_area_and_a_new_day(
    hass: HomeAssistant,
    today: datetime,
    chargers: None,
    freezer: FrozenDateTimeFactory,
    nordpool: Callable[[set[date]], NordPool],
) -> None:
    """Without an area the only one answered is used; a new day fetches again."""
    seed_states(hass, today)
    days = {today.date() + timedelta(days=n) for n in range(3)}
    stand_in = nordpool(days)
    data = await _site_flow(
        hass,
        "price_action",
        {
            CONF_PRICE_ACTION: f"nordpool:{NORDPOOL_ENTRY}",
            CONF_PRICE_CHANNEL: "general",
        },
    )
    assert CONF_PRICE_AREA not in data
    await _plan_with(hass, data)
    assert "areas" not in stand_in.calls[-1]
    stand_in.calls.clear()

    freezer.move_to(today + timedelta(days=1, minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    tomorrow = today.date() + timedelta(days=1)
    assert [call["date"] for call in stand_in.calls] == [
        tomorrow.isoformat(),
        (tomorrow + timedelta(days=1)).isoformat(),
    ]


async def test_stored_tariff_that_no_longer_parses(
    hass: HomeAssistant, today: datetime, chargers: None
) -> None:
    """A tariff that cannot be used: a flat-price plan, and it says why."""
    seed_states(hass, today)
    entry = site_entry(
        price_source="tariff",
        tariff={"default_price": None, "periods": [{"start": "25:00", "end": "01:00"}]},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    assert coordinator.data.inputs.price_error is not None
    assert hass.states.get("sensor.home_status").state == "no_prices"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"{ENTRY_ID}_price_unavailable")
