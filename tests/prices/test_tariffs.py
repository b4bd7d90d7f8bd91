"""Fixed and time-of-use tariffs, built in local time (DST days included)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest

from custom_components.opti_vgi.prices import (
    PriceError,
    PriceSeries,
    Tariff,
    TouPeriod,
    tariff_from_dict,
    tariff_series,
    tariff_to_dict,
)
from custom_components.opti_vgi.prices.errors import (
    PRICE_FORMAT_UNKNOWN,
    PRICE_VALUE_INVALID,
    TARIFF_GAP,
    TARIFF_OVERLAP,
    TARIFF_TIME_INVALID,
    TARIFF_WEEKDAYS_INVALID,
)

from .price_testing import STOCKHOLM, check_error, utc

WEEKDAYS = frozenset(range(5))
NIGHT = TouPeriod(start=time(22), end=time(6), price=0.1)


def spans(series: PriceSeries) -> list[tuple[datetime, datetime, float]]:
    return [(item.start, item.end, item.price) for item in series.intervals]


def test_fixed_price_is_split_at_local_midnight() -> None:
    series = tariff_series(
        Tariff.fixed(0.5), utc(2026, 1, 15), utc(2026, 1, 17), STOCKHOLM, currency="SEK"
    )
    assert series.source == "tariff"
    assert series.currency == "SEK"
    assert spans(series) == [
        (utc(2026, 1, 15), utc(2026, 1, 15, 23), 0.5),
        (utc(2026, 1, 15, 23), utc(2026, 1, 16, 23), 0.5),
        (utc(2026, 1, 16, 23), utc(2026, 1, 17), 0.5),
    ]


def test_night_tariff_on_the_spring_dst_day() -> None:
    tariff = Tariff(periods=(NIGHT,), default_price=0.3)
    series = tariff_series(
        tariff,
        datetime(2026, 3, 29, tzinfo=STOCKHOLM),
        datetime(2026, 3, 30, tzinfo=STOCKHOLM),
        STOCKHOLM,
    )
    # 00:00-06:00 local is only 5 hours on this day (02:00-03:00 is skipped).
    assert spans(series) == [
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 4), 0.1),
        (utc(2026, 3, 29, 4), utc(2026, 3, 29, 20), 0.3),
        (utc(2026, 3, 29, 20), utc(2026, 3, 29, 22), 0.1),
    ]


def test_night_tariff_on_the_autumn_dst_day() -> None:
    tariff = Tariff(periods=(NIGHT,), default_price=0.3)
    series = tariff_series(
        tariff,
        datetime(2026, 10, 25, tzinfo=STOCKHOLM),
        datetime(2026, 10, 26, tzinfo=STOCKHOLM),
        STOCKHOLM,
    )
    # 00:00-06:00 local lasts 7 hours (02:00-03:00 happens twice).
    assert spans(series) == [
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 5), 0.1),
        (utc(2026, 10, 25, 5), utc(2026, 10, 25, 21), 0.3),
        (utc(2026, 10, 25, 21), utc(2026, 10, 25, 23), 0.1),
    ]


def test_weekday_peak_and_friday_night_covering_saturday_morning() -> None:
    tariff = Tariff(
        periods=(
            TouPeriod(start=time(7), end=time(9), weekdays=WEEKDAYS, price=0.5),
            TouPeriod(start=time(22), end=time(6), weekdays=frozenset({4}), price=0.05),
        ),
        default_price=0.2,
    )
    # Friday 2026-01-16 00:00 to Sunday 2026-01-18 00:00, Stockholm (UTC+1).
    series = tariff_series(
        tariff,
        datetime(2026, 1, 16, tzinfo=STOCKHOLM),
        datetime(2026, 1, 18, tzinfo=STOCKHOLM),
        STOCKHOLM,
    )
    assert spans(series) == [
        (utc(2026, 1, 15, 23), utc(2026, 1, 16, 6), 0.2),
        (utc(2026, 1, 16, 6), utc(2026, 1, 16, 8), 0.5),
        (utc(2026, 1, 16, 8), utc(2026, 1, 16, 21), 0.2),
        (utc(2026, 1, 16, 21), utc(2026, 1, 17, 5), 0.05),
        (utc(2026, 1, 17, 5), utc(2026, 1, 17, 23), 0.2),
    ]


def test_period_with_equal_start_and_end_lasts_24_hours() -> None:
    weekend = TouPeriod(
        start=time(0), end=time(0), weekdays=frozenset({5, 6}), price=0.1
    )
    from_seven = TouPeriod(
        start=time(7), end=time(7), weekdays=frozenset({0}), price=0.9
    )
    tariff = Tariff(periods=(weekend, from_seven), default_price=0.3)
    assert weekend.length_seconds == 86_400
    series = tariff_series(
        tariff,
        datetime(2026, 1, 17, tzinfo=STOCKHOLM),  # Saturday
        datetime(2026, 1, 20, 12, tzinfo=STOCKHOLM),  # Tuesday noon
        STOCKHOLM,
    )
    assert spans(series) == [
        (utc(2026, 1, 16, 23), utc(2026, 1, 17, 23), 0.1),
        (utc(2026, 1, 17, 23), utc(2026, 1, 18, 23), 0.1),
        (utc(2026, 1, 18, 23), utc(2026, 1, 19, 6), 0.3),
        (utc(2026, 1, 19, 6), utc(2026, 1, 20, 6), 0.9),
        (utc(2026, 1, 20, 6), utc(2026, 1, 20, 11), 0.3),
    ]


def test_full_cover_without_default() -> None:
    tariff = Tariff(
        periods=(NIGHT, TouPeriod(start=time(6), end=time(22), price=0.3)),
    )
    series = tariff_series(
        tariff, utc(2026, 1, 15, 12), utc(2026, 1, 15, 23), STOCKHOLM
    )
    assert spans(series) == [
        (utc(2026, 1, 15, 12), utc(2026, 1, 15, 21), 0.3),
        (utc(2026, 1, 15, 21), utc(2026, 1, 15, 23), 0.1),
    ]


def test_series_needs_an_aware_non_empty_range() -> None:
    with pytest.raises(ValueError, match="start < end"):
        tariff_series(Tariff.fixed(1), utc(2026, 1, 2), utc(2026, 1, 1), STOCKHOLM)
    with pytest.raises(ValueError, match="start < end"):
        tariff_series(
            Tariff.fixed(1),
            datetime(2026, 1, 1),  # noqa: DTZ001  (naive on purpose)
            utc(2026, 1, 2),
            STOCKHOLM,
        )


def test_overlapping_periods_are_refused() -> None:
    with pytest.raises(PriceError) as info:
        Tariff(
            periods=(
                TouPeriod(start=time(7), end=time(9), weekdays=frozenset({0}), price=1),
                TouPeriod(
                    start=time(8), end=time(10), weekdays=frozenset({0, 1}), price=2
                ),
            ),
            default_price=0.2,
        )
    assert check_error(info, TARIFF_OVERLAP).placeholders == {
        "first": "mon 07:00-09:00",
        "second": "mon,tue 08:00-10:00",
    }


def test_overlap_across_the_end_of_the_week() -> None:
    with pytest.raises(PriceError) as info:
        Tariff(
            periods=(
                TouPeriod(
                    start=time(22), end=time(6), weekdays=frozenset({6}), price=1
                ),
                TouPeriod(start=time(5), end=time(7), weekdays=frozenset({0}), price=2),
            ),
            default_price=0.2,
        )
    check_error(info, TARIFF_OVERLAP)


@pytest.mark.parametrize(
    ("periods", "weekday", "clock"),
    [
        ((), "mon", "00:00"),
        ((TouPeriod(start=time(0), end=time(12), price=1),), "mon", "12:00"),
        (
            (TouPeriod(start=time(0), end=time(0), weekdays=WEEKDAYS, price=1),),
            "sat",
            "00:00",
        ),
        (
            (TouPeriod(start=time(6), end=time(0), price=1),),
            "mon",
            "00:00",
        ),
    ],
)
def test_gaps_without_default_are_refused(
    periods: tuple[TouPeriod, ...], weekday: str, clock: str
) -> None:
    with pytest.raises(PriceError) as info:
        Tariff(periods=periods)
    assert check_error(info, TARIFF_GAP).placeholders == {
        "weekday": weekday,
        "time": clock,
    }


@pytest.mark.parametrize("weekdays", [frozenset(), frozenset({7}), frozenset({-1})])
def test_bad_weekdays(weekdays: frozenset[int]) -> None:
    with pytest.raises(PriceError) as info:
        TouPeriod(start=time(1), end=time(2), weekdays=weekdays, price=1)
    check_error(info, TARIFF_WEEKDAYS_INVALID)


def test_bad_prices() -> None:
    with pytest.raises(PriceError) as info:
        TouPeriod(start=time(1), end=time(2), price=float("nan"))
    check_error(info, PRICE_VALUE_INVALID)
    with pytest.raises(PriceError) as info:
        Tariff.fixed(float("inf"))
    check_error(info, PRICE_VALUE_INVALID)


def test_dict_round_trip() -> None:
    tariff = Tariff(
        periods=(
            TouPeriod(start=time(22), end=time(6, 30), weekdays=WEEKDAYS, price=0.1),
        ),
        default_price=0.3,
    )
    stored = tariff_to_dict(tariff)
    assert stored == {
        "default_price": 0.3,
        "periods": [
            {
                "start": "22:00:00",
                "end": "06:30:00",
                "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                "price": 0.1,
            }
        ],
    }
    assert tariff_from_dict(stored) == tariff


def test_from_dict_accepts_flow_input_variants() -> None:
    tariff = tariff_from_dict(
        {
            "periods": [
                {
                    "start": "22:00",
                    "end": "06:00",
                    "weekdays": ["Monday", "tue", 4],
                    "price": "0.1",
                },
                {"start": time(6), "end": "22:00", "price": 0.3},
            ],
            "default_price": "0.25",
        }
    )
    assert tariff.default_price == 0.25
    assert tariff.periods[0].weekdays == frozenset({0, 1, 4})
    assert tariff.periods[0].price == 0.1
    assert tariff.periods[1].weekdays == frozenset(range(7))
    assert tariff_from_dict({"default_price": 1}) == Tariff.fixed(1)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ("fixed", PRICE_FORMAT_UNKNOWN),
        ({"periods": "22-06"}, PRICE_FORMAT_UNKNOWN),
        ({"periods": [5]}, PRICE_FORMAT_UNKNOWN),
        (
            {"periods": [{"start": "25:00", "end": "06:00", "price": 1}]},
            TARIFF_TIME_INVALID,
        ),
        ({"periods": [{"start": 22, "end": "06:00", "price": 1}]}, TARIFF_TIME_INVALID),
        (
            {
                "periods": [
                    {"start": "22:00", "end": "06:00", "weekdays": "mon", "price": 1}
                ]
            },
            TARIFF_WEEKDAYS_INVALID,
        ),
        (
            {
                "periods": [
                    {"start": "22:00", "end": "06:00", "weekdays": [], "price": 1}
                ]
            },
            TARIFF_WEEKDAYS_INVALID,
        ),
        (
            {
                "periods": [
                    {"start": "22:00", "end": "06:00", "weekdays": ["xyz"], "price": 1}
                ]
            },
            TARIFF_WEEKDAYS_INVALID,
        ),
        (
            {
                "periods": [
                    {"start": "22:00", "end": "06:00", "weekdays": [True], "price": 1}
                ]
            },
            TARIFF_WEEKDAYS_INVALID,
        ),
        (
            {
                "periods": [
                    {"start": "22:00", "end": "06:00", "weekdays": [7], "price": 1}
                ]
            },
            TARIFF_WEEKDAYS_INVALID,
        ),
        ({"periods": [{"start": "22:00", "end": "06:00"}]}, PRICE_VALUE_INVALID),
        ({"default_price": "cheap"}, PRICE_VALUE_INVALID),
        ({"default_price": None}, TARIFF_GAP),
    ],
)
def test_from_dict_errors(data: Any, key: str) -> None:
    with pytest.raises(PriceError) as info:
        tariff_from_dict(data)
    check_error(info, key)
