"""The stable-plans benchmark: issue 11's acceptance on a day of real prices."""

from __future__ import annotations

from pathlib import Path

from scripts import bench_stable


def test_stability_terms_cut_starts_and_changes_at_a_cost_within_one_percent() -> None:
    """Replanned every hour for a day: fewer starts and changes, <= 1 %.

    (scripts/bench --stable replans every 15 minutes; hourly keeps the test
    at 24 plans a variant.)
    """
    plain = bench_stable.run("plain", stability=False, min_minutes=0, every=4)
    stable = bench_stable.run("stable", stability=True, min_minutes=0, every=4)
    assert stable.starts < plain.starts
    assert stable.changes < plain.changes
    assert stable.cost <= plain.cost * 1.01
    assert stable.short_kwh <= plain.short_kwh + 1e-6
    assert plain.short_kwh == 0  # every need met (task 0: the last step)


def test_the_section_replaces_an_earlier_one(tmp_path: Path) -> None:
    outcome = bench_stable.Outcome(
        "plain", starts=8, changes=20, plugged_hours=10.0, cost=1.0, plan_ms=[5.0]
    )
    section = bench_stable.render([outcome], 1.0)
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n", encoding="utf-8")
    bench_stable.write_section(path, section)
    bench_stable.write_section(path, section)
    text = path.read_text(encoding="utf-8")
    assert text.count(bench_stable.MARK_START) == 1
    assert "| plain | 1.00 | 2.00 | 1.000 EUR | +0.00 % |" in text
    assert text.startswith("# Benchmarks\n")


def test_the_section_says_whether_the_acceptance_held() -> None:
    """The verdict is computed from the rows, so it cannot go stale by hand."""
    plain = bench_stable.Outcome(
        "plain", starts=16, changes=20, plugged_hours=10.0, cost=10.0, plan_ms=[5.0]
    )
    stable = bench_stable.Outcome(
        "stable", starts=8, changes=10, plugged_hours=10.0, cost=10.05, plan_ms=[9.0]
    )
    dear = bench_stable.Outcome(
        "stable", starts=8, changes=10, plugged_hours=10.0, cost=10.2, plan_ms=[9.0]
    )
    text = bench_stable.render([plain, stable], 1.0)
    assert "starts per session 2.00 -> 1.00" in text
    assert "cost +0.50 %" in text
    assert "cost within 1 %: held" in text
    assert "**not held**" in bench_stable.render([plain, dear], 1.0)
