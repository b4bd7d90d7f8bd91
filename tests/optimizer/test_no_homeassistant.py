"""The optimizer package stays pure Python: no Home Assistant, nothing outside it.

The optimizer runs in an executor thread inside Home Assistant but also in the
CLI, in benchmarks and in other controllers (as Opti-VGI does), so it must not
depend on Home Assistant or on the integration around it. Checked twice: by
reading every module's imports, and by really importing every module (and
planning once with every algorithm) in a fresh interpreter where importing
homeassistant fails.
"""

from __future__ import annotations

import ast
from pathlib import Path
import subprocess
import sys
import textwrap

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "opti_vgi" / "optimizer"
MODULES = sorted(PACKAGE.glob("*.py"))
SOLVER_LIBRARIES = {"pulp", "highspy"}  # allowed in the LP modules only


def imported_names(tree: ast.AST) -> list[tuple[str, int]]:
    """(absolute module name or "", relative level) of every import in ``tree``."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_the_package_has_its_modules() -> None:
    names = {path.stem for path in MODULES}
    assert {"model", "algorithm", "assemble", "heuristic", "runner"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_are_stdlib_or_inside_the_package(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for module, level in imported_names(tree):
        if level:
            assert level == 1, f"{path.name}: relative import leaves the package"
            continue
        top = module.split(".")[0]
        assert top != "homeassistant", f"{path.name} imports {module}"
        assert top != "custom_components", f"{path.name} imports {module}"
        allowed = sys.stdlib_module_names | {"__future__"}
        if path.stem.startswith("lp"):
            allowed |= SOLVER_LIBRARIES
        assert top in allowed, f"{path.name} imports {module}"


def test_the_scan_sees_every_kind_of_import() -> None:
    tree = ast.parse("import a.b\nfrom c import d\nfrom .. import e\nfrom . import f")
    assert imported_names(tree) == [("a.b", 0), ("c", 0), ("", 2), ("", 1)]


def test_every_module_imports_and_plans_without_homeassistant() -> None:
    script = textwrap.dedent(
        """
        import importlib
        import importlib.abc
        import importlib.util
        import pkgutil
        import sys
        from datetime import UTC, datetime, timedelta

        class NoHomeAssistant(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "homeassistant":
                    raise ImportError(f"the optimizer imported {name}")
                return None

        sys.meta_path.insert(0, NoHomeAssistant())
        folder = sys.argv[1]
        spec = importlib.util.spec_from_file_location(
            "optimizer", f"{folder}/__init__.py", submodule_search_locations=[folder]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["optimizer"] = package
        spec.loader.exec_module(package)
        for info in pkgutil.iter_modules([folder]):
            if info.name != "__main__":  # it runs the CLI on import
                importlib.import_module(f"optimizer.{info.name}")

        from optimizer.algorithm import algorithm_names, solve
        from optimizer.model import Charger, Horizon, Problem, Site, Vehicle

        start = datetime(2026, 1, 5, 18, tzinfo=UTC)
        problem = Problem(
            horizon=Horizon(start=start, step_minutes=60, steps=2),
            site=Site(import_limit_kw=11.0),
            prices=(0.3, 0.1),
            chargers=(Charger(id="c1"),),
            vehicles=(
                Vehicle(
                    id="v1",
                    charger_id="c1",
                    arrival=start,
                    departure=start + timedelta(hours=2),
                    energy_needed_kwh=5.0,
                ),
            ),
        )
        for name in algorithm_names():
            assert solve(problem, name).vehicles[0].energy_kwh > 0, name
        loaded = [m for m in sys.modules if m.split(".")[0] in
                  ("homeassistant", "custom_components")]
        assert not loaded, loaded
        print("ok", *algorithm_names())
        """
    )
    result = subprocess.run(  # noqa: S603  # our own interpreter and script
        [sys.executable, "-c", script, str(PACKAGE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["ok", "heuristic", "lp"]


def test_the_fallback_planners_work_without_pulp() -> None:
    """A broken solver install must not take the pure planners down with it."""
    script = textwrap.dedent(
        """
        import importlib.abc
        import importlib.util
        import sys
        from datetime import UTC, datetime, timedelta

        class NoSolver(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in {"pulp", "highspy"}:
                    raise ImportError(f"no {name} here")
                return None

        sys.meta_path.insert(0, NoSolver())
        folder = sys.argv[1]
        spec = importlib.util.spec_from_file_location(
            "optimizer", f"{folder}/__init__.py", submodule_search_locations=[folder]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["optimizer"] = package
        spec.loader.exec_module(package)

        from optimizer.model import Charger, Horizon, Problem, Site, Vehicle
        from optimizer.runner import plan_with_fallback

        start = datetime(2026, 1, 5, 18, tzinfo=UTC)
        problem = Problem(
            horizon=Horizon(start=start, step_minutes=60, steps=2),
            site=Site(import_limit_kw=11.0),
            prices=(0.3, 0.1),
            chargers=(Charger(id="c1"),),
            vehicles=(
                Vehicle(
                    id="v1",
                    charger_id="c1",
                    arrival=start,
                    departure=start + timedelta(hours=2),
                    energy_needed_kwh=5.0,
                ),
            ),
        )
        plan = plan_with_fallback(problem, "lp")
        print(plan.algorithm, plan.status, plan.message)
        """
    )
    result = subprocess.run(  # noqa: S603  # our own interpreter and script
        [sys.executable, "-c", script, str(PACKAGE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    algorithm, status, message = result.stdout.strip().split(" ", 2)
    assert (algorithm, status) == ("heuristic", "fallback")
    assert message.startswith(
        "algorithm 'lp' cannot be loaded (ImportError: no highspy"
    )
