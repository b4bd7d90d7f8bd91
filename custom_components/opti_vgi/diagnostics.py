"""Diagnostics: the settings, what was read, and the plan; nothing sensitive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data

from .services import plan_response
from .translation import describe_inputs

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import OptiVgiConfigEntry

# Action data may carry device or charge point ids of other integrations.
TO_REDACT = {"action_data"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant,  # noqa: ARG001
    entry: OptiVgiConfigEntry,
) -> dict[str, Any]:
    """Everything needed to understand a plan, without personal data."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.plan_data
    return {
        "entry": {
            "data": dict(entry.data),
            "options": dict(entry.options),
            "subentries": [
                {
                    "type": subentry.subentry_type,
                    "title": subentry.title,
                    "data": async_redact_data(dict(subentry.data), TO_REDACT),
                }
                for subentry in entry.subentries.values()
            ],
        },
        "error_state": coordinator.error_state.value
        if coordinator.error_state
        else None,
        "error_reason": coordinator.error_reason,
        "writes": coordinator.writer.as_dict(),
        "guard_caps": {
            key: {"current_a": cap, "since": since.isoformat()}
            for key, (cap, since) in coordinator.guard_caps.items()
        },
        "inputs": describe_inputs(data.inputs) if data else None,
        "plan": plan_response(data, coordinator.settings) if data else None,
    }
