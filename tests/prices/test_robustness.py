"""Random and malformed input never escapes as anything but PriceError.

The HA layer catches ``PriceError`` to show a translated message; any other
exception from a user's odd template would surface as "unexpected error" in a
coordinator. Hypothesis feeds junk shaped like the real formats (known
attribute and entry names, plausible and absurd times and numbers, naive and
aware datetimes, unsorted lists) to every entry point.
"""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
import math
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.opti_vgi.prices import (
    ACTION_SOURCES,
    SOURCES_BY_KEY,
    PriceError,
    PriceSeries,
    Tariff,
    TouPeriod,
    detect,
    parse_attributes,
    resample,
    tariff_from_dict,
    tariff_series,
)
from custom_components.opti_vgi.prices.actions import parse_response
from custom_components.opti_vgi.prices.combine import PricePoint, build_series
from custom_components.opti_vgi.prices.units import parse_unit

from .price_testing import AMSTERDAM, FIXTURES, LONDON, STOCKHOLM, SYDNEY, load

FAST = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ZONES: list[tzinfo] = [
    UTC,
    STOCKHOLM,
    LONDON,
    SYDNEY,
    AMSTERDAM,
    timezone(timedelta(hours=-11)),
]
LIST_NAMES = [
    "raw_today",
    "raw_tomorrow",
    "prices_today",
    "prices_tomorrow",
    "prices",
    "data",
    "forecast",
    "forecasts",
    "rates",
    "today_interval_prices",
    "tomorrow_interval_prices",
    "today_hourly_prices",
    "tomorrow_hourly_prices",
]
META_NAMES = [
    "unit",
    "price_in_cents",
    "use_cent",
    "currency",
    "tariff_code",
    "channel_type",
    "unit_of_measurement",
    "friendly_name",
]
ENTRY_KEYS = [
    "start",
    "end",
    "value",
    "price",
    "time",
    "hour",
    "start_time",
    "end_time",
    "datetime",
    "timestamp",
    "from",
    "till",
    "per_kwh",
    "duration",
    "value_inc_vat",
    "electricity_price",
    "price_tax_included",
    "start_date",
    "end_date",
    "price_ct_per_kwh",
]

aware_times = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001  (hypothesis bounds are naive)
    max_value=datetime(2027, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from(ZONES),
)
any_times = st.datetimes(timezones=st.none() | st.sampled_from(ZONES))
time_texts = st.one_of(
    aware_times.map(str),
    aware_times.map(datetime.isoformat),
    st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001
        max_value=datetime(2027, 1, 1),  # noqa: DTZ001
    ).map(datetime.isoformat),
    st.sampled_from(["", "now", "25:00", "2026-13-01", "9999-12-31T23:59:59+14:00"]),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers().map(lambda n: 10**400 * (1 if n >= 0 else -1)),
    st.floats(min_value=-2, max_value=2).map(str),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.text(max_size=12),
    aware_times,
    any_times,
    st.dates(),
    st.times(),
    time_texts,
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=6) | st.sampled_from(ENTRY_KEYS), inner, max_size=4
        )
    ),
    max_leaves=8,
)
entries = st.dictionaries(
    st.sampled_from(ENTRY_KEYS),
    st.one_of(time_texts, aware_times, numbers, st.none(), junk),
    max_size=6,
)
entry_lists = st.one_of(
    st.lists(entries, max_size=8),
    st.lists(junk, max_size=4),
    st.dictionaries(time_texts, numbers, max_size=4),
    junk,
)
attribute_dicts = st.dictionaries(
    st.sampled_from(LIST_NAMES + META_NAMES) | st.text(max_size=8) | time_texts,
    st.one_of(entry_lists, junk, st.sampled_from(["EUR/kWh", "öre/kWh", "kWh", "MWh"])),
    max_size=6,
)
units = (
    st.none()
    | st.sampled_from(["EUR/kWh", "SEK/MWh", "c/kWh", "EUR/Wh", "x/m³"])
    | st.text(max_size=8)
)


