"""The Algorithm layer: an abstract planner and a registry of planners by name.

As in Opti-VGI, an algorithm turns the current situation into a plan; unlike
Opti-VGI it gets the whole problem (prices included) and returns an immutable
plan instead of mutating the vehicles it was given.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
import importlib
from typing import TYPE_CHECKING, ClassVar

from .model import effective_problem

if TYPE_CHECKING:
    from collections.abc import Callable

    from .model import Plan, Problem

DEFAULT_TIME_LIMIT_S = 5.0


@dataclass(frozen=True, kw_only=True)
class SolveOptions:
    """Knobs shared by all algorithms; each ignores what does not apply to it."""

    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    mip_gap: float = 0.01
    # Model the charger minimum current exactly (binary on/off per step). Without
    # it the LP may plan a trickle below the minimum, which rounding then drops.
    integer_minimums: bool = True
    # Stable plans (lp): a small cost per kW of setpoint change between steps,
    # more for leaving the previous plan's current step, so ties and near-ties
    # go to the running charger. Off by default so that "lp costs no more than
    # the heuristic" holds as stated; the integration turns it on.
    stability: bool = False


class AlgorithmUnavailableError(RuntimeError):
    """A known algorithm whose libraries cannot be imported (HiGHS)."""


class Algorithm(ABC):
    """A planner: ``calculate`` returns the plan for a problem."""

    name: ClassVar[str]

    def calculate(self, problem: Problem, options: SolveOptions) -> Plan:
        """Plan ``problem`` and return the plan; never raise for a valid problem.

        Every planner sees the problem as the cars draw (their on-board
        chargers' phases and currents on their chargers), so none of them can
        get a 1-phase car's power or fuse phase wrong on its own.
        """
        return self.plan(effective_problem(problem), options)

    @abstractmethod
    def plan(self, problem: Problem, options: SolveOptions) -> Plan:
        """Plan an effective problem (see :func:`.model.effective_problem`)."""


_REGISTRY: dict[str, type[Algorithm]] = {}
# Built-in algorithms that could not be imported, with the reason.
_UNAVAILABLE: dict[str, str] = {}


def register[A: type[Algorithm]](cls: A) -> A:
    """Register an algorithm class under its ``name`` (class decorator)."""
    _REGISTRY[cls.name] = cls
    return cls


# Built-in algorithms imported only when first asked for: importing highspy
# takes about half a second (numpy with it), which a command line that plans with
# the heuristic, or only prints its help, should not wait for.
_LAZY: dict[str, str] = {"lp": "lp"}


def _load_builtin() -> None:
    """Import the pure-Python built-in algorithms so that they register themselves.

    The heuristic and the uncontrolled baseline are the fallbacks when the
    solver cannot be loaded, so a missing or broken HiGHS must not take
    them down with ``lp`` (which is imported on first use, see ``_load_lazy``).
    """
    from . import heuristic, uncontrolled  # noqa: F401, PLC0415


def _load_lazy(name: str) -> None:
    """Import the module of a lazily loaded built-in algorithm, once."""
    module = _LAZY.get(name)
    if module is None or name in _REGISTRY or name in _UNAVAILABLE:
        return
    try:
        importlib.import_module(f".{module}", __package__)
    except ImportError as err:
        _UNAVAILABLE[name] = f"{type(err).__name__}: {err}"


def algorithm_names() -> tuple[str, ...]:
    """Names of every registered algorithm (and the lazy built-ins), sorted."""
    _load_builtin()
    return tuple(sorted(set(_REGISTRY) | set(_LAZY)))


def get_algorithm(name: str) -> Algorithm:
    """Return a new instance of the algorithm registered as ``name``."""
    _load_builtin()
    _load_lazy(name)
    try:
        factory: Callable[[], Algorithm] = _REGISTRY[name]
    except KeyError:
        if name in _UNAVAILABLE:
            raise AlgorithmUnavailableError(
                f"algorithm {name!r} cannot be loaded ({_UNAVAILABLE[name]})"
            ) from None
        raise KeyError(
            f"unknown algorithm {name!r}; known: {', '.join(sorted(_REGISTRY))}"
        ) from None
    return factory()


def solve(
    problem: Problem, algorithm: str = "lp", options: SolveOptions | None = None
) -> Plan:
    """Plan ``problem`` with the named algorithm: the one call the runner makes."""
    return get_algorithm(algorithm).calculate(problem, options or SolveOptions())
