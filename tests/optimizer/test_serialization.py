"""The JSON problem and plan formats."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
import pytest

from custom_components.opti_vgi.optimizer.algorithm import SolveOptions
from custom_components.opti_vgi.optimizer.heuristic import HeuristicAlgorithm
from custom_components.opti_vgi.optimizer.model import ModelError, Problem
from custom_components.opti_vgi.optimizer.serialization import (
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
)

from .builders import START, charger, problem, vehicle
from .strategies import problems

EXAMPLES = sorted((Path(__file__).parents[2] / "docs" / "examples").glob("*.json"))

MINIMAL: dict[str, Any] = {
    "horizon": {"start": "2026-01-05T18:00:00+01:00", "step_minutes": 60},
    "site": {"import_limit_kw": 11},
    "prices": [0.3, 0.1],
    "chargers": [{"id": "c1"}],
    "vehicles": [
        {
            "id": "v1",
            "charger_id": "c1",
            "departure": "2026-01-05T20:00:00+01:00",
            "energy_needed_kwh": 10,
        }
    ],
}


def test_a_minimal_problem_takes_the_model_defaults() -> None:
    read = problem_from_dict(MINIMAL)
    assert read.horizon.steps == 2  # from the prices
    assert read.horizon.start == datetime(2026, 1, 5, 17, tzinfo=UTC)  # 18:00+01:00
    assert read.site.import_limit_kw == 11.0
    assert read.site.fuse_limit_a is None
    assert read.currency == "EUR"
    assert read.chargers == (charger("c1"),)
    only = read.vehicles[0]
    assert only.arrival == read.horizon.start  # no arrival: plugged in now
    assert only.max_power_kw is None
    assert (only.min_energy_kwh, only.efficiency, only.priority) == (0, 1, 1)


def test_a_null_arrival_is_plugged_in_now() -> None:
    data = copy.deepcopy(MINIMAL)
    data["vehicles"][0]["arrival"] = None
    assert problem_from_dict(data) == problem_from_dict(MINIMAL)


def test_series_limits_and_base_load() -> None:
    data = copy.deepcopy(MINIMAL)
    data["site"] = {
        "import_limit_kw": [11, 7.5],
        "base_load_kw": [0.5, 1],
        "fuse_limit_a": 25,
        "phases": 1,
        "voltage_v": 240,
    }
    site = problem_from_dict(data).site
    assert site.import_limit_kw == (11.0, 7.5)
    assert site.base_load_kw == (0.5, 1.0)
    assert (site.fuse_limit_a, site.phases, site.voltage_v) == (25, 1, 240)


@settings(max_examples=50, deadline=None)
@given(generated=problems())
def test_round_trip(generated: Problem) -> None:
    data = json.loads(json.dumps(problem_to_dict(generated)))
    assert problem_from_dict(data) == generated


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_examples_read_and_round_trip(path: Path) -> None:
    read = problem_from_dict(json.loads(path.read_text()))
    assert problem_from_dict(problem_to_dict(read)) == read


def test_there_are_at_least_three_examples() -> None:
    assert len(EXAMPLES) >= 3


def broken(change: str, value: object) -> dict[str, Any]:
    """MINIMAL with the dotted field ``change`` set to ``value`` (or removed)."""
    data = copy.deepcopy(MINIMAL)
    *parents, last = change.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: int | str = int(last) if last.isdigit() else last
    if value is REMOVE:
        del target[key]
    else:
        target[key] = value
    return data


REMOVE = object()


@pytest.mark.parametrize(
    ("change", "value", "message"),
    [
        ("horizon", REMOVE, "horizon: missing"),
        ("horizon", [], "horizon: expected an object"),
        ("horizon.start", "yesterday", "horizon.start: 'yesterday' is not an ISO"),
        (
            "horizon.start",
            "2026-01-05T18:00:00",
            "horizon.start: '2026-01-05T18:00:00' needs a UTC offset",
        ),
        ("horizon.start", 5, "horizon.start: expected an ISO 8601 datetime"),
        ("horizon.step_minutes", 7, "horizon: step must be one of"),
        ("horizon.step_minutes", 15.0, "horizon.step_minutes: expected an integer"),
        ("horizon.steps", 3, "need 3 prices, got 2"),
        ("horizon.extra", 1, "unknown field horizon.extra"),
        ("prices", "cheap", "prices: expected a list of numbers"),
        ("prices", [0.1, True], "prices[1]: expected a number"),
        ("prices", [0.1, float("nan")], "prices[1]: expected a finite number"),
        ("site", REMOVE, "site: missing"),
        ("site.import_limit_kw", -1, "site.import_limit_kw: must not be negative"),
        ("site.import_limit_kw", [1, -1], "site.import_limit_kw: must not be negative"),
        ("site.import_limit_kw", "11", "site.import_limit_kw: expected a number"),
        ("site.fuse_limit_a", 0, "site.fuse_limit_a: must be > 0"),
        ("site.phases", 2, "site.phases: must be 1 or 3"),
        ("site.voltage_v", 0, "site.voltage_v: must be > 0"),
        ("site.base_load_kw", [1], "need 2 base load values, got 1"),
        ("site.limit", 3, "unknown field site.limit"),
        ("chargers", {}, "chargers: expected a list"),
        ("chargers.0", "c1", "chargers[0]: expected an object"),
        ("chargers.0.id", "", "chargers[0].id: expected a non-empty string"),
        ("chargers.0.phases", 4, "chargers[0]: charger c1: phases must be 1, 2 or 3"),
        ("chargers.0.accepts_zero", "yes", "chargers[0].accepts_zero: expected true"),
        ("chargers.0.max_a", 16, "unknown field chargers[0].max_a"),
        ("vehicles.0.departure", REMOVE, "vehicles[0].departure: missing"),
        ("vehicles.0.charger_id", "c9", "vehicle v1 uses unknown charger c9"),
        ("vehicles.0.energy_needed_kwh", -1, "vehicles[0]: vehicle v1: energy needed"),
        (
            "vehicles.0.max_power_kw",
            "fast",
            "vehicles[0].max_power_kw: expected a number",
        ),
        ("vehicles.0.soc", 50, "unknown field vehicles[0].soc"),
        ("currency", 3, "currency: expected a non-empty string"),
        ("version", 1, "unknown field version"),
        # The model's own checks, reached through the JSON reader.
        ("horizon.steps", 0, "horizon: horizon needs at least one step"),
        ("horizon.steps", 49, "horizon: horizon is limited to 48 hours"),
        ("chargers.0.phase", 4, "chargers[0]: charger c1: phase must be 1, 2 or 3"),
        ("chargers.0.min_current_a", 20, "chargers[0]: charger c1: need 0 <= minimum"),
        ("chargers.0.current_step_a", 0, "chargers[0]: charger c1: current step"),
        ("vehicles.0.min_energy_kwh", 11, "vehicles[0]: vehicle v1: need 0 <= minimum"),
        ("vehicles.0.efficiency", 0, "vehicles[0]: vehicle v1: efficiency must be"),
        ("vehicles.0.priority", 0, "vehicles[0]: vehicle v1: priority must be > 0"),
        ("vehicles.0.max_power_kw", -1, "vehicles[0]: vehicle v1: maximum power must"),
    ],
)
def test_bad_input_names_the_field(change: str, value: object, message: str) -> None:
    with pytest.raises(ModelError) as raised:
        problem_from_dict(broken(change, value))
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize("kind", ["chargers", "vehicles"])
def test_ids_must_be_unique(kind: str) -> None:
    data = copy.deepcopy(MINIMAL)
    data[kind].append(data[kind][0])
    with pytest.raises(ModelError, match=f"{kind[:-1]} ids must be unique"):
        problem_from_dict(data)


def test_the_problem_must_be_an_object() -> None:
    with pytest.raises(ModelError, match="problem: expected an object"):
        problem_from_dict([])  # type: ignore[arg-type]


def test_plan_to_dict_is_json_safe_and_complete() -> None:
    shaped = problem(
        (0.3, 0.1),
        vehicles=[
            vehicle("v1", departure_h=2, need_kwh=11.04),
            vehicle("v2", "c2", departure_h=2, need_kwh=100),
        ],
        chargers=[charger("c1"), charger("c2", phases=1)],
    )
    plan = HeuristicAlgorithm().calculate(shaped, SolveOptions())
    plan.statistics.update({"nodes": 3.0, "gap": float("inf")})
    data = json.loads(json.dumps(plan_to_dict(plan), allow_nan=False))
    assert data["algorithm"] == "heuristic"
    assert data["status"] == "heuristic"
    assert data["message"] == ""
    assert data["statistics"] == {"nodes": 3.0, "gap": None}
    assert data["horizon"] == {
        "start": "2026-01-05T18:00:00+00:00",
        "end": "2026-01-05T20:00:00+00:00",
        "step_minutes": 60,
        "steps": 2,
    }
    assert data["step_starts"] == [
        "2026-01-05T18:00:00+00:00",
        "2026-01-05T19:00:00+00:00",
    ]
    assert data["site_power_kw"] == [3.68, 14.72]
    assert data["peak_kw"] == 14.72
    assert data["cost"] == round(3.68 * 0.3 + 14.72 * 0.1, 6)
    assert data["shortfall_kwh"] == round(100 - 7.36, 6)
    assert data["vehicles"][0] == {
        "vehicle_id": "v1",
        "charger_id": "c1",
        "energy_kwh": 11.04,
        "shortfall_kwh": 0.0,
        "completion": (START + timedelta(hours=2)).isoformat(),
        "cost": 1.104,
        "power_kw": [0.0, 11.04],
        "current_a": [0.0, 16.0],
    }
    assert data["vehicles"][1]["completion"] is None
    assert data["chargers"][1] == {
        "charger_id": "c2",
        "current_a": [16.0, 16.0],
        "power_kw": [3.68, 3.68],
    }
