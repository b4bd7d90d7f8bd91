"""A shortened simulation of the demo's site: one night, lp against uncontrolled.

The full run is ``scripts/simulate`` (48 hours, four runs, docs/simulation.md).
"""

from __future__ import annotations

import asyncio

from scripts import simulation


def test_one_night_lp_is_cheaper_and_the_fuse_holds() -> None:
    """16 hours from 16:00: every car comes home, charges and leaves at 07:30."""
    lp = asyncio.run(simulation.simulate("lp", flat=False, hours=16, tick_s=120))
    base = asyncio.run(
        simulation.simulate("uncontrolled", flat=False, hours=16, tick_s=120)
    )
    for run in (lp, base):
        assert [s.car for s in run.sessions] == ["ioniq", "kona", "leaf"]
        # The fuse holds on every phase, house included, whatever the planner.
        assert run.max_phase_a <= simulation.FUSE_A + 0.5
        assert run.energy_kwh > 60  # the three cars' needs: about 38.5/0.9 + 20 + 15.6
    # The same energy, moved to cheaper hours.
    assert abs(lp.energy_kwh - base.energy_kwh) < 3
    assert lp.cost < base.cost * 0.7
    met_by_base = {s.car for s in base.sessions if s not in base.missed}
    assert not met_by_base & {s.car for s in lp.missed}
    # Uncontrolled charges at once: the evening peak is its peak.
    assert base.peak_kw > lp.peak_kw - 0.5
    text = simulation.table([lp, base], 16)
    assert text.splitlines()[2].startswith("| lp |")
    assert "| uncontrolled | " in text
