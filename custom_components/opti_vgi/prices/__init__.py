"""Price-source parsers, all normalised to (start, end, price per kWh) intervals.

Pure Python: nothing here imports ``homeassistant``. The HA layer reads entity
states or calls actions and hands the plain dicts/lists to these functions,
with the entry's time zone; it turns :class:`PriceError` into translated HA
errors. Everything returned is tz-aware (stored in UTC, see ``model``), with
prices in the main currency unit per kWh.

Public API
==========

``model``
    ``PriceInterval(start, end, price, estimated=False)``;
    ``PriceSeries(intervals, source, currency=None)`` with ``start``, ``end``,
    ``known_until``, ``covers(start, end)``, ``price_at(moment)``.

``sources`` (entity attributes; one parser per format)
    ``parse_attributes(attributes, *, unit=None, tz, source=None) -> PriceSeries``;
    ``detect(attributes) -> AttributeSource``; ``ATTRIBUTE_SOURCES`` (detection
    order); ``SOURCES_BY_KEY``. Keys: ``nordpool_custom``,
    ``energidataservice``, ``gespot``, ``octopus``, ``amber``, ``zonneplan``,
    ``frank_energie``, ``entsoe``, ``generic``.

``actions`` (response-only actions)
    ``ACTION_SOURCES[key].requests(ActionOptions(...), *, start, end, tz) ->
    tuple[ServiceRequest, ...]``; ``.parse_response(response, *, tz,
    select=None)``; ``.parse_responses([today, tomorrow], *, tz, select=None)``
    (skips empty answers). Keys: ``nordpool``, ``tibber``, ``energyzero``,
    ``easyenergy``, ``easyenergy_return``, ``amberelectric``.

``tariffs`` (entered in the flow)
    ``TouPeriod(start, end, price, weekdays)``, ``Tariff(periods,
    default_price)``, ``Tariff.fixed(price)``, ``tariff_series(tariff, start,
    end, tz)``, ``tariff_from_dict``/``tariff_to_dict``.

``units``
    ``parse_unit("SEK/MWh") -> PriceUnit`` (``.factor`` to main currency/kWh),
    ``resolve_unit(unit, *, energy_unit, cents, currency)``.

``resample``
    ``resample(series, *, start, step_minutes, steps, tz=None) ->
    ResampledPrices(prices, known, estimated, known_until, ...)``: time-weighted
    per step; gaps and the time after the last price get the price at the same
    local wall-clock time on the last known day (else the last price).

``combine``
    ``merge_series([...])`` (earlier series win overlaps),
    ``split_by_local_date(series, tz)``.

Data rules
==========

* Overlaps: the earlier-listed price wins; a repeated entry is dropped (the
  HACS Nord Pool repeated-day glitch). Start-only lists get their ends from the
  spacing (≤ 60 min), so 5/15/30/60-minute lists and mixes work.
* A price of ``None``/NaN/inf is a missing price (skipped); a non-number is
  ``price_value_invalid``. Times without an offset are local wall-clock times.
* Units: currency per MWh, kWh, Wh (also J..GJ), cents or main unit, from the
  unit of measurement or the source's attributes; no energy part means per kWh.
* Export (feed-in) prices use the same functions on the feed-in entity or
  action (Amber ``channel="feed_in"``, ``easyenergy_return``, a second
  tariff); a positive price is what the user is paid per kWh (HA already
  flips Amber's feed-in sign).
* A plain current-price sensor without a list is ``price_format_unknown``; the
  HA layer may fall back to ``Tariff.fixed(state)`` and raise a repair issue.

Translation keys (``PriceError.translation_key``) and their placeholders
=======================================================================

``price_format_unknown`` {found} · ``price_unit_unknown`` {unit} ·
``price_list_empty`` {source} · ``price_value_invalid`` {value} ·
``price_time_invalid`` {value} · ``price_item_invalid`` {item} ·
``price_response_invalid`` {source, found} · ``price_area_unknown`` {area,
found} · ``price_home_unknown`` {home, found} · ``tariff_time_invalid``
{value} · ``tariff_weekdays_invalid`` {value} · ``tariff_overlap`` {first,
second} · ``tariff_gap`` {weekday, time}. English texts: ``errors.MESSAGES_EN``.
"""

from .actions import ACTION_SOURCES, ActionOptions, ActionSource, ServiceRequest
from .combine import merge_series, split_by_local_date
from .errors import MESSAGES_EN, PLACEHOLDERS, PriceError
from .model import PriceInterval, PriceSeries
from .resample import SUPPORTED_STEP_MINUTES, ResampledPrices, resample
from .sources import (
    ATTRIBUTE_SOURCES,
    SOURCES_BY_KEY,
    AttributeSource,
    detect,
    parse_attributes,
)
from .tariffs import Tariff, TouPeriod, tariff_from_dict, tariff_series, tariff_to_dict
from .units import PriceUnit, parse_unit, resolve_unit

__all__ = [
    "ACTION_SOURCES",
    "ATTRIBUTE_SOURCES",
    "MESSAGES_EN",
    "PLACEHOLDERS",
    "SOURCES_BY_KEY",
    "SUPPORTED_STEP_MINUTES",
    "ActionOptions",
    "ActionSource",
    "AttributeSource",
    "PriceError",
    "PriceInterval",
    "PriceSeries",
    "PriceUnit",
    "ResampledPrices",
    "ServiceRequest",
    "Tariff",
    "TouPeriod",
    "detect",
    "merge_series",
    "parse_attributes",
    "parse_unit",
    "resample",
    "resolve_unit",
    "split_by_local_date",
    "tariff_from_dict",
    "tariff_series",
    "tariff_to_dict",
]
