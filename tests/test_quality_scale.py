"""quality_scale.yaml names every Integration Quality Scale rule once, honestly."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.util.yaml import load_yaml
import pytest

from .const import INTEGRATION

# devdocs docs/core/integration-quality-scale/_includes/tiers.json (2026-08).
RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
ALL_RULES = [rule for tier in RULES.values() for rule in tier]
STATUSES = {"todo", "done", "exempt"}


def _check(path: Path) -> list[str]:
    """Every problem with a quality_scale.yaml file."""
    text = path.read_text(encoding="utf-8")
    problems = [
        f"{rule} listed {count} times"
        for rule in ALL_RULES
        if (count := len(re.findall(rf"^  {re.escape(rule)}:", text, re.MULTILINE))) > 1
    ]
    data: Any = load_yaml(str(path))
    if not isinstance(data, dict) or set(data) != {"rules"}:
        return [*problems, "top level must be exactly 'rules'"]
    rules = data["rules"]
    if not isinstance(rules, dict):
        return [*problems, "rules must be a mapping"]
    problems += [f"unknown rule {rule}" for rule in rules if rule not in ALL_RULES]
    problems += [f"missing rule {rule}" for rule in ALL_RULES if rule not in rules]
    for rule, value in rules.items():
        entry = {"status": value} if isinstance(value, str) else value
        if not isinstance(entry, dict) or set(entry) - {"status", "comment"}:
            problems.append(f"{rule}: use 'status' and optional 'comment'")
            continue
        if entry.get("status") not in STATUSES:
            problems.append(f"{rule}: invalid status {entry.get('status')!r}")
        if (
            entry.get("status") == "exempt"
            and not str(entry.get("comment", "")).strip()
        ):
            problems.append(f"{rule}: exempt needs a comment")
    return problems


def test_quality_scale_is_complete_and_valid() -> None:
    """Our file passes every check."""
    assert _check(INTEGRATION / "quality_scale.yaml") == []


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda s: s.replace("  brands: done\n", ""), "missing rule brands"),
        (lambda s: s + "  made-up-rule: done\n", "unknown rule made-up-rule"),
        (
            lambda s: s.replace("  brands: done", "  brands: finished"),
            "brands: invalid status",
        ),
        (
            lambda s: s.replace("  brands: done", "  brands: exempt"),
            "brands: exempt needs",
        ),
        (lambda s: s + "  brands: done\n", "brands listed 2 times"),
    ],
)
def test_quality_scale_check_catches(edit: Any, problem: str, tmp_path: Path) -> None:
    """The check is not vacuous: each kind of breakage is reported."""
    broken = tmp_path / "quality_scale.yaml"
    broken.write_text(
        edit((INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8"))
    )
    assert any(found.startswith(problem) for found in _check(broken))
