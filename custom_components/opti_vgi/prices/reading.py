"""Reading list entries (dicts of time and price) into price points.

Shared by the attribute parsers and the action-response parsers so that every
source treats missing and malformed values the same way:

* a price that is ``None``, NaN or infinite is a *missing* price: the entry is
  skipped (HACS Nord Pool marks missing hours with ``None``/``inf``) and the
  resampler later fills the gap with its documented estimate;
* a price that is not a number (a word, a bool, a list) is an error, because it
  means the list is not what we think it is;
* numeric strings are accepted, since template sensors often produce them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
import math
from typing import TYPE_CHECKING, Final

from .combine import PricePoint
from .errors import (
    PRICE_FORMAT_UNKNOWN,
    PRICE_ITEM_INVALID,
    PRICE_TIME_INVALID,
    PRICE_VALUE_INVALID,
    PriceError,
    shape,
)
from .times import floor_to_minute, parse_time

if TYPE_CHECKING:
    from .units import PriceUnit

type KeyPath = str | tuple[str, ...]
"""A key in an entry, or a path into nested dicts (Zonneplan's ``amount``)."""

MAX_NUMBER_TEXT: Final = 64
MAX_AMBER_DURATION_MINUTES: Final = 24 * 60


def parse_number(value: object) -> float | None:
    """A price as float; ``None`` when missing; ``price_value_invalid`` if junk."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PriceError(PRICE_VALUE_INVALID, value=value)
    number: float
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            raise PriceError(PRICE_VALUE_INVALID, value=value) from None
    elif isinstance(value, str) and len(value) <= MAX_NUMBER_TEXT:
        try:
            number = float(value.strip())
        except ValueError:
            raise PriceError(PRICE_VALUE_INVALID, value=value) from None
    else:
        raise PriceError(PRICE_VALUE_INVALID, value=value)
    return number if math.isfinite(number) else None


def scale(number: float, unit: PriceUnit, original: object) -> float:
    """``number`` in main currency per kWh; an overflow is an invalid value."""
    price = number * unit.factor
    if not math.isfinite(price):
        raise PriceError(PRICE_VALUE_INVALID, value=original)
    return price


def lookup(entry: Mapping[str, object], path: KeyPath) -> tuple[bool, object]:
    """``(found, value)`` for a key or a nested key path."""
    keys = (path,) if isinstance(path, str) else path
    current: object = entry
    for key in keys:
        if not isinstance(current, Mapping) or key not in current:
            return False, None
        current = current[key]
    return True, current


def first_present(
    entry: Mapping[str, object], paths: Sequence[KeyPath]
) -> tuple[KeyPath | None, object]:
    """The first of ``paths`` present in ``entry`` and its value."""
    for path in paths:
        found, value = lookup(entry, path)
        if found:
            return path, value
    return None, None


def as_list(name: str, value: object) -> Sequence[object]:
    """An attribute that must be a list; ``None`` reads as an empty list."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return value
    raise PriceError(PRICE_FORMAT_UNKNOWN, found=f"{name}: {shape(value)}")


def read_entries(
    entries: Sequence[object],
    *,
    tz: tzinfo,
    unit: PriceUnit,
    start_keys: Sequence[KeyPath],
    value_keys: Sequence[KeyPath],
    end_keys: Sequence[KeyPath] = (),
    key_units: Mapping[KeyPath, PriceUnit] | None = None,
    estimated: bool = False,
) -> list[PricePoint]:
    """Points from a list of dict entries, in list order.

    The first present key of each group is used, per entry. ``key_units``
    overrides ``unit`` for value keys that name their own unit (the generic
    format's ``price_ct_per_kwh``).
    """
    points: list[PricePoint] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise PriceError(PRICE_ITEM_INVALID, item=entry)
        start_key, start_value = first_present(entry, start_keys)
        value_key, raw = first_present(entry, value_keys)
        if start_key is None or value_key is None:
            raise PriceError(PRICE_ITEM_INVALID, item=entry)
        number = parse_number(raw)
        if number is None:
            continue
        start = parse_time(start_value, tz)
        end_key, end_value = first_present(entry, end_keys)
        end = (
            None if end_key is None or end_value is None else parse_time(end_value, tz)
        )
        if end is not None and end <= start:
            raise PriceError(PRICE_TIME_INVALID, value=entry)
        entry_unit = (key_units or {}).get(value_key, unit)
        points.append(PricePoint(start, end, scale(number, entry_unit, raw), estimated))
    return points


def read_mapping[K](
    mapping: Mapping[K, object], *, tz: tzinfo, unit: PriceUnit
) -> list[PricePoint]:
    """Points from a ``{timestamp: price}`` mapping (EMHASS-style)."""
    points: list[PricePoint] = []
    for key, raw in mapping.items():
        number = parse_number(raw)
        if number is None:
            continue
        points.append(PricePoint(parse_time(key, tz), None, scale(number, unit, raw)))
    return points


def _amber_duration(entry: Mapping[str, object]) -> timedelta | None:
    """The entry's ``duration`` in minutes, when it is a usable whole number."""
    duration = entry.get("duration")
    if (
        isinstance(duration, int)
        and not isinstance(duration, bool)
        and 0 < duration <= MAX_AMBER_DURATION_MINUTES
    ):
        return timedelta(minutes=duration)
    return None


def read_amber(entries: Sequence[object], *, tz: tzinfo) -> list[PricePoint]:
    """Points from Amber ``forecasts`` entries (sensor attribute or action answer).

    Amber starts each interval one second late (``11:00:01`` to ``11:05:00``,
    seen in the Amber API and in HA's amberelectric tests), so the start is
    ``end_time - duration`` when both are usable, else ``start_time`` rounded
    down to the minute. ``per_kwh`` is already $/kWh (HA divides Amber's cents
    by 100) and, for the feed-in channel, already sign-flipped by HA so that a
    positive number is what the user earns.
    """
    points: list[PricePoint] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise PriceError(PRICE_ITEM_INVALID, item=entry)
        if "per_kwh" not in entry or (
            "start_time" not in entry and "end_time" not in entry
        ):
            raise PriceError(PRICE_ITEM_INVALID, item=entry)
        raw = entry["per_kwh"]
        number = parse_number(raw)
        if number is None:
            continue
        end_value = entry.get("end_time")
        end = None if end_value is None else parse_time(end_value, tz)
        duration = _amber_duration(entry)
        start: datetime
        if end is not None and duration is not None:
            start = end - duration
        elif "start_time" in entry:
            start = floor_to_minute(parse_time(entry["start_time"], tz))
        else:
            raise PriceError(PRICE_ITEM_INVALID, item=entry)
        if end is not None and end <= start:
            raise PriceError(PRICE_TIME_INVALID, value=entry)
        points.append(PricePoint(start, end, number))
    return points
