"""Hypothesis strategy for random, valid, small planning problems.

Small enough that every algorithm solves one in milliseconds, varied enough to
hit the awkward corners: 1- and 3-phase chargers on a fuse, minimum currents
that do not fit, chargers shared by several vehicles, vehicles already plugged
in and planned arrivals between step boundaries, tied and negative prices,
limits below the base load.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from custom_components.opti_vgi.optimizer.model import (
    Charger,
    Horizon,
    Problem,
    Site,
    Vehicle,
)

from .builders import START


@st.composite
def chargers(draw: st.DrawFn, index: int) -> Charger:
    """One charger: 1 or 3 phases, minimum 0, 6 or 10 A, various maxima and steps.

    Some can only be switched (a Pod Point, a zappi in Fast or Stopped): 0 or
    one fixed current, as the integration plans them (minimum = maximum, one
    step of that size).
    """
    phases = draw(st.sampled_from((1, 3)))
    phase = draw(st.integers(1, 3))
    voltage = draw(st.sampled_from((230.0, 240.0)))
    if draw(st.integers(0, 5)) == 0:
        fixed = draw(st.sampled_from((6.0, 13.8, 16.0)))
        return Charger(
            id=f"c{index}",
            phases=phases,
            phase=phase,
            voltage_v=voltage,
            min_current_a=fixed,
            max_current_a=fixed,
            current_step_a=fixed,
            accepts_zero=False,
        )
    maximum = draw(st.sampled_from((6.0, 10.0, 16.0, 32.0)))
    return Charger(
        id=f"c{index}",
        phases=phases,
        phase=phase,
        voltage_v=voltage,
        min_current_a=min(maximum, draw(st.sampled_from((0.0, 6.0, 10.0)))),
        max_current_a=maximum,
        current_step_a=draw(st.sampled_from((1.0, 0.5, 2.0, 0.1))),
        accepts_zero=draw(st.booleans()),
    )


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A random valid problem with 1-4 chargers, 1-5 vehicles and 4-24 steps."""
    step_minutes = draw(st.sampled_from((15, 60)))
    steps = draw(st.integers(4, 24))
    # Planned within the first step as often as on a boundary (a replan).
    share = draw(st.sampled_from((1.0, 1.0, 2 / 3, 0.25, 0.05)))
    horizon = Horizon(
        start=START, step_minutes=step_minutes, steps=steps, first_share=share
    )
    charger_list = [draw(chargers(i)) for i in range(draw(st.integers(1, 4)))]
    vehicle_list = []
    for i in range(draw(st.integers(1, 5))):
        # Times in 5-minute ticks so arrivals fall between step boundaries too.
        ticks = steps * step_minutes // 5
        arrival = draw(st.integers(-ticks // 4, ticks))
        stay = draw(st.integers(0, ticks + 6))
        need = draw(st.floats(0, 60, allow_nan=False))
        vehicle_list.append(
            Vehicle(
                id=f"v{i}",
                charger_id=draw(st.sampled_from(charger_list)).id,
                arrival=START + timedelta(minutes=5 * arrival),
                departure=START + timedelta(minutes=5 * (arrival + stay)),
                energy_needed_kwh=need,
                min_energy_kwh=draw(st.sampled_from((0.0, 0.25, 1.0))) * need,
                max_power_kw=draw(st.none() | st.sampled_from((1.4, 3.7, 7.4, 11.0))),
                efficiency=draw(st.sampled_from((1.0, 0.9, 0.85))),
                priority=draw(st.sampled_from((1.0, 0.5, 3.0))),
                # On-board chargers: 1-, 2- or 3-phase, some with their own
                # current range (a 1-phase car on a rotated 3-phase charger).
                phases=draw(st.sampled_from((3, 1, 2))),
                max_current_a=draw(st.none() | st.sampled_from((10.0, 16.0, 32.0))),
                min_current_a=draw(st.sampled_from((0.0, 0.0, 8.0))),
                # The battery's room to 100 %: unknown, the need (a target of
                # 100 %: nothing past it), or a little more.
                battery_room_kwh=draw(
                    st.sampled_from((None, 1.0, 1.2)).map(
                        lambda f, need=need: None if f is None else f * need
                    )
                ),
            )
        )
    prices = st.integers(-5, 40).map(lambda cents: cents / 100)
    limit = draw(
        st.floats(0, 40, allow_nan=False)
        | st.lists(
            st.floats(0, 40, allow_nan=False), min_size=steps, max_size=steps
        ).map(tuple)
    )
    return Problem(
        horizon=horizon,
        site=Site(
            import_limit_kw=limit,
            fuse_limit_a=draw(st.none() | st.sampled_from((10.0, 16.0, 25.0, 63.0))),
            phases=draw(st.sampled_from((1, 3))),
            base_load_kw=draw(
                st.none()
                | st.lists(
                    st.floats(0, 6, allow_nan=False), min_size=steps, max_size=steps
                ).map(tuple)
            ),
            # Chargers left alone: a current on some phases, as a guest's car.
            fixed_load_a=draw(
                st.none()
                | st.lists(
                    st.tuples(*(st.sampled_from((0.0, 6.0, 10.0, 16.0)),) * 3),
                    min_size=steps,
                    max_size=steps,
                ).map(tuple)
            ),
        ),
        prices=tuple(draw(st.lists(prices, min_size=steps, max_size=steps))),
        chargers=tuple(charger_list),
        vehicles=tuple(vehicle_list),
    )
