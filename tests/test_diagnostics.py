"""Diagnostics: settings, inputs and plan, with charger ids redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from syrupy.assertion import SnapshotAssertion

from custom_components.opti_vgi.diagnostics import async_get_config_entry_diagnostics

from .site import seed_states, site_entry
from .test_coordinator import _setup, number_calls, ocpp_calls, today  # noqa: F401


async def test_diagnostics(
    hass: HomeAssistant,
    today: datetime,  # noqa: F811
    number_calls: list[Any],  # noqa: F811
    ocpp_calls: list[Any],  # noqa: F811
    snapshot: SnapshotAssertion,
) -> None:
    """The diagnostics of a planned site match the snapshot."""
    seed_states(hass, today)
    entry = site_entry()
    await _setup(hass, entry)
    # Called directly: the frozen clock would expire the HTTP API's access token.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert (
        diagnostics["entry"]["subentries"][1]["data"]["action_data"] == "**REDACTED**"
    )
    assert diagnostics == snapshot
