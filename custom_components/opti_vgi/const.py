"""Constants shared by the Opti-VGI integration.

The configuration keys below are the contract between the config flows (which
write them) and settings.py (which parses them into typed settings for the rest
of the integration). Nothing else reads entry or subentry data directly.
"""

from __future__ import annotations

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "opti_vgi"
LOGGER = logging.getLogger(__package__)

SUBENTRY_CHARGER: Final = "charger"
SUBENTRY_VEHICLE: Final = "vehicle"

# --- Site entry: data (user step and reconfigure) ---------------------------------
CONF_PRICE_SOURCE: Final = "price_source"  # PriceSourceKind
CONF_PRICE_ENTITY: Final = "price_entity"
CONF_PRICE_ACTION: Final = "price_action"  # "<action source key>:<config entry id>"
CONF_PRICE_AREA: Final = "price_area"  # Nord Pool area or Tibber home
CONF_PRICE_CHANNEL: Final = "price_channel"  # Amber channel
CONF_TARIFF: Final = "tariff"  # stored tariff (prices.tariffs.tariff_to_dict)
CONF_TARIFF_PRICE: Final = "tariff_price"  # flow field: price outside the periods
CONF_TARIFF_PERIODS: Final = "tariff_periods"  # flow field: time-of-use periods
CONF_EXPORT_PRICE_ENTITY: Final = "export_price_entity"
CONF_LIMIT_MODE: Final = "limit_mode"  # LimitMode
CONF_SITE_LIMIT_KW: Final = "site_limit_kw"
CONF_SITE_LIMIT_A: Final = "site_limit_a"  # per phase
CONF_SITE_PHASES: Final = "site_phases"
CONF_SITE_VOLTAGE: Final = "site_voltage"
CONF_GRID_POWER_ENTITY: Final = "grid_power_entity"
CONF_GRID_POWER_SIGN: Final = "grid_power_sign"  # GridSign
CONF_PHASE_CURRENT_ENTITIES: Final = "phase_current_entities"

# --- Site entry: options --------------------------------------------------------
CONF_STEP_MINUTES: Final = "step_minutes"
CONF_HORIZON_HOURS: Final = "horizon_hours"
CONF_ALGORITHM: Final = "algorithm"
CONF_SAFETY: Final = "safety"  # options section: what to do when something fails
CONF_FALLBACK_HOUSE_KW: Final = "fallback_house_kw"  # house load when a meter fails
CONF_RELEASE_MODE: Final = "release_mode"  # ReleaseMode
CONF_RELEASE_CURRENT: Final = "release_current"  # A, with ReleaseMode.CURRENT
CONF_OVERRIDE_MINUTES: Final = "override_minutes"  # how long a user's limit holds

# --- Charger subentry -----------------------------------------------------------
CONF_NAME: Final = "name"
CONF_CONTROL: Final = "control"  # ControlMethod
CONF_CURRENT_ENTITY: Final = "current_entity"  # number entity, unit A, mA, W or kW
CONF_PRESET: Final = "preset"  # ChargerPreset
CONF_ACTION: Final = "action"  # "domain.service"
CONF_ACTION_VALUE_FIELD: Final = "action_value_field"
CONF_ACTION_UNIT: Final = "action_unit"  # CurrentUnit
CONF_ACTION_DATA: Final = "action_data"  # fixed fields, e.g. {"devid": "..."}
CONF_PAUSE_MODE: Final = "pause_mode"  # PauseMode
CONF_PAUSE_ENTITY: Final = "pause_entity"
CONF_PAUSE_OPTION: Final = "pause_option"
CONF_RESUME_OPTION: Final = "resume_option"
CONF_PAUSE_ACTION: Final = "pause_action"  # "domain.service", PauseMode.ACTION
CONF_RESUME_ACTION: Final = "resume_action"
CONF_STATUS_ENTITY: Final = "status_entity"
CONF_PLUGGED_STATES: Final = "plugged_states"
CONF_CHARGING_STATES: Final = "charging_states"
CONF_POWER_ENTITY: Final = "power_entity"
CONF_ENERGY_ENTITY: Final = "energy_entity"
CONF_PHASES: Final = "phases"
CONF_PHASE: Final = "phase"  # the site phase of the charger's L1 (its wiring)
CONF_CONNECTION: Final = "connection"  # flow field: ChargerConnection, stored as both
CONF_VOLTAGE: Final = "voltage"
CONF_MIN_CURRENT: Final = "min_current"
CONF_MAX_CURRENT: Final = "max_current"
CONF_MIN_WRITE_INTERVAL: Final = "min_write_interval"  # seconds
# Seconds a charger stays on (or off) before it may be switched again: the
# device's own minimum on/off time (a mode change on a Pod Point takes minutes).
CONF_MIN_SWITCH_TIME: Final = "min_switch_time"
# Amperes between the currents an action takes (a number entity has its own
# step): OCPP and KEBA take tenths, Easee whole amperes.
CONF_CURRENT_STEP: Final = "current_step"
# The guest profile: a plugged-in car that no vehicle is identified as gets
# this much energy (kWh from the grid; 0 or absent: off, the car is left alone)
# within this many hours of its plug-in.
CONF_GUEST_ENERGY: Final = "guest_energy_kwh"
CONF_GUEST_HOURS: Final = "guest_hours"

