"""Paths and parsed files the tests share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "opti_vgi"


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def translations() -> dict[str, Any]:
    """The English translations, read fresh so a test can edit the file."""
    return load_json(INTEGRATION / "translations" / "en.json")
