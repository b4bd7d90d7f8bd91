"""Each attribute parser against fixtures shaped as the source publishes them.

Expectations are written by hand: UTC start times worked out from the local
day (for example Stockholm 2026-03-29 00:00+01:00 = 2026-03-28 23:00 UTC, and
the day has 23 hours) and prices from the per-index formula the fixture was
written with, scaled by the unit by hand (öre / 100, EUR/MWh / 1000, ...).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from custom_components.opti_vgi.prices import (
    SOURCES_BY_KEY,
    PriceSeries,
    detect,
    parse_attributes,
    split_by_local_date,
)
from custom_components.opti_vgi.prices.errors import (
    PRICE_FORMAT_UNKNOWN,
    PRICE_ITEM_INVALID,
    PRICE_LIST_EMPTY,
    PRICE_TIME_INVALID,
    PRICE_UNIT_UNKNOWN,
    PRICE_VALUE_INVALID,
    PriceError,
)

from .price_testing import (
    AMSTERDAM,
    BERLIN,
    COPENHAGEN,
    HELSINKI,
    LONDON,
    STOCKHOLM,
    SYDNEY,
    approx_list,
    check_error,
    every,
    load,
    utc,
    with_datetimes,
)


def starts(series: PriceSeries) -> list[Any]:
    return [interval.start for interval in series.intervals]


def ends(series: PriceSeries) -> list[Any]:
    return [interval.end for interval in series.intervals]


def prices(series: PriceSeries) -> list[float]:
    return [interval.price for interval in series.intervals]


# --- HACS Nord Pool ---------------------------------------------------------


@pytest.mark.parametrize("as_datetimes", [True, False])
def test_nordpool_custom_spring_dst_day_has_92_quarter_hours(
    as_datetimes: bool,
) -> None:
    attributes = load("nordpool_custom_se3_spring_dst.json")
    if as_datetimes:
        attributes = with_datetimes(attributes, "nordpool_custom")
    series = parse_attributes(attributes, tz=STOCKHOLM)
    assert series.source == "nordpool_custom"
    assert series.currency == "SEK"
    assert len(series) == 92
    # 00:00+01:00 is 23:00 UTC the day before; the day ends at 00:00+02:00.
    assert starts(series) == every(utc(2026, 3, 28, 23), 15, 92)
    assert ends(series) == every(utc(2026, 3, 28, 23, 15), 15, 92)
    assert series.end == utc(2026, 3, 29, 22)
    assert prices(series) == approx_list(round(0.5 + 0.01 * k, 2) for k in range(92))
    # 01:45+01:00 is followed directly by 03:00+02:00.
    assert series.intervals[7].start == utc(2026, 3, 29, 0, 45)
    assert series.intervals[7].price == pytest.approx(0.57)
    assert series.intervals[8].start.astimezone(STOCKHOLM).hour == 3
    assert series.intervals[8].price == pytest.approx(0.58)
    assert series.intervals[-1].price == pytest.approx(1.41)


def test_nordpool_custom_autumn_dst_in_cents_with_tomorrow() -> None:
    attributes = with_datetimes(
        load("nordpool_custom_se3_autumn_dst_cents.json"), "nordpool_custom"
    )
    series = parse_attributes(attributes, tz=STOCKHOLM)
    # 100 quarter-hours on the 25-hour day, then 96 on the next day.
    assert len(series) == 196
    assert starts(series) == every(utc(2026, 10, 24, 22), 15, 196)
    assert series.end == utc(2026, 10, 26, 23)
    # price_in_cents wins over the unit of measurement "SEK/kWh": öre / 100.
    expected = [(50 + k) / 100 for k in range(100)] + [
        (200 + k) / 100 for k in range(96)
    ]
    assert prices(series) == approx_list(expected)
    # 02:00 CET (the repeated hour) is index 12, 01:00 UTC.
    assert series.intervals[12].start == utc(2026, 10, 25, 1)
    assert series.intervals[12].price == pytest.approx(0.62)
    days = split_by_local_date(series, STOCKHOLM)
    assert {day.isoformat(): len(part) for day, part in days.items()} == {
        "2026-10-25": 100,
        "2026-10-26": 96,
    }


def test_nordpool_custom_repeated_tomorrow_glitch_is_dropped_and_mwh_scaled() -> None:
    attributes = with_datetimes(
        load("nordpool_custom_fi_hourly_mwh_glitch.json"), "nordpool_custom"
    )
    series = parse_attributes(attributes, tz=HELSINKI)
    assert len(series) == 24
    assert starts(series) == every(utc(2026, 1, 14, 22), 60, 24)
    assert prices(series) == approx_list((40 + 2.5 * h) / 1000 for h in range(24))
    assert series.currency == "EUR"


def test_nordpool_custom_missing_values_are_gaps() -> None:
    attributes = with_datetimes(
        load("nordpool_custom_se3_spring_dst.json"), "nordpool_custom"
    )
    attributes["raw_today"][3]["value"] = None
    attributes["raw_today"][4]["value"] = float("inf")
    attributes["raw_today"][5]["value"] = float("nan")
    series = parse_attributes(attributes, tz=STOCKHOLM)
    assert len(series) == 89
    assert not series.covers(utc(2026, 3, 28, 23, 45), utc(2026, 3, 29, 0, 30))
    assert series.price_at(utc(2026, 3, 29, 0, 0)) is None
    assert series.price_at(utc(2026, 3, 29, 0, 30)) == pytest.approx(0.56)


def test_nordpool_custom_without_lists_yet_says_empty() -> None:
    attributes = {
        "raw_today": [],
        "raw_tomorrow": [],
        "price_in_cents": False,
        "unit": "kWh",
        "currency": "SEK",
    }
    assert detect(attributes).key == "nordpool_custom"
    with pytest.raises(PriceError) as info:
        parse_attributes(attributes, unit="SEK/kWh", tz=STOCKHOLM)
    assert check_error(info, PRICE_LIST_EMPTY).placeholders == {
        "source": "nordpool_custom"
    }


def test_nordpool_custom_wh_unit_attribute() -> None:
    attributes = {
        "raw_today": [
            {
                "start": "2026-01-15T00:00:00+01:00",
                "end": "2026-01-15T01:00:00+01:00",
                "value": 0.0002,
            }
        ],
        "raw_tomorrow": None,
        "unit": "Wh",
        "price_in_cents": False,
    }
    series = parse_attributes(attributes, tz=STOCKHOLM)
    assert prices(series) == approx_list([0.2])


def test_nordpool_custom_unknown_unit_attribute() -> None:
    attributes = {
        "raw_today": [
            {
                "start": "2026-01-15T00:00:00+01:00",
                "end": "2026-01-15T01:00:00+01:00",
                "value": 1,
            }
        ],
        "unit": "m³",
    }
    with pytest.raises(PriceError) as info:
        parse_attributes(attributes, tz=STOCKHOLM)
    assert check_error(info, PRICE_UNIT_UNKNOWN).placeholders == {"unit": "m³"}


# --- ENTSO-e ---------------------------------------------------------------


def test_entsoe_hourly_today_and_tomorrow() -> None:
    attributes = load("entsoe_nl_hourly.json")
    assert detect(attributes).key == "entsoe"
    series = parse_attributes(attributes, tz=AMSTERDAM)
    assert series.source == "entsoe"
    assert starts(series) == every(utc(2026, 1, 14, 23), 60, 48)
    assert ends(series)[-1] == utc(2026, 1, 16, 23)
    expected = [0.2 + 0.001 * h for h in range(24)] + [
        0.3 + 0.001 * h for h in range(24)
    ]
    assert prices(series) == approx_list(expected)


def test_entsoe_15min_per_mwh_autumn_with_yesterday_from_prices() -> None:
    series = parse_attributes(load("entsoe_de_15min_mwh_autumn.json"), tz=BERLIN)
    # Yesterday (96, from the "prices" list) + the 25-hour day (100).
    assert len(series) == 196
    assert starts(series) == every(utc(2026, 10, 23, 22), 15, 196)
    assert series.end == utc(2026, 10, 25, 23)
    expected = [(80 + 0.5 * k) / 1000 for k in range(96)]
    expected += [(90 + 0.25 * k) / 1000 for k in range(100)]
    assert prices(series) == approx_list(expected)


# --- Energi Data Service ---------------------------------------------------


@pytest.mark.parametrize("as_datetimes", [True, False])
def test_energidataservice_none_tomorrow_and_forecast_as_estimates(
    as_datetimes: bool,
) -> None:
    attributes = load("energidataservice_dk1_hourly_forecast.json")
    if as_datetimes:
        attributes = with_datetimes(attributes, "energidataservice")
    series = parse_attributes(attributes, tz=COPENHAGEN)
    assert series.source == "energidataservice"
    assert series.currency == "DKK"
    # 24 published hours, then the forecast from 00:00 tomorrow (its first 12
    # hours overlap today's published prices and are dropped).
    assert len(series) == 72
    assert starts(series) == every(utc(2026, 1, 14, 23), 60, 72)
    expected = [1.0 + 0.05 * h for h in range(24)] + [
        2.0 + 0.01 * i for i in range(12, 60)
    ]
    assert prices(series) == approx_list(expected)
    assert [interval.estimated for interval in series.intervals] == [False] * 24 + [
        True
    ] * 48
    assert series.known_until == utc(2026, 1, 15, 23)
    assert series.end == utc(2026, 1, 17, 23)


def test_energidataservice_15min_in_ore_with_use_cent() -> None:
    attributes = with_datetimes(
        load("energidataservice_dk2_15min_cent.json"), "energidataservice"
    )
    series = parse_attributes(attributes, tz=COPENHAGEN)
    assert starts(series) == every(utc(2026, 1, 14, 23), 15, 192)
    expected = [(100 + k) / 100 for k in range(96)] + [
        (300 + k) / 100 for k in range(96)
    ]
    assert prices(series) == approx_list(expected)


def test_energidataservice_use_cent_false_overrides_a_cent_unit() -> None:
    attributes = {
        "raw_today": [{"hour": "2026-01-15T00:00:00+01:00", "price": 1.25}],
        "raw_tomorrow": None,
        "use_cent": False,
        "unit": "kWh",
    }
    series = parse_attributes(attributes, unit="øre/kWh", tz=COPENHAGEN)
    assert prices(series) == approx_list([1.25])
    # A single start-only entry is taken to last an hour.
    assert series.end == utc(2026, 1, 15, 0)


def test_energidataservice_empty_lists_detected_by_use_cent() -> None:
    attributes = {"raw_today": None, "raw_tomorrow": None, "use_cent": False}
    assert detect(attributes).key == "energidataservice"
    with pytest.raises(PriceError) as info:
        parse_attributes(attributes, tz=COPENHAGEN)
    check_error(info, PRICE_LIST_EMPTY)


# --- GE-Spot -------------------------------------------------------------------


@pytest.mark.parametrize("as_datetimes", [True, False])
def test_gespot_15min_cents(as_datetimes: bool) -> None:
    attributes = load("gespot_de_15min_cents.json")
    if as_datetimes:
        attributes = with_datetimes(attributes, "gespot")
    assert detect(attributes).key == "gespot"
    series = parse_attributes(attributes, tz=BERLIN)
    assert starts(series) == every(utc(2026, 1, 14, 23), 15, 192)
    expected = [(20 + 0.1 * k) / 100 for k in range(96)] + [
        (30 + 0.1 * k) / 100 for k in range(96)
    ]
    assert prices(series) == approx_list(expected)


def test_gespot_falls_back_to_hourly_lists() -> None:
    attributes = {
        "today_interval_prices": [],
        "today_hourly_prices": [
            {"time": "2026-01-15T00:00:00+01:00", "value": 0.1},
            {"time": "2026-01-15T01:00:00+01:00", "value": 0.2},
        ],
        "tomorrow_hourly_prices": None,
        "currency": "EUR",
    }
    series = parse_attributes(attributes, unit="EUR/kWh", tz=BERLIN)
    assert starts(series) == [utc(2026, 1, 14, 23), utc(2026, 1, 15, 0)]
    assert series.end == utc(2026, 1, 15, 1)
    assert series.currency == "EUR"


# --- Octopus Energy --------------------------------------------------------


@pytest.mark.parametrize("as_datetimes", [True, False])
def test_octopus_current_day_rates(as_datetimes: bool) -> None:
    attributes = load("octopus_current_day_rates.json")
    if as_datetimes:
        attributes = with_datetimes(attributes, "octopus")
    assert detect(attributes).key == "octopus"
    series = parse_attributes(attributes, tz=LONDON)
    assert series.currency == "GBP"
    assert starts(series) == every(utc(2026, 1, 15), 30, 48)
    assert prices(series) == approx_list(0.15 + 0.005 * k for k in range(48))


def test_octopus_spring_dst_day_has_46_half_hours() -> None:
    attributes = with_datetimes(
        load("octopus_next_day_rates_spring_dst.json"), "octopus"
    )
    series = parse_attributes(attributes, tz=LONDON)
    assert len(series) == 46
    assert starts(series) == every(utc(2026, 3, 29), 30, 46)
    assert series.end == utc(2026, 3, 29, 23)
    assert prices(series) == approx_list(0.10 + 0.005 * k for k in range(46))


def test_octopus_without_rates_yet() -> None:
    attributes = {"rates": [], "tariff_code": "E-1R-AGILE", "mpan": "1"}
    assert detect(attributes).key == "octopus"
    with pytest.raises(PriceError) as info:
        parse_attributes(attributes, tz=LONDON)
    check_error(info, PRICE_LIST_EMPTY)


# --- Amber -------------------------------------------------------------------


def test_amber_mixed_5_and_30_minute_forecasts() -> None:
    attributes = load("amber_general_forecast.json")
    assert detect(attributes).key == "amber"
    series = parse_attributes(attributes, tz=SYDNEY)
    assert series.currency == "AUD"
    # Starts are hh:mm:01 in the data; the intervals start on the minute.
    expected_starts = every(utc(2026, 1, 15, 1), 5, 12) + every(
        utc(2026, 1, 15, 2), 30, 6
    )
    assert starts(series) == expected_starts
    assert [
        end - start for start, end in zip(starts(series), ends(series), strict=True)
    ] == [timedelta(minutes=5)] * 12 + [timedelta(minutes=30)] * 6
    assert prices(series) == approx_list(0.2 + 0.01 * k for k in range(18))


def test_amber_without_duration_rounds_the_start_down() -> None:
    attributes = {
        "forecasts": [
            {"per_kwh": 0.3, "start_time": "2026-01-15T01:00:01+00:00"},
            {"per_kwh": 0.4, "start_time": "2026-01-15T01:05:01+00:00"},
        ],
        "channel_type": "general",
    }
    series = parse_attributes(attributes, tz=SYDNEY)
    assert starts(series) == [utc(2026, 1, 15, 1), utc(2026, 1, 15, 1, 5)]
    assert series.end == utc(2026, 1, 15, 1, 10)


def test_amber_entry_without_times_is_invalid() -> None:
    with pytest.raises(PriceError) as info:
        parse_attributes({"forecasts": [{"per_kwh": 0.3}]}, tz=SYDNEY)
    check_error(info, PRICE_ITEM_INVALID)


def test_amber_entry_with_only_an_end_and_no_duration_is_invalid() -> None:
    entries = [{"per_kwh": 0.3, "end_time": "2026-01-15T01:05:00+00:00"}]
    with pytest.raises(PriceError) as info:
        parse_attributes({"forecasts": entries, "channel_type": "general"}, tz=SYDNEY)
    check_error(info, PRICE_ITEM_INVALID)


def test_amber_end_before_start_is_invalid() -> None:
    entries = [
        {
            "per_kwh": 0.3,
            "start_time": "2026-01-15T01:10:01+00:00",
            "end_time": "2026-01-15T01:05:00+00:00",
        }
    ]
    with pytest.raises(PriceError) as info:
        parse_attributes({"forecasts": entries}, tz=SYDNEY)
    check_error(info, PRICE_TIME_INVALID)


def test_amber_missing_price_is_skipped() -> None:
    entries = [
        {"per_kwh": None, "start_time": "2026-01-15T01:00:01+00:00", "duration": 5},
        {
            "per_kwh": 0.5,
            "start_time": "2026-01-15T01:05:01+00:00",
            "end_time": "2026-01-15T01:10:00+00:00",
            "duration": 5,
        },
    ]
    series = parse_attributes({"forecasts": entries}, tz=SYDNEY)
    assert starts(series) == [utc(2026, 1, 15, 1, 5)]


# --- Zonneplan --------------------------------------------------------------


def test_zonneplan_legacy_forecast_in_tenth_micro_euro() -> None:
    attributes = load("zonneplan_forecast_legacy.json")
    assert detect(attributes).key == "zonneplan"
    series = parse_attributes(attributes, tz=AMSTERDAM)
    assert series.currency == "EUR"
    assert starts(series) == every(utc(2026, 1, 14, 23), 60, 48)
    # 2_000_000 + 10_000 h units of 1e-7 EUR/kWh.
    assert prices(series) == approx_list(0.2 + 0.001 * h for h in range(48))


@pytest.mark.parametrize("as_datetimes", [True, False])
def test_zonneplan_chart_forecast(as_datetimes: bool) -> None:
    attributes = load("zonneplan_forecast_chart.json")
    if as_datetimes:
        attributes = with_datetimes(attributes, "zonneplan_chart")
    series = parse_attributes(attributes, tz=AMSTERDAM)
    assert starts(series) == every(utc(2026, 1, 14, 23), 60, 24)
    assert prices(series) == approx_list(0.25 + 0.0005 * h for h in range(24))


# --- Frank Energie ---------------------------------------------------------


@pytest.mark.parametrize("as_datetimes", [True, False])
def test_frank_energie_prices(as_datetimes: bool) -> None:
    attributes = load("frank_energie_prices.json")
    if as_datetimes:
        attributes = with_datetimes(attributes, "frank_energie")
    assert detect(attributes).key == "frank_energie"
    series = parse_attributes(attributes, tz=AMSTERDAM)
    assert series.currency == "EUR"
    assert starts(series) == every(utc(2026, 1, 14, 23), 60, 48)
    assert prices(series) == approx_list(0.25 + 0.002 * h for h in range(48))


# --- Generic -------------------------------------------------------------------


def test_generic_esc_format_in_ore_with_none_tomorrow() -> None:
    attributes = load("generic_esc_prices_today.json")
    assert detect(attributes).key == "generic"
    series = parse_attributes(attributes, tz=STOCKHOLM)
    assert starts(series) == every(utc(2026, 1, 14, 23), 60, 24)
    assert prices(series) == approx_list((120 + h) / 100 for h in range(24))
    assert series.currency is None


def test_generic_single_data_list_with_ends_in_cents() -> None:
    series = parse_attributes(load("generic_data_list_15min.json"), tz=BERLIN)
    assert starts(series) == every(utc(2026, 1, 14, 23), 15, 8)
    assert prices(series) == approx_list((25 + k) / 100 for k in range(8))


def test_generic_whole_attributes_as_timestamp_mapping() -> None:
    attributes = load("generic_timestamp_mapping.json")
    assert detect(attributes).key == "generic"
    series = parse_attributes(attributes, tz=BERLIN)
    assert starts(series) == every(utc(2026, 1, 14, 23), 60, 4)
    assert prices(series) == approx_list([0.3, 0.4, 0.5, 0.6])
    assert series.currency == "EUR"


def test_generic_prices_attribute_as_mapping_per_mwh() -> None:
    series = parse_attributes(load("generic_prices_mapping.json"), tz=BERLIN)
    assert prices(series) == approx_list([0.3, 0.31, 0.32, 0.33])


def test_generic_price_ct_per_kwh_key_means_cents() -> None:
    attributes = {
        "prices": [
            {"start_time": "2026-01-15T00:00:00+01:00", "price_ct_per_kwh": 31.5},
            {"start_time": "2026-01-15T01:00:00+01:00", "price_ct_per_kwh": 28.0},
        ]
    }
    series = parse_attributes(attributes, unit="EUR/kWh", tz=BERLIN)
    assert prices(series) == approx_list([0.315, 0.28])


def test_generic_naive_times_are_local_wall_clock() -> None:
    attributes = {
        "prices_today": [
            {"time": "2026-03-29 01:00:00", "price": 1.0},
            {"time": "2026-03-29 03:00:00", "price": 2.0},
        ]
    }
    series = parse_attributes(attributes, tz=STOCKHOLM)
    # 01:00 CET and 03:00 CEST are one real hour apart.
    assert starts(series) == [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)]
    assert ends(series) == [utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)]


def test_generic_unsorted_and_numeric_strings() -> None:
    attributes = {
        "data": [
            {"time": "2026-01-15T01:00:00+00:00", "price": "0.20"},
            {"time": "2026-01-15T00:00:00+00:00", "price": " 0.10 "},
        ]
    }
    series = parse_attributes(attributes, tz=BERLIN)
    assert starts(series) == [utc(2026, 1, 15, 0), utc(2026, 1, 15, 1)]
    assert prices(series) == approx_list([0.1, 0.2])


def test_generic_raw_lists_with_other_keys() -> None:
    attributes = {
        "raw_today": [{"start": "2026-01-15T00:00:00+00:00", "price": 0.1}],
        "raw_tomorrow": [{"start": "2026-01-16T00:00:00+00:00", "price": 0.2}],
    }
    assert detect(attributes).key == "generic"
    series = parse_attributes(attributes, tz=BERLIN)
    # Start-only entries a day apart: each lasts the default hour.
    assert ends(series) == [utc(2026, 1, 15, 1), utc(2026, 1, 16, 1)]


def test_source_can_be_forced() -> None:
    attributes = load("entsoe_nl_hourly.json")
    series = parse_attributes(attributes, tz=AMSTERDAM, source="generic")
    assert series.source == "generic"
    with pytest.raises(ValueError, match="unknown price source"):
        parse_attributes(attributes, tz=AMSTERDAM, source="nope")


# --- Errors -----------------------------------------------------------------------


def test_unknown_format_lists_what_was_found() -> None:
    attributes = {
        "friendly_name": "Price",
        "unit_of_measurement": "EUR/kWh",
        "current_price": 0.2,
        "levels": ["low"],
    }
    with pytest.raises(PriceError) as info:
        detect(attributes)
    error = check_error(info, PRICE_FORMAT_UNKNOWN)
    # What a user can read (not Python's type names such as "list" or "Wrapper").
    assert error.placeholders == {"found": "current_price: 0.2, levels: [1]"}


def test_unknown_format_with_no_attributes_and_not_a_mapping() -> None:
    with pytest.raises(PriceError) as info:
        parse_attributes({"friendly_name": "x"}, tz=BERLIN)
    assert check_error(info, PRICE_FORMAT_UNKNOWN).placeholders == {"found": "—"}
    with pytest.raises(PriceError) as info:
        parse_attributes(["not", "a", "dict"], tz=BERLIN)
    assert check_error(info, PRICE_FORMAT_UNKNOWN).placeholders == {"found": "[3]"}


def test_detect_on_something_that_is_not_a_mapping() -> None:
    with pytest.raises(PriceError) as info:
        detect("prices")
    assert check_error(info, PRICE_FORMAT_UNKNOWN).placeholders == {"found": '"prices"'}


def test_generic_mapping_skips_missing_prices() -> None:
    attributes = {
        "prices": {"2026-01-15T00:00:00+00:00": None, "2026-01-15T01:00:00+00:00": 2}
    }
    series = parse_attributes(attributes, tz=BERLIN)
    assert starts(series) == [utc(2026, 1, 15, 1)]


def test_unknown_format_found_is_shortened() -> None:
    attributes = {f"attribute_{index:02d}": index for index in range(30)}
    with pytest.raises(PriceError) as info:
        detect(attributes)
    found = check_error(info, PRICE_FORMAT_UNKNOWN).placeholders["found"]
    assert len(found) <= 120
    assert found.startswith("attribute_00: 0, attribute_01: 1")


def test_generic_forced_on_unrelated_attributes() -> None:
    with pytest.raises(PriceError) as info:
        parse_attributes({"level": "low"}, tz=BERLIN, source="generic")
    check_error(info, PRICE_FORMAT_UNKNOWN)


@pytest.mark.parametrize(
    ("attributes", "key"),
    [
        ({"prices_today": "[{'time': 1}]"}, PRICE_FORMAT_UNKNOWN),
        ({"prices_today": [1, 2]}, PRICE_ITEM_INVALID),
        ({"prices_today": [{"price": 1}]}, PRICE_ITEM_INVALID),
        ({"prices_today": [{"time": "yesterday", "price": 1}]}, PRICE_TIME_INVALID),
        (
            {"prices_today": [{"time": "1800-01-01T00:00:00", "price": 1}]},
            PRICE_TIME_INVALID,
        ),
        ({"prices_today": [{"time": 1_700_000_000, "price": 1}]}, PRICE_TIME_INVALID),
        (
            {"prices_today": [{"time": "2026-01-15T00:00", "price": "cheap"}]},
            PRICE_VALUE_INVALID,
        ),
        (
            {"prices_today": [{"time": "2026-01-15T00:00", "price": True}]},
            PRICE_VALUE_INVALID,
        ),
        (
            {"prices_today": [{"time": "2026-01-15T00:00", "price": [1]}]},
            PRICE_VALUE_INVALID,
        ),
        (
            {"prices_today": [{"time": "2026-01-15T00:00", "price": 10**400}]},
            PRICE_VALUE_INVALID,
        ),
        (
            {"prices_today": [{"time": "2026-01-15T00:00", "price": None}]},
            PRICE_LIST_EMPTY,
        ),
        ({"prices_today": [], "prices_tomorrow": None}, PRICE_LIST_EMPTY),
        (
            {
                "data": [
                    {"start": "2026-01-15T01:00", "end": "2026-01-15T00:00", "price": 1}
                ]
            },
            PRICE_TIME_INVALID,
        ),
        ({"prices": {"not a time": 1}}, PRICE_TIME_INVALID),
        ({"prices": {"2026-01-15T00:00": "x"}}, PRICE_VALUE_INVALID),
    ],
)
def test_malformed_generic_lists(attributes: dict[str, Any], key: str) -> None:
    with pytest.raises(PriceError) as info:
        parse_attributes(attributes, unit="EUR/MWh", tz=BERLIN)
    check_error(info, key)


def test_price_that_overflows_when_scaled_is_invalid() -> None:
    attributes = {"prices_today": [{"time": "2026-01-15T00:00", "price": 1e308}]}
    with pytest.raises(PriceError) as info:
        parse_attributes(attributes, unit="EUR/Wh", tz=BERLIN)
    check_error(info, PRICE_VALUE_INVALID)


def test_bad_unit_of_measurement_attribute() -> None:
    attributes = {"prices_today": [], "unit_of_measurement": 5}
    with pytest.raises(PriceError) as info:
        parse_attributes(attributes, tz=BERLIN)
    check_error(info, PRICE_UNIT_UNKNOWN)


def test_every_source_key_is_registered_once() -> None:
    assert list(SOURCES_BY_KEY) == [
        "nordpool_custom",
        "energidataservice",
        "gespot",
        "octopus",
        "amber",
        "zonneplan",
        "frank_energie",
        "entsoe",
        "generic",
    ]


def test_found_shows_values_not_type_names() -> None:
    """Mappings show their first keys, long text is cut, nothing is a dash."""
    attributes = {
        "info": {"a": 1, "b": 2, "c": 3, "d": 4},
        "note": "x" * 40,
        "flag": True,
        "empty": None,
    }
    with pytest.raises(PriceError) as info:
        detect(attributes)
    found = check_error(info, PRICE_FORMAT_UNKNOWN).placeholders["found"]
    assert "info: {a, b, c, …}" in found
    assert f'note: "{"x" * 24}…"' in found
    assert "flag: true" in found
    assert "empty: —" in found