# --- Vehicle subentry -----------------------------------------------------------
CONF_SOC_ENTITY: Final = "soc_entity"
CONF_CAPACITY_KWH: Final = "capacity_kwh"
CONF_TARGET_SOC: Final = "target_soc"
CONF_MIN_SOC: Final = "min_soc"
CONF_EFFICIENCY: Final = "efficiency"
CONF_MAX_POWER_KW: Final = "max_power_kw"
CONF_DEPARTURE: Final = "departure"  # "HH:MM:SS"
CONF_ARRIVAL: Final = "arrival"  # "HH:MM:SS", for planning before plug-in
CONF_PLAN_AHEAD: Final = "plan_ahead"  # reserve capacity before arrival
CONF_CHARGER: Final = "charger"  # subentry id of the charger it usually uses
CONF_SESSION_ENERGY: Final = "session_energy"  # kWh per session without a SoC
# Optional weekly departures: {"mon": "07:00:00", "sat": None, ...}; a day that
# is missing follows the daily departure, None is no departure that day.
CONF_WEEKLY_DEPARTURES: Final = "weekly_departures"
# Evidence of where a vehicle is: its own plugged-in (or charging) sensor, and
# its location (a device_tracker or person-like entity: "home" or elsewhere).
CONF_PLUGGED_ENTITY: Final = "plugged_entity"
# Site option: a calendar whose events naming a vehicle are reservations.
CONF_CALENDAR_ENTITY: Final = "calendar_entity"
CONF_TRACKER_ENTITY: Final = "tracker_entity"
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Its on-board charger, under the charger's key names: CONF_PHASES (1, 2 or 3),
# CONF_MAX_CURRENT (A per phase) and CONF_MIN_CURRENT (A, optional). A vehicle
# stored without them has them derived from CONF_MAX_POWER_KW.

# --- Defaults -------------------------------------------------------------------
DEFAULT_SITE_LIMIT_KW: Final = 11.0
DEFAULT_SITE_LIMIT_A: Final = 25.0
DEFAULT_VOLTAGE: Final = 230.0
DEFAULT_STEP_MINUTES: Final = 15
DEFAULT_HORIZON_HOURS: Final = 24
DEFAULT_ALGORITHM: Final = "lp"
DEFAULT_MIN_CURRENT: Final = 6.0
DEFAULT_MAX_CURRENT: Final = 16.0
DEFAULT_MIN_WRITE_INTERVAL: Final = 60
DEFAULT_MIN_SWITCH_TIME: Final = 0
DEFAULT_CURRENT_STEP: Final = 1.0
# The current steps an action may be given: a tenth (the optimizer's finest
# grid) to 10 A.
MIN_CURRENT_STEP: Final = 0.1
MAX_CURRENT_STEP: Final = 10.0
# A guest stays for an afternoon or an evening, not overnight: ready this many
# hours after plugging in (a daily departure would hold a guest who came at
# 14:00 until the cheap night, after they left).
DEFAULT_GUEST_HOURS: Final = 4.0
DEFAULT_TARGET_SOC: Final = 80.0
DEFAULT_MIN_SOC: Final = 20.0
DEFAULT_EFFICIENCY: Final = 0.9
DEFAULT_MAX_POWER_KW: Final = 11.0
DEFAULT_DEPARTURE: Final = "07:00:00"
DEFAULT_ARRIVAL: Final = "18:00:00"
# Without a SoC sensor a session wants this much unless the user says otherwise:
# a plugged-in car is charged, not paused because nobody set a number yet.
DEFAULT_SESSION_ENERGY_KWH: Final = 20.0
# A meter that fails: its last value holds this long, then the assumed house load
# (by default this share of the site limit) counts instead.
METER_HOLD_SECONDS: Final = 60
DEFAULT_FALLBACK_HOUSE_SHARE: Final = 0.5
DEFAULT_RELEASE_CURRENT: Final = 6.0
DEFAULT_OVERRIDE_MINUTES: Final = 60
STEP_CHOICES: Final = (5, 15, 30, 60)
MAX_HORIZON_HOURS: Final = 48
ALGORITHM_CHOICES: Final = ("lp", "heuristic")

