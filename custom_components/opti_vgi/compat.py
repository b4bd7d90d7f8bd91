"""Differences between the Home Assistant versions we support.

Home Assistant 2026.9 replaced voluptuous with probatio and aliases
``import voluptuous`` to it at runtime, but type checkers still see the real
voluptuous package, whose types Home Assistant's APIs no longer accept. Import
the schema library from here: probatio where it exists, voluptuous on 2026.8.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import probatio as vol
else:
    try:
        import probatio as vol
    except ImportError:  # Home Assistant < 2026.9
        import voluptuous as vol

__all__ = ["vol"]
