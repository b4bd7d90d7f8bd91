"""Diagnostics: settings, inputs and plan, with charger ids redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from syrupy.assertion import SnapshotAssertion

from custom_components.opti_vgi.diagnostics import async_get_config_entry_diagnostics

from .site import plan_of, seed_states, setup_site, site_entry


async def test_diagnostics(
    hass: HomeAssistant,
    today: datetime,
    number_calls: list[Any],
    ocpp_calls: list[Any],
    snapshot: SnapshotAssertion,
) -> None:
    """The diagnostics of a planned site match the snapshot."""
    seed_states(hass, today)
    entry = site_entry()
    plan_of(await setup_site(hass, entry))
    # Called directly: the frozen clock would expire the HTTP API's access token.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert (
        diagnostics["entry"]["subentries"][1]["data"]["action_data"] == "**REDACTED**"
    )
    assert diagnostics == snapshot
