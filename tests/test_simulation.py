"""A shortened simulation of the demo's site: one night, lp against others.

The full run is ``scripts/simulate`` (48 hours, five runs, docs/simulation.md).
"""

from __future__ import annotations

import asyncio
from functools import cache

from scripts import simulation

HOURS = 16  # from 16:00: every car comes home, charges and leaves at 07:30


@cache
def night(algorithm: str, *, stable: bool = True) -> simulation.Run:
    """One night of the site with ``algorithm`` (made once per test session)."""
    return asyncio.run(
        simulation.simulate(
            algorithm, flat=False, hours=HOURS, tick_s=120, stable=stable
        )
    )


def test_one_night_lp_is_cheaper_and_the_fuse_holds() -> None:
    """The same energy moved to cheaper hours by lp; the fuse holds either way."""
    lp = night("lp")
    base = night("uncontrolled")
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
    text = simulation.table([lp, base], HOURS)
    assert text.splitlines()[2].startswith("| lp |")
    assert "| uncontrolled | " in text


def test_stable_plans_start_and_change_less_for_at_most_one_percent() -> None:
    """Issue 11's measure on the simulation's realistic prices, one night.

    The same site planned by lp with and without the stability terms: with
    them the cars start fewer times per stay and the chargers' limits change
    less often, and the energy costs at most 1 % more, with every target met.
    """
    stable = night("lp")
    loose = night("lp", stable=False)
    assert loose.name == "lp, without stable plans"
    assert stable.starts_per_session < loose.starts_per_session
    assert stable.changes_per_hour(HOURS) < loose.changes_per_hour(HOURS)
    share = simulation.stability_share([stable, loose])
    assert share is not None
    assert share <= simulation.STABILITY_COST_SHARE
    assert not stable.missed
    assert abs(stable.energy_kwh - loose.energy_kwh) < 1
    paragraph = "".join(simulation.stability_paragraph([stable, loose], HOURS))
    assert f"{loose.starts_per_session:.1f} -> {stable.starts_per_session:.1f}" in (
        paragraph
    )
