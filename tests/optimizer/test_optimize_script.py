"""scripts/optimize plans a problem file where Home Assistant cannot be imported."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "one-phase-cars-rotated.json"


def _blocked(tmp_path: Path) -> dict[str, str]:
    """An environment in which importing homeassistant or the integration fails."""
    for name in ("homeassistant", "custom_components"):
        package = tmp_path / "blocked" / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(
            f"raise ImportError('{name} must not be imported by the optimizer')\n"
        )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tmp_path / "blocked")
    env["PYTHON"] = sys.executable
    return env


@pytest.mark.parametrize("algorithm", ["lp", "heuristic"])
def test_solve_without_home_assistant(tmp_path: Path, algorithm: str) -> None:
    """The rotated 1-phase cars: every car at 16 A, planned by the script alone."""
    result = subprocess.run(  # noqa: S603  # our own script, fixed arguments
        [
            str(ROOT / "scripts" / "optimize"),
            "solve",
            str(EXAMPLE),
            "--algorithm",
            algorithm,
        ],
        capture_output=True,
        text=True,
        env=_blocked(tmp_path),
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["algorithm"] == algorithm
    currents = {v["vehicle_id"]: v["current_a"] for v in plan["vehicles"]}
    assert currents == {name: [16.0] * 4 for name in ("zoe", "leaf", "mini")}


def test_bad_file_is_one_line(tmp_path: Path) -> None:
    """A missing file: exit 2 and one line, no traceback."""
    result = subprocess.run(  # noqa: S603
        [str(ROOT / "scripts" / "optimize"), "solve", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        env=_blocked(tmp_path),
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "nope.json" in result.stderr
    assert "Traceback" not in result.stderr