def check_series(series: PriceSeries) -> None:
    """The invariants every successful parse must keep."""
    assert series.intervals
    for interval in series.intervals:
        assert interval.start.utcoffset() == timedelta(0)
        assert interval.end > interval.start
        assert math.isfinite(interval.price)
    for before, after in zip(series.intervals, series.intervals[1:], strict=False):
        assert before.end <= after.start


@FAST
@given(attributes=attribute_dicts, unit=units, tz=st.sampled_from(ZONES))
def test_parse_attributes_raises_only_price_error(
    attributes: dict[str, Any], unit: str | None, tz: tzinfo
) -> None:
    try:
        series = parse_attributes(attributes, unit=unit, tz=tz)
    except PriceError:
        return
    check_series(series)


@FAST
@given(
    attributes=attribute_dicts,
    key=st.sampled_from(sorted(SOURCES_BY_KEY)),
    tz=st.sampled_from(ZONES),
)
def test_every_forced_source_raises_only_price_error(
    attributes: dict[str, Any], key: str, tz: tzinfo
) -> None:
    source = SOURCES_BY_KEY[key]
    assert isinstance(source.matches(attributes), bool)
    try:
        series = parse_attributes(attributes, tz=tz, source=key)
    except PriceError:
        return
    check_series(series)


ATTRIBUTE_FIXTURES = sorted(
    path.name
    for path in FIXTURES.glob("*.json")
    if "_get_" not in path.name  # action answers are fuzzed below
)
MUTATIONS = ["value", "drop_key", "shuffle", "attribute", "naive", "swap_lists"]


@cache
def small_fixture(name: str) -> dict[str, Any]:
    """A fixture with its lists cut to 12 entries (keeps the fuzzing fast)."""
    attributes: dict[str, Any] = load(name)
    return {
        key: value[:12] if isinstance(value, list) else value
        for key, value in attributes.items()
    }


def mutate(data: st.DataObject, attributes: dict[str, Any]) -> None:
    """One random change that keeps the rest of a real format intact."""
    lists = [k for k, v in attributes.items() if isinstance(v, list) and v]
    kind = data.draw(st.sampled_from(MUTATIONS))
    if kind == "attribute" or not lists:
        key = data.draw(st.sampled_from(sorted(attributes) + META_NAMES))
        attributes[key] = data.draw(junk)
        return
    entries = attributes[data.draw(st.sampled_from(lists))]
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    entry = entries[index]
    if kind == "shuffle":
        entries[:] = data.draw(st.permutations(entries))
    elif kind == "swap_lists":
        attributes[data.draw(st.sampled_from(LIST_NAMES))] = entries
    elif not isinstance(entry, dict) or not entry:
        entries[index] = data.draw(junk)
    elif kind == "value":
        entry[data.draw(st.sampled_from(sorted(entry)))] = data.draw(scalars)
    elif kind == "drop_key":
        del entry[data.draw(st.sampled_from(sorted(entry)))]
    else:  # naive: a local wall-clock time without offset, or a naive datetime
        key = data.draw(st.sampled_from(sorted(entry)))
        entry[key] = data.draw(
            st.datetimes(
                min_value=datetime(2026, 3, 28),  # noqa: DTZ001
                max_value=datetime(2026, 3, 30),  # noqa: DTZ001
            )
            | st.sampled_from(["2026-03-29 02:30:00", "2026-10-25T02:30"])
        )


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=st.data(),
    name=st.sampled_from(ATTRIBUTE_FIXTURES),
    changes=st.integers(min_value=1, max_value=3),
    tz=st.sampled_from(ZONES),
)
def test_mutated_real_formats_raise_only_price_error(
    data: st.DataObject, name: str, changes: int, tz: tzinfo
) -> None:
    attributes = copy.deepcopy(small_fixture(name))
    for _ in range(changes):
        mutate(data, attributes)
    try:
        series = parse_attributes(attributes, tz=tz)
    except PriceError:
        return
    check_series(series)


