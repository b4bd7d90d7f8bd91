"""Prices from Home Assistant: entity attributes, response actions or a tariff.

The parsing itself is pure Python in ``prices/``; this module is the glue that
reads entity states and calls actions. Action sources (core Nord Pool, Tibber,
EnergyZero, EasyEnergy, Amber) are called for today and tomorrow, again when the
local day changes, and every planning round after 13:00 until tomorrow's prices
appear. When a call fails or answers nothing, the last prices are kept until they
run out, and the failure shows on the status sensor.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .compat import vol
from .const import LOGGER, PriceSourceKind
from .helpers import state_number
from .prices.actions import ACTION_SOURCES, ActionOptions
from .prices.errors import PriceError
from .prices.resample import ResampledPrices, resample
from .prices.sources import detect, parse_attributes
from .prices.tariffs import tariff_from_dict, tariff_series
from .prices.units import parse_unit

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .optimizer.model import Horizon
    from .prices.model import PriceSeries
    from .settings import SiteSettings

# Day-ahead prices for tomorrow are published around 13:00 CET.
TOMORROW_AFTER_HOUR: Final = 13
RETRY_AFTER: Final = timedelta(minutes=5)
# While waiting for tomorrow's prices: not more often than this (cloud APIs).
REFETCH_EVERY: Final = timedelta(minutes=15)

SOURCE_LABELS: Final = {
    "nordpool_custom": "Nord Pool (HACS)",
    "energidataservice": "Energi Data Service",
    "gespot": "GE-Spot",
    "octopus": "Octopus Energy",
    "amber": "Amber Electric",
    "zonneplan": "Zonneplan",
    "frank_energie": "Frank Energie",
    "entsoe": "ENTSO-e",
    "generic": "price list",
    "nordpool": "Nord Pool",
    "tibber": "Tibber",
    "energyzero": "EnergyZero",
    "easyenergy": "EasyEnergy",
    "easyenergy_return": "EasyEnergy (return)",
    "amberelectric": "Amber Electric",
}


# A price action that does not answer within this is a failed fetch: the last
# prices are kept, and no later round waits behind it.
PRICE_ACTION_TIMEOUT = 30


class PriceReadError(Exception):
    """No usable price: carries the translation key for the status and repairs.

    ``transient`` marks a source that is only unavailable or unknown for now (a
    price integration reloading, a cloud hiccup): the status says so at once,
    but a repair only when it lasts, since most such gaps close by themselves.
    """

    def __init__(
        self, translation_key: str, *, transient: bool = False, **placeholders: str
    ) -> None:
        """Keep the key and placeholders."""
        super().__init__(translation_key)
        self.translation_key = translation_key
        self.transient = transient
        self.placeholders = placeholders


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A price source found in this Home Assistant, for the config flow."""

    value: str  # entity id, or "<action key>:<config entry id>"
    label: str


def entity_candidates(hass: HomeAssistant) -> list[Candidate]:
    """Sensor and event entities whose attributes hold a known price format."""
    found = []
    for state in hass.states.async_all(("sensor", "event")):
        try:
            source = detect(dict(state.attributes))
        except PriceError:
            continue
        name = state.attributes.get("friendly_name") or state.entity_id
        found.append(
            Candidate(
                value=state.entity_id,
                label=f"{name} ({SOURCE_LABELS.get(source.key, source.key)})",
            )
        )
    return sorted(found, key=lambda candidate: candidate.label)


def action_candidates(hass: HomeAssistant) -> list[Candidate]:
    """Loaded config entries of integrations whose price action we can call."""
    return [
        Candidate(
            value=f"{key}:{entry.entry_id}",
            label=f"{SOURCE_LABELS.get(key, key)}: {entry.title}",
        )
        for key, source in ACTION_SOURCES.items()
        if hass.services.has_service(source.domain, source.service)
        for entry in hass.config_entries.async_entries(source.domain)
        if entry.state is ConfigEntryState.LOADED
    ]


def entity_series(hass: HomeAssistant, entity_id: str) -> PriceSeries:
    """Parse a price entity's attributes (raises PriceError)."""
    state = hass.states.get(entity_id)
    attributes = dict(state.attributes) if state is not None else {}
    return parse_attributes(
        attributes,
        unit=attributes.get("unit_of_measurement"),
        tz=dt_util.get_default_time_zone(),
    )


@dataclass(frozen=True, kw_only=True)
class Prices:
    """Prices for one horizon, and how much to trust them."""

    prices: tuple[float, ...]
    estimated: bool  # some steps lie beyond the published prices
    known_until: datetime | None
    forecast: bool  # False: only a current price, used for every step
    stale: bool  # the action failed; these are the last prices it gave


