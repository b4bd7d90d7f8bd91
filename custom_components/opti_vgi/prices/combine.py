"""Turning listed prices into a clean series: ends, duplicates, overlaps, days.

Rules, in the order they are applied (all documented for users in the package
docstring):

1. **Missing ends are inferred from the spacing.** A start-only entry ends where
   the next (distinct) start is, when that is at most
   :data:`MAX_INFERRED_LENGTH` (60 min) later. This handles 5/15/30/60-minute
   lists and mixes of them (as ENTSO-e publishes when an area changes
   resolution). A start-only list cannot tell a missing quarter-hour from an
   hourly entry; we read the spacing as the entry's length. After a longer
   gap, and for the last entry, the length is the spacing before it, else the
   most common spacing, else 60 min.
2. **Overlaps: the earlier-listed price wins.** Entries are taken in the order
   the source means them (today, then tomorrow, then forecasts); a later entry
   only fills the parts of its interval that nothing listed before covers. So a
   repeated entry (same start, same length) is dropped whole: the known HACS
   Nord Pool glitch where ``raw_tomorrow`` repeats today's entries (nordpool
   #235) disappears, and a published price always beats a forecast.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
import itertools
from typing import TYPE_CHECKING, Final

from .errors import PRICE_LIST_EMPTY, PriceError
from .model import PriceInterval, PriceSeries
from .times import local_date

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

MAX_INFERRED_LENGTH: Final = timedelta(minutes=60)
"""The longest interval read from the spacing of start-only entries."""


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One parsed list entry: UTC start, optional end, price per kWh."""

    start: datetime
    end: datetime | None
    price: float
    estimated: bool = False


def _fallback_length(
    starts: Sequence[datetime], index: int, common: timedelta
) -> timedelta:
    """Length for an entry whose next start is too far away (or absent)."""
    if index > 0:
        before = starts[index] - starts[index - 1]
        if before <= MAX_INFERRED_LENGTH:
            return before
    return common


def _with_ends(points: Sequence[PricePoint]) -> list[PricePoint]:
    """Points with every end filled in (rule 1), in the order given."""
    starts = sorted({point.start for point in points})
    spacings = [
        after - before
        for before, after in itertools.pairwise(starts)
        if after - before <= MAX_INFERRED_LENGTH
    ]
    common = Counter(spacings).most_common(1)[0][0] if spacings else MAX_INFERRED_LENGTH
    filled: list[PricePoint] = []
    for point in points:
        if point.end is not None:
            filled.append(point)
            continue
        index = bisect_right(starts, point.start) - 1
        following = starts[index + 1] if index + 1 < len(starts) else None
        if following is not None and following - point.start <= MAX_INFERRED_LENGTH:
            end = following
        else:
            end = point.start + _fallback_length(starts, index, common)
        filled.append(PricePoint(point.start, end, point.price, point.estimated))
    return filled


def _uncovered(
    start: datetime, end: datetime, taken: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Parts of ``[start, end)`` not in ``taken`` (sorted, non-overlapping)."""
    pieces: list[tuple[datetime, datetime]] = []
    cursor = start
    index = max(bisect_right(taken, (start, start)) - 1, 0)
    for taken_start, taken_end in taken[index:]:
        if taken_start >= end:
            break
        if taken_end <= cursor:
            continue
        if taken_start > cursor:
            pieces.append((cursor, taken_start))
        cursor = max(cursor, taken_end)
        if cursor >= end:
            break
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def build_series(
    points: Iterable[PricePoint], *, source: str, currency: str | None = None
) -> PriceSeries:
    """Apply the module's rules to points listed in priority order.

    Raises ``PriceError(price_list_empty)`` when nothing is left.
    """
    taken: list[tuple[datetime, datetime]] = []
    intervals: list[PriceInterval] = []
    for point in _with_ends(list(points)):
        end = point.end if point.end is not None else point.start
        for piece_start, piece_end in _uncovered(point.start, end, taken):
            insort(taken, (piece_start, piece_end))
            intervals.append(
                PriceInterval(
                    start=piece_start,
                    end=piece_end,
                    price=point.price,
                    estimated=point.estimated,
                )
            )
    if not intervals:
        raise PriceError(PRICE_LIST_EMPTY, source=source)
    intervals.sort(key=lambda interval: interval.start)
    return PriceSeries(intervals=tuple(intervals), source=source, currency=currency)


def merge_series(
    series: Sequence[PriceSeries], *, source: str | None = None
) -> PriceSeries:
    """Merge series in priority order (today's answer, then tomorrow's, ...).

    Overlaps keep the earlier series' price, as in :func:`build_series`. The
    result takes ``source`` (default: the first series') and the first currency
    any series names.
    """
    if not series:
        raise PriceError(PRICE_LIST_EMPTY, source=source or "")
    points = [
        PricePoint(interval.start, interval.end, interval.price, interval.estimated)
        for one in series
        for interval in one.intervals
    ]
    currency = next((one.currency for one in series if one.currency), None)
    return build_series(points, source=source or series[0].source, currency=currency)


def split_by_local_date(series: PriceSeries, tz: tzinfo) -> dict[date, PriceSeries]:
    """Group intervals by the local date they start on (today, tomorrow, ...)."""
    days: dict[date, list[PriceInterval]] = {}
    for interval in series.intervals:
        days.setdefault(local_date(interval.start, tz), []).append(interval)
    return {
        day: PriceSeries(
            intervals=tuple(intervals), source=series.source, currency=series.currency
        )
        for day, intervals in days.items()
    }
