"""Prices per planning step: time-weighted, with a documented estimate for gaps.

Each step's price is the time-weighted average of every price interval inside
it, so no sub-interval's price is lost: a 15-minute step under an hourly price
takes the hour's price; an hourly step over four quarter-hours is their mean;
mixes of 5/15/30/60-minute intervals weigh each by its length.

**The estimate.** The optimizer needs a price for every step, also beyond the
last published price (a departure the day after tomorrow) and in gaps. Any part
of a step without a price gets the price at the *same local wall-clock time on
the last known day* (the local date of the last interval's start), averaged the
same way; where even that is missing (the last day is partial), the last known
price. Day-ahead prices repeat their daily shape far better than a flat
average does, and the rule is simple enough to explain in the UI. Steps that
use any estimate, or any interval marked ``estimated`` (a forecast), are
reported with ``known=False`` and the result has ``estimated=True``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final

from .errors import PRICE_LIST_EMPTY, PriceError
from .times import local_date, local_moment

if TYPE_CHECKING:
    from .model import PriceSeries

SUPPORTED_STEP_MINUTES: Final = (5, 15, 30, 60)
"""Planning steps the resampler accepts (the optimizer's allowed steps)."""

_US: Final = timedelta(microseconds=1)


@dataclass(frozen=True, kw_only=True)
class ResampledPrices:
    """One price per planning step, and which of them are published prices.

    ``known[i]`` is False when any part of step ``i`` uses the estimate or a
    forecast. ``known_until`` is the end of the last published (not estimated)
    price in the source series. ``start`` is in UTC: adding steps to a local
    datetime would be wall-clock arithmetic and go wrong on DST days.
    """

    start: datetime
    step_minutes: int
    prices: tuple[float, ...]
    known: tuple[bool, ...]
    estimated: bool
    known_until: datetime | None

    @property
    def steps(self) -> int:
        """Number of steps."""
        return len(self.prices)

    @property
    def end(self) -> datetime:
        """End of the last step."""
        return self.start + self.steps * timedelta(minutes=self.step_minutes)

    @property
    def known_steps(self) -> int:
        """How many steps from the start have published prices only."""
        count = 0
        for flag in self.known:
            if not flag:
                break
            count += 1
        return count


class _Timeline:
    """The series as integer microseconds, for exact overlap sums."""

    def __init__(self, series: PriceSeries) -> None:
        """Precompute starts, ends and prices."""
        self.starts = [_micros(interval.start) for interval in series.intervals]
        self.ends = [_micros(interval.end) for interval in series.intervals]
        self.prices = [interval.price for interval in series.intervals]
        self.estimated = [interval.estimated for interval in series.intervals]

    def overlap(
        self, begin: int, finish: int
    ) -> tuple[float, int, bool, list[tuple[int, int]]]:
        """Price-weighted sum and covered length in ``[begin, finish)``.

        Also whether a forecast interval was used, and the uncovered pieces.
        """
        weighted = 0.0
        covered = 0
        used_estimate = False
        holes: list[tuple[int, int]] = []
        cursor = begin
        for index in range(bisect_right(self.ends, begin), len(self.starts)):
            start, end = self.starts[index], self.ends[index]
            if start >= finish:
                break
            if start > cursor:
                holes.append((cursor, start))
            low, high = max(start, begin), min(end, finish)
            weighted += self.prices[index] * (high - low)
            covered += high - low
            used_estimate = used_estimate or self.estimated[index]
            cursor = high
        if cursor < finish:
            holes.append((cursor, finish))
        return weighted, covered, used_estimate, holes


def _micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _US


def _from_micros(value: int) -> datetime:
    """Inverse of :func:`_micros`."""
    return datetime(1970, 1, 1, tzinfo=UTC) + value * _US


class _Estimator:
    """The documented estimate for a piece of time without a price."""

    def __init__(self, series: PriceSeries, timeline: _Timeline, tz: tzinfo) -> None:
        """Remember the last known day and the last price."""
        self.timeline = timeline
        self.tz = tz
        last = series.intervals[-1]
        self.last_day = local_date(last.start, tz)
        self.last_price = last.price

    def price(self, begin: int, finish: int) -> float:
        """Average estimated price over ``[begin, finish)``."""
        moment = _from_micros(begin).astimezone(self.tz)
        mapped = _micros(local_moment(self.last_day, moment.time(), self.tz))
        length = finish - begin
        weighted, covered, _, _ = self.timeline.overlap(mapped, mapped + length)
        return (weighted + self.last_price * (length - covered)) / length


def resample(
    series: PriceSeries,
    *,
    start: datetime,
    step_minutes: int,
    steps: int,
    tz: tzinfo | None = None,
) -> ResampledPrices:
    """Prices for ``steps`` steps of ``step_minutes`` from ``start``.

    ``tz`` is the local time zone for the estimate (default: ``start``'s).
    Raises ``PriceError(price_list_empty)`` for an empty series (there is
    nothing to estimate from) and ``ValueError`` for a naive ``start`` or an
    unsupported step.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    if step_minutes not in SUPPORTED_STEP_MINUTES:
        raise ValueError(f"step must be one of {SUPPORTED_STEP_MINUTES} minutes")
    if steps < 1:
        raise ValueError("need at least one step")
    if not series.intervals:
        raise PriceError(PRICE_LIST_EMPTY, source=series.source)
    local_tz = tz if tz is not None else start.tzinfo
    timeline = _Timeline(series)
    estimator = _Estimator(series, timeline, local_tz)
    step = timedelta(minutes=step_minutes) // _US
    first = _micros(start)
    prices: list[float] = []
    known: list[bool] = []
    for index in range(steps):
        begin = first + index * step
        weighted, covered, used_estimate, holes = timeline.overlap(begin, begin + step)
        for hole_begin, hole_end in holes:
            weighted += estimator.price(hole_begin, hole_end) * (hole_end - hole_begin)
        prices.append(weighted / step)
        known.append(covered == step and not used_estimate)
    return ResampledPrices(
        start=start.astimezone(UTC),
        step_minutes=step_minutes,
        prices=tuple(prices),
        known=tuple(known),
        estimated=not all(known),
        known_until=series.known_until,
    )
