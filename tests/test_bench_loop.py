"""The control-loop benchmark runs, and its verdicts follow its measurements.

A small site for a few simulated minutes (the real run is 50 chargers for an
hour: ``scripts/bench --loop``, figures in docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from scripts import bench_loop
from scripts.bench_optimizer import _keep_loop_section


def test_a_short_loop_meets_its_targets() -> None:
    """Four chargers, six minutes: fast meter updates, few solves, a quick answer."""
    result = asyncio.run(bench_loop._run(4, 6))
    section, good = bench_loop._report(result, 1.0)
    assert result["updates"] == 360
    assert result["overload_answer_s"] is not None
    assert result["overload_answer_s"] <= bench_loop.TARGET_ANSWER_S
    assert result["solves"] <= 1 + result["boundaries"] + result["changes"] + 2
    assert result["end"]["tasks"] <= result["start"]["tasks"]
    assert good, section
    assert "MISSED" not in section


def test_a_missed_target_is_reported() -> None:
    """A slow update is a miss, not a pass."""
    result = asyncio.run(bench_loop._run(2, 2))
    result["p95_ms"] = 50.0
    section, good = bench_loop._report(result, 1.0)
    assert not good
    assert "| MISSED |" in section


def test_the_optimizer_report_keeps_the_loop_section(tmp_path: Path) -> None:
    """Re-running the optimizer benchmark does not drop the loop's figures."""
    path = tmp_path / "benchmarks.md"
    path.write_text(
        "# old\n\n<!-- bench-loop:start -->\nloop\n<!-- bench-loop:end -->\n",
        encoding="utf-8",
    )
    kept = _keep_loop_section(path, "# new report\n")
    assert kept.startswith("# new report\n")
    assert "<!-- bench-loop:start -->\nloop\n<!-- bench-loop:end -->" in kept
    assert "# old" not in kept
