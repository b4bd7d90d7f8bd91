"""Reading the times that price sources publish, in every form they use.

Sources give tz-aware ``datetime`` objects (HACS Nord Pool, Energi Data Service,
GE-Spot, Octopus Energy: HA keeps attribute values as Python objects in
memory), ISO strings with a ``T`` (HA core actions, Amber) or with a space
(ENTSO-e and EasyEnergy use ``str(datetime)``), and ``Z`` for UTC (Zonneplan).
All of them become UTC datetimes here.

A time without an offset is read as wall-clock time in the entry's time zone,
as HA's EnergyZero action does; the generic template format asks for offsets,
but a template that forgets them should still work on the 363 ordinary days of
the year. On the autumn DST day such a time is ambiguous and is read as the
first occurrence (``fold=0``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Final

from .errors import PRICE_TIME_INVALID, PriceError

MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100
"""Outside this range a "time" is junk; the bound also keeps arithmetic and
``astimezone`` away from ``datetime.min``/``max``, where they overflow."""

MAX_TIME_TEXT: Final = 64


def parse_time(value: object, tz: tzinfo) -> datetime:
    """Return ``value`` as a UTC datetime, or raise ``price_time_invalid``."""
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= MAX_TIME_TEXT:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PriceError(PRICE_TIME_INVALID, value=value) from None
    else:
        raise PriceError(PRICE_TIME_INVALID, value=value)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise PriceError(PRICE_TIME_INVALID, value=value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def local_moment(day: date, wall: time, tz: tzinfo) -> datetime:
    """The UTC instant of wall-clock ``wall`` on ``day`` in ``tz``.

    A wall time that does not exist (the spring DST gap) or exists twice (the
    autumn repeat) follows ``zoneinfo``'s ``fold=0`` rule: the offset in force
    before the change. The mapping is the same for the end of one period and
    the start of the next, so consecutive periods stay contiguous.
    """
    return datetime.combine(day, wall.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def local_date(moment: datetime, tz: tzinfo) -> date:
    """Calendar date of ``moment`` in ``tz``."""
    return moment.astimezone(tz).date()


def floor_to_minute(moment: datetime) -> datetime:
    """Drop seconds and below (Amber starts its intervals at ``hh:mm:01``)."""
    return moment.replace(second=0, microsecond=0)
