"""Resampling to the planning step, and the estimate beyond known prices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from custom_components.opti_vgi.optimizer.model import ALLOWED_STEP_MINUTES
from custom_components.opti_vgi.prices import (
    SUPPORTED_STEP_MINUTES,
    PriceError,
    PriceInterval,
    PriceSeries,
    parse_attributes,
    resample,
)
from custom_components.opti_vgi.prices.errors import PRICE_LIST_EMPTY

from .price_testing import COPENHAGEN, STOCKHOLM, check_error, load, utc, with_datetimes


def series_of(
    start: datetime, minutes: Sequence[int], values: Sequence[float | None]
) -> PriceSeries:
    """Consecutive intervals of the given lengths; ``None`` leaves a gap."""
    intervals = []
    cursor = start
    for length, value in zip(minutes, values, strict=True):
        end = cursor + timedelta(minutes=length)
        if value is not None:
            intervals.append(PriceInterval(start=cursor, end=end, price=value))
        cursor = end
    return PriceSeries(intervals=tuple(intervals), source="test")


def local_day(day: datetime, values: Sequence[float | None]) -> PriceSeries:
    """Hourly prices for one Stockholm day, one per real hour from local 00:00."""
    return series_of(day.astimezone(STOCKHOLM), [60] * len(values), values)


def test_steps_match_the_optimizer() -> None:
    assert SUPPORTED_STEP_MINUTES == ALLOWED_STEP_MINUTES


def test_quarter_hour_steps_take_the_hours_price() -> None:
    series = series_of(utc(2026, 1, 15), [60] * 4, [1.0, 2.0, 3.0, 4.0])
    result = resample(series, start=utc(2026, 1, 15), step_minutes=15, steps=16)
    assert result.prices == pytest.approx([1.0] * 4 + [2.0] * 4 + [3.0] * 4 + [4.0] * 4)
    assert result.known == (True,) * 16
    assert not result.estimated
    assert result.known_until == utc(2026, 1, 15, 4)
    assert result.known_steps == 16
    assert result.steps == 16
    assert result.end == utc(2026, 1, 15, 4)


def test_hourly_steps_average_quarter_hours() -> None:
    series = series_of(utc(2026, 1, 15), [15] * 8, [1, 2, 3, 4, 5, 6, 7, 8])
    result = resample(series, start=utc(2026, 1, 15), step_minutes=60, steps=2)
    assert result.prices == pytest.approx([2.5, 6.5])
    assert result.known == (True, True)


def test_mixed_5_15_30_60_minute_intervals_are_time_weighted() -> None:
    series = series_of(
        utc(2026, 1, 15), [5, 5, 5, 15, 30, 60], [12.0, 6.0, 0.0, 4.0, 2.0, 1.0]
    )
    # [00:00, 00:30): (12*5 + 6*5 + 0*5 + 4*15) / 30 = 150 / 30 = 5.
    half_hours = resample(series, start=utc(2026, 1, 15), step_minutes=30, steps=4)
    assert half_hours.prices == pytest.approx([5.0, 2.0, 1.0, 1.0])
    # [00:00, 01:00): (150 + 2*30) / 60 = 3.5.
    hours = resample(series, start=utc(2026, 1, 15), step_minutes=60, steps=2)
    assert hours.prices == pytest.approx([3.5, 1.0])
    fives = resample(series, start=utc(2026, 1, 15, 0, 10), step_minutes=5, steps=3)
    assert fives.prices == pytest.approx([0.0, 4.0, 4.0])
    assert all(hours.known + half_hours.known + fives.known)


def test_unaligned_start() -> None:
    series = series_of(utc(2026, 1, 15), [60, 60], [1.0, 3.0])
    result = resample(series, start=utc(2026, 1, 15, 0, 30), step_minutes=60, steps=1)
    assert result.prices == pytest.approx([2.0])


def test_estimate_beyond_the_last_day_repeats_its_hours() -> None:
    day = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    series = local_day(day, [float(h) for h in range(24)])
    start = datetime(2026, 1, 15, 22, tzinfo=STOCKHOLM)
    result = resample(series, start=start, step_minutes=60, steps=6)
    # 22, 23 are published; 00..03 tomorrow copy 00..03 of the last day.
    assert result.prices == pytest.approx([22.0, 23.0, 0.0, 1.0, 2.0, 3.0])
    assert result.known == (True, True, False, False, False, False)
    assert result.estimated
    assert result.known_steps == 2
    assert result.known_until == utc(2026, 1, 15, 23)


def test_step_half_known_half_estimated() -> None:
    day = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    series = local_day(day, [float(h) for h in range(24)])
    start = datetime(2026, 1, 15, 23, 30, tzinfo=STOCKHOLM)
    result = resample(series, start=start, step_minutes=60, steps=1)
    # Half of 23 (known) and half of 00:00-00:30 of the last day (0).
    assert result.prices == pytest.approx([11.5])
    assert result.known == (False,)


def test_partial_last_day_falls_back_to_the_last_price() -> None:
    day = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    series = local_day(day, [float(h) for h in range(13)])  # 00:00-13:00 only
    start = datetime(2026, 1, 15, 12, tzinfo=STOCKHOLM)
    result = resample(series, start=start, step_minutes=60, steps=4)
    assert result.prices == pytest.approx([12.0, 12.0, 12.0, 12.0])
    assert result.known == (True, False, False, False)


def test_gap_in_the_middle() -> None:
    day = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    series = local_day(day, [10.0, 20.0, None, 40.0])
    result = resample(series, start=day, step_minutes=60, steps=4)
    # The gap maps onto itself on the last known day, so the last price fills it.
    assert result.prices == pytest.approx([10.0, 20.0, 40.0, 40.0])
    assert result.known == (True, True, False, True)
    assert result.known_steps == 2


def test_gap_inside_a_step_is_estimated_and_weighted() -> None:
    day = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    series = series_of(day, [15] * 4, [4.0, None, 8.0, 12.0])
    result = resample(series, start=day, step_minutes=60, steps=1)
    # The missing quarter gets the last price (12): (4 + 12 + 8 + 12) / 4.
    assert result.prices == pytest.approx([9.0])
    assert result.known == (False,)


def test_before_the_first_price_uses_the_last_day_too() -> None:
    day = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    series = local_day(day, [float(h) for h in range(24)])
    result = resample(
        series,
        start=datetime(2026, 1, 14, 23, tzinfo=STOCKHOLM),
        step_minutes=60,
        steps=2,
    )
    assert result.prices == pytest.approx([23.0, 0.0])
    assert result.known == (False, True)


def test_hourly_steps_over_the_spring_dst_day() -> None:
    attributes = with_datetimes(
        load("nordpool_custom_se3_spring_dst.json"), "nordpool_custom"
    )
    series = parse_attributes(attributes, tz=STOCKHOLM)
    result = resample(
        series, start=datetime(2026, 3, 29, tzinfo=STOCKHOLM), step_minutes=60, steps=23
    )
    # Quarter k costs 0.5 + 0.01k; hour h averages quarters 4h..4h+3.
    assert result.prices == pytest.approx(
        [0.5 + 0.01 * (4 * h + 1.5) for h in range(23)]
    )
    assert all(result.known)
    assert result.start == utc(2026, 3, 28, 23)
    assert result.start.utcoffset() == timedelta(0)
    assert result.end == utc(2026, 3, 29, 22)


def test_estimate_over_the_spring_dst_day_follows_the_wall_clock() -> None:
    saturday = datetime(2026, 3, 28, tzinfo=STOCKHOLM)
    series = local_day(saturday, [float(h) for h in range(24)])
    result = resample(
        series, start=datetime(2026, 3, 29, tzinfo=STOCKHOLM), step_minutes=60, steps=23
    )
    # Local 02:00 does not exist on Sunday: 00, 01, then 03..23.
    assert result.prices == pytest.approx([0.0, 1.0] + [float(h) for h in range(3, 24)])
    assert not any(result.known)


def test_estimate_over_the_autumn_dst_day_follows_the_wall_clock() -> None:
    saturday = datetime(2026, 10, 24, tzinfo=STOCKHOLM)
    series = local_day(saturday, [float(h) for h in range(24)])
    result = resample(
        series,
        start=datetime(2026, 10, 25, tzinfo=STOCKHOLM),
        step_minutes=60,
        steps=25,
    )
    # Local 02:00 happens twice on Sunday.
    assert result.prices == pytest.approx(
        [0.0, 1.0, 2.0, 2.0] + [float(h) for h in range(3, 24)]
    )


def test_forecast_intervals_are_used_but_not_known() -> None:
    attributes = with_datetimes(
        load("energidataservice_dk1_hourly_forecast.json"), "energidataservice"
    )
    series = parse_attributes(attributes, tz=COPENHAGEN)
    start = datetime(2026, 1, 15, 22, tzinfo=COPENHAGEN)
    result = resample(series, start=start, step_minutes=60, steps=4)
    # 22:00 and 23:00 published (1.0 + 0.05h); then forecast entries 12 and 13.
    assert result.prices == pytest.approx([2.1, 2.15, 2.12, 2.13])
    assert result.known == (True, True, False, False)
    assert result.known_until == utc(2026, 1, 15, 23)


def test_local_time_zone_can_be_given() -> None:
    day = datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    series = local_day(day, [float(h) for h in range(24)])
    # Start in UTC, estimate by Stockholm wall clock: 2026-01-16 00:00 local.
    result = resample(
        series, start=utc(2026, 1, 15, 23), step_minutes=60, steps=1, tz=STOCKHOLM
    )
    assert result.prices == pytest.approx([0.0])


def test_errors() -> None:
    empty = PriceSeries(intervals=(), source="nordpool")
    with pytest.raises(PriceError) as info:
        resample(empty, start=utc(2026, 1, 1), step_minutes=15, steps=4)
    check_error(info, PRICE_LIST_EMPTY)
    series = series_of(utc(2026, 1, 15), [60], [1.0])
    with pytest.raises(ValueError, match="timezone-aware"):
        resample(
            series,
            start=datetime(2026, 1, 15),  # noqa: DTZ001  (naive on purpose)
            step_minutes=15,
            steps=4,
        )
    with pytest.raises(ValueError, match="step must be"):
        resample(series, start=utc(2026, 1, 15), step_minutes=10, steps=4)
    with pytest.raises(ValueError, match="at least one step"):
        resample(series, start=utc(2026, 1, 15), step_minutes=15, steps=0)
