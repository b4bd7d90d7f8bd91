"""A charger's part of a plan as an OCPP 1.6 ChargingProfile.

Pushing the whole plan as one absolute profile (as Opti-VGI's CSMS does with a
``TxProfile``) keeps a charger on plan even if Home Assistant restarts or loses
the connection, unlike a current setpoint written every step. The dict is the
``csChargingProfiles`` payload of SetChargingProfile, in OCPP's own field names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .model import Plan

PURPOSES = ("TxProfile", "TxDefaultProfile", "ChargePointMaxProfile")


def to_charging_profile(
    plan: Plan,
    charger_id: str,
    *,
    unit: Literal["A", "W"] = "A",
    stack_level: int = 1,
    profile_id: int = 1,
    purpose: str = "TxProfile",
    number_phases: int = 3,
) -> dict[str, Any]:
    """Build the ChargingProfile for ``charger_id`` over the plan's horizon.

    Limits are per phase in A (what most AC chargers accept), or the total in W
    (current x voltage x phases, which is the plan's power). Consecutive steps
    with the same limit become one period, because chargers accept only a
    handful of periods (``ChargingScheduleMaxPeriods``). ``number_phases`` is
    the charger's phase count; the plan does not carry it, and OCPP assumes 3.
    """
    if unit not in ("A", "W"):
        raise ValueError(f"unit must be 'A' or 'W', not {unit!r}")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    charger = plan.charger(charger_id)
    horizon = plan.horizon
    step_s = horizon.step_minutes * 60
    if unit == "A":
        limits = [round(current, 1) for current in charger.current_a]
    else:
        limits = [round(kw * 1000, 1) for kw in charger.power_kw]
    periods: list[dict[str, Any]] = []
    for step, limit in enumerate(limits):
        if not periods or periods[-1]["limit"] != limit:
            periods.append(
                {
                    "startPeriod": step * step_s,
                    "limit": limit,
                    "numberPhases": number_phases,
                }
            )
    return {
        "chargingProfileId": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "startSchedule": horizon.start.isoformat(),
            "duration": horizon.steps * step_s,
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        },
    }