class PriceReader:
    """Reads the configured price source for each planning round."""

    def __init__(self, hass: HomeAssistant, site: SiteSettings) -> None:
        """Nothing is read until the first round."""
        self.hass = hass
        self.site = site
        self._cached: PriceSeries | None = None
        self._fetched_at: datetime | None = None
        self._failed_at: datetime | None = None
        self._failing = False  # logged as failing, not yet as back
        self.error: str | None = None  # the last action failure, for diagnostics
        self.error_key: str | None = None  # its translation key
        self.error_placeholders: dict[str, str] = {}

    async def async_update(self, now: datetime) -> None:
        """Call the price action when its prices may have changed."""
        if self.site.price_source is not PriceSourceKind.ACTION or not self._due(now):
            return
        try:
            async with asyncio.timeout(PRICE_ACTION_TIMEOUT):
                self._cached = await self._async_fetch(now)
        except Exception as err:  # noqa: BLE001  # price integrations raise anything
            if not isinstance(
                err, (HomeAssistantError, vol.Invalid, PriceError, ValueError)
            ):
                # A hang (TimeoutError) or a bug in the other integration: keep
                # the last prices all the same, and say what it was.
                err = HomeAssistantError(f"{type(err).__name__}: {err}")
            self._failed_at = now
            self.error = str(err) or type(err).__name__
            if isinstance(err, PriceError):
                self.error_key = err.translation_key
                self.error_placeholders = dict(err.placeholders)
            else:
                self.error_key = "price_action_failed"
                self.error_placeholders = {"error": self.error}
            # Once per failing stretch (retries every few minutes would flood
            # the log), and once again when it is back.
            log = LOGGER.debug if self._failing else LOGGER.warning
            log("Price action %s failed: %s", self.site.price_action, err)
            self._failing = True
            return
        if self._failing:
            LOGGER.info("Price action %s works again", self.site.price_action)
            self._failing = False
        self._fetched_at = now
        self._failed_at = None
        self.error = self.error_key = None
        self.error_placeholders = {}

    def _due(self, now: datetime) -> bool:
        """Fetch on the first round, a new day, a retry, or until tomorrow is known."""
        if self._failed_at is not None:
            return now - self._failed_at >= RETRY_AFTER
        if self._cached is None or self._fetched_at is None:
            return True
        local = dt_util.as_local(now)
        if dt_util.as_local(self._fetched_at).date() != local.date():
            return True
        tomorrow_end = dt_util.start_of_local_day(local) + timedelta(days=2)
        end = self._cached.end
        waiting = local.hour >= TOMORROW_AFTER_HOUR and (
            end is None or end < tomorrow_end
        )
        return waiting and now - self._fetched_at >= REFETCH_EVERY

    async def _async_fetch(self, now: datetime) -> PriceSeries:
        """Today's and tomorrow's prices from the action."""
        key = self.site.price_action or ""
        source = ACTION_SOURCES[key]
        tz = dt_util.get_default_time_zone()
        start = dt_util.start_of_local_day(dt_util.as_local(now))
        options = ActionOptions(
            config_entry_id=self.site.price_config_entry,
            select=self.site.price_area,
            channel=self.site.price_channel,
        )
        requests = source.requests(
            options, start=start, end=start + timedelta(days=2), tz=tz
        )
        responses = [
            await self.hass.services.async_call(
                request.domain,
                request.service,
                dict(request.data),
                blocking=True,
                return_response=True,
            )
            for request in requests
        ]
        return source.parse_responses(responses, tz=tz, select=self.site.price_area)

    def read(self, horizon: Horizon) -> Prices:
        """Prices per step of ``horizon`` (raises PriceReadError when none)."""
        kind = self.site.price_source
        if kind is PriceSourceKind.TARIFF:
            series = self._tariff_series(horizon)
            return self._resampled(series, horizon, forecast=True, stale=False)
        if kind is PriceSourceKind.ACTION:
            end = self._cached.end if self._cached is not None else None
            if self._cached is None or end is None or end <= horizon.start:
                raise PriceReadError(
                    "price_action_failed",
                    action=self.site.price_action or "",
                    error=self.error or "",
                )
            stale = self._failed_at is not None
            return self._resampled(self._cached, horizon, forecast=True, stale=stale)
        return self._read_entity(horizon)

    def _read_entity(self, horizon: Horizon) -> Prices:
        """A price entity: its forecast, or its current price for every step."""
        entity_id = self.site.price_entity or ""
        state = self.hass.states.get(entity_id)
        if state is None:
            raise PriceReadError("price_entity_missing", entity_id=entity_id)
        try:
            series = entity_series(self.hass, entity_id)
            return self._resampled(series, horizon, forecast=True, stale=False)
        except PriceError:
            price = state_number(state)
            try:
                unit = parse_unit(state.attributes.get("unit_of_measurement") or None)
            except PriceError:
                price = None
            if price is None:
                raise PriceReadError(
                    "price_unusable",
                    transient=state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN),
                    entity_id=entity_id,
                ) from None
            price *= unit.factor
            return Prices(
                prices=(price,) * horizon.steps,
                estimated=False,
                known_until=None,
                forecast=False,
                stale=False,
            )

    def _tariff_series(self, horizon: Horizon) -> PriceSeries:
        """The tariff entered in the flow, over the horizon."""
        try:
            tariff = tariff_from_dict(self.site.tariff or {})
            return tariff_series(
                tariff,
                horizon.start,
                horizon.end,
                dt_util.get_default_time_zone(),
            )
        except PriceError as err:
            raise PriceReadError("price_tariff_invalid", error=str(err)) from err

    def export_prices(self, horizon: Horizon) -> tuple[float, ...] | None:
        """Feed-in prices per step, when an export price entity is configured."""
        if not self.site.export_price_entity:
            return None
        try:
            series = entity_series(self.hass, self.site.export_price_entity)
            return self._sample(series, horizon).prices
        except PriceError:
            return None

    @staticmethod
    def _sample(series: PriceSeries, horizon: Horizon) -> ResampledPrices:
        """Resample a series to the horizon's steps (raises PriceError)."""
        return resample(
            series,
            start=horizon.start,
            step_minutes=horizon.step_minutes,
            steps=horizon.steps,
            tz=dt_util.get_default_time_zone(),
        )

    def _resampled(
        self, series: PriceSeries, horizon: Horizon, *, forecast: bool, stale: bool
    ) -> Prices:
        """A series as prices per step."""
        sampled = self._sample(series, horizon)
        return Prices(
            prices=sampled.prices,
            estimated=sampled.estimated,
            known_until=sampled.known_until,
            forecast=forecast,
            stale=stale,
        )
