"""Repair issues: problems only the user can fix, raised and cleared as they come.

Only actionable ones: an entity the configuration names no longer exists, the
price source gives no usable price or no forecast, or a charger keeps refusing
its setpoint. A source that is briefly unavailable is a status, not a repair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, PriceSourceKind
from .settings import SiteSettings
from .writer import FAILURES_FOR_REPAIR

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .coordinator import PlanData
    from .writer import ChargerWriter

ISSUE_PRICE = "price_unavailable"
ISSUE_NO_FORECAST = "price_no_forecast"
ISSUE_MISSING = "source_missing"
ISSUE_WRITE = "charger_write_failed"
ISSUE_NOT_FOLLOWING = "charger_not_following"
# One translation per reason the writer gives (WriteState.not_following).
NOT_FOLLOWING_KEYS = {
    "limit_not_applied": "charger_not_following_limit_not_applied",
    "draws_more": "charger_not_following_draws_more",
}


def _issue_id(entry: ConfigEntry, kind: str, detail: str = "") -> str:
    """Issue ids are scoped per entry (and per entity or charger)."""
    return f"{entry.entry_id}_{kind}" + (f"_{detail}" if detail else "")


def _ours(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> set[str]:
    """Ids of the open issues of one kind for this entry."""
    prefix = _issue_id(entry, kind)
    return {
        issue_id
        for (domain, issue_id) in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith(prefix)
    }


def async_set_price_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The price entity is missing or gives no usable price."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry, ISSUE_PRICE),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_PRICE,
        translation_placeholders={"source": _price_source(entry)},
    )


def async_update_issues(
    hass: HomeAssistant,
    entry: ConfigEntry,
    data: PlanData,
    writer: ChargerWriter,
    *,
    price_error_lasts: bool = True,
) -> None:
    """Raise the issues the latest plan shows, and clear those that went away.

    ``price_error_lasts`` is false while a transient price gap is younger than
    the coordinator's grace time: the status shows it, a repair would be noise.
    """
    forecast_id = _issue_id(entry, ISSUE_NO_FORECAST)
    if data.inputs.price_error is not None:
        # Planned at a flat price; no price at all says more than no forecast.
        if price_error_lasts:
            async_set_price_issue(hass, entry)
        ir.async_delete_issue(hass, DOMAIN, forecast_id)
    elif data.inputs.price_forecast:
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry, ISSUE_PRICE))
        ir.async_delete_issue(hass, DOMAIN, forecast_id)
    else:
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry, ISSUE_PRICE))
        ir.async_create_issue(
            hass,
            DOMAIN,
            forecast_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_NO_FORECAST,
            translation_placeholders={"source": _price_source(entry)},
        )
    missing = {
        entity_id: _issue_id(entry, ISSUE_MISSING, entity_id)
        for entity_id in data.inputs.problems
        if hass.states.get(entity_id) is None
    }
    for entity_id, issue_id in missing.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_MISSING,
            translation_placeholders={"entity_id": entity_id},
        )
    for issue_id in _ours(hass, entry, ISSUE_MISSING) - set(missing.values()):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    failing = {}
    for charger in writer.chargers:
        state = writer.states[charger.subentry_id]
        if state.failures >= FAILURES_FOR_REPAIR:
            issue_id = _issue_id(entry, ISSUE_WRITE, charger.subentry_id)
            failing[issue_id] = (charger.name, state.error or "")
    for issue_id, (name, error) in failing.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_WRITE,
            translation_placeholders={"charger": name, "error": error},
        )
    for issue_id in _ours(hass, entry, ISSUE_WRITE) - set(failing):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    ignoring = {
        _issue_id(entry, ISSUE_NOT_FOLLOWING, charger.subentry_id): (
            charger.name,
            reason,
        )
        for charger in writer.chargers
        if (reason := writer.states[charger.subentry_id].not_following)
    }
    for issue_id, (name, reason) in ignoring.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=NOT_FOLLOWING_KEYS[reason],
            translation_placeholders={"charger": name},
        )
    for issue_id in _ours(hass, entry, ISSUE_NOT_FOLLOWING) - set(ignoring):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


def _price_source(entry: ConfigEntry) -> str:
    """The configured price source, as the issue text names it."""
    site = SiteSettings.from_entry(entry)
    if site.price_source is PriceSourceKind.ACTION:
        return f"{site.price_action} ({site.price_config_entry})"
    if site.price_source is PriceSourceKind.TARIFF:
        return "tariff"
    return site.price_entity or ""


def async_clear_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove every issue of this entry (when it is removed)."""
    prefix = f"{entry.entry_id}_"
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