@FAST
@given(attributes=junk)
def test_detect_raises_only_price_error(attributes: Any) -> None:
    with contextlib.suppress(PriceError):
        detect(attributes)


@FAST
@given(
    response=st.one_of(
        junk,
        st.dictionaries(
            st.sampled_from(["SE3", "SE4", "prices", "forecasts"]), entry_lists
        ),
        st.fixed_dictionaries(
            {"prices": st.dictionaries(st.text(max_size=4) | st.none(), entry_lists)}
        ),
    ),
    key=st.sampled_from(sorted(ACTION_SOURCES)),
    select=st.none() | st.sampled_from(["SE3", "Home", ""]),
    tz=st.sampled_from(ZONES),
)
def test_parse_response_raises_only_price_error(
    response: Any, key: str, select: str | None, tz: tzinfo
) -> None:
    try:
        series = parse_response(key, response, tz=tz, select=select)
    except PriceError:
        return
    check_series(series)


@FAST
@given(unit=junk)
def test_parse_unit_raises_only_price_error(unit: Any) -> None:
    try:
        parsed = parse_unit(unit)
    except PriceError:
        return
    assert parsed.factor > 0


@FAST
@given(data=junk | st.fixed_dictionaries({"periods": st.lists(junk, max_size=3)}))
def test_tariff_from_dict_raises_only_price_error(data: Any) -> None:
    with contextlib.suppress(PriceError):
        tariff_from_dict(data)


points = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=48 * 12),  # start, in 5-minute units
        st.none() | st.integers(min_value=1, max_value=24),  # length in 5 minutes
        st.floats(min_value=-5, max_value=5),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


@FAST
@given(
    raw=points,
    step=st.sampled_from([5, 15, 30, 60]),
    offset=st.integers(min_value=-72, max_value=72 * 12),
    steps=st.integers(min_value=1, max_value=60),
    tz=st.sampled_from(ZONES),
)
def test_resample_stays_within_the_price_range(
    raw: list[tuple[int, int | None, float, bool]],
    step: int,
    offset: int,
    steps: int,
    tz: tzinfo,
) -> None:
    base = datetime(2026, 3, 28, 20, tzinfo=UTC)
    five = timedelta(minutes=5)
    series = build_series(
        [
            PricePoint(
                base + start * five,
                None if length is None else base + (start + length) * five,
                price,
                estimated,
            )
            for start, length, price, estimated in raw
        ],
        source="test",
    )
    check_series(series)
    result = resample(
        series, start=base + offset * five, step_minutes=step, steps=steps, tz=tz
    )
    low = min(interval.price for interval in series.intervals)
    high = max(interval.price for interval in series.intervals)
    assert len(result.prices) == len(result.known) == steps
    assert all(low - 1e-9 <= price <= high + 1e-9 for price in result.prices)
    assert result.estimated == (not all(result.known))
    for index, known in enumerate(result.known):
        step_start = result.start + index * timedelta(minutes=step)
        if known:
            assert series.covers(step_start, step_start + timedelta(minutes=step))


periods = st.builds(
    TouPeriod,
    start=st.times(),
    end=st.times(),
    price=st.floats(min_value=-1, max_value=1),
    weekdays=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
)


@FAST
@given(
    chosen=st.lists(periods, max_size=4),
    default=st.none() | st.floats(min_value=0, max_value=1),
    start_at=st.tuples(
        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), st.times()
    ),
    hours=st.integers(min_value=1, max_value=72),
    tz=st.sampled_from(ZONES),
)
def test_valid_tariffs_cover_every_moment(
    chosen: list[TouPeriod],
    default: float | None,
    start_at: tuple[date, time],
    hours: int,
    tz: tzinfo,
) -> None:
    try:
        tariff = Tariff(periods=tuple(chosen), default_price=default)
    except PriceError:
        return
    start = datetime.combine(*start_at, tzinfo=tz).astimezone(UTC)
    end = start + timedelta(hours=hours)
    series = tariff_series(tariff, start, end, tz)
    check_series(series)
    assert series.start == start
    assert series.end == end
    assert series.covers(start, end)
