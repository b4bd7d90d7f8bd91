"""Runtime data of a site entry and the typed config entry alias."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .const import CONF_PRICE_ENTITY, CONF_SITE_LIMIT_KW


@dataclass(frozen=True, kw_only=True)
class SiteSettings:
    """The site entry's configuration, parsed once so nothing reads raw dicts."""

    price_entity: str
    site_limit_kw: float

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> SiteSettings:
        """Read the settings from the entry's data."""
        return cls(
            price_entity=entry.data[CONF_PRICE_ENTITY],
            site_limit_kw=float(entry.data[CONF_SITE_LIMIT_KW]),
        )


@dataclass(kw_only=True)
class OptiVgiRuntimeData:
    """What a loaded site entry keeps while it runs."""

    site: SiteSettings


type OptiVgiConfigEntry = ConfigEntry[OptiVgiRuntimeData]
