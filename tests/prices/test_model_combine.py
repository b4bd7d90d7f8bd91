"""The series model and the merge rules (ends, overlaps, repeats, local days)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from custom_components.opti_vgi.prices import (
    PriceError,
    PriceInterval,
    PriceSeries,
    merge_series,
    split_by_local_date,
)
from custom_components.opti_vgi.prices.combine import PricePoint, build_series
from custom_components.opti_vgi.prices.errors import PRICE_LIST_EMPTY

from .price_testing import STOCKHOLM, check_error, utc

NAIVE = datetime(2026, 1, 1, 1)  # noqa: DTZ001  (naive on purpose)


def interval(start: datetime, minutes: int, price: float) -> PriceInterval:
    return PriceInterval(
        start=start, end=start + timedelta(minutes=minutes), price=price
    )


def spans(series: PriceSeries) -> list[tuple[datetime, datetime, float]]:
    return [(item.start, item.end, item.price) for item in series.intervals]


def test_interval_is_stored_in_utc() -> None:
    local = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM)
    item = PriceInterval(start=local, end=local + timedelta(minutes=15), price=1.0)
    assert item.start == utc(2026, 10, 25, 0, 30)
    assert item.start.tzinfo is not None
    assert item.start.utcoffset() == timedelta(0)
    assert item.duration == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("start", "end", "price", "message"),
    [
        (NAIVE, utc(2026, 1, 1, 1), 1.0, "timezone-aware"),
        (utc(2026, 1, 1), NAIVE, 1.0, "timezone-aware"),
        (utc(2026, 1, 1, 1), utc(2026, 1, 1), 1.0, "end after"),
        (utc(2026, 1, 1), utc(2026, 1, 1), 1.0, "end after"),
        (utc(2026, 1, 1), utc(2026, 1, 1, 1), float("nan"), "finite"),
    ],
)
def test_interval_rejects_bad_values(
    start: datetime, end: datetime, price: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PriceInterval(start=start, end=end, price=price)


def test_series_rejects_unsorted_or_overlapping() -> None:
    first = interval(utc(2026, 1, 1, 0), 60, 1.0)
    second = interval(utc(2026, 1, 1, 0, 30), 60, 2.0)
    with pytest.raises(ValueError, match="sorted"):
        PriceSeries(intervals=(first, second), source="x")
    with pytest.raises(ValueError, match="sorted"):
        PriceSeries(
            intervals=(interval(utc(2026, 1, 1, 2), 60, 1.0), first), source="x"
        )


def test_series_helpers() -> None:
    series = PriceSeries(
        intervals=(
            interval(utc(2026, 1, 1, 0), 60, 1.0),
            interval(utc(2026, 1, 1, 1), 60, 2.0),
            interval(utc(2026, 1, 1, 3), 60, 3.0),
        ),
        source="x",
    )
    assert series.start == utc(2026, 1, 1, 0)
    assert series.end == utc(2026, 1, 1, 4)
    assert series.known_until == utc(2026, 1, 1, 4)
    assert series.covers(utc(2026, 1, 1, 0, 30), utc(2026, 1, 1, 2))
    assert not series.covers(utc(2026, 1, 1, 1), utc(2026, 1, 1, 3, 30))
    assert not series.covers(utc(2025, 12, 31, 23), utc(2026, 1, 1, 1))
    assert not series.covers(utc(2026, 1, 1, 3), utc(2026, 1, 1, 5))
    assert series.covers(utc(2026, 1, 1, 3), utc(2026, 1, 1, 3))
    assert series.price_at(utc(2026, 1, 1, 1, 59)) == 2.0
    assert series.price_at(utc(2026, 1, 1, 2)) is None
    assert series.price_at(utc(2026, 1, 1, 4)) is None
    # Local times are instants too.
    assert series.price_at(datetime(2026, 1, 1, 1, tzinfo=STOCKHOLM)) == 1.0
    with pytest.raises(ValueError, match="timezone-aware"):
        series.price_at(NAIVE)


def test_empty_series_helpers() -> None:
    series = PriceSeries(intervals=(), source="x")
    assert series.start is None
    assert series.end is None
    assert series.known_until is None
    assert not series.covers(utc(2026, 1, 1), utc(2026, 1, 1, 1))


def test_known_until_skips_estimates() -> None:
    series = PriceSeries(
        intervals=(
            interval(utc(2026, 1, 1, 0), 60, 1.0),
            PriceInterval(
                start=utc(2026, 1, 1, 1),
                end=utc(2026, 1, 1, 2),
                price=2.0,
                estimated=True,
            ),
        ),
        source="x",
    )
    assert series.known_until == utc(2026, 1, 1, 1)
    only_estimates = PriceSeries(intervals=series.intervals[1:], source="x")
    assert only_estimates.known_until is None


def test_ends_follow_the_spacing_for_mixed_resolutions() -> None:
    base = utc(2026, 1, 1)
    minutes = [0, 5, 10, 15, 30, 60, 120]  # 5, 5, 5, 15, 30, 60, then the last
    points = [
        PricePoint(base + timedelta(minutes=m), None, float(k))
        for k, m in enumerate(minutes)
    ]
    series = build_series(points, source="x")
    lengths = [item.duration for item in series.intervals]
    assert lengths == [timedelta(minutes=m) for m in (5, 5, 5, 15, 30, 60, 60)]


def test_after_a_long_gap_the_length_is_the_spacing_before() -> None:
    base = utc(2026, 1, 1)
    points = [
        PricePoint(base, None, 1.0),
        PricePoint(base + timedelta(minutes=15), None, 2.0),
        PricePoint(base + timedelta(hours=5), None, 3.0),
    ]
    series = build_series(points, source="x")
    assert spans(series) == [
        (base, base + timedelta(minutes=15), 1.0),
        (base + timedelta(minutes=15), base + timedelta(minutes=30), 2.0),
        # Its predecessor is 4h45 away: fall back to the common spacing.
        (base + timedelta(hours=5), base + timedelta(hours=5, minutes=15), 3.0),
    ]


def test_repeated_entries_keep_the_first() -> None:
    base = utc(2026, 1, 1)
    points = [
        PricePoint(base, None, 1.0),
        PricePoint(base + timedelta(hours=1), None, 2.0),
        PricePoint(base, None, 9.0),
        PricePoint(base + timedelta(hours=1), None, 9.0),
    ]
    series = build_series(points, source="x")
    assert [item.price for item in series.intervals] == [1.0, 2.0]


def test_partial_overlap_keeps_the_earlier_listed_price() -> None:
    base = utc(2026, 1, 1)
    points = [
        PricePoint(base + timedelta(minutes=15), base + timedelta(minutes=30), 1.0),
        PricePoint(base, base + timedelta(hours=1), 2.0),
    ]
    series = build_series(points, source="x")
    assert spans(series) == [
        (base, base + timedelta(minutes=15), 2.0),
        (base + timedelta(minutes=15), base + timedelta(minutes=30), 1.0),
        (base + timedelta(minutes=30), base + timedelta(hours=1), 2.0),
    ]


def test_later_interval_inside_an_earlier_one_is_dropped() -> None:
    base = utc(2026, 1, 1)
    points = [
        PricePoint(base, base + timedelta(hours=2), 1.0),
        PricePoint(base + timedelta(minutes=30), base + timedelta(minutes=45), 5.0),
        PricePoint(base + timedelta(hours=1), base + timedelta(hours=3), 7.0),
    ]
    series = build_series(points, source="x")
    assert spans(series) == [
        (base, base + timedelta(hours=2), 1.0),
        (base + timedelta(hours=2), base + timedelta(hours=3), 7.0),
    ]


def test_nothing_left_is_an_empty_list_error() -> None:
    with pytest.raises(PriceError) as info:
        build_series([], source="nordpool")
    assert check_error(info, PRICE_LIST_EMPTY).placeholders == {"source": "nordpool"}


def test_merge_series_prefers_the_first_and_keeps_currency() -> None:
    base = utc(2026, 1, 1)
    today = PriceSeries(
        intervals=(
            interval(base, 60, 1.0),
            interval(base + timedelta(hours=1), 60, 2.0),
        ),
        source="nordpool",
    )
    tomorrow = PriceSeries(
        intervals=(
            interval(base + timedelta(hours=1), 60, 8.0),
            interval(base + timedelta(hours=2), 60, 3.0),
        ),
        source="nordpool",
        currency="SEK",
    )
    merged = merge_series([today, tomorrow])
    assert [item.price for item in merged.intervals] == [1.0, 2.0, 3.0]
    assert merged.currency == "SEK"
    assert merged.source == "nordpool"
    assert merge_series([today], source="other").source == "other"
    with pytest.raises(PriceError) as info:
        merge_series([])
    check_error(info, PRICE_LIST_EMPTY)


def test_split_by_local_date_on_a_dst_day() -> None:
    # Stockholm 2026-03-29: 23 hours, from 23:00 UTC the day before.
    start = utc(2026, 3, 28, 23)
    series = PriceSeries(
        intervals=tuple(interval(start + timedelta(hours=h), 60, h) for h in range(25)),
        source="x",
    )
    days = split_by_local_date(series, STOCKHOLM)
    assert [(day.isoformat(), len(part)) for day, part in days.items()] == [
        ("2026-03-29", 23),
        ("2026-03-30", 2),
    ]
