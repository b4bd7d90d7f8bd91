"""Price sources that answer a response-only action instead of carrying lists.

For each source this module says which action to call with which data
(:meth:`ActionSource.requests`) and how to read the answer
(:meth:`ActionSource.parse_response`). The HA layer only loops::

    for request in source.requests(options, start=start, end=end, tz=tz):
        answers.append(await hass.services.async_call(
            request.domain, request.service, dict(request.data),
            blocking=True, return_response=True))
    series = source.parse_responses(answers, tz=tz, select=options.select)

The schemas were checked against HA 2026.10 (``homeassistant/components/
{nordpool,tibber,energyzero,easyenergy,amberelectric}/services.py``):

* ``nordpool.get_prices_for_date``: ``config_entry``, ``date`` (one delivery
  day per call), optional ``areas`` and ``currency``. Answer
  ``{area: [{"start", "end", "price"}]}``, **price per MWh**; an empty day is
  ``{area: []}``.
* ``tibber.get_prices``: optional ``start``/``end`` strings. Answer
  ``{"prices": {home_name: [{"start_time", "price"}]}}``, price per kWh.
* ``energyzero.get_energy_prices``: ``config_entry``, ``incl_vat`` (required),
  ``start``, ``end``, optional ``interval`` (``hour``/``quarter``). Answer
  ``{"prices": [{"price", "timestamp", "start", "end"}]}`` (older versions: only
  ``timestamp``/``price``), EUR/kWh.
* ``easyenergy.get_energy_usage_prices`` (with ``incl_vat``) and
  ``easyenergy.get_energy_return_prices`` (without it: the schema rejects extra
  keys), optional ``granularity`` (``hour``/``quarter``). Answer
  ``{"prices": [{"timestamp": "2024-01-01 00:00:00+00:00", "price"}]}``, EUR/kWh.
* ``amberelectric.get_forecasts``: ``config_entry_id``, ``channel_type``
  (``general``/``controlled_load``/``feed_in``). Answer ``{"forecasts": [...]}``
  as the sensor attribute, $/kWh.

The ``interval``/``granularity`` fields are only sent when
``ActionOptions.quarter_hours`` is set, because older HA versions reject
unknown fields.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, ClassVar, Final, override

from .combine import PricePoint, build_series, merge_series
from .errors import (
    NOTHING,
    PRICE_AREA_UNKNOWN,
    PRICE_HOME_UNKNOWN,
    PRICE_LIST_EMPTY,
    PRICE_RESPONSE_INVALID,
    PriceError,
    shape,
)
from .reading import read_amber, read_entries
from .times import local_date
from .units import PER_KWH, PriceUnit

if TYPE_CHECKING:
    from .model import PriceSeries

PER_MWH: Final = PriceUnit(energy_factor=1e-3, energy_unit="MWh")
MAX_REQUEST_DAYS: Final = 7
"""Nord Pool is asked one day per call; a longer range is a caller's mistake."""
AMBER_CHANNELS: Final = ("general", "controlled_load", "feed_in")


@dataclass(frozen=True, kw_only=True)
class ServiceRequest:
    """One action call: ``hass.services.async_call(domain, service, data, ...)``."""

    domain: str
    service: str
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ActionOptions:
    """What the user chose in the flow for an action source.

    ``select`` is the Nord Pool area (``"SE3"``) or the Tibber home name; ``None``
    takes the only one in the answer. ``currency`` is Nord Pool's optional
    currency override. ``incl_vat`` is for EnergyZero and EasyEnergy usage
    prices, ``channel`` for Amber, ``quarter_hours`` asks EnergyZero/EasyEnergy
    for 15-minute prices.
    """

    config_entry_id: str | None = None
    select: str | None = None
    currency: str | None = None
    incl_vat: bool = True
    channel: str = "general"
    quarter_hours: bool = False


def _mapping(source: str, response: object) -> Mapping[str, object]:
    """The response as a dict, or ``price_response_invalid``."""
    if not isinstance(response, Mapping):
        raise PriceError(PRICE_RESPONSE_INVALID, source=source, found=shape(response))
    return response


def _list_at(source: str, response: Mapping[str, object], key: str) -> Sequence[object]:
    """``response[key]`` as a list, or ``price_response_invalid``."""
    value = response.get(key)
    if isinstance(value, list | tuple):
        return value
    found = ", ".join(sorted(str(name) for name in response)) or NOTHING
    raise PriceError(PRICE_RESPONSE_INVALID, source=source, found=found)


def _need_entry(options: ActionOptions) -> str:
    """The config entry id, which these actions require."""
    if not options.config_entry_id:
        raise ValueError("this action needs the config entry id of the integration")
    return options.config_entry_id


