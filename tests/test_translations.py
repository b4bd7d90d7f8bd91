"""translations/en.json, icons.json and services.yaml agree with the code.

The flow forms themselves are checked as the tests show them (the autouse
``check_flow_translations`` fixture in conftest.py); this module checks the
other direction statically: every translation key the code uses exists, and every
key in en.json is used by the code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import copy
import importlib.machinery
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from homeassistant.util.yaml import load_yaml
import pytest

from .const import INTEGRATION, ROOT, load_json, translations

# Every language besides English; each needs a complete translations/<lang>.json.
LANGUAGES = ("da", "de", "fi", "fr", "nb", "nl", "sv")

# Abort reasons Home Assistant produces itself from the helpers we call.
HA_ABORT_REASONS = {
    "single_instance_allowed",  # manifest single_config_entry
    "already_configured",  # _abort_if_unique_id_configured
    "reconfigure_successful",  # async_update_reload_and_abort
}
PLATFORM_MODULES = {
    "binary_sensor",
    "number",
    "select",
    "sensor",
    "switch",
    "time",
}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    """Every Python module of the integration (the optimizer included)."""
    for path in sorted(INTEGRATION.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _string_constants() -> set[str]:
    """Every string literal in the integration's code."""
    return {
        node.value
        for _, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _module_constants() -> dict[str, str]:
    """Module-level ``NAME = "text"`` (or ``NAME: Final = "text"``) constants."""
    constants: dict[str, str] = {}
    for _, tree in _modules():
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                constants[target.id] = value.value
    return constants


def _module_tables() -> dict[str, set[str]]:
    """Module-level ``NAME = {...: "text"}`` tables: the texts they map to."""
    tables: dict[str, set[str]] = {}
    for _, tree in _modules():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Dict)
            ):
                tables[node.targets[0].id] = {
                    v.value
                    for v in node.value.values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                }
    return tables


