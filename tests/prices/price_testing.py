"""Shared test helpers for the price layer: fixtures, time zones, error checks.

Named ``price_testing`` (not ``helpers``) so it cannot shadow another test
package's helper module on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import copy
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.opti_vgi.prices.errors import PLACEHOLDERS, PriceError

FIXTURES = Path(__file__).parent / "fixtures"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
HELSINKI = ZoneInfo("Europe/Helsinki")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BERLIN = ZoneInfo("Europe/Berlin")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
LONDON = ZoneInfo("Europe/London")
OSLO = ZoneInfo("Europe/Oslo")
SYDNEY = ZoneInfo("Australia/Sydney")

DATETIME_FIELDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    # Sources that publish Python datetimes: list attribute -> datetime keys.
    "nordpool_custom": {
        "raw_today": ("start", "end"),
        "raw_tomorrow": ("start", "end"),
    },
    "energidataservice": {
        "raw_today": ("hour",),
        "raw_tomorrow": ("hour",),
        "forecast": ("hour",),
    },
    "gespot": {
        "today_interval_prices": ("time",),
        "tomorrow_interval_prices": ("time",),
    },
    "octopus": {"rates": ("start", "end")},
    "frank_energie": {"prices": ("from", "till")},
    "zonneplan_chart": {"forecast": ("start_date", "end_date")},
}


def load(name: str) -> Any:
    """A fixture file as published (JSON types only)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def with_datetimes(attributes: dict[str, Any], kind: str) -> dict[str, Any]:
    """A copy with the documented fields as tz-aware ``datetime`` objects."""
    converted = copy.deepcopy(attributes)
    for list_name, keys in DATETIME_FIELDS[kind].items():
        for entry in converted.get(list_name) or []:
            for key in keys:
                entry[key] = datetime.fromisoformat(entry[key])
    return converted


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC datetime, for hand-written expectations."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def every(start: datetime, minutes: int, count: int) -> list[datetime]:
    """``count`` instants ``minutes`` apart (computed in UTC, so DST-proof)."""
    return [start + timedelta(minutes=minutes * k) for k in range(count)]


def check_error(info: pytest.ExceptionInfo[PriceError], key: str) -> PriceError:
    """Assert the key and that the placeholders are exactly the declared ones."""
    error = info.value
    assert error.translation_key == key
    assert set(error.placeholders) == PLACEHOLDERS[key]
    assert all(isinstance(value, str) for value in error.placeholders.values())
    return error


def approx_list(values: Iterable[float]) -> Any:
    """``pytest.approx`` for a list of prices."""
    return pytest.approx(list(values), rel=1e-12, abs=1e-12)
