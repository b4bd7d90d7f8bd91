"""Fixed prices and time-of-use tariffs entered in the config flow.

A tariff is a default price plus periods by time of day and weekday. Rules:

* Times are local wall-clock times; the series is built day by day in the
  entry's time zone, so on DST days a 00:00-06:00 period lasts 5 or 7 hours,
  exactly as the meter sees it.
* A period whose end is earlier than its start wraps past midnight; its
  ``weekdays`` are the days it *starts* on (a Friday 22:00-06:00 period covers
  Saturday 00:00-06:00).
* ``end == start`` (including 00:00-00:00) means 24 hours from ``start``.
* Periods must not overlap (the flow should tell the user instead of guessing
  which one wins). Without a default price they must cover the whole week.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Final

from .combine import PricePoint, build_series
from .errors import (
    PRICE_FORMAT_UNKNOWN,
    PRICE_VALUE_INVALID,
    TARIFF_GAP,
    TARIFF_OVERLAP,
    TARIFF_TIME_INVALID,
    TARIFF_WEEKDAYS_INVALID,
    PriceError,
    shape,
)
from .model import PriceInterval, PriceSeries
from .reading import parse_number
from .times import local_date, local_moment

WEEKDAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_WEEK: Final = frozenset(range(7))
SECONDS_PER_DAY: Final = 86_400
SECONDS_PER_WEEK: Final = 7 * SECONDS_PER_DAY
TARIFF_SOURCE: Final = "tariff"


def _seconds(moment: time) -> int:
    """Seconds since midnight (sub-second parts are ignored)."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _finite_price(value: object) -> float:
    """A finite price, or ``price_value_invalid``."""
    number = parse_number(value)
    if number is None:
        raise PriceError(PRICE_VALUE_INVALID, value=value)
    return number


@dataclass(frozen=True, kw_only=True)
class TouPeriod:
    """``price`` from ``start`` to ``end`` (local time) on ``weekdays`` (0 = Monday)."""

    start: time
    end: time
    price: float
    weekdays: frozenset[int] = ALL_WEEK

    def __post_init__(self) -> None:
        """Reject unusable weekdays and prices as translated errors."""
        if not self.weekdays or not self.weekdays <= ALL_WEEK:
            raise PriceError(TARIFF_WEEKDAYS_INVALID, value=sorted(self.weekdays))
        object.__setattr__(self, "price", _finite_price(self.price))

    @property
    def length_seconds(self) -> int:
        """Nominal length (wall clock); 24 h when ``end == start``."""
        length = (_seconds(self.end) - _seconds(self.start)) % SECONDS_PER_DAY
        return length or SECONDS_PER_DAY

    def week_spans(self) -> list[tuple[int, int]]:
        """The period as ``[from, to)`` seconds of the week, split at week end."""
        spans: list[tuple[int, int]] = []
        for day in sorted(self.weekdays):
            begin = day * SECONDS_PER_DAY + _seconds(self.start)
            finish = begin + self.length_seconds
            if finish <= SECONDS_PER_WEEK:
                spans.append((begin, finish))
            else:
                spans += [(begin, SECONDS_PER_WEEK), (0, finish - SECONDS_PER_WEEK)]
        return spans

    def describe(self) -> str:
        """Short text for error placeholders, e.g. ``mon,tue 22:00-06:00``."""
        days = ",".join(WEEKDAY_NAMES[day] for day in sorted(self.weekdays))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


def _week_moment(second: int) -> tuple[str, str]:
    """Weekday name and HH:MM of a second of the week."""
    day, rest = divmod(second, SECONDS_PER_DAY)
    return WEEKDAY_NAMES[day], f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"


@dataclass(frozen=True, kw_only=True)
class Tariff:
    """Time-of-use periods over a default price (``periods=()`` is a fixed price)."""

    periods: tuple[TouPeriod, ...] = ()
    default_price: float | None = None

    def __post_init__(self) -> None:
        """Reject overlapping periods and, without a default, uncovered times."""
        if self.default_price is not None:
            object.__setattr__(self, "default_price", _finite_price(self.default_price))
        spans = sorted(
            (begin, finish, index)
            for index, period in enumerate(self.periods)
            for begin, finish in period.week_spans()
        )
        covered_to = 0
        covering = 0
        for begin, finish, index in spans:
            if begin < covered_to:
                raise PriceError(
                    TARIFF_OVERLAP,
                    first=self.periods[covering].describe(),
                    second=self.periods[index].describe(),
                )
            if self.default_price is None and begin > covered_to:
                self._gap(covered_to)
            covered_to, covering = finish, index
        if self.default_price is None and covered_to < SECONDS_PER_WEEK:
            self._gap(covered_to)

    @staticmethod
    def _gap(second: int) -> None:
        """Raise ``tariff_gap`` for the first uncovered second."""
        weekday, clock = _week_moment(second)
        raise PriceError(TARIFF_GAP, weekday=weekday, time=clock)

    @classmethod
    def fixed(cls, price: float) -> Tariff:
        """One price at all times."""
        return cls(default_price=price)