def _literal(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    """A string literal, or a module constant that names one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _dict_selector_keys(node: ast.Dict, constants: dict[str, str]) -> set[str]:
    """Selector translation keys written as dicts (in an ObjectSelector's fields)."""
    return {
        key
        for dict_key, value in zip(node.keys, node.values, strict=True)
        if isinstance(dict_key, ast.Constant)
        and dict_key.value == "translation_key"
        and (key := _literal(value, constants)) is not None
    }


def _call_name(node: ast.Call) -> str:
    """Name of the called function or class, without its module."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def used_translation_keys() -> dict[str, set[str]]:
    """Translation keys the code uses, by en.json section.

    A ``translation_key=`` argument (a literal or a module constant) belongs to
    ``entity.<platform>`` in an entity description (any ``...Description``) or
    ``_attr_translation_key``, to ``issues`` in a repair issue, to ``selector``
    in a selector config, and to ``exceptions`` when it comes with
    ``translation_domain`` or is the key of a ``PriceReadError``.
    """
    used: dict[str, set[str]] = {
        "exceptions": set(),
        "issues": set(),
        "selector": set(),
    }
    constants = _module_constants()
    tables = _module_tables()
    for path, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and any(
                    isinstance(target, ast.Attribute)
                    and target.attr == "_attr_translation_key"
                    for target in node.targets
                )
                and isinstance(node.value, ast.Constant)
            ):
                used.setdefault(f"entity.{path.stem}", set()).add(node.value.value)
            if isinstance(node, ast.Dict):
                used["selector"] |= _dict_selector_keys(node, constants)
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            # PriceReadError("key", ...) surfaces as a translated UpdateFailed.
            if (
                name == "PriceReadError"
                and node.args
                and (first := _literal(node.args[0], constants)) is not None
            ):
                used["exceptions"].add(first)
            keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            value = keywords.get("translation_key")
            # translation_key=TABLE[reason]: every text the table maps to.
            if (
                name == "async_create_issue"
                and isinstance(value, ast.Subscript)
                and isinstance(value.value, ast.Name)
            ):
                used["issues"] |= tables.get(value.value.id, set())
                continue
            key = _literal(value, constants)
            if key is None:
                continue
            if name.endswith("Description"):
                used.setdefault(f"entity.{path.stem}", set()).add(key)
            elif name == "async_create_issue":
                used["issues"].add(key)
            elif name.endswith("SelectorConfig"):
                used["selector"].add(key)
            elif "translation_domain" in keywords:
                used["exceptions"].add(key)
    return used


def test_used_keys_are_translated() -> None:
    """Every entity, exception, issue and selector key the code uses has a string."""
    strings = translations()
    for section, keys in used_translation_keys().items():
        node: Any = strings
        for part in section.split("."):
            node = node.get(part, {})
        for key in keys:
            assert key in node, f"{section}.{key} is missing from en.json"
            if section.startswith("entity."):
                assert "name" in node[key], f"{section}.{key} has no name"
            if section == "exceptions":
                assert "message" in node[key]
            if section == "issues":
                assert "title" in node[key]
                assert ("description" in node[key]) != ("fix_flow" in node[key])


def _flow_keys(flow: dict[str, Any]) -> Iterator[str]:
    """The identifiers a flow section's translations refer to."""
    for step_id, step in flow.get("step", {}).items():
        yield step_id
        yield from step.get("data", {})
        yield from step.get("menu_options", {})
        for section_id, section in step.get("sections", {}).items():
            yield section_id
            yield from section.get("data", {})
        assert set(step.get("data_description", {})) <= set(step.get("data", {})), (
            step_id
        )
    yield from flow.get("error", {})
    yield from (
        reason for reason in flow.get("abort", {}) if reason not in HA_ABORT_REASONS
    )


def unused_translation_keys(strings: dict[str, Any]) -> list[str]:
    """Keys in en.json that nothing in the code refers to."""
    literals = _string_constants()
    flows = [strings.get("config", {}), strings.get("options", {})]
    flows += list(strings.get("config_subentries", {}).values())
    keys = [key for flow in flows for key in _flow_keys(flow)]
    keys += list(strings.get("config_subentries", {}))
    used = used_translation_keys()
    unused = [key for key in keys if key not in literals]
    for platform, entities in strings.get("entity", {}).items():
        declared = used.get(f"entity.{platform}", set())
        unused += [
            f"entity.{platform}.{key}" for key in entities if key not in declared
        ]
        for key, entity in entities.items():
            unused += [
                f"entity.{platform}.{key}.state.{state}"
                for state in entity.get("state", {})
                if state not in literals
            ]
    for section in ("exceptions", "issues", "selector"):
        unused += [
            f"{section}.{key}"
            for key in strings.get(section, {})
            if key not in used[section]
        ]
    for key, selector in strings.get("selector", {}).items():
        unused += [
            f"selector.{key}.options.{option}"
            for option in selector.get("options", {})
            if option not in literals
        ]
    return unused


def test_no_unused_translations() -> None:
    """Nothing in en.json is dead: each key is referred to by the code."""
    assert unused_translation_keys(translations()) == []


def test_unused_check_catches_a_dead_key() -> None:
    """The unused-key check is not vacuous."""
    strings = translations()
    strings["config"].setdefault("error", {})["never_raised"] = "Never"
    assert unused_translation_keys(strings) == ["never_raised"]


def _services_yaml() -> dict[str, Any]:
    """services.yaml, or nothing when the integration has no actions."""
    path = INTEGRATION / "services.yaml"
    return load_yaml(str(path)) or {} if path.exists() else {}  # type: ignore[return-value]


def test_services_translated() -> None:
    """Each action and field in services.yaml has a name and description in en.json."""
    services = _services_yaml()
    strings = translations().get("services", {})
    assert set(strings) == set(services)
    for service, spec in services.items():
        assert {"name", "description"} <= set(strings[service])
        fields = dict((spec or {}).get("fields", {}))
        for section in [
            value for value in fields.values() if "fields" in (value or {})
        ]:
            fields.update(section["fields"])
        fields = {
            name: value
            for name, value in fields.items()
            if "fields" not in (value or {})
        }
        assert set(strings[service].get("fields", {})) == set(fields), service
        for field in fields:
            assert {"name", "description"} <= set(strings[service]["fields"][field])


def test_icons() -> None:
    """icons.json uses only mdi icons, for entities and actions that exist."""
    icons = load_json(INTEGRATION / "icons.json")
    assert set(icons) <= {"entity", "services"}

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, str):
            yield node

    assert all(icon.startswith("mdi:") for icon in walk(icons))
    assert set(icons.get("services", {})) == set(_services_yaml())
    entities = translations().get("entity", {})
    for platform, keys in icons.get("entity", {}).items():
        for key in keys:
            assert key in entities.get(platform, {}), (
                f"icon for unknown entity {platform}.{key}"
            )


@pytest.mark.parametrize("platform", sorted(PLATFORM_MODULES))
def test_entity_translations_match_modules(platform: str) -> None:
    """Entity translations exist only for platforms the integration has."""
    if platform in translations().get("entity", {}):
        assert (INTEGRATION / f"{platform}.py").exists()


def _i18n_missing() -> ModuleType:
    """scripts/i18n_missing as a module: the test and the script share one check."""
    path = ROOT / "scripts" / "i18n_missing"
    loader = importlib.machinery.SourceFileLoader("i18n_missing", str(path))
    spec = importlib.util.spec_from_loader("i18n_missing", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, unless it names a key twice (json would keep the last)."""
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"repeated key in {keys}"
    return dict(pairs)


def _parse(text: str) -> dict[str, Any]:
    """A translation file's text, parsed strictly."""
    data: dict[str, Any] = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    return data


def _language(language: str) -> dict[str, Any]:
    """A translation file, parsed strictly."""
    path = INTEGRATION / "translations" / f"{language}.json"
    return _parse(path.read_text(encoding="utf-8"))


def test_languages_are_the_files() -> None:
    """The languages tested are exactly the translation files there are."""
    assert _i18n_missing().languages() == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_matches_english(language: str) -> None:
    """Each language has exactly en.json's keys, and each string its placeholders."""
    assert _i18n_missing().problems(translations(), _language(language)) == []


def test_language_check_catches_a_missing_key() -> None:
    """Removing one key from de.json is reported, and only that key."""
    german = copy.deepcopy(_language("de"))
    del german["config"]["step"]["limit"]["data"]["phase_l2_entity"]
    assert _i18n_missing().problems(translations(), german) == [
        "missing config.step.limit.data.phase_l2_entity"
    ]


def test_language_check_catches_an_extra_key() -> None:
    """A key en.json no longer has is reported."""
    german = copy.deepcopy(_language("de"))
    german["exceptions"]["gone"] = {"message": "Weg"}
    assert _i18n_missing().problems(translations(), german) == [
        "extra exceptions.gone.message"
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Ladestation {ladestation} verweigert ihren Sollwert", "['ladestation']"),
        ("Ladestation verweigert ihren Sollwert", "[]"),
        ("Ladestation {charger}: {error}", "['charger', 'error']"),
    ],
)
def test_language_check_catches_a_changed_placeholder(text: str, found: str) -> None:
    """A placeholder renamed, dropped or added in de.json is reported."""
    german = copy.deepcopy(_language("de"))
    german["issues"]["charger_write_failed"]["title"] = text
    key = "issues.charger_write_failed.title"
    assert _i18n_missing().problems(translations(), german) == [
        f"placeholders {key}: {found} instead of ['charger']"
    ]


@pytest.mark.parametrize("empty", ["", "  ", None, {}])
def test_language_check_catches_an_empty_string(empty: Any) -> None:
    """An empty or non-text translation is reported."""
    german = copy.deepcopy(_language("de"))
    german["entity"]["button"]["charge_now"]["name"] = empty
    assert _i18n_missing().problems(translations(), german) == [
        "empty entity.button.charge_now.name"
    ]


def test_strict_parse_rejects_bad_json() -> None:
    """Truncated JSON, or a key named twice, does not load."""
    text = (INTEGRATION / "translations" / "de.json").read_text(encoding="utf-8")
    assert _parse(text)
    with pytest.raises(json.JSONDecodeError):
        _parse(text[: len(text) // 2])
    with pytest.raises(AssertionError, match="repeated key"):
        _parse('{"title": "Eins", "title": "Zwei"}')
