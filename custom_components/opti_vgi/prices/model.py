"""Normalised price data: intervals with a price per kWh, in UTC.

Why UTC: Python compares and subtracts two datetimes that share a ``tzinfo``
object by wall-clock time, ignoring the offset. On the autumn DST day 02:30
CEST and 02:30 CET then compare equal and "02:00 + 15 min" is computed on the
wall clock. Keeping every stored instant in UTC makes sorting, overlap checks
and durations exact; the local time zone is only used where a *day* matters
(splitting today/tomorrow, tariffs, the estimate by wall-clock time).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import math

from .errors import PriceError

__all__ = ["PriceError", "PriceInterval", "PriceSeries"]


def _require_aware(name: str, moment: datetime) -> None:
    """Reject naive datetimes: a price without an instant cannot be placed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceInterval:
    """One price for ``[start, end)``, in the main currency unit per kWh.

    ``start``/``end`` are converted to UTC on construction (see module docstring).
    ``estimated`` marks prices that are a forecast rather than a published price
    (Energi Data Service's Carnot forecast); the resampler reports steps that use
    them as not known.
    """

    start: datetime
    end: datetime
    price: float
    estimated: bool = False

    def __post_init__(self) -> None:
        """Normalise to UTC and reject empty intervals and non-finite prices."""
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError("an interval must end after it starts")
        if not math.isfinite(self.price):
            raise ValueError("a price must be a finite number")

    @property
    def duration(self) -> timedelta:
        """Length of the interval."""
        return self.end - self.start


@dataclass(frozen=True, kw_only=True)
class PriceSeries:
    """Prices from one source, sorted by start and never overlapping.

    Gaps are allowed (a missing hour stays missing; the resampler fills it with
    a documented estimate). ``source`` is the parser key that produced the
    series; ``currency`` is what the source revealed (an ISO code such as
    ``"SEK"``), or ``None`` when it does not say.
    """

    intervals: tuple[PriceInterval, ...]
    source: str
    currency: str | None = None

    def __post_init__(self) -> None:
        """Check the ordering invariant every consumer relies on."""
        for before, after in zip(self.intervals, self.intervals[1:], strict=False):
            if after.start < before.end:
                raise ValueError("price intervals must be sorted and not overlap")

    def __len__(self) -> int:
        """Number of intervals."""
        return len(self.intervals)

    @property
    def start(self) -> datetime | None:
        """Start of the first interval, ``None`` for an empty series."""
        return self.intervals[0].start if self.intervals else None

    @property
    def end(self) -> datetime | None:
        """End of the last interval, ``None`` for an empty series."""
        return self.intervals[-1].end if self.intervals else None

    @property
    def known_until(self) -> datetime | None:
        """End of the last published (not estimated) price, if any."""
        for interval in reversed(self.intervals):
            if not interval.estimated:
                return interval.end
        return None

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether every moment of ``[start, end)`` has a price (estimates count)."""
        _require_aware("start", start)
        _require_aware("end", end)
        cursor = start.astimezone(UTC)
        stop = end.astimezone(UTC)
        for interval in self.intervals[self._first_index_at_or_after(cursor) :]:
            if cursor >= stop:
                break
            if interval.start > cursor:
                return False
            cursor = max(cursor, interval.end)
        return cursor >= stop

    def price_at(self, moment: datetime) -> float | None:
        """Price in force at ``moment``, ``None`` where the series has none."""
        _require_aware("moment", moment)
        when = moment.astimezone(UTC)
        index = self._first_index_at_or_after(when)
        if index < len(self.intervals):
            interval = self.intervals[index]
            if interval.start <= when < interval.end:
                return interval.price
        return None

    def _first_index_at_or_after(self, moment: datetime) -> int:
        """Index of the first interval that ends after ``moment``."""
        ends = [interval.end for interval in self.intervals]
        return bisect_right(ends, moment)
