"""How known charger integrations take a current limit and report their state.

The charger subentry flow suggests a preset from the platform of the entity the
user picks, and fills in the action, its value field, the pause method and the
status mapping, so that nobody has to look these up (anchors.md section D).
"""

from __future__ import annotations

from dataclasses import dataclass

from .const import (
    DEFAULT_MIN_WRITE_INTERVAL,
    OCPP_CHARGING_STATES,
    OCPP_PLUGGED_STATES,
    ChargerPreset,
    ControlMethod,
    CurrentUnit,
    PauseMode,
)


@dataclass(frozen=True, kw_only=True)
class Preset:
    """What we know about one charger integration.

    ``device_field`` names the action field that takes the Home Assistant device
    id of the charger (Easee), filled in from the picked entity's device. OCPP's
    ``devid`` is not derived (its unique ids differ between versions): the user
    adds it to the action's fixed fields. ``min_write_interval`` respects cloud
    rate limits.
    """

    preset: ChargerPreset
    platform: str | None
    control: ControlMethod
    action: str | None = None
    value_field: str | None = None
    unit: CurrentUnit = CurrentUnit.AMPERE
    device_field: str | None = None
    pause_mode: PauseMode = PauseMode.ZERO
    plugged_states: tuple[str, ...] = ()
    charging_states: tuple[str, ...] = ()
    min_current: float = 6.0
    min_write_interval: float = DEFAULT_MIN_WRITE_INTERVAL


PRESETS: dict[ChargerPreset, Preset] = {
    ChargerPreset.OCPP: Preset(
        preset=ChargerPreset.OCPP,
        platform="ocpp",
        control=ControlMethod.ACTION,
        action="ocpp.set_charge_rate",
        value_field="limit_amps",
        pause_mode=PauseMode.ZERO,
        plugged_states=OCPP_PLUGGED_STATES,
        charging_states=OCPP_CHARGING_STATES,
    ),
    ChargerPreset.EASEE: Preset(
        preset=ChargerPreset.EASEE,
        platform="easee",
        control=ControlMethod.ACTION,
        action="easee.set_charger_dynamic_limit",
        value_field="current",
        device_field="device_id",
        pause_mode=PauseMode.ZERO,
        plugged_states=("awaiting_start", "charging", "completed", "ready_to_charge"),
        charging_states=("charging",),
        # Easee's cloud answers 429 to frequent writes.
        min_write_interval=120,
    ),
    ChargerPreset.KEBA: Preset(
        preset=ChargerPreset.KEBA,
        platform="keba",
        control=ControlMethod.ACTION,
        action="keba.set_current",
        value_field="current",
        # keba.set_current turns anything below 6 A into 6 A: pausing needs a switch.
        pause_mode=PauseMode.SWITCH,
    ),
    ChargerPreset.ZAPTEC: Preset(
        preset=ChargerPreset.ZAPTEC,
        platform="zaptec",
        control=ControlMethod.NUMBER,
        pause_mode=PauseMode.ZERO,
        plugged_states=(
            "connected_requesting",
            "connected_charging",
            "connected_finished",
        ),
        charging_states=("connected_charging",),
        # Zaptec asks integrators not to change limits more often than every 15 min.
        min_write_interval=900,
    ),
}


def preset_for_platform(platform: str | None) -> ChargerPreset:
    """The preset to suggest for an entity of ``platform`` (custom if unknown)."""
    for preset in PRESETS.values():
        if platform is not None and preset.platform == platform:
            return preset.preset
    return ChargerPreset.CUSTOM
