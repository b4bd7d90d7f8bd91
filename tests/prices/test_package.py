"""The price package's contract: pure Python, documented keys, translatable errors."""

from __future__ import annotations

import ast
from pathlib import Path
import re
import subprocess
import sys
import textwrap

import pytest

import custom_components.opti_vgi.prices as prices_package
from custom_components.opti_vgi.prices import ACTION_SOURCES, SOURCES_BY_KEY, errors
from custom_components.opti_vgi.prices.errors import (
    MAX_PLACEHOLDER_CHARS,
    MESSAGES_EN,
    PLACEHOLDERS,
    PriceError,
    describe,
)

PACKAGE = Path(__file__).parents[2] / "custom_components" / "opti_vgi" / "prices"
MODULES = sorted(PACKAGE.glob("*.py"))


def test_every_key_is_a_constant_with_placeholders_and_an_english_message() -> None:
    constants = {
        value
        for name, value in vars(errors).items()
        if name.isupper()
        and isinstance(value, str)
        and name.startswith(("PRICE_", "TARIFF_"))
    }
    assert constants == set(PLACEHOLDERS) == set(MESSAGES_EN)
    for key, message in MESSAGES_EN.items():
        assert set(re.findall(r"{(\w+)}", message)) == PLACEHOLDERS[key], key


def test_every_key_and_source_is_in_the_package_docstring() -> None:
    doc = prices_package.__doc__ or ""
    for key, names in PLACEHOLDERS.items():
        assert f"``{key}``" in doc, key
        for name in names:
            assert name in doc
    for key in [*SOURCES_BY_KEY, *ACTION_SOURCES]:
        assert f"``{key}``" in doc, key


def test_exports_exist() -> None:
    for name in prices_package.__all__:
        assert hasattr(prices_package, name), name


def test_placeholders_are_short_strings() -> None:
    error = PriceError("price_value_invalid", value=["x"] * 200)
    assert isinstance(error.placeholders["value"], str)
    assert len(error.placeholders["value"]) == MAX_PLACEHOLDER_CHARS
    assert error.placeholders["value"].endswith("…")
    assert describe("plain") == "plain"
    assert describe(1.5) == "1.5"
    assert "price_value_invalid" in str(error)


def imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_are_stdlib_or_inside_the_package(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for module, level in imported_modules(tree):
        if level:
            assert level == 1, f"{path.name}: relative import leaves the package"
            continue
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names | {"__future__"}, f"{path.name}: {module}"


def test_every_module_imports_and_parses_without_homeassistant() -> None:
    script = textwrap.dedent(
        """
        import importlib
        import importlib.abc
        import importlib.util
        import pkgutil
        import sys
        from zoneinfo import ZoneInfo

        class NoHomeAssistant(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "homeassistant":
                    raise ImportError(f"the price layer imported {name}")
                return None

        sys.meta_path.insert(0, NoHomeAssistant())
        folder = sys.argv[1]
        spec = importlib.util.spec_from_file_location(
            "prices", f"{folder}/__init__.py", submodule_search_locations=[folder]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["prices"] = package
        spec.loader.exec_module(package)
        for info in pkgutil.iter_modules([folder]):
            importlib.import_module(f"prices.{info.name}")

        series = package.parse_attributes(
            {"prices_today": [{"time": "2026-01-15 00:00:00+01:00", "price": 1.0}]},
            unit="EUR/kWh",
            tz=ZoneInfo("Europe/Amsterdam"),
        )
        loaded = [m for m in sys.modules if m.split(".")[0] in
                  ("homeassistant", "custom_components")]
        assert not loaded, loaded
        print("ok", len(series))
        """
    )
    result = subprocess.run(  # noqa: S603  # our own interpreter and script
        [sys.executable, "-c", script, str(PACKAGE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "1"]
