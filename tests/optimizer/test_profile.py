"""OCPP 1.6 charging profiles from a plan."""

from __future__ import annotations

import pytest

from custom_components.opti_vgi.optimizer.algorithm import SolveOptions
from custom_components.opti_vgi.optimizer.heuristic import HeuristicAlgorithm
from custom_components.opti_vgi.optimizer.model import Plan
from custom_components.opti_vgi.optimizer.profile import to_charging_profile

from .builders import charger, problem, vehicle


def planned() -> Plan:
    # 15-minute steps: cheap in steps 2-5, the vehicle needs 4 x 16 A x 15 min.
    return HeuristicAlgorithm().calculate(
        problem(
            (0.3, 0.3, 0.1, 0.1, 0.1, 0.1, 0.3, 0.3),
            step_minutes=15,
            chargers=[charger("c1"), charger("c2", phases=1)],
            vehicles=[vehicle(departure_h=2, need_kwh=11.04)],
        ),
        SolveOptions(),
    )


def test_amps_with_equal_steps_merged() -> None:
    plan = planned()
    assert plan.charger("c1").current_a == (0, 0, 16, 16, 16, 16, 0, 0)
    assert to_charging_profile(plan, "c1") == {
        "chargingProfileId": 1,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "startSchedule": "2026-01-05T18:00:00+00:00",
            "duration": 7200,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 0.0, "numberPhases": 3},
                {"startPeriod": 1800, "limit": 16.0, "numberPhases": 3},
                {"startPeriod": 5400, "limit": 0.0, "numberPhases": 3},
            ],
        },
    }


def test_watts_are_current_times_voltage_times_phases() -> None:
    profile = to_charging_profile(
        planned(),
        "c1",
        unit="W",
        stack_level=3,
        profile_id=42,
        purpose="TxDefaultProfile",
    )
    assert profile["chargingProfileId"] == 42
    assert profile["stackLevel"] == 3
    assert profile["chargingProfilePurpose"] == "TxDefaultProfile"
    schedule = profile["chargingSchedule"]
    assert schedule["chargingRateUnit"] == "W"
    assert [p["limit"] for p in schedule["chargingSchedulePeriod"]] == [
        0.0,
        16 * 230 * 3,
        0.0,
    ]


def test_an_idle_one_phase_charger_is_one_period() -> None:
    profile = to_charging_profile(planned(), "c2", number_phases=1)
    assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 0.0, "numberPhases": 1}
    ]


def test_bad_arguments() -> None:
    plan = planned()
    with pytest.raises(ValueError, match="unit must be"):
        to_charging_profile(plan, "c1", unit="kW")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="purpose must be one of"):
        to_charging_profile(plan, "c1", purpose="Whatever")
    with pytest.raises(KeyError):
        to_charging_profile(plan, "nope")