# OCPP 1.6 connector states (lbbrhzn/ocpp "Status.Connector"): plugged in and charging.
OCPP_PLUGGED_STATES: Final = (
    "Preparing",
    "Charging",
    "SuspendedEV",
    "SuspendedEVSE",
    "Finishing",
)
OCPP_CHARGING_STATES: Final = ("Charging",)


class PriceSourceKind(StrEnum):
    """Where the prices come from."""

    ENTITY = "entity"  # a sensor (or event) entity with a price list attribute
    ACTION = "action"  # a response action of a price integration
    TARIFF = "tariff"  # a fixed or time-of-use tariff entered in the flow


class LimitMode(StrEnum):
    """How the site limit is given."""

    POWER = "power"  # kW
    CURRENT = "current"  # A per phase, with the number of phases


class GridSign(StrEnum):
    """Sign convention of the grid power meter."""

    IMPORT_POSITIVE = "import_positive"
    EXPORT_POSITIVE = "export_positive"


class ControlMethod(StrEnum):
    """How the current limit reaches the charger."""

    NUMBER = "number"  # number.set_value on one of the charger's entities
    ACTION = "action"  # an action of the charger's integration
    # No current limit at all: on at its fixed current, or off, through its
    # pause method (a switch, a mode select, start/stop actions).
    ON_OFF = "on_off"


class CurrentUnit(StrEnum):
    """Unit of the value written to the charger (and read back from it)."""

    AMPERE = "A"
    MILLIAMPERE = "mA"
    WATT = "W"
    KILOWATT = "kW"

    @property
    def is_power(self) -> bool:
        """Whether the value is a power (W, kW): it depends on the phases in use."""
        return self in (CurrentUnit.WATT, CurrentUnit.KILOWATT)


class ChargerConnection(StrEnum):
    """How a charger is wired to the site: its phases, and the site phase of its L1.

    A 3-phase charger is often rotated, so that 1-phase cars on several
    chargers do not all load the site's L1: its L1 on the site's L2 puts its
    L2 on L3 and its L3 on L1. Stored as ``phases`` and ``phase``.
    """

    THREE_PHASE = "three_phase"  # L1-L2-L3 on the site's L1-L2-L3
    THREE_PHASE_L2 = "three_phase_l2"  # its L1 on the site's L2 (L2-L3-L1)
    THREE_PHASE_L3 = "three_phase_l3"  # its L1 on the site's L3 (L3-L1-L2)
    SINGLE_PHASE_L1 = "single_phase_l1"
    SINGLE_PHASE_L2 = "single_phase_l2"
    SINGLE_PHASE_L3 = "single_phase_l3"

    @property
    def phases(self) -> int:
        """How many phases the charger has (1 or 3)."""
        return 3 if self.value.startswith("three") else 1

    @property
    def phase(self) -> int:
        """The site phase (1-3) of the charger's L1."""
        return int(self.value[-1]) if self.value[-1].isdigit() else 1

    @classmethod
    def of(cls, phases: int, phase: int) -> ChargerConnection:
        """The connection of a charger stored as ``phases`` and ``phase``."""
        for connection in cls:
            if connection.phases == phases and connection.phase == phase:
                return connection
        raise ValueError(f"no connection with {phases} phases, L1 on L{phase}")


class PauseMode(StrEnum):
    """How to stop charging when the plan says 0 A."""

    ZERO = "zero"  # the charger accepts 0 A as a pause
    SWITCH = "switch"  # turn a switch off (and on again to resume)
    SWITCH_ON = "switch_on"  # turn a switch on (V2C's "Paused"; off resumes)
    SELECT = "select"  # choose a select option (and another to resume)
    ACTION = "action"  # call a stop action (and a start action to resume)

    @property
    def domain(self) -> str:
        """The domain of its pause entity ("" when it needs none)."""
        return {
            PauseMode.SWITCH: "switch",
            PauseMode.SWITCH_ON: "switch",
            PauseMode.SELECT: "select",
        }.get(self, "")


