"""How known charger integrations take a current limit and report their state.

The charger subentry flow suggests a preset from the platform of the entity the
user picks, and fills in the action, its value field, the pause method and the
status mapping, so that nobody has to look these up (anchors.md section D).
"""

from __future__ import annotations

from dataclasses import dataclass

from .const import (
    DEFAULT_CURRENT_STEP,
    DEFAULT_MIN_SWITCH_TIME,
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
    rate limits; ``min_switch_time`` is how long a switched charger stays on or
    off before it may be switched again (mode changes that take minutes).
    ``number_key`` and ``pause_key`` pick the device's entities of that
    integration: the end of their unique id or their translation key.
    ``current_step`` is the step of an action's current, in A: tenths where
    the integration passes them on (OCPP, KEBA), else whole amperes.
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
    pause_option: str | None = None  # for PauseMode.SELECT: the option that pauses
    resume_option: str | None = None  # and the one that resumes
    pause_action: str | None = None  # for PauseMode.ACTION: the stop action
    resume_action: str | None = None  # and the start action
    min_switch_time: float = DEFAULT_MIN_SWITCH_TIME
    number_key: str | None = None
    pause_key: str | None = None
    current_step: float = DEFAULT_CURRENT_STEP


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
        # lbbrhzn/ocpp takes limit_amps as a float and sends it as the
        # profile's limit, which OCPP defines with one decimal (e.g. 8.1).
        current_step=0.1,
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
        # Its "current" is a whole number (cv.positive_int): whole amperes.
    ),
    ChargerPreset.KEBA: Preset(
        preset=ChargerPreset.KEBA,
        platform="keba",
        control=ControlMethod.ACTION,
        action="keba.set_current",
        value_field="current",
        # keba.set_current turns anything below 6 A into 6 A: the core
        # integration pauses with its actions keba.disable and keba.enable.
        pause_mode=PauseMode.ACTION,
        pause_action="keba.disable",
        resume_action="keba.enable",
        # keba.set_current takes a float, 6-63 A in steps of 0.1 A.
        current_step=0.1,
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


def _number_preset(  # one line per fact of the integration
    preset: ChargerPreset,
    platform: str,
    *,
    pause_mode: PauseMode,
    min_write_interval: float = DEFAULT_MIN_WRITE_INTERVAL,
    min_current: float = 6.0,
    pause_option: str | None = None,
    resume_option: str | None = None,
    number_key: str | None = None,
    pause_key: str | None = None,
) -> Preset:
    """A charger whose limit is a number entity in A on its device."""
    return Preset(
        preset=preset,
        platform=platform,
        control=ControlMethod.NUMBER,
        pause_mode=pause_mode,
        min_write_interval=min_write_interval,
        min_current=min_current,
        pause_option=pause_option,
        resume_option=resume_option,
        number_key=number_key,
        pause_key=pause_key,
    )


# Number-controlled chargers, from their integrations' number and switch or
# select platforms (anchors.md section D, anchors-2026-12.md section 4). Their
# status states differ per firmware, so the status step asks for them.
PRESETS.update(
    {
        # Core: number "maximum_charging_current", switch "pause_resume" (off
        # pauses). Cloud API.
        ChargerPreset.WALLBOX: _number_preset(
            ChargerPreset.WALLBOX,
            "wallbox",
            pause_mode=PauseMode.SWITCH,
            min_write_interval=120,
            number_key="maximum_charging_current",
            pause_key="pause_resume",
        ),
        # Core: number "charge_current_limit" (min 6 A), switch "charge".
        ChargerPreset.PEBLAR: _number_preset(
            ChargerPreset.PEBLAR,
            "peblar",
            pause_mode=PauseMode.SWITCH,
            number_key="charge_current_limit",
            pause_key="charge",
        ),
        # Core: number "dynamic_limit" 0-32 A, 0 pauses.
        ChargerPreset.LEKTRICO: _number_preset(
            ChargerPreset.LEKTRICO,
            "lektrico",
            pause_mode=PauseMode.ZERO,
            number_key="dynamic_limit",
        ),
        # marq24/ha-goecharger-api2: number "amp" 6-32 A; select "frc" (force
        # state) pauses with "1" (do not charge) and resumes with "0" (neutral).
        ChargerPreset.GOE: _number_preset(
            ChargerPreset.GOE,
            "goecharger_api2",
            pause_mode=PauseMode.SELECT,
            pause_option="1",
            resume_option="0",
        ),
        # firstof9/openevse: number "Charge Rate"; select "override_state".
        ChargerPreset.OPENEVSE: _number_preset(
            ChargerPreset.OPENEVSE,
            "openevse",
            pause_mode=PauseMode.SELECT,
            pause_option="disabled",
            resume_option="auto",
        ),
        # gndean/home-assistant-hypervolt-charger: number "Max Current" 6-32 A
        # (sent as mA by the integration), switch "charging". Cloud API.
        ChargerPreset.HYPERVOLT: _number_preset(
            ChargerPreset.HYPERVOLT,
            "hypervolt_charger",
            pause_mode=PauseMode.SWITCH,
            min_write_interval=120,
        ),
        # dingo35/ha-SmartEVSEv3: number "override_current" 6-16 A (a cap of
        # the integration), select "mode" PAUSE / NORMAL (override works in
        # Normal mode only).
        ChargerPreset.SMARTEVSE: _number_preset(
            ChargerPreset.SMARTEVSE,
            "smartevse",
            pause_mode=PauseMode.SELECT,
            pause_option="PAUSE",
            resume_option="NORMAL",
        ),
        # magico13/ha-emporia-vue: number "Current Limit", switch. Cloud API.
        ChargerPreset.EMPORIA: _number_preset(
            ChargerPreset.EMPORIA,
            "emporia_vue",
            pause_mode=PauseMode.SWITCH,
            min_write_interval=120,
        ),
        # Core Tesla Fleet and Teslemetry: the car is the charger here; number
        # "charge_state_charge_current_request", switch
        # "charge_state_user_charge_enable_request". Every command may wake it.
        ChargerPreset.TESLA_FLEET: _number_preset(
            ChargerPreset.TESLA_FLEET,
            "tesla_fleet",
            pause_mode=PauseMode.SWITCH,
            min_write_interval=300,
            min_current=5.0,
            number_key="charge_state_charge_current_request",
            pause_key="charge_state_user_charge_enable_request",
        ),
        ChargerPreset.TESLEMETRY: _number_preset(
            ChargerPreset.TESLEMETRY,
            "teslemetry",
            pause_mode=PauseMode.SWITCH,
            min_write_interval=300,
            min_current=5.0,
            number_key="charge_state_charge_current_request",
            pause_key="charge_state_user_charge_enable_request",
        ),
        # Core V2C Trydan: number "intensity" 6-32 A (its "min_intensity" and
        # "max_intensity" are the charger's own range, not the limit); switch
        # "paused", whose on pauses (pause()) and off resumes (resume()).
        ChargerPreset.V2C: _number_preset(
            ChargerPreset.V2C,
            "v2c",
            pause_mode=PauseMode.SWITCH_ON,
            number_key="intensity",
            pause_key="paused",
        ),
    }
)

# myny-git/smappee_ev: number "max_charging_speed" in A (range from the
# connector; the integration sends a rounded percentage, so what it shows may
# differ from what was written by a fraction); it cannot pause through the
# number, only with its actions pause_charging / resume_charging. Cloud API.
PRESETS[ChargerPreset.SMAPPEE] = Preset(
    preset=ChargerPreset.SMAPPEE,
    platform="smappee_ev",
    control=ControlMethod.NUMBER,
    pause_mode=PauseMode.ACTION,
    pause_action="smappee_ev.pause_charging",
    resume_action="smappee_ev.resume_charging",
    min_write_interval=120,
    number_key="max_charging_speed",
)

# Chargers without a current limit in Home Assistant, planned on or off.
PRESETS.update(
    {
        # CJNE/ha-myenergi: select "Charge Mode" (unique id "...-charge_mode")
        # with Fast / Eco / Eco+ / Stopped. Fast charges at the car's full
        # power, Stopped stops; Eco and Eco+ follow the solar surplus, which the
        # plan cannot count on. Cloud API; a mode change takes a while.
        ChargerPreset.ZAPPI: Preset(
            preset=ChargerPreset.ZAPPI,
            platform="myenergi",
            control=ControlMethod.ON_OFF,
            pause_mode=PauseMode.SELECT,
            pause_option="Stopped",
            resume_option="Fast",
            min_write_interval=120,
            min_switch_time=300,
            pause_key="charge_mode",
        ),
        # mattrayner/pod-point-home-assistant-component: switch "Charging
        # Allowed" (unique id "..._charging_allowed"), which toggles the pod's
        # schedule; "Please allow 5 minutes for mode to change on the pod".
        ChargerPreset.POD_POINT: Preset(
            preset=ChargerPreset.POD_POINT,
            platform="pod_point",
            control=ControlMethod.ON_OFF,
            pause_mode=PauseMode.SWITCH,
            min_write_interval=300,
            min_switch_time=300,
            pause_key="charging_allowed",
        ),
    }
)


def preset_for_platform(platform: str | None) -> ChargerPreset:
    """The preset to suggest for an entity of ``platform`` (custom if unknown)."""
    for preset in PRESETS.values():
        if platform is not None and preset.platform == platform:
            return preset.preset
    return ChargerPreset.CUSTOM
