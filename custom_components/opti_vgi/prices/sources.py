"""One parser per price entity format, and the detection that picks one.

Each :class:`AttributeSource` knows one integration's attributes (see
``docs``/anchors §C for the published shapes). :data:`ATTRIBUTE_SOURCES` lists
them in detection order: specific formats first, the generic template format
last, because the generic one accepts keys that specific sources also use
(``prices``, ``forecast``, ``raw_today``).

``matches`` looks at attribute names and at the keys of the first list entry
only; it never raises. When a source's lists are all empty, it still matches on
a metadata attribute that only it has (``price_in_cents``, ``use_cent``,
``tariff_code``, ``channel_type``), so the user gets "no prices yet" instead of
"unknown format" in the hours before the first prices arrive.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, ClassVar, Final, override

from .combine import PricePoint, build_series
from .errors import NOTHING, PRICE_FORMAT_UNKNOWN, PriceError, shape
from .reading import KeyPath, as_list, read_amber, read_entries, read_mapping
from .times import parse_time
from .units import PER_KWH, PriceUnit, parse_unit, resolve_unit

if TYPE_CHECKING:
    from .model import PriceSeries

type Attributes = Mapping[str, object]

HA_STANDARD_ATTRIBUTES: Final = frozenset(
    {
        "friendly_name",
        "unit_of_measurement",
        "device_class",
        "state_class",
        "icon",
        "attribution",
        "entity_picture",
        "supported_features",
        "assumed_state",
        "restored",
        "editable",
        "last_reset",
        "options",
        "event_type",
        "event_types",
    }
)
"""Attributes HA adds to any entity; they say nothing about the price format."""

MAX_FOUND_NAMES: Final = 12


def _first_entry(attributes: Attributes, names: Sequence[str]) -> Mapping[str, object]:
    """First dict entry of the first non-empty list among ``names`` ({} if none)."""
    for name in names:
        value = attributes.get(name)
        if isinstance(value, list | tuple) and value:
            first = value[0]
            return first if isinstance(first, Mapping) else {}
    return {}


def _has_lists(attributes: Attributes, names: Sequence[str]) -> bool:
    """Whether any of ``names`` holds a non-empty list."""
    return any(
        isinstance(attributes.get(name), list | tuple) and attributes.get(name)
        for name in names
    )


def _unit_of(attributes: Attributes, unit: str | None) -> object:
    """The unit passed in, else the ``unit_of_measurement`` attribute."""
    return unit if unit is not None else attributes.get("unit_of_measurement")


def found_summary(attributes: object) -> str:
    """What an unrecognised entity has, for the ``found`` placeholder."""
    if not isinstance(attributes, Mapping):
        return shape(attributes)
    names = sorted(
        f"{name}: {shape(value)}"
        for name, value in attributes.items()
        if isinstance(name, str) and name not in HA_STANDARD_ATTRIBUTES
    )
    if not names:
        return NOTHING
    shown = ", ".join(names[:MAX_FOUND_NAMES])
    more = len(names) - MAX_FOUND_NAMES
    return f"{shown}, … (+{more})" if more > 0 else shown


class AttributeSource(ABC):
    """A price entity format: how to recognise it and how to read it."""

    key: ClassVar[str]
    """Stable identifier (stored in config entries, shown in diagnostics)."""

    currency: ClassVar[str | None] = None
    """The currency when the provider only ever uses one (Octopus: GBP)."""

    @abstractmethod
    def matches(self, attributes: Attributes) -> bool:
        """Whether ``attributes`` look like this source's; never raises."""

    @abstractmethod
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """The entries in priority order and the unit they were read with."""

    def parse(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> PriceSeries:
        """Read the attributes into a series (raises only ``PriceError``)."""
        points, price_unit = self.points(attributes, unit=unit, tz=tz)
        return build_series(
            points, source=self.key, currency=self.currency or price_unit.currency
        )


def _read_lists(
    attributes: Attributes,
    names: Sequence[str],
    *,
    tz: tzinfo,
    unit: PriceUnit,
    start_keys: Sequence[KeyPath],
    value_keys: Sequence[KeyPath],
    end_keys: Sequence[KeyPath] = (),
    key_units: Mapping[KeyPath, PriceUnit] | None = None,
) -> list[PricePoint]:
    """Entries of several list attributes, concatenated in the given order."""
    points: list[PricePoint] = []
    for name in names:
        points += read_entries(
            as_list(name, attributes.get(name)),
            tz=tz,
            unit=unit,
            start_keys=start_keys,
            value_keys=value_keys,
            end_keys=end_keys,
            key_units=key_units,
        )
    return points


class NordpoolCustom(AttributeSource):
    """HACS ``custom-components/nordpool``: ``raw_today``/``raw_tomorrow``.

    Entries ``{"start": datetime, "end": datetime, "value": float}``; the scale
    is in the ``unit`` (kWh|MWh|Wh) and ``price_in_cents`` attributes.
    """

    key = "nordpool_custom"
    LISTS: Final = ("raw_today", "raw_tomorrow")

    @override
    def matches(self, attributes: Attributes) -> bool:
        """``raw_*`` entries with ``start``/``value``, or ``price_in_cents``."""
        entry = _first_entry(attributes, self.LISTS)
        if entry:
            return "start" in entry and "value" in entry
        return "price_in_cents" in attributes and any(
            name in attributes for name in self.LISTS
        )

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Today then tomorrow; a repeated tomorrow is dropped by the merge."""
        price_unit = resolve_unit(
            _unit_of(attributes, unit),
            energy_unit=attributes.get("unit"),
            cents=attributes.get("price_in_cents"),
            currency=attributes.get("currency"),
        )
        points = _read_lists(
            attributes,
            self.LISTS,
            tz=tz,
            unit=price_unit,
            start_keys=("start",),
            end_keys=("end",),
            value_keys=("value",),
        )
        return points, price_unit


class EnergiDataService(AttributeSource):
    """HACS ``MTrab/energidataservice``: ``raw_today``/``raw_tomorrow``/``forecast``.

    Entries ``{"hour": datetime, "price": float}`` (``hour`` even at 15-minute
    resolution); the lists are ``None`` when empty. ``forecast`` (Carnot) has the
    same shape and, we assume, the same scale as the raw lists; its prices are
    marked ``estimated`` and only fill what the published lists do not cover.
    """

    key = "energidataservice"
    LISTS: Final = ("raw_today", "raw_tomorrow", "forecast")

    @override
    def matches(self, attributes: Attributes) -> bool:
        """Entries with ``hour``/``price``, or the ``use_cent`` attribute."""
        entry = _first_entry(attributes, self.LISTS)
        if entry:
            return "hour" in entry and "price" in entry
        return "use_cent" in attributes and any(
            name in attributes for name in self.LISTS
        )

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Published lists first, then the forecast as estimates."""
        price_unit = resolve_unit(
            _unit_of(attributes, unit),
            energy_unit=attributes.get("unit"),
            cents=attributes.get("use_cent"),
            currency=attributes.get("currency"),
        )
        points = _read_lists(
            attributes,
            self.LISTS[:2],
            tz=tz,
            unit=price_unit,
            start_keys=("hour",),
            value_keys=("price",),
        )
        forecast = read_entries(
            as_list("forecast", attributes.get("forecast")),
            tz=tz,
            unit=price_unit,
            start_keys=("hour",),
            value_keys=("price",),
            estimated=True,
        )
        return points + forecast, price_unit


class GeSpot(AttributeSource):
    """HACS ``enoch85/ge-spot``: ``today_interval_prices``/``tomorrow_interval_prices``.

    Entries ``{"time": datetime, "value": float, "raw_value": float}``. Hourly
    sensors carry ``today_hourly_prices``/``tomorrow_hourly_prices`` instead; they
    are read when the interval lists are absent or empty. The scale comes from
    the unit of measurement (GE-Spot's attributes were not checked for a unit).
    """

    key = "gespot"
    INTERVAL_LISTS: Final = ("today_interval_prices", "tomorrow_interval_prices")
    HOURLY_LISTS: Final = ("today_hourly_prices", "tomorrow_hourly_prices")

    @override
    def matches(self, attributes: Attributes) -> bool:
        """The list names are GE-Spot's own."""
        return any(
            name in attributes for name in self.INTERVAL_LISTS + self.HOURLY_LISTS
        )

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Interval lists, else the hourly ones."""
        price_unit = resolve_unit(
            _unit_of(attributes, unit), currency=attributes.get("currency")
        )
        names = (
            self.INTERVAL_LISTS
            if _has_lists(attributes, self.INTERVAL_LISTS)
            else self.HOURLY_LISTS
        )
        points = _read_lists(
            attributes,
            names,
            tz=tz,
            unit=price_unit,
            start_keys=("time", "start"),
            value_keys=("value", "price"),
            end_keys=("end",),
        )
        return points, price_unit


class OctopusEnergy(AttributeSource):
    """HACS ``BottlecapDave/HomeAssistant-OctopusEnergy`` rate event entities.

    ``rates`` entries ``{"start", "end", "value_inc_vat", "is_capped", ...}`` with
    ``value_inc_vat`` in pounds per kWh (the key is ``value_inc_vat``, not the
    ``value_incl_vat`` some tables print). The event entities have no unit of
    measurement, so the scale is fixed: GBP per kWh. Read the current-day and
    next-day entities separately and merge them with ``merge_series``.
    """

    key = "octopus"
    currency = "GBP"

    @override
    def matches(self, attributes: Attributes) -> bool:
        """``rates`` with ``value_inc_vat``, or ``rates`` plus ``tariff_code``."""
        entry = _first_entry(attributes, ("rates",))
        if entry:
            return "value_inc_vat" in entry
        return "rates" in attributes and "tariff_code" in attributes

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Every rate, with its own end."""
        points = _read_lists(
            attributes,
            ("rates",),
            tz=tz,
            unit=PER_KWH,
            start_keys=("start",),
            end_keys=("end",),
            value_keys=("value_inc_vat",),
        )
        return points, PER_KWH


class Amber(AttributeSource):
    """HA core ``amberelectric`` forecast sensors: ``forecasts`` with ``per_kwh``.

    Unit ``$/kWh`` (AUD). 5-minute intervals near now and 30-minute ones later
    come mixed in one list; each entry has its own ``duration``.
    """

    key = "amber"
    currency = "AUD"

    @override
    def matches(self, attributes: Attributes) -> bool:
        """``forecasts`` with ``per_kwh``, or ``forecasts`` plus ``channel_type``."""
        entry = _first_entry(attributes, ("forecasts",))
        if entry:
            return "per_kwh" in entry
        return "forecasts" in attributes and "channel_type" in attributes

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """See :func:`reading.read_amber` for the start-time quirk."""
        entries = as_list("forecasts", attributes.get("forecasts"))
        return read_amber(entries, tz=tz), PER_KWH


ZONNEPLAN_UNIT: Final = PriceUnit(energy_factor=1e-7, currency="EUR")
"""Zonneplan publishes integer amounts of 10⁻⁷ EUR per kWh.

Read in fsaris/home-assistant-zonneplan-one: every price sensor applies
``value_factor=0.0000001`` to ``electricity_price`` / ``price_tax_included.amount``
to show EUR/kWh, while the ``forecast`` attribute carries the raw amounts.
"""


class Zonneplan(AttributeSource):
    """HACS ``fsaris/home-assistant-zonneplan-one``: the ``forecast`` attribute.

    Two shapes exist (both read in the integration's history): the older
    ``{"datetime": iso, "electricity_price": int, "tariff_group": ...}`` and the
    newer chart series ``{"start_date", "end_date", "price_tax_included":
    {"amount": int}, ...}``. Amounts are 10⁻⁷ EUR/kWh (:data:`ZONNEPLAN_UNIT`);
    the entity's own ``€/kWh`` unit describes the state, not the list.
    """

    key = "zonneplan"
    currency = "EUR"

    @override
    def matches(self, attributes: Attributes) -> bool:
        """``forecast`` entries with ``electricity_price`` or ``price_tax_included``."""
        entry = _first_entry(attributes, ("forecast",))
        return "electricity_price" in entry or "price_tax_included" in entry

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Either shape, per entry."""
        points = read_entries(
            as_list("forecast", attributes.get("forecast")),
            tz=tz,
            unit=ZONNEPLAN_UNIT,
            start_keys=("start_date", "datetime"),
            end_keys=("end_date",),
            value_keys=("electricity_price", ("price_tax_included", "amount")),
        )
        return points, ZONNEPLAN_UNIT


class FrankEnergie(AttributeSource):
    """HACS Frank Energie: ``prices`` entries ``{"from", "till", "price"}``.

    Shape from python-frank-energie's ``PriceData.asdict``; prices in EUR/kWh.
    """

    key = "frank_energie"
    currency = "EUR"

    @override
    def matches(self, attributes: Attributes) -> bool:
        """``prices`` entries keyed ``from``/``price``."""
        entry = _first_entry(attributes, ("prices",))
        return "from" in entry and "price" in entry

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Every entry with its own end."""
        price_unit = resolve_unit(_unit_of(attributes, unit), currency="EUR")
        points = _read_lists(
            attributes,
            ("prices",),
            tz=tz,
            unit=price_unit,
            start_keys=("from",),
            end_keys=("till",),
            value_keys=("price",),
        )
        return points, price_unit


class EntsoE(AttributeSource):
    """HACS ``JaccoR/hass-entso-e`` average-price sensor.

    ``prices_today``, ``prices_tomorrow`` and ``prices`` (today+tomorrow, or
    yesterday+today), entries ``{"time": "2023-03-06 00:00:00+01:00", "price"}``.
    The unit is ``{currency}/kWh`` or ``{currency}/MWh``. Only the ``prices``
    attribute tells it apart from the generic format, which reads the same.
    """

    key = "entsoe"
    LISTS: Final = ("prices_today", "prices_tomorrow", "prices")

    @override
    def matches(self, attributes: Attributes) -> bool:
        """All three lists present, entries keyed ``time``/``price``."""
        if not all(name in attributes for name in self.LISTS):
            return False
        entry = _first_entry(attributes, self.LISTS)
        return not entry or ("time" in entry and "price" in entry)

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Today, tomorrow, then ``prices`` to add yesterday's hours."""
        price_unit = parse_unit(_unit_of(attributes, unit))
        points = _read_lists(
            attributes,
            self.LISTS,
            tz=tz,
            unit=price_unit,
            start_keys=("time",),
            value_keys=("price",),
        )
        return points, price_unit


GENERIC_PAIRS: Final = (
    ("prices_today", "prices_tomorrow"),
    ("raw_today", "raw_tomorrow"),
    ("today_interval_prices", "tomorrow_interval_prices"),
)
GENERIC_SINGLE: Final = ("prices", "data", "forecast")
GENERIC_START_KEYS: Final[tuple[KeyPath, ...]] = (
    "time",
    "start",
    "hour",
    "start_time",
    "datetime",
    "timestamp",
    "from",
    "start_date",
)
GENERIC_END_KEYS: Final[tuple[KeyPath, ...]] = (
    "end",
    "end_time",
    "till",
    "to",
    "end_date",
)
GENERIC_VALUE_KEYS: Final[tuple[KeyPath, ...]] = (
    "price",
    "value",
    "price_ct_per_kwh",
    "electricity_price",
    "value_inc_vat",
    "per_kwh",
)
CENTS_PER_KWH: Final = PriceUnit(cents=True)


class Generic(AttributeSource):
    """The template format (ESC wiki *Price-sensor*, EMHASS dicts), read loosely.

    In order: the first present pair of today/tomorrow lists
    (``prices_today``/``prices_tomorrow``, ``raw_today``/``raw_tomorrow``,
    ``today_interval_prices``/``tomorrow_interval_prices``); else a single
    ``prices``, ``data`` or ``forecast`` list; else the attributes themselves as
    a ``{timestamp: price}`` mapping. Any of the lists may also be such a
    mapping. Entry keys are the first present of :data:`GENERIC_START_KEYS`,
    :data:`GENERIC_END_KEYS` and :data:`GENERIC_VALUE_KEYS`; the scale is the
    unit of measurement, except that ``price_ct_per_kwh`` always means cents
    per kWh, as its name says.
    """

    key = "generic"

    def _names(self, attributes: Attributes) -> tuple[str, ...]:
        """The list attributes this entity's prices are in (may be empty)."""
        for pair in GENERIC_PAIRS:
            if any(name in attributes for name in pair):
                return pair
        for name in GENERIC_SINGLE:
            if name in attributes:
                return (name,)
        return ()

    def _timestamp_keys(self, attributes: Attributes) -> list[str]:
        """Non-standard attribute names, if every one of them is a timestamp."""
        keys = [name for name in attributes if name not in HA_STANDARD_ATTRIBUTES]
        for name in keys:
            try:
                parse_time(name, UTC)
            except PriceError:
                return []
        return keys

    @override
    def matches(self, attributes: Attributes) -> bool:
        """A known list name, or only timestamp-named attributes."""
        return bool(self._names(attributes) or self._timestamp_keys(attributes))

    @override
    def points(
        self, attributes: Attributes, *, unit: str | None, tz: tzinfo
    ) -> tuple[list[PricePoint], PriceUnit]:
        """Lists (or mappings) in order, else the attributes as a mapping."""
        price_unit = parse_unit(_unit_of(attributes, unit))
        names = self._names(attributes)
        if not names:
            keys = self._timestamp_keys(attributes)
            if not keys:
                raise PriceError(PRICE_FORMAT_UNKNOWN, found=found_summary(attributes))
            mapping = {name: attributes[name] for name in keys}
            return read_mapping(mapping, tz=tz, unit=price_unit), price_unit
        points: list[PricePoint] = []
        for name in names:
            value = attributes.get(name)
            if isinstance(value, Mapping):
                points += read_mapping(value, tz=tz, unit=price_unit)
                continue
            points += read_entries(
                as_list(name, value),
                tz=tz,
                unit=price_unit,
                start_keys=GENERIC_START_KEYS,
                end_keys=GENERIC_END_KEYS,
                value_keys=GENERIC_VALUE_KEYS,
                key_units={"price_ct_per_kwh": CENTS_PER_KWH},
            )
        return points, price_unit


ATTRIBUTE_SOURCES: Final[tuple[AttributeSource, ...]] = (
    NordpoolCustom(),
    EnergiDataService(),
    GeSpot(),
    OctopusEnergy(),
    Amber(),
    Zonneplan(),
    FrankEnergie(),
    EntsoE(),
    Generic(),
)
"""Every attribute format, in detection order (most specific first)."""

SOURCES_BY_KEY: Final[Mapping[str, AttributeSource]] = {
    source.key: source for source in ATTRIBUTE_SOURCES
}


def detect(attributes: object) -> AttributeSource:
    """The first source whose ``matches`` accepts ``attributes``.

    Raises ``PriceError(price_format_unknown, found=...)`` listing the
    attribute names (and value types) when none does.
    """
    if isinstance(attributes, Mapping):
        for source in ATTRIBUTE_SOURCES:
            if source.matches(attributes):
                return source
    raise PriceError(PRICE_FORMAT_UNKNOWN, found=found_summary(attributes))


def parse_attributes(
    attributes: object,
    *,
    unit: str | None = None,
    tz: tzinfo,
    source: str | None = None,
) -> PriceSeries:
    """Detect the format (or use ``source``) and parse the attributes.

    ``unit`` is the entity's unit of measurement; when ``None`` the
    ``unit_of_measurement`` attribute is used if present. ``tz`` is the entry's
    time zone (HA's), used for times without an offset. Raises only
    ``PriceError``.
    """
    if source is not None and source not in SOURCES_BY_KEY:
        raise ValueError(f"unknown price source {source!r}")
    if not isinstance(attributes, Mapping):
        raise PriceError(PRICE_FORMAT_UNKNOWN, found=found_summary(attributes))
    parser = SOURCES_BY_KEY[source] if source is not None else detect(attributes)
    return parser.parse(attributes, unit=unit, tz=tz)
