"""Reading entity states robustly: unavailable, unknown and junk are no value."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN

if TYPE_CHECKING:
    from homeassistant.core import State


def usable(state: State | None) -> bool:
    """Whether a state carries a value at all."""
    return state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)


def state_number(state: State | None) -> float | None:
    """The state as a finite float, or None."""
    if state is None or not usable(state):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