class ChargerPreset(StrEnum):
    """Known chargers whose action and status formats we fill in for the user."""

    OCPP = "ocpp"
    EASEE = "easee"
    KEBA = "keba"
    ZAPTEC = "zaptec"
    WALLBOX = "wallbox"
    PEBLAR = "peblar"
    LEKTRICO = "lektrico"
    GOE = "goe"
    OPENEVSE = "openevse"
    HYPERVOLT = "hypervolt"
    SMARTEVSE = "smartevse"
    EMPORIA = "emporia"
    TESLA_FLEET = "tesla_fleet"
    TESLEMETRY = "teslemetry"
    V2C = "v2c"
    SMAPPEE = "smappee"
    ZAPPI = "zappi"
    POD_POINT = "pod_point"
    CUSTOM = "custom"


class ReleaseMode(StrEnum):
    """What a charger is set to when Opti-VGI lets go of it.

    On unload, on Home Assistant stop and when smart charging is turned off:
    a charger left paused would strand the next car.
    """

    LEAVE = "leave"  # as it is
    MINIMUM = "minimum"  # its minimum current (a car charges, the fuse is safe)
    MAXIMUM = "maximum"  # its maximum current
    CURRENT = "current"  # a given current


class Control(StrEnum):
    """What one charger gets in one round: the single decision the writer carries out.

    The sensor of each charger shows it, so "why is my car not charging" has an
    answer without reading logs.
    """

    IDLE = "idle"  # nothing plugged in: nothing to write
    PLAN = "plan"  # follows the plan
    STOP = "stop"  # 0 A: mode off, or the car needs nothing more
    # Follows the plan for an unidentified car, with the charger's guest profile.
    GUEST = "guest"
    RELEASED = "released"  # smart charging off: released once, then left alone
    # Left alone, its draw counted as a fixed load against the limits:
    UNKNOWN_VEHICLE = "unknown_vehicle"  # no vehicle is known to be on it
    NEED_UNKNOWN = "need_unknown"  # its vehicle's SoC cannot be read now
    CLAIMED_ELSEWHERE = "claimed_elsewhere"  # its vehicle is on another charger
    STATUS_UNAVAILABLE = "status_unavailable"  # plugged in or not cannot be read
    OVERRIDE = "override"  # someone else set its limit; respected for a while
    # Switched on or off less than its minimum on/off time ago: kept so.
    HELD = "held"
    NOT_FOLLOWING = "not_following"  # it does not do what was written

    @property
    def left_alone(self) -> bool:
        """Whether the plan does not control this charger (its draw is fixed)."""
        return self not in (Control.IDLE, Control.PLAN, Control.GUEST, Control.STOP)

    @property
    def planned(self) -> bool:
        """Whether the charger follows the plan's current (a known car or a guest)."""
        return self in (Control.PLAN, Control.GUEST)


class ChargerMode(StrEnum):
    """Per-charger mode chosen by the user (select entity)."""

    SMART = "smart"  # follow the plan
    FAST = "fast"  # as fast as the limits allow, whatever the price
    OFF = "off"  # do not charge


class PlanState(StrEnum):
    """Status sensor states: what the planner is doing, or why it is not."""

    OK = "ok"
    IDLE = "idle"  # no vehicle to plan for
    DISABLED = "disabled"  # smart charging switched off
    SHORTFALL = "shortfall"  # some vehicle will not get all it needs
    ESTIMATED_PRICES = "estimated_prices"  # departure beyond the known prices
    FALLBACK = "fallback"  # the optimizer failed; the heuristic planned
    NO_PRICES = "no_prices"  # the price source gives nothing usable
    PRICES_STALE = "prices_stale"  # the price action failed; the last prices are used
    SOURCE_UNAVAILABLE = "source_unavailable"  # a required entity is missing
    WRITE_FAILED = "write_failed"  # a charger did not accept its setpoint
    NOT_FOLLOWING = "not_following"  # a charger does not follow what was written
    METER_UNAVAILABLE = "meter_unavailable"  # a meter fails: assumed house load
    ERROR = "error"  # an unexpected error; the reason is in the attributes
