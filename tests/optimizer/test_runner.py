"""The runner: one round of get problem, plan, send plan; fallback on failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
import threading

import pytest

from custom_components.opti_vgi.optimizer import runner
from custom_components.opti_vgi.optimizer.algorithm import (
    Algorithm,
    AlgorithmUnavailableError,
    SolveOptions,
    get_algorithm,
)
from custom_components.opti_vgi.optimizer.assemble import check_plan
from custom_components.opti_vgi.optimizer.model import Plan, PlanStatus, Problem
from custom_components.opti_vgi.optimizer.runner import (
    AsyncTranslation,
    Translation,
    async_run_once,
    plan_with_fallback,
    run_once,
    thread_executor,
)

from .builders import START, problem, vehicle

CHEAP_LATER = problem((0.3, 0.1), vehicles=[vehicle(departure_h=2, need_kwh=11.04)])


class Recorder(Translation):
    def __init__(self) -> None:
        self.asked: list[datetime] = []
        self.sent: list[Plan] = []

    def get_problem(self, now: datetime) -> Problem:
        self.asked.append(now)
        return CHEAP_LATER

    def send_plan(self, plan: Plan) -> None:
        self.sent.append(plan)


class AsyncRecorder(AsyncTranslation):
    def __init__(self) -> None:
        self.asked: list[datetime] = []
        self.sent: list[Plan] = []

    async def async_get_problem(self, now: datetime) -> Problem:
        self.asked.append(now)
        return CHEAP_LATER

    async def async_send_plan(self, plan: Plan) -> None:
        self.sent.append(plan)


class Broken(Algorithm):
    name = "broken"

    def plan(self, problem: Problem, options: SolveOptions) -> Plan:
        del problem, options
        raise RuntimeError("solver exploded")


@pytest.fixture
def with_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make "broken" a failing algorithm without adding it to the registry."""

    def fake_get_algorithm(name: str) -> Algorithm:
        return Broken() if name == "broken" else get_algorithm(name)

    monkeypatch.setattr(runner, "get_algorithm", fake_get_algorithm)


def test_run_once_plans_what_the_translation_describes_and_sends_it() -> None:
    translation = Recorder()
    plan = run_once(translation, "heuristic", START)
    assert translation.asked == [START]
    assert translation.sent == [plan]
    assert plan.vehicle("v1").current_a == (0, 16)
    assert plan.status is PlanStatus.HEURISTIC


def test_a_failing_algorithm_falls_back_to_the_heuristic(with_broken: None) -> None:
    translation = Recorder()
    plan = run_once(translation, "broken", START, SolveOptions(time_limit_s=1))
    assert translation.sent == [plan]
    assert plan.status is PlanStatus.FALLBACK
    assert plan.algorithm == "heuristic"
    assert plan.message == (
        "broken failed (RuntimeError: solver exploded); planned by heuristic"
    )
    assert plan.vehicle("v1").current_a == (0, 16)


def test_when_every_planner_fails_the_last_error_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tried: list[str] = []

    def all_broken(name: str) -> Algorithm:
        tried.append(name)
        return Broken()

    monkeypatch.setattr(runner, "get_algorithm", all_broken)
    with pytest.raises(RuntimeError, match="solver exploded"):
        plan_with_fallback(CHEAP_LATER, "heuristic")
    assert tried == ["heuristic", "uncontrolled"]


def test_a_failing_heuristic_falls_back_to_uncontrolled_within_the_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_heuristic(name: str) -> Algorithm:
        return Broken() if name in {"lp", "heuristic"} else get_algorithm(name)

    monkeypatch.setattr(runner, "get_algorithm", broken_heuristic)
    tight = problem(
        (0.3, 0.1), limit_kw=5.0, vehicles=[vehicle(departure_h=2, need_kwh=20)]
    )
    plan = plan_with_fallback(tight, "lp")
    assert plan.status is PlanStatus.FALLBACK
    assert plan.algorithm == "uncontrolled"
    assert plan.message == (
        "lp failed (RuntimeError: solver exploded); "
        "heuristic failed (RuntimeError: solver exploded); planned by uncontrolled"
    )
    # As soon as possible (no prices), never above the 5 kW limit: 7 A x 0.69.
    assert plan.vehicle("v1").current_a == (7, 7)
    assert check_plan(tight, plan) == []


def test_an_unloadable_algorithm_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(name: str) -> Algorithm:
        if name == "lp":
            raise AlgorithmUnavailableError("algorithm 'lp' cannot be loaded")
        return get_algorithm(name)

    monkeypatch.setattr(runner, "get_algorithm", unavailable)
    plan = plan_with_fallback(CHEAP_LATER, "lp")
    assert plan.status is PlanStatus.FALLBACK
    assert plan.algorithm == "heuristic"
    assert plan.message == "algorithm 'lp' cannot be loaded; planned by heuristic"


def test_an_unknown_algorithm_is_a_configuration_error() -> None:
    translation = Recorder()
    with pytest.raises(KeyError, match="unknown algorithm 'nope'"):
        run_once(translation, "nope", START)
    assert translation.sent == []


def test_async_run_once_solves_through_the_executor() -> None:
    translation = AsyncRecorder()
    jobs: list[Callable[[], Plan]] = []

    async def executor(job: Callable[[], Plan]) -> Plan:
        jobs.append(job)
        return job()

    plan = asyncio.run(
        async_run_once(translation, "uncontrolled", START, executor=executor)
    )
    assert len(jobs) == 1
    assert translation.asked == [START]
    assert translation.sent == [plan]
    assert plan.vehicle("v1").current_a == (16, 0)


def test_thread_executor_runs_the_job_in_another_thread() -> None:
    translation = AsyncRecorder()
    plan = asyncio.run(
        async_run_once(translation, "heuristic", START, executor=thread_executor)
    )
    assert translation.sent == [plan]
    assert plan.algorithm == "heuristic"
    assert asyncio.run(thread_executor(threading.get_ident)) != threading.get_ident()
