"""The benchmark keeps running: a tiny ``--quick`` run, and its floor agrees.

Only the shape of the report is checked here, never times: timing targets
live in the benchmark report (docs/benchmarks.md), not in unit tests.
"""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

import pytest

from custom_components.opti_vgi.optimizer import lp
from custom_components.opti_vgi.optimizer.algorithm import SolveOptions
from scripts import bench_floor
from scripts.bench_instances import instance

ROOT = Path(__file__).parents[2]
TABLES = (
    "## Time per plan (ms)",
    "## lp model against the numpy floor (build+solve medians)",
    "## lp end to end (ms)",
    "## Cars as they draw: vehicle phases, rotated chargers, fragmented fuse",
    "## Peak memory (MB)",
    "## Plan quality",
    "## Targets",
    "## Against Opti-VGI (96 steps, ms)",
)


def test_quick_bench_writes_every_table(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"
    result = subprocess.run(  # noqa: S603 - our own script and interpreter
        [
            str(ROOT / "scripts" / "bench"),
            "--quick",
            "--sizes",
            "1x96,5x96",
            "--repeat",
            "1",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=os.environ | {"PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stderr
    report = output.read_text(encoding="utf-8")
    assert report.strip() in result.stdout
    for title in TABLES:
        assert title in report
    time_table = report.split("## Time per plan (ms)")[1].split("##")[0]
    header = time_table.strip().splitlines()[0]
    for column in (
        "lp total",
        "lp build+solve",
        "lp-cont total",
        "heuristic",
        "uncontrolled",
        "floor",
        "floor-mip",
    ):
        assert column in header
    for size in ("| 1 x 96 |", "| 5 x 96 |"):
        assert size in time_table
    assert "n/a" not in time_table
    floor_table = report.split("## lp model against the numpy floor")[1]
    floor_table = floor_table.split("##")[0]
    rows = [line for line in floor_table.splitlines() if line.startswith("| 1 x 96")]
    assert rows
    assert rows[0].rstrip(" |").endswith("yes"), rows[0]  # same LP optimum
    quality = report.split("## Plan quality")[1].split("##")[0]
    assert "violations" not in quality
    assert "| `lp` 5 x 96 build+solve <= 300 ms |" in report


@pytest.mark.parametrize("integer_minimums", [False, True])
def test_the_floor_and_the_lp_model_reach_the_same_optimum(
    integer_minimums: bool,
) -> None:
    problem = instance(5, 96, 1)
    options = SolveOptions(integer_minimums=integer_minimums, mip_gap=1e-9)
    solution = lp.solve_model(problem, options)
    floor = bench_floor.solve(
        problem, integer_minimums=integer_minimums, mip_gap=1e-9, time_limit_s=30
    )
    assert solution.values is not None
    assert floor.has_solution
    assert floor.columns == solution.model.num_cols
    assert floor.rows == solution.model.num_rows
    assert floor.binaries == solution.model.num_integers
    assert floor.objective == pytest.approx(solution.statistics["objective"], rel=1e-7)