def _pick[K](
    source: str,
    groups: Mapping[K, object],
    select: str | None,
    error_key: str,
    placeholder: str,
) -> Sequence[object]:
    """The list of the selected area/home, or the only one when none is selected."""
    lists = {str(name): value for name, value in groups.items()}
    found = ", ".join(sorted(lists)) or NOTHING
    if select is None and len(lists) == 1:
        chosen = next(iter(lists.values()))
    elif select is not None and select in lists:
        chosen = lists[select]
    else:
        raise PriceError(error_key, **{placeholder: select or "", "found": found})
    if isinstance(chosen, list | tuple):
        return chosen
    raise PriceError(PRICE_RESPONSE_INVALID, source=source, found=found)


class ActionSource(ABC):
    """A response-only action that returns prices."""

    key: ClassVar[str]
    domain: ClassVar[str]
    service: ClassVar[str]
    currency: ClassVar[str | None] = None

    @abstractmethod
    def requests(
        self, options: ActionOptions, *, start: datetime, end: datetime, tz: tzinfo
    ) -> tuple[ServiceRequest, ...]:
        """The calls that fetch prices for ``[start, end)``."""

    @abstractmethod
    def points(
        self, response: object, *, tz: tzinfo, select: str | None
    ) -> list[PricePoint]:
        """The entries of one answer, in order."""

    def parse_response(
        self, response: object, *, tz: tzinfo, select: str | None = None
    ) -> PriceSeries:
        """One answer as a series; ``price_list_empty`` when it has no prices."""
        return build_series(
            self.points(response, tz=tz, select=select),
            source=self.key,
            currency=self.currency,
        )

    def parse_responses(
        self, responses: Sequence[object], *, tz: tzinfo, select: str | None = None
    ) -> PriceSeries:
        """Several answers (today's, tomorrow's) merged in the order given.

        An empty answer is normal (tomorrow before ~13:00 CET) and is skipped;
        only when every answer is empty is ``price_list_empty`` raised.
        """
        parsed: list[PriceSeries] = []
        for response in responses:
            try:
                parsed.append(self.parse_response(response, tz=tz, select=select))
            except PriceError as err:
                if err.translation_key != PRICE_LIST_EMPTY:
                    raise
        if not parsed:
            raise PriceError(PRICE_LIST_EMPTY, source=self.key)
        return merge_series(parsed, source=self.key)


def _local_days(start: datetime, end: datetime, tz: tzinfo) -> list[date]:
    """Local dates touched by ``[start, end)``."""
    if end <= start:
        raise ValueError("end must be after start")
    first = local_date(start, tz)
    last = local_date(end - timedelta(microseconds=1), tz)
    count = (last - first).days + 1
    if count > MAX_REQUEST_DAYS:
        raise ValueError(f"at most {MAX_REQUEST_DAYS} days per request")
    return [first + timedelta(days=offset) for offset in range(count)]


class NordPool(ActionSource):
    """HA core ``nordpool``: one ``get_prices_for_date`` call per local date."""

    key = "nordpool"
    domain = "nordpool"
    service = "get_prices_for_date"

    @override
    def requests(
        self, options: ActionOptions, *, start: datetime, end: datetime, tz: tzinfo
    ) -> tuple[ServiceRequest, ...]:
        """One call per local date of the range, with the chosen area."""
        entry = _need_entry(options)
        calls: list[ServiceRequest] = []
        for day in _local_days(start, end, tz):
            data: dict[str, object] = {"config_entry": entry, "date": day.isoformat()}
            if options.select:
                data["areas"] = [options.select]
            if options.currency:
                data["currency"] = options.currency
            calls.append(
                ServiceRequest(domain=self.domain, service=self.service, data=data)
            )
        return tuple(calls)

    @override
    def points(
        self, response: object, *, tz: tzinfo, select: str | None
    ) -> list[PricePoint]:
        """The selected area's entries, converted from per MWh."""
        areas = _mapping(self.key, response)
        entries = _pick(self.key, areas, select, PRICE_AREA_UNKNOWN, "area")
        return read_entries(
            entries,
            tz=tz,
            unit=PER_MWH,
            start_keys=("start",),
            end_keys=("end",),
            value_keys=("price",),
        )


