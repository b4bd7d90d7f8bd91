"""The command line, called through main() as a user would call it."""

from __future__ import annotations

import json
from pathlib import Path
import runpy
import sys

import pytest

from custom_components.opti_vgi.optimizer.algorithm import algorithm_names
from custom_components.opti_vgi.optimizer.cli import main

from .test_serialization import EXAMPLES, MINIMAL


@pytest.mark.parametrize("algorithm", algorithm_names())
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_solve_every_example_with_every_algorithm(
    example: Path, algorithm: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "plan.json"
    argv = ["solve", str(example), "-o", str(output), "--algorithm", algorithm]
    assert main([*argv, "--time-limit", "5"]) == 0
    plan = json.loads(output.read_text())
    assert plan["algorithm"] == algorithm
    assert plan["status"] in {"optimal", "heuristic", "time_limit"}
    problem = json.loads(example.read_text())
    assert len(plan["vehicles"]) == len(problem["vehicles"])
    assert len(plan["site_power_kw"]) == len(problem["prices"])
    summary = capsys.readouterr().out
    assert summary.startswith(f"{algorithm} (")
    assert str(output) in summary


def test_solve_prints_the_plan_without_an_output_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(MINIMAL))
    assert main(["solve", str(problem), "--algorithm", "heuristic"]) == 0
    plan = json.loads(capsys.readouterr().out)
    # 10 kWh in the cheap step: 15 A, the current step that meets it.
    assert plan["vehicles"][0]["current_a"] == [0.0, 15.0]


def test_compare_prints_one_row_per_algorithm(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = next(p for p in EXAMPLES if p.name == "single-vehicle.json")
    assert main(["compare", str(example)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "algorithm",
        "status",
        "cost",
        "savings",
        "shortfall",
        "kWh",
        "peak",
        "kW",
        "ms",
    ]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == set(algorithm_names())
    assert rows["uncontrolled"][3] == "0.0000"
    # Charging in the cheap half instead of at once saves 0.20 EUR per kWh
    # (22 kWh at 92 %: 35 A*h of 0.69 kW, the current step that meets it).
    assert float(rows["heuristic"][3]) == pytest.approx(0.2 * 24.15, abs=1e-3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{not json", "Expecting property name"),
        ("[1, 2]", "the file must contain a JSON object"),
        ('{"prices": [0.1], "horizon": {}}', "horizon.start: missing"),
    ],
)
def test_bad_input_exits_with_2_and_says_why(
    content: str | None,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    problem = tmp_path / "problem.json"
    if content is not None:
        problem.write_text(content)
    assert main(["compare", str(problem)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {problem}: ")
    assert message in error


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["plan", "x.json"],
        ["solve", "x.json", "--algorithm", "magic"],
        ["solve", "x.json", "--time-limit", "0"],
        ["solve", "x.json", "--time-limit", "soon"],
    ],
)
def test_usage_errors_exit_with_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_exits_with_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "solve" in capsys.readouterr().out


def test_python_dash_m_runs_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["optimizer", "--help"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("custom_components.opti_vgi.optimizer", run_name="__main__")
    assert exited.value.code == 0
    assert "compare" in capsys.readouterr().out
