"""A charger's limit in its own unit (A, mA, W or kW) and back, never above the plan.

The plan is in amperes per phase. Chargers take their limit in amperes (most),
milliamperes (Matter, the Hypervolt API), watts or kilowatts (a power limit):
a power limit is the current times the voltage times the phases the car
charges on, so a 1-phase car on a 3-phase charger gets a third of the watts of
a 3-phase car at the same current. Values are rounded down onto the charger's
own step: what it is given, converted back, is never more than what was
planned. Pure, so the property tests can check it without Home Assistant.
"""

from __future__ import annotations

import math

from .const import CurrentUnit

# The optimizer's grid is never finer than this: a step of 0.01 A is planned in
# tenths (still a multiple of the charger's own step).
FINEST_STEP_A = 0.1
DEFAULT_STEP_A = 1.0
_EPS = 1e-9
# A unit's own rounding when the charger names no step: whole W and mA, and
# kW to the watt; amperes stay as planned (the plan is on its grid already).
_DEFAULT_STEP: dict[CurrentUnit, float | None] = {
    CurrentUnit.AMPERE: None,
    CurrentUnit.MILLIAMPERE: 1.0,
    CurrentUnit.WATT: 1.0,
    CurrentUnit.KILOWATT: 0.001,
}


def unit_of(raw: object) -> CurrentUnit | None:
    """A unit of measurement as one we write, or None for any other."""
    try:
        return CurrentUnit(str(raw)) if raw is not None else CurrentUnit.AMPERE
    except ValueError:
        return None


def per_ampere(unit: CurrentUnit, *, voltage: float, phases: int) -> float:
    """How much of ``unit`` one ampere on each of ``phases`` phases is."""
    if unit is CurrentUnit.MILLIAMPERE:
        return 1000.0
    if unit is CurrentUnit.WATT:
        return voltage * phases
    if unit is CurrentUnit.KILOWATT:
        return voltage * phases / 1000
    return 1.0


def floor_to_step(value: float, step: float | None) -> float:
    """``value`` rounded down onto a grid of ``step`` (as it is without one)."""
    if step is None or step <= 0:
        return value
    units = math.floor(value / step + _EPS)
    # Decimal noise (7 x 0.1 = 0.7000000000000001) is cut by rounding to the
    # step's own decimals, which never moves a value past the next grid point.
    decimals = max(0, -math.floor(math.log10(step))) + 3
    return round(units * step, decimals)


def to_unit(
    amps: float,
    unit: CurrentUnit,
    *,
    voltage: float,
    phases: int,
    step: float | None = None,
) -> float:
    """The value to write for ``amps`` per phase: converted, rounded down."""
    value = amps * per_ampere(unit, voltage=voltage, phases=phases)
    return floor_to_step(value, step or _DEFAULT_STEP[unit])


def from_unit(value: float, unit: CurrentUnit, *, voltage: float, phases: int) -> float:
    """A value in ``unit`` as amperes per phase."""
    return value / per_ampere(unit, voltage=voltage, phases=phases)


def grid_step_a(
    step: float | None, unit: CurrentUnit, *, voltage: float, phases: int
) -> float:
    """The optimizer's current step for a charger whose number has ``step``.

    The number's own step in amperes (0.1 A for SmartEVSE), or the smallest
    multiple of it that is at least ``FINEST_STEP_A``; 1 A without a step.
    """
    if step is None or step <= 0:
        return DEFAULT_STEP_A
    step_a = from_unit(step, unit, voltage=voltage, phases=phases)
    if step_a >= FINEST_STEP_A - _EPS:
        return step_a
    return step_a * math.ceil(FINEST_STEP_A / step_a - _EPS)
