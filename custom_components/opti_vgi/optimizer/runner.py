"""One planning round: read the situation, plan, send the plan.

Opti-VGI splits a site controller into a Translation (talks to the world: the
chargers, the vehicles, the prices) and an Algorithm (plans). This module keeps
that split so the optimizer can be driven from Home Assistant, from a script or
from a test with the same code; only the translation differs.

A round never ends without a plan because of the planner: if the requested
algorithm fails (a solver crash, a missing library), the heuristic plans instead
and the plan says so (status ``FALLBACK`` and the error in ``message``). Errors
in the translation (an inconsistent problem, a charger that cannot be reached)
are the caller's to handle, because only the caller knows how to report them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
import logging
from typing import TYPE_CHECKING

from .algorithm import AlgorithmUnavailableError, SolveOptions, get_algorithm
from .model import PlanStatus

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from .model import Plan, Problem

_LOGGER = logging.getLogger(__name__)

FALLBACK_ALGORITHM = "heuristic"
# Tried in this order after the requested algorithm fails: both are pure Python.
FALLBACK_CHAIN = (FALLBACK_ALGORITHM, "uncontrolled")

type Executor = Callable[[Callable[[], Plan]], Awaitable[Plan]]


class Translation(ABC):
    """Blocking access to the outside world for :func:`run_once`."""

    @abstractmethod
    def get_problem(self, now: datetime) -> Problem:
        """Describe the site, vehicles and prices as seen at ``now``."""

    @abstractmethod
    def send_plan(self, plan: Plan) -> None:
        """Apply ``plan``: set the chargers' currents or profiles."""


class AsyncTranslation(ABC):
    """Asynchronous access to the outside world for :func:`async_run_once`.

    Home Assistant reads states and calls services on its event loop, so its
    translation is asynchronous; only the solve itself leaves the loop.
    """

    @abstractmethod
    async def async_get_problem(self, now: datetime) -> Problem:
        """Describe the site, vehicles and prices as seen at ``now``."""

    @abstractmethod
    async def async_send_plan(self, plan: Plan) -> None:
        """Apply ``plan``: set the chargers' currents or profiles."""


def plan_with_fallback(
    problem: Problem, algorithm: str, options: SolveOptions | None = None
) -> Plan:
    """Plan with ``algorithm``; if it fails, with the heuristic, then uncontrolled.

    An unknown algorithm name is a configuration error and raises ``KeyError``
    before anything is planned. A failure inside an algorithm, or one whose
    libraries cannot be loaded, is logged and answered by the next planner of
    the chain, because chargers left without a plan keep whatever they did last,
    which may be full power at the dearest hour or paused all night. The last
    resort, ``uncontrolled``, still keeps every limit (it is an allocation like
    the others, only without prices). The plan says who planned and why.
    """
    solve_options = options or SolveOptions()
    chain = [algorithm] + [a for a in FALLBACK_CHAIN if a != algorithm]
    failures: list[str] = []
    for name in chain:
        try:
            # A KeyError here is a typo in the configuration: it is raised.
            planner = get_algorithm(name)
        except AlgorithmUnavailableError as err:
            _LOGGER.warning("Algorithm %s is unavailable: %s", name, err)
            failures.append(str(err))
            continue
        try:
            plan = planner.calculate(problem, solve_options)
        except Exception as err:
            if name == chain[-1]:
                raise
            _LOGGER.exception("Algorithm %s failed; trying the next planner", name)
            failures.append(f"{name} failed ({type(err).__name__}: {err})")
            continue
        if not failures:
            return plan
        return replace(
            plan,
            status=PlanStatus.FALLBACK,
            message="; ".join(failures) + f"; planned by {name}",
        )
    raise AssertionError("unreachable")  # pragma: no cover  # the loop returns


def run_once(
    translation: Translation,
    algorithm: str,
    now: datetime,
    options: SolveOptions | None = None,
) -> Plan:
    """Run one blocking round and return the plan that was sent."""
    problem = translation.get_problem(now)
    plan = plan_with_fallback(problem, algorithm, options)
    translation.send_plan(plan)
    return plan


async def async_run_once(
    translation: AsyncTranslation,
    algorithm: str,
    now: datetime,
    *,
    executor: Executor,
    options: SolveOptions | None = None,
) -> Plan:
    """Run one round on the event loop, with the solve handed to ``executor``.

    A solve can take seconds, so it must not block the event loop; in Home
    Assistant ``executor`` is ``hass.async_add_executor_job``, elsewhere
    :func:`thread_executor` does the same with plain asyncio.
    """
    problem = await translation.async_get_problem(now)
    plan = await executor(lambda: plan_with_fallback(problem, algorithm, options))
    await translation.async_send_plan(plan)
    return plan


async def thread_executor[T](job: Callable[[], T]) -> T:
    """Run ``job`` in asyncio's default thread pool: the executor outside HA.

    asyncio is imported here, not at the top: only a caller already on an
    event loop gets here, and importing it costs the one-shot CLI a fifth of
    a second before it plans anything.
    """
    import asyncio  # noqa: PLC0415  # see the docstring

    return await asyncio.to_thread(job)
