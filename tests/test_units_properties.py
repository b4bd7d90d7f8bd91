"""Property tests: a limit written in any unit never lets a car draw above the plan.

Over random units (A, mA, W, kW), steps, number ranges, voltages and the
phases of the car: what the writer sends, converted back, is never more than
the planned current nor the user's maximum; and a car of any phase count that
draws what it was given keeps every fuse phase that the plan kept.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from homeassistant.exceptions import HomeAssistantError
from hypothesis import given, settings, strategies as st

from custom_components.opti_vgi.const import ControlMethod, CurrentUnit
from custom_components.opti_vgi.settings import ChargerSettings
from custom_components.opti_vgi.units import (
    FINEST_STEP_A,
    from_unit,
    grid_step_a,
    per_ampere,
    to_unit,
)
from custom_components.opti_vgi.writer import ChargerWriter

EPS = 1e-9
UNITS = st.sampled_from(list(CurrentUnit))
VOLTS = st.sampled_from((110.0, 120.0, 220.0, 230.0, 240.0))
PHASES = st.integers(1, 3)
AMPS = st.floats(0, 80, allow_nan=False)


def _steps(unit: CurrentUnit) -> st.SearchStrategy[float | None]:
    """Steps a number in ``unit`` may have (or none)."""
    choices = {
        CurrentUnit.AMPERE: (0.01, 0.1, 0.5, 1.0, 2.0),
        CurrentUnit.MILLIAMPERE: (1.0, 100.0, 1000.0),
        CurrentUnit.WATT: (1.0, 10.0, 100.0, 230.0, 1000.0),
        CurrentUnit.KILOWATT: (0.001, 0.01, 0.1, 1.0),
    }[unit]
    return st.one_of(st.none(), st.sampled_from(choices))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), unit=UNITS, amps=AMPS, volts=VOLTS, phases=PHASES)
def test_written_never_exceeds_the_plan(
    data: st.DataObject, unit: CurrentUnit, amps: float, volts: float, phases: int
) -> None:
    """Converted and rounded down onto the step: back in A, never above the plan."""
    step = data.draw(_steps(unit))
    value = to_unit(amps, unit, voltage=volts, phases=phases, step=step)
    back = from_unit(value, unit, voltage=volts, phases=phases)
    assert back <= amps + EPS
    # And no more than one step (or the unit's own rounding) below it.
    lost = (step or 1.0) / per_ampere(unit, voltage=volts, phases=phases)
    if unit is CurrentUnit.AMPERE and step is None:
        lost = 0.0
    assert back >= amps - lost - 1e-6


@settings(max_examples=300, deadline=None)
@given(data=st.data(), unit=UNITS, volts=VOLTS, phases=PHASES)
def test_a_plan_on_the_grid_is_written_exactly(
    data: st.DataObject, unit: CurrentUnit, volts: float, phases: int
) -> None:
    """A current on the optimizer's grid for a number's step loses nothing."""
    step = data.draw(_steps(unit))
    grid = grid_step_a(step, unit, voltage=volts, phases=phases)
    assert grid >= FINEST_STEP_A - EPS
    amps = data.draw(st.integers(0, int(80 / grid))) * grid
    value = to_unit(amps, unit, voltage=volts, phases=phases, step=step)
    back = from_unit(value, unit, voltage=volts, phases=phases)
    assert back <= amps + EPS
    assert back >= amps - 1e-6


class _States:
    """The one state the writer reads: the charger's number entity."""

    def __init__(self, attributes: dict[str, Any]) -> None:
        self.state = SimpleNamespace(state="0", attributes=attributes)

    def get(self, entity_id: str) -> Any:
        return self.state if entity_id == "number.box" else None


class _Services:
    """Records the values sent to the number entity."""

    def __init__(self) -> None:
        self.values: list[float] = []

    async def async_call(
        self, domain: str, service: str, data: dict[str, Any], **_: Any
    ) -> None:
        assert (domain, service) == ("number", "set_value")
        self.values.append(data["value"])


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    unit=UNITS,
    volts=VOLTS,
    charger_phases=st.sampled_from((1, 3)),
    car_phases=PHASES,
    known=st.booleans(),
    user_max=st.sampled_from((10.0, 16.0, 32.0)),
    fuse=st.sampled_from((16.0, 20.0, 25.0, 35.0)),
)
def test_the_fuse_holds_in_every_unit(  # one parameter per dimension
    data: st.DataObject,
    unit: CurrentUnit,
    volts: float,
    charger_phases: int,
    car_phases: int,
    known: bool,
    user_max: float,
    fuse: float,
) -> None:
    """What the writer sends, as the car draws it, keeps each fuse phase.

    The number has a random step and range (its maximum may be above the
    user's, as a wrong slider is); the car is known to the writer or not.
    A car draws a current limit as it is (at most its own phases' worth), a
    power limit spread over its own phases. On every phase it loads, the
    house plus the car stays within the fuse whenever the plan's current did.
    """
    step = data.draw(_steps(unit))
    per = per_ampere(unit, voltage=volts, phases=min(charger_phases, car_phases))
    high = data.draw(st.sampled_from((16.0, 32.0, 63.0))) * per
    attributes: dict[str, Any] = {"unit_of_measurement": unit.value, "max": high}
    if step is not None:
        attributes["step"] = step
    house_a = data.draw(st.floats(0, fuse, allow_nan=False))
    planned = data.draw(st.floats(6, user_max, allow_nan=False))
    planned = min(planned, fuse - house_a)  # what the plan may give it
    charger = ChargerSettings(
        subentry_id="c1",
        name="Box",
        control=ControlMethod.NUMBER,
        current_entity="number.box",
        phases=charger_phases,
        voltage=volts,
        min_current=0.0,
        max_current=user_max,
    )
    services = _Services()
    hass = SimpleNamespace(states=_States(attributes), services=services)
    writer = ChargerWriter(hass, (charger,))  # type: ignore[arg-type]
    uses = min(charger_phases, car_phases)
    writer.vehicle_phases["c1"] = car_phases if known else None
    try:
        accepted = asyncio.run(writer._write_number(charger, max(0.0, planned)))
    except HomeAssistantError:
        return  # refused: nothing written, nothing drawn
    (value,) = services.values
    assert accepted <= max(0.0, planned) + EPS
    assert accepted <= user_max + EPS
    if unit.is_power:
        drawn = value / (volts * uses)  # a power limit over the car's phases
    else:
        drawn = from_unit(value, unit, voltage=volts, phases=uses)
    assert drawn <= max(0.0, planned) + EPS
    assert house_a + drawn <= fuse + EPS or planned <= 0
