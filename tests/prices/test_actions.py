"""Action sources: the service data we send and the answers we read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from custom_components.opti_vgi.prices import (
    ACTION_SOURCES,
    ActionOptions,
    PriceError,
    ServiceRequest,
)
from custom_components.opti_vgi.prices.actions import parse_response
from custom_components.opti_vgi.prices.errors import (
    PRICE_AREA_UNKNOWN,
    PRICE_HOME_UNKNOWN,
    PRICE_ITEM_INVALID,
    PRICE_LIST_EMPTY,
    PRICE_RESPONSE_INVALID,
)

from .price_testing import (
    AMSTERDAM,
    OSLO,
    STOCKHOLM,
    SYDNEY,
    approx_list,
    check_error,
    every,
    load,
    utc,
)

TODAY = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
TOMORROW_END = datetime(2026, 1, 17, tzinfo=STOCKHOLM)


def test_registry_keys_and_services() -> None:
    assert {key: (s.domain, s.service) for key, s in ACTION_SOURCES.items()} == {
        "nordpool": ("nordpool", "get_prices_for_date"),
        "tibber": ("tibber", "get_prices"),
        "energyzero": ("energyzero", "get_energy_prices"),
        "easyenergy": ("easyenergy", "get_energy_usage_prices"),
        "easyenergy_return": ("easyenergy", "get_energy_return_prices"),
        "amberelectric": ("amberelectric", "get_forecasts"),
    }


# --- Nord Pool -----------------------------------------------------------------


def test_nordpool_one_call_per_local_date() -> None:
    options = ActionOptions(config_entry_id="entry1", select="SE3", currency="SEK")
    requests = ACTION_SOURCES["nordpool"].requests(
        options, start=TODAY + timedelta(hours=13), end=TOMORROW_END, tz=STOCKHOLM
    )
    assert requests == (
        ServiceRequest(
            domain="nordpool",
            service="get_prices_for_date",
            data={
                "config_entry": "entry1",
                "date": "2026-01-15",
                "areas": ["SE3"],
                "currency": "SEK",
            },
        ),
        ServiceRequest(
            domain="nordpool",
            service="get_prices_for_date",
            data={
                "config_entry": "entry1",
                "date": "2026-01-16",
                "areas": ["SE3"],
                "currency": "SEK",
            },
        ),
    )


def test_nordpool_without_area_or_currency_and_range_checks() -> None:
    source = ACTION_SOURCES["nordpool"]
    (request,) = source.requests(
        ActionOptions(config_entry_id="e"),
        start=TODAY,
        end=TODAY + timedelta(days=1),
        tz=STOCKHOLM,
    )
    assert request.data == {"config_entry": "e", "date": "2026-01-15"}
    with pytest.raises(ValueError, match="config entry"):
        source.requests(ActionOptions(), start=TODAY, end=TOMORROW_END, tz=STOCKHOLM)
    with pytest.raises(ValueError, match="after start"):
        source.requests(
            ActionOptions(config_entry_id="e"), start=TODAY, end=TODAY, tz=STOCKHOLM
        )
    with pytest.raises(ValueError, match="at most"):
        source.requests(
            ActionOptions(config_entry_id="e"),
            start=TODAY,
            end=TODAY + timedelta(days=30),
            tz=STOCKHOLM,
        )


def test_nordpool_answer_per_mwh_15_minutes() -> None:
    series = ACTION_SOURCES["nordpool"].parse_response(
        load("nordpool_get_prices_for_date_se3.json"), tz=STOCKHOLM
    )
    assert series.source == "nordpool"
    assert [i.start for i in series.intervals] == every(utc(2026, 1, 14, 23), 15, 96)
    assert [i.price for i in series.intervals] == approx_list(
        (250.73 + 1.5 * k) / 1000 for k in range(96)
    )
    assert series.intervals[0].price == pytest.approx(0.25073)


def test_nordpool_today_and_empty_tomorrow_merge() -> None:
    today = load("nordpool_get_prices_for_date_se3.json")
    empty = load("nordpool_get_prices_for_date_empty.json")
    series = ACTION_SOURCES["nordpool"].parse_responses(
        [today, empty], tz=STOCKHOLM, select="SE3"
    )
    assert len(series) == 96
    with pytest.raises(PriceError) as info:
        ACTION_SOURCES["nordpool"].parse_responses([empty, empty], tz=STOCKHOLM)
    assert check_error(info, PRICE_LIST_EMPTY).placeholders == {"source": "nordpool"}


def test_nordpool_parse_responses_passes_other_errors_on() -> None:
    with pytest.raises(PriceError) as info:
        ACTION_SOURCES["nordpool"].parse_responses(
            [load("nordpool_get_prices_for_date_empty.json"), "oops"], tz=STOCKHOLM
        )
    check_error(info, PRICE_RESPONSE_INVALID)


def test_nordpool_area_selection() -> None:
    answer = load("nordpool_get_prices_for_date_two_areas.json")
    source = ACTION_SOURCES["nordpool"]
    se4 = source.parse_response(answer, tz=STOCKHOLM, select="SE4")
    assert [i.price for i in se4.intervals] == approx_list([0.5, 0.501, 0.502, 0.503])
    with pytest.raises(PriceError) as info:
        source.parse_response(answer, tz=STOCKHOLM)
    assert check_error(info, PRICE_AREA_UNKNOWN).placeholders == {
        "area": "",
        "found": "SE3, SE4",
    }
    with pytest.raises(PriceError) as info:
        source.parse_response(answer, tz=STOCKHOLM, select="NO1")
    assert check_error(info, PRICE_AREA_UNKNOWN).placeholders == {
        "area": "NO1",
        "found": "SE3, SE4",
    }


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        (None, PRICE_RESPONSE_INVALID),
        ([], PRICE_RESPONSE_INVALID),
        ({}, PRICE_AREA_UNKNOWN),
        ({"SE3": "x"}, PRICE_RESPONSE_INVALID),
        ({"SE3": [{"start": "2026-01-15T00:00:00+00:00"}]}, PRICE_ITEM_INVALID),
        ({"SE3": []}, PRICE_LIST_EMPTY),
    ],
)
def test_nordpool_bad_answers(answer: Any, key: str) -> None:
    with pytest.raises(PriceError) as info:
        parse_response("nordpool", answer, tz=STOCKHOLM)
    check_error(info, key)


def test_parse_response_unknown_source() -> None:
    with pytest.raises(ValueError, match="unknown price action source"):
        parse_response("nope", {}, tz=STOCKHOLM)


# --- Tibber ------------------------------------------------------------------


def test_tibber_request_is_one_local_range() -> None:
    (request,) = ACTION_SOURCES["tibber"].requests(
        ActionOptions(), start=utc(2026, 1, 14, 23), end=utc(2026, 1, 16, 23), tz=OSLO
    )
    assert request == ServiceRequest(
        domain="tibber",
        service="get_prices",
        data={"start": "2026-01-15T00:00:00+01:00", "end": "2026-01-17T00:00:00+01:00"},
    )
    with pytest.raises(ValueError, match="after start"):
        ACTION_SOURCES["tibber"].requests(
            ActionOptions(), start=TODAY, end=TODAY, tz=OSLO
        )


def test_tibber_answer_15_minutes() -> None:
    series = ACTION_SOURCES["tibber"].parse_response(
        load("tibber_get_prices.json"), tz=OSLO
    )
    assert series.currency is None
    assert [i.start for i in series.intervals] == every(utc(2026, 1, 14, 23), 15, 96)
    assert series.end == utc(2026, 1, 15, 23)
    assert [i.price for i in series.intervals] == approx_list(
        1.0 + 0.01 * k for k in range(96)
    )


def test_tibber_home_selection_and_shape() -> None:
    answer: dict[str, Any] = {"prices": {"Home": [], "Cabin": []}}
    source = ACTION_SOURCES["tibber"]
    with pytest.raises(PriceError) as info:
        source.parse_response(answer, tz=OSLO, select="Flat")
    assert check_error(info, PRICE_HOME_UNKNOWN).placeholders == {
        "home": "Flat",
        "found": "Cabin, Home",
    }
    with pytest.raises(PriceError) as info:
        source.parse_response(answer, tz=OSLO, select="Cabin")
    check_error(info, PRICE_LIST_EMPTY)
    with pytest.raises(PriceError) as info:
        source.parse_response({"data": []}, tz=OSLO)
    assert check_error(info, PRICE_RESPONSE_INVALID).placeholders == {
        "source": "tibber",
        "found": "data",
    }
    with pytest.raises(PriceError) as info:
        source.parse_response({}, tz=OSLO)
    assert check_error(info, PRICE_RESPONSE_INVALID).placeholders["found"] == "—"


def test_tibber_home_named_none() -> None:
    # pyTibber's home name can be None; the key then is None, not a string.
    answer = {
        "prices": {None: [{"start_time": "2026-01-15T00:00:00.000+01:00", "price": 1}]}
    }
    series = ACTION_SOURCES["tibber"].parse_response(answer, tz=OSLO, select="None")
    assert len(series) == 1


# --- EnergyZero / EasyEnergy -------------------------------------------------


def test_energyzero_request() -> None:
    options = ActionOptions(config_entry_id="ez", incl_vat=False, quarter_hours=True)
    (request,) = ACTION_SOURCES["energyzero"].requests(
        options, start=utc(2026, 1, 14, 23), end=utc(2026, 1, 16, 23), tz=AMSTERDAM
    )
    assert request.data == {
        "config_entry": "ez",
        "start": "2026-01-15T00:00:00+01:00",
        "end": "2026-01-17T00:00:00+01:00",
        "incl_vat": False,
        "interval": "quarter",
    }
    with pytest.raises(ValueError, match="after start"):
        ACTION_SOURCES["energyzero"].requests(
            options, start=TODAY, end=TODAY, tz=AMSTERDAM
        )


@pytest.mark.parametrize(
    "fixture",
    [
        "energyzero_get_energy_prices.json",
        "energyzero_get_energy_prices_timestamp_only.json",
    ],
)
def test_energyzero_answers(fixture: str) -> None:
    series = ACTION_SOURCES["energyzero"].parse_response(load(fixture), tz=AMSTERDAM)
    assert series.currency == "EUR"
    assert [i.start for i in series.intervals] == every(utc(2026, 1, 14, 23), 60, 24)
    assert series.end == utc(2026, 1, 15, 23)
    assert [i.price for i in series.intervals] == approx_list(
        0.1 + 0.01 * h for h in range(24)
    )


def test_easyenergy_requests() -> None:
    options = ActionOptions(config_entry_id="ee", quarter_hours=True)
    start, end = utc(2026, 1, 14, 23), utc(2026, 1, 15, 23)
    (usage,) = ACTION_SOURCES["easyenergy"].requests(
        options, start=start, end=end, tz=AMSTERDAM
    )
    assert usage.service == "get_energy_usage_prices"
    assert usage.data == {
        "config_entry": "ee",
        "start": "2026-01-15T00:00:00+01:00",
        "end": "2026-01-16T00:00:00+01:00",
        "incl_vat": True,
        "granularity": "quarter",
    }
    (feed_in,) = ACTION_SOURCES["easyenergy_return"].requests(
        ActionOptions(config_entry_id="ee"), start=start, end=end, tz=AMSTERDAM
    )
    # The return-price schema has no incl_vat field and rejects extra keys.
    assert feed_in.data == {
        "config_entry": "ee",
        "start": "2026-01-15T00:00:00+01:00",
        "end": "2026-01-16T00:00:00+01:00",
    }


def test_easyenergy_answer() -> None:
    series = ACTION_SOURCES["easyenergy"].parse_response(
        load("easyenergy_get_energy_usage_prices.json"), tz=AMSTERDAM
    )
    assert [i.start for i in series.intervals] == every(utc(2026, 1, 14, 23), 60, 24)
    assert [i.price for i in series.intervals] == approx_list(
        0.2 + 0.005 * h for h in range(24)
    )


@pytest.mark.parametrize("answer", [{"prices": None}, {"data": []}, {"prices": "x"}])
def test_dutch_bad_answers(answer: Any) -> None:
    with pytest.raises(PriceError) as info:
        ACTION_SOURCES["easyenergy"].parse_response(answer, tz=AMSTERDAM)
    check_error(info, PRICE_RESPONSE_INVALID)


# --- Amber ---------------------------------------------------------------------


def test_amber_request() -> None:
    (request,) = ACTION_SOURCES["amberelectric"].requests(
        ActionOptions(config_entry_id="amber1", channel="feed_in"),
        start=TODAY,
        end=TOMORROW_END,
        tz=SYDNEY,
    )
    assert request == ServiceRequest(
        domain="amberelectric",
        service="get_forecasts",
        data={"config_entry_id": "amber1", "channel_type": "feed_in"},
    )
    with pytest.raises(ValueError, match="channel"):
        ACTION_SOURCES["amberelectric"].requests(
            ActionOptions(config_entry_id="a", channel="solar"),
            start=TODAY,
            end=TOMORROW_END,
            tz=SYDNEY,
        )


def test_amber_feed_in_answer() -> None:
    series = ACTION_SOURCES["amberelectric"].parse_response(
        load("amber_get_forecasts_feed_in.json"), tz=SYDNEY
    )
    assert series.currency == "AUD"
    assert [i.start for i in series.intervals] == every(
        utc(2026, 1, 15, 1), 5, 12
    ) + every(utc(2026, 1, 15, 2), 30, 6)
    assert [i.price for i in series.intervals] == approx_list(
        0.2 + 0.01 * k for k in range(18)
    )


def test_amber_answer_without_forecasts() -> None:
    with pytest.raises(PriceError) as info:
        ACTION_SOURCES["amberelectric"].parse_response({"forecasts": []}, tz=SYDNEY)
    assert check_error(info, PRICE_LIST_EMPTY).placeholders == {
        "source": "amberelectric"
    }
    with pytest.raises(PriceError) as info:
        ACTION_SOURCES["amberelectric"].parse_response({"forecasts": [1]}, tz=SYDNEY)
    check_error(info, PRICE_ITEM_INVALID)