class Tibber(ActionSource):
    """HA core ``tibber``: ``get_prices`` for the range."""

    key = "tibber"
    domain = "tibber"
    service = "get_prices"

    @override
    def requests(
        self, options: ActionOptions, *, start: datetime, end: datetime, tz: tzinfo
    ) -> tuple[ServiceRequest, ...]:
        """One call for the whole range (Tibber knows today and tomorrow)."""
        if end <= start:
            raise ValueError("end must be after start")
        data = {
            "start": start.astimezone(tz).isoformat(),
            "end": end.astimezone(tz).isoformat(),
        }
        return (ServiceRequest(domain=self.domain, service=self.service, data=data),)

    @override
    def points(
        self, response: object, *, tz: tzinfo, select: str | None
    ) -> list[PricePoint]:
        """The selected home's entries; lengths come from the spacing."""
        answer = _mapping(self.key, response)
        homes = answer.get("prices")
        if not isinstance(homes, Mapping):
            found = ", ".join(sorted(str(name) for name in answer)) or NOTHING
            raise PriceError(PRICE_RESPONSE_INVALID, source=self.key, found=found)
        entries = _pick(self.key, homes, select, PRICE_HOME_UNKNOWN, "home")
        return read_entries(
            entries,
            tz=tz,
            unit=PER_KWH,
            start_keys=("start_time",),
            value_keys=("price",),
        )


class _DutchPrices(ActionSource):
    """EnergyZero and EasyEnergy: ``{"prices": [{"timestamp", "price"}]}``, EUR/kWh."""

    currency = "EUR"
    sends_vat: ClassVar[bool] = True
    resolution_field: ClassVar[str]

    @override
    def requests(
        self, options: ActionOptions, *, start: datetime, end: datetime, tz: tzinfo
    ) -> tuple[ServiceRequest, ...]:
        """One call for the range, as local ISO datetimes."""
        if end <= start:
            raise ValueError("end must be after start")
        data: dict[str, object] = {
            "config_entry": _need_entry(options),
            "start": start.astimezone(tz).isoformat(),
            "end": end.astimezone(tz).isoformat(),
        }
        if self.sends_vat:
            data["incl_vat"] = options.incl_vat
        if options.quarter_hours:
            data[self.resolution_field] = "quarter"
        return (ServiceRequest(domain=self.domain, service=self.service, data=data),)

    @override
    def points(
        self, response: object, *, tz: tzinfo, select: str | None
    ) -> list[PricePoint]:
        """Entries with ``start``/``end`` when given, else ``timestamp`` only."""
        entries = _list_at(self.key, _mapping(self.key, response), "prices")
        return read_entries(
            entries,
            tz=tz,
            unit=PER_KWH,
            start_keys=("start", "timestamp"),
            end_keys=("end",),
            value_keys=("price",),
        )


class EnergyZero(_DutchPrices):
    """HA core ``energyzero.get_energy_prices``."""

    key = "energyzero"
    domain = "energyzero"
    service = "get_energy_prices"
    resolution_field = "interval"


class EasyEnergy(_DutchPrices):
    """HA core ``easyenergy.get_energy_usage_prices`` (import prices)."""

    key = "easyenergy"
    domain = "easyenergy"
    service = "get_energy_usage_prices"
    resolution_field = "granularity"


class EasyEnergyReturn(_DutchPrices):
    """HA core ``easyenergy.get_energy_return_prices`` (feed-in prices)."""

    key = "easyenergy_return"
    domain = "easyenergy"
    service = "get_energy_return_prices"
    resolution_field = "granularity"
    sends_vat = False


class AmberForecasts(ActionSource):
    """HA core ``amberelectric.get_forecasts`` for one channel."""

    key = "amberelectric"
    domain = "amberelectric"
    service = "get_forecasts"
    currency = "AUD"

    @override
    def requests(
        self, options: ActionOptions, *, start: datetime, end: datetime, tz: tzinfo
    ) -> tuple[ServiceRequest, ...]:
        """One call; Amber answers with its whole forecast, whatever the range."""
        if options.channel not in AMBER_CHANNELS:
            raise ValueError(f"Amber channel must be one of {AMBER_CHANNELS}")
        data = {
            "config_entry_id": _need_entry(options),
            "channel_type": options.channel,
        }
        return (ServiceRequest(domain=self.domain, service=self.service, data=data),)

    @override
    def points(
        self, response: object, *, tz: tzinfo, select: str | None
    ) -> list[PricePoint]:
        """The ``forecasts`` list, read as the sensor attribute."""
        entries = _list_at(self.key, _mapping(self.key, response), "forecasts")
        return read_amber(entries, tz=tz)


ACTION_SOURCES: Final[Mapping[str, ActionSource]] = {
    source.key: source
    for source in (
        NordPool(),
        Tibber(),
        EnergyZero(),
        EasyEnergy(),
        EasyEnergyReturn(),
        AmberForecasts(),
    )
}
"""Every action source by key."""


def parse_response(
    source: str, response: object, *, tz: tzinfo, select: str | None = None
) -> PriceSeries:
    """Parse one answer of the action source ``source`` (raises only PriceError)."""
    if source not in ACTION_SOURCES:
        raise ValueError(f"unknown price action source {source!r}")
    return ACTION_SOURCES[source].parse_response(response, tz=tz, select=select)
