"""On-board chargers and charger wiring in the model (not yet in the planners)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.opti_vgi.optimizer.model import (
    Charger,
    Horizon,
    ModelError,
    Problem,
    Site,
    Vehicle,
    obc_from_power,
)

START = datetime(2026, 1, 5, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kw", "site_phases", "expected"),
    [
        (3.7, 3, (1, 16.0)),
        (7.4, 3, (1, 32.0)),
        (11.0, 3, (3, 16.0)),
        (22.0, 3, (3, 32.0)),
        (4.6, 3, (1, 20.0)),
        (11.0, 1, (1, 48.0)),  # 47.8 A, rounded to the whole ampere
    ],
)
def test_obc_from_power(
    kw: float, site_phases: int, expected: tuple[int, float]
) -> None:
    """Nameplate powers give the phases and whole currents of real cars."""
    phases, current = obc_from_power(kw, site_phases=site_phases)
    assert phases == expected[0]
    assert current == pytest.approx(expected[1])


@pytest.mark.parametrize(
    ("phase", "expected"), [(1, (1, 2, 3)), (2, (2, 3, 1)), (3, (3, 1, 2))]
)
def test_charger_wiring_rotates(phase: int, expected: tuple[int, ...]) -> None:
    """A charger's L1 is on site phase ``phase``; L2 and L3 follow in rotation."""
    charger = Charger(id="c", phases=3, phase=phase)
    assert charger.site_phases() == expected
    assert charger.site_phases(1) == expected[:1]
    assert Charger(id="s", phases=1, phase=phase).site_phases(3) == (phase,)


def test_one_phase_car_on_rotated_three_phase_charger() -> None:
    """3.7 kW car on an 11 kW charger wired L1->L2: 16 A on site L2 only."""
    charger = Charger(id="c", phases=3, phase=2, max_current_a=16)
    car = Vehicle(
        id="v",
        charger_id="c",
        arrival=START,
        departure=START + timedelta(hours=8),
        energy_needed_kwh=10,
        phases=1,
        max_current_a=16,
    )
    problem = Problem(
        horizon=Horizon(start=START, step_minutes=60, steps=8),
        site=Site(import_limit_kw=11),
        prices=(0.1,) * 8,
        chargers=(charger,),
        vehicles=(car,),
    )
    assert problem.vehicle_site_phases(car) == (2,)
    assert problem.vehicle_max_current_a(car) == 16
    assert problem.vehicle_max_kw(car) == pytest.approx(16 * 230 / 1000)


def test_vehicle_obc_validation() -> None:
    """Impossible on-board chargers are refused with the vehicle named."""
    common = {
        "id": "v",
        "charger_id": "c",
        "arrival": START,
        "departure": START + timedelta(hours=1),
        "energy_needed_kwh": 1,
    }
    with pytest.raises(ModelError, match="phases"):
        Vehicle(**common, phases=4)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="maximum current"):
        Vehicle(**common, max_current_a=0)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="minimum <= maximum"):
        Vehicle(**common, max_current_a=6, min_current_a=8)  # type: ignore[arg-type]
