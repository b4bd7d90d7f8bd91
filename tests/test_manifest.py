"""Validate manifest.json, hacs.json and the brand images as hassfest and HACS would.

hassfest and the HACS action run in Docker, which these machines cannot run, so
these tests re-check what those tools check for a custom integration.
"""

from __future__ import annotations

from pathlib import Path
import re
import struct
from typing import Any

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version
import pytest
import voluptuous as vol

from .const import INTEGRATION, ROOT, load_json

IOT_CLASSES = (
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
)
INTEGRATION_TYPES = (
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
)


def _https_url(value: Any) -> str:
    """An https URL (hassfest rejects plain http and the core docs site)."""
    url = vol.Url()(value)
    if not url.startswith("https://") or url.startswith(
        "https://www.home-assistant.io/integrations"
    ):
        raise vol.Invalid("documentation must be our own https URL")
    return url


def _version(value: Any) -> str:
    """A version string AwesomeVersion understands (hassfest's rule)."""
    version = AwesomeVersion(str(value))
    if version.strategy == "unknown":
        raise vol.Invalid(f"{value!r} is not a recognised version")
    return str(value)


def _pinned(value: Any) -> str:
    """A requirement pinned to one exact version."""
    if not isinstance(value, str) or not re.fullmatch(
        r"[A-Za-z0-9._\-\[\]]+==[\w.]+", value
    ):
        raise vol.Invalid(f"{value!r} is not pinned with ==")
    return value


MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): "opti_vgi",
        vol.Required("name"): "Opti-VGI",
        vol.Required("codeowners"): [vol.Match(r"^@[\w-]+$")],
        vol.Required("config_flow"): True,
        vol.Required("documentation"): _https_url,
        vol.Optional("import_executor"): bool,
        vol.Required("integration_type"): vol.In(INTEGRATION_TYPES),
        vol.Required("iot_class"): vol.In(IOT_CLASSES),
        vol.Required("issue_tracker"): vol.Url(),
        vol.Optional("loggers"): [str],
        vol.Required("requirements"): [_pinned],
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Optional("single_config_entry"): bool,
        vol.Required("version"): _version,
    }
)

HACS_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): _version,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): _version,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
    }
)


def _manifest() -> dict[str, Any]:
    return load_json(INTEGRATION / "manifest.json")


def test_manifest_schema() -> None:
    """The manifest has exactly the keys hassfest accepts, with valid values."""
    manifest = _manifest()
    MANIFEST_SCHEMA(manifest)
    assert manifest["domain"] == INTEGRATION.name


def test_manifest_key_order() -> None:
    """Keys are sorted as hassfest's sort_manifest wants: domain, name, the rest."""
    keys = list(_manifest())
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_requirements_match_test_environment() -> None:
    """The versions we test with are the versions users get."""
    tools = (ROOT / "requirements_tools.txt").read_text(encoding="utf-8").split()
    for requirement in _manifest()["requirements"]:
        assert requirement in tools


def test_hacs_json() -> None:
    """hacs.json is valid and names the lowest Home Assistant that CI tests."""
    hacs = load_json(ROOT / "hacs.json")
    HACS_SCHEMA(hacs)
    lowest = (ROOT / "requirements_test_lowest.txt").read_text(encoding="utf-8")
    match = re.search(r"pins Home Assistant (\S+)\.$", lowest, re.MULTILINE)
    assert match is not None
    assert hacs["homeassistant"] == match.group(1)
    assert AwesomeVersion(ha_version) >= AwesomeVersion(hacs["homeassistant"])
    assert (ROOT / "README.md").is_file()
    assert len(list((ROOT / "custom_components").glob("*/manifest.json"))) == 1


def test_license_is_apache() -> None:
    """HACS needs an OSI license; ours is Apache-2.0, as Opti-VGI's."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_brand_icons(name: str, size: int) -> None:
    """Icons are square PNGs of the size the brands spec asks for."""
    assert _png_size(INTEGRATION / "brand" / name) == (size, size)


@pytest.mark.parametrize(
    ("name", "low", "high"), [("logo.png", 128, 256), ("logo@2x.png", 256, 512)]
)
def test_brand_logos(name: str, low: int, high: int) -> None:
    """Logos are landscape with the shortest side in the allowed range."""
    width, height = _png_size(INTEGRATION / "brand" / name)
    assert width >= height
    assert low <= height <= high
