"""The one exception the price layer raises for bad data, and its translation keys.

Why one exception type: price data comes from other integrations, templates and
the user's own tariff entries, so "bad input" is a normal outcome, not a bug. The
HA layer must be able to catch exactly that (and nothing else) and turn it into a
translated ``ServiceValidationError``/``UpdateFailed``/form error. Programming
errors (a naive ``start`` passed by our own code, an unsupported step length)
stay ``ValueError`` so they are not mistaken for a user's broken sensor.

Every key below needs an entry ``exceptions.<key>.message`` in
``translations/en.json`` with exactly the placeholders listed in
:data:`PLACEHOLDERS`. :data:`MESSAGES_EN` holds the English text to paste there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

NOTHING: Final = "—"  # the "found" placeholder when there is nothing to show
_SHOWN_TEXT = 24
_SHOWN_KEYS = 3


def shape(value: object) -> str:  # noqa: PLR0911  # one answer per kind
    """A value as a user can read it in any language, for the ``found`` placeholder.

    Python's type names ("list", "Wrapper", "NoneType") meant nothing to users:
    a list shows its length, a mapping its first keys, text and numbers
    themselves (shortened).
    """
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int | str):
        text = str(value)
        text = text if len(text) <= _SHOWN_TEXT else text[:_SHOWN_TEXT] + "…"
        return text if isinstance(value, int) else f'"{text}"'
    if isinstance(value, list | tuple):
        return f"[{len(value)}]"
    keys = getattr(value, "keys", None)
    if callable(keys):
        names = [str(key) for key in keys()]
        more = ", …" if len(names) > _SHOWN_KEYS else ""
        return "{" + ", ".join(names[:_SHOWN_KEYS]) + more + "}"
    return "?"


PRICE_FORMAT_UNKNOWN: Final = "price_format_unknown"
PRICE_UNIT_UNKNOWN: Final = "price_unit_unknown"
PRICE_LIST_EMPTY: Final = "price_list_empty"
PRICE_VALUE_INVALID: Final = "price_value_invalid"
PRICE_TIME_INVALID: Final = "price_time_invalid"
PRICE_ITEM_INVALID: Final = "price_item_invalid"
PRICE_RESPONSE_INVALID: Final = "price_response_invalid"
PRICE_AREA_UNKNOWN: Final = "price_area_unknown"
PRICE_HOME_UNKNOWN: Final = "price_home_unknown"
TARIFF_TIME_INVALID: Final = "tariff_time_invalid"
TARIFF_WEEKDAYS_INVALID: Final = "tariff_weekdays_invalid"
TARIFF_OVERLAP: Final = "tariff_overlap"
TARIFF_GAP: Final = "tariff_gap"

PLACEHOLDERS: Final[Mapping[str, frozenset[str]]] = {
    PRICE_FORMAT_UNKNOWN: frozenset({"found"}),
    PRICE_UNIT_UNKNOWN: frozenset({"unit"}),
    PRICE_LIST_EMPTY: frozenset({"source"}),
    PRICE_VALUE_INVALID: frozenset({"value"}),
    PRICE_TIME_INVALID: frozenset({"value"}),
    PRICE_ITEM_INVALID: frozenset({"item"}),
    PRICE_RESPONSE_INVALID: frozenset({"source", "found"}),
    PRICE_AREA_UNKNOWN: frozenset({"area", "found"}),
    PRICE_HOME_UNKNOWN: frozenset({"home", "found"}),
    TARIFF_TIME_INVALID: frozenset({"value"}),
    TARIFF_WEEKDAYS_INVALID: frozenset({"value"}),
    TARIFF_OVERLAP: frozenset({"first", "second"}),
    TARIFF_GAP: frozenset({"weekday", "time"}),
}
"""The placeholders each key carries; translations must use exactly these."""

MESSAGES_EN: Final[Mapping[str, str]] = {
    PRICE_FORMAT_UNKNOWN: (
        "The price entity has no price list in a format opti_vgi knows. "
        "Attributes found: {found}."
    ),
    PRICE_UNIT_UNKNOWN: (
        "The price unit {unit} is not a price per energy "
        "(expected for example EUR/kWh, SEK/MWh or c/kWh)."
    ),
    PRICE_LIST_EMPTY: "The price source {source} has no prices yet.",
    PRICE_VALUE_INVALID: "A price in the list is not a number: {value}.",
    PRICE_TIME_INVALID: (
        "A time in the price list cannot be read, or an interval ends before it "
        "starts: {value}."
    ),
    PRICE_ITEM_INVALID: "An entry in the price list has no time or price: {item}.",
    PRICE_RESPONSE_INVALID: (
        "The answer of the {source} action has an unexpected shape: {found}."
    ),
    PRICE_AREA_UNKNOWN: "The Nord Pool answer has no area {area}. Areas: {found}.",
    PRICE_HOME_UNKNOWN: "The Tibber answer has no home {home}. Homes: {found}.",
    TARIFF_TIME_INVALID: "The time {value} is not a time of day (HH:MM).",
    TARIFF_WEEKDAYS_INVALID: (
        "The weekdays {value} are not valid; use mon, tue, wed, thu, fri, sat, sun."
    ),
    TARIFF_OVERLAP: "The tariff periods {first} and {second} overlap.",
    TARIFF_GAP: (
        "The tariff has no price on {weekday} at {time}; add a period or a "
        "default price."
    ),
}
"""English messages, ready for ``exceptions.<key>.message`` in en.json."""

MAX_PLACEHOLDER_CHARS: Final = 120
"""Placeholders are shown to users; a whole attribute dump would be unreadable."""


def describe(value: object) -> str:
    """Short, printable text for a placeholder: strings as-is, others as repr."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > MAX_PLACEHOLDER_CHARS:
        return text[: MAX_PLACEHOLDER_CHARS - 1] + "…"
    return text


class PriceError(Exception):
    """Price data that cannot be used, with a translation key and placeholders.

    ``placeholders`` values are always short strings (see :func:`describe`), so the
    HA layer can pass them to ``translation_placeholders`` unchanged.
    """

    def __init__(self, translation_key: str, /, **placeholders: object) -> None:
        """Store the key and the placeholders, shortened for display."""
        self.translation_key = translation_key
        self.placeholders: dict[str, str] = {
            name: describe(value) for name, value in placeholders.items()
        }
        super().__init__(f"{translation_key}: {self.placeholders}")
