"""Command line: plan a problem file, or compare every algorithm on it.

    python -m custom_components.opti_vgi.optimizer solve problem.json -o plan.json
    python -m custom_components.opti_vgi.optimizer compare problem.json

It exists so that a plan can be reproduced outside Home Assistant: the
integration's diagnostics contain the problem, and this replays it. Bad input
(a missing file, invalid JSON, an inconsistent problem) exits with status 2 and
one line saying what is wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import TYPE_CHECKING

from .algorithm import SolveOptions, algorithm_names
from .model import ModelError
from .runner import plan_with_fallback
from .serialization import plan_to_dict, problem_from_dict

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .model import Plan, Problem

EXIT_BAD_INPUT = 2
BASELINE = "uncontrolled"
_TEXT_COLUMNS = 2  # algorithm and status align left, numbers right


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv``); return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse reports usage errors by exiting
        return int(exit_.code or 0)
    try:
        problem = _read_problem(args.problem)
    except (OSError, json.JSONDecodeError, ModelError) as err:
        print(f"error: {args.problem}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = SolveOptions(time_limit_s=args.time_limit)
    if args.command == "solve":
        return _solve(problem, args.algorithm, options, args.output)
    return _compare(problem, options)


def _parser() -> argparse.ArgumentParser:
    """The argument parser; the algorithm choices come from the registry."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.opti_vgi.optimizer",
        description="Plan EV charging for a JSON problem file.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    solve = commands.add_parser("solve", help="plan with one algorithm")
    solve.add_argument("problem", type=Path, help="problem JSON file")
    solve.add_argument("-o", "--output", type=Path, help="write the plan here")
    solve.add_argument("--algorithm", choices=algorithm_names(), default="lp")
    compare = commands.add_parser("compare", help="plan with every algorithm")
    compare.add_argument("problem", type=Path, help="problem JSON file")
    for command in (solve, compare):
        command.add_argument(
            "--time-limit",
            type=_positive,
            default=SolveOptions().time_limit_s,
            metavar="S",
            help="solver time limit in seconds",
        )
    return parser


def _positive(text: str) -> float:
    """An argparse type: a number of seconds greater than zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _read_problem(path: Path) -> Problem:
    """Read and validate the problem file at ``path``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ModelError("the file must contain a JSON object")
    return problem_from_dict(data)


def _solve(
    problem: Problem, algorithm: str, options: SolveOptions, output: Path | None
) -> int:
    """Plan and print the plan as JSON, or write it to ``output`` with a summary."""
    plan = plan_with_fallback(problem, algorithm, options)
    text = json.dumps(plan_to_dict(plan), indent=2, allow_nan=False)
    if output is None:
        print(text)
        return 0
    output.write_text(text + "\n", encoding="utf-8")
    print(
        f"{plan.algorithm} ({plan.status}): cost {plan.cost:.4f} {problem.currency}, "
        f"shortfall {plan.shortfall_kwh:.3f} kWh, peak {plan.peak_kw:.2f} kW, "
        f"{plan.solve_ms:.1f} ms -> {output}"
    )
    return 0


def _compare(problem: Problem, options: SolveOptions) -> int:
    """Plan with every registered algorithm and print one row per algorithm.

    Savings are against the uncontrolled baseline, the number users care about.
    """
    plans = {
        name: plan_with_fallback(problem, name, options) for name in algorithm_names()
    }
    baseline = plans[BASELINE].cost
    header = (
        "algorithm",
        "status",
        "cost",
        "savings",
        "shortfall kWh",
        "peak kW",
        "ms",
    )
    rows = [header] + [_row(name, plan, baseline) for name, plan in plans.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [
            cell.ljust(width) if i < _TEXT_COLUMNS else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    return 0


def _row(name: str, plan: Plan, baseline: float) -> tuple[str, ...]:
    """One table row: numbers formatted for reading, not for parsing."""
    return (
        name,
        str(plan.status),
        f"{plan.cost:.4f}",
        f"{baseline - plan.cost:.4f}",
        f"{plan.shortfall_kwh:.3f}",
        f"{plan.peak_kw:.2f}",
        f"{plan.solve_ms:.1f}",
    )