def tariff_series(
    tariff: Tariff,
    start: datetime,
    end: datetime,
    tz: tzinfo,
    *,
    currency: str | None = None,
) -> PriceSeries:
    """The tariff's prices over ``[start, end)``, built in local time.

    Periods come first; the default price fills what they leave, split at local
    midnight so that a fixed price looks like any other daily list.
    """
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValueError("need timezone-aware start < end")
    first_day = local_date(start, tz) - timedelta(days=1)
    day_count = (local_date(end, tz) - first_day).days + 1
    points: list[PricePoint] = []
    for offset in range(day_count):
        day = first_day + timedelta(days=offset)
        for period in tariff.periods:
            if day.weekday() not in period.weekdays:
                continue
            end_day = (
                day
                if _seconds(period.end) > _seconds(period.start)
                else (day + timedelta(days=1))
            )
            points.append(
                PricePoint(
                    local_moment(day, period.start, tz),
                    local_moment(end_day, period.end, tz),
                    period.price,
                )
            )
        if tariff.default_price is not None:
            points.append(
                PricePoint(
                    local_moment(day, time(), tz),
                    local_moment(day + timedelta(days=1), time(), tz),
                    tariff.default_price,
                )
            )
    series = build_series(points, source=TARIFF_SOURCE, currency=currency)
    clipped = tuple(
        PriceInterval(
            start=max(interval.start, start),
            end=min(interval.end, end),
            price=interval.price,
        )
        for interval in series.intervals
        if interval.end > start and interval.start < end
    )
    return PriceSeries(intervals=clipped, source=TARIFF_SOURCE, currency=currency)


def _parse_clock(value: object) -> time:
    """``"HH:MM"``/``"HH:MM:SS"`` or a ``time``; else ``tariff_time_invalid``."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip()).replace(tzinfo=None)
        except ValueError:
            pass
    raise PriceError(TARIFF_TIME_INVALID, value=value)


def _parse_weekdays(value: object) -> frozenset[int]:
    """Weekday names (``mon``...) or numbers (0 = Monday); ``None`` = every day."""
    if value is None:
        return ALL_WEEK
    if not isinstance(value, list | tuple | set | frozenset) or not value:
        raise PriceError(TARIFF_WEEKDAYS_INVALID, value=value)
    days: set[int] = set()
    for item in value:
        if isinstance(item, str) and item.strip().lower()[:3] in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(item.strip().lower()[:3]))
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:  # noqa: PLR2004
            days.add(item)
        else:
            raise PriceError(TARIFF_WEEKDAYS_INVALID, value=value)
    return frozenset(days)


def tariff_from_dict(data: object) -> Tariff:
    """A tariff from its stored form (see :func:`tariff_to_dict`).

    Raises ``PriceError`` with a tariff key, so the flow can show the error on
    the form.
    """
    if not isinstance(data, Mapping):
        raise PriceError(PRICE_FORMAT_UNKNOWN, found=shape(data))
    raw_periods = data.get("periods") or []
    if not isinstance(raw_periods, Sequence) or isinstance(raw_periods, str):
        raise PriceError(PRICE_FORMAT_UNKNOWN, found=f"periods: {shape(raw_periods)}")
    periods: list[TouPeriod] = []
    for raw in raw_periods:
        if not isinstance(raw, Mapping):
            raise PriceError(PRICE_FORMAT_UNKNOWN, found=shape(raw))
        periods.append(
            TouPeriod(
                start=_parse_clock(raw.get("start")),
                end=_parse_clock(raw.get("end")),
                weekdays=_parse_weekdays(raw.get("weekdays")),
                price=_finite_price(raw.get("price")),
            )
        )
    default = data.get("default_price")
    return Tariff(
        periods=tuple(periods),
        default_price=None if default is None else _finite_price(default),
    )


def tariff_to_dict(tariff: Tariff) -> dict[str, object]:
    """A JSON-ready form of ``tariff`` for config entry options."""
    return {
        "default_price": tariff.default_price,
        "periods": [
            {
                "start": f"{period.start:%H:%M:%S}",
                "end": f"{period.end:%H:%M:%S}",
                "weekdays": [WEEKDAY_NAMES[day] for day in sorted(period.weekdays)],
                "price": period.price,
            }
            for period in tariff.periods
        ],
    }
