"""The floor for the benchmark: the ``lp`` formulation built straight into highspy.

Same columns, rows, bounds and objective as
``custom_components/opti_vgi/optimizer/lp.py`` (the weights come from its
``objective_weights``), but built with vectorised numpy over (vehicle, step)
arrays and handed to highspy in one ``passModel`` call, with no modelling layer
in between. Nothing here is part of the integration; it only tells how much of
the ``lp`` planner's time is its Python model building (lists of the CSR arrays,
handed to HiGHS in one call as well) rather than HiGHS, and it cross-checks the
``lp`` model: both must reach the same optimal objective.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import time
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from custom_components.opti_vgi.optimizer.assemble import (
    fuse_capacity_a,
    site_capacity_kw,
)
from custom_components.opti_vgi.optimizer.lp import (
    FAIRNESS_FLOOR_KWH,
    GRID_TOLERANCE,
    NEGLIGIBLE_KWH,
    SEGMENTS,
    VehicleTerms,
    objective_weights,
)

if TYPE_CHECKING:
    from custom_components.opti_vgi.optimizer.model import Problem

_EPS = 1e-9
INF = highspy.kHighsInf


@dataclass
class FloorResult:
    """Outcome of one floor solve."""

    build_ms: float
    solve_ms: float
    cpu_ms: float  # build + solve, CPU time of this process
    objective: float
    status: str
    has_solution: bool
    columns: int
    rows: int
    binaries: int
    gap: float


class _Coo:
    """Row-wise triplets collected block by block."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.count = 0

    def block(
        self,
        n: int,
        lower: np.ndarray | float,
        upper: np.ndarray | float,
    ) -> int:
        """Reserve ``n`` rows with the given sides; return the first row id."""
        first = self.count
        self.count += n
        self.lower.append(np.broadcast_to(np.asarray(lower, float), (n,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, float), (n,)))
        return first

    def add(self, rows: Any, cols: Any, vals: Any) -> None:
        """Add triplets (broadcast to a common shape)."""
        rows, cols, vals = np.broadcast_arrays(
            np.asarray(rows), np.asarray(cols), np.asarray(vals, float)
        )
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(vals.ravel())


def build(  # noqa: PLR0915
    problem: Problem, *, integer_minimums: bool
) -> tuple[highspy.HighsLp, int]:
    """The model as a ``HighsLp`` and its number of binaries."""
    horizon = problem.horizon
    steps, hours = horizon.steps, horizon.step_hours
    chargers = problem.chargers
    n_chargers = len(chargers)
    charger_index = {c.id: i for i, c in enumerate(chargers)}
    # Charger data on the current grid.
    unit_kw_c = np.array([c.current_step_a * c.kw_per_a for c in chargers])
    kw_per_a_c = np.array([c.kw_per_a for c in chargers])
    max_kw_c = (
        np.array(
            [math.floor(c.max_current_a / c.current_step_a + _EPS) for c in chargers]
        )
        * unit_kw_c
    )
    binary_c = np.array(
        [integer_minimums and c.min_current_a > 0 for c in chargers], bool
    )
    min_kw_c = np.where(
        binary_c,
        np.array(
            [
                max(1, math.ceil(c.min_current_a / c.current_step_a - _EPS))
                for c in chargers
            ]
        )
        * unit_kw_c,
        0.0,
    )
    loads = np.array(
        [[c.loads_phase(p) for p in (1, 2, 3)] for c in chargers], bool
    )  # (C, 3)
    site = np.array([site_capacity_kw(problem, t) for t in range(steps)])
    fuse = np.array(
        [[fuse_capacity_a(problem, t, p) for t in range(steps)] for p in (1, 2, 3)]
    )  # (3, T)
    fuse_min_c = np.where(loads[:, :, None], fuse[None, :, :], np.inf).min(axis=1)

    # Vehicle data.
    vehicles = problem.vehicles
    n_all = len(vehicles)
    charger_v = np.array([charger_index[v.charger_id] for v in vehicles], int)
    windows = [problem.window(v) for v in vehicles]
    first_v = np.array([w.start for w in windows], int)
    stop_v = np.array([w.stop for w in windows], int)
    vmax = np.array([problem.vehicle_max_kw(v) for v in vehicles])
    unit_v = unit_kw_c[charger_v]
    max_kw_v = np.minimum(max_kw_c[charger_v], np.floor(vmax / unit_v + _EPS) * unit_v)
    need_v = np.array([v.energy_needed_kwh for v in vehicles])
    gain_v = np.array([v.efficiency for v in vehicles]) * hours
    t_idx = np.arange(steps)
    window = (t_idx[None, :] >= first_v[:, None]) & (t_idx[None, :] < stop_v[:, None])
    usable = np.minimum(max_kw_v[:, None], site[None, :])
    usable = np.minimum(usable, fuse_min_c[charger_v] * kw_per_a_c[charger_v][:, None])
    usable = np.floor(usable / unit_v[:, None] + GRID_TOLERANCE) * unit_v[:, None]
    usable = np.where(
        window & (usable > 0) & (usable >= min_kw_c[charger_v][:, None] - _EPS),
        usable,
        0.0,
    )
    attainable_v = np.minimum(need_v, usable.sum(axis=1) * gain_v)
    cap_v = np.array([problem.energy_cap_kwh(v) for v in vehicles])
    most_v = np.maximum(attainable_v, np.minimum(cap_v, usable.sum(axis=1) * gain_v))
    keep = (stop_v > first_v) & (need_v > 0) & (max_kw_v > 0)
    keep &= attainable_v > NEGLIGIBLE_KWH
    kept = np.flatnonzero(keep)
    n = len(kept)
    charger_v, first_v, stop_v = charger_v[kept], first_v[kept], stop_v[kept]
    max_kw_v, gain_v, attainable_v = max_kw_v[kept], gain_v[kept], attainable_v[kept]
    most_v = most_v[kept]
    window = window[kept]
    urgent_v = np.minimum(
        np.array([vehicles[i].min_energy_kwh for i in kept]), attainable_v
    )
    priority_v = np.array([vehicles[i].priority for i in kept])
    scale_v = np.maximum(attainable_v, FAIRNESS_FLOOR_KWH)
    weights = objective_weights(
        problem,
        [
            VehicleTerms(
                index=int(kept[k]),
                charger=int(charger_v[k]),
                first=int(first_v[k]),
                steps=int(stop_v[k] - first_v[k]),
                max_kw=float(max_kw_v[k]),
                gain=float(gain_v[k]),
                attainable=float(attainable_v[k]),
                most=float(most_v[k]),
                urgent=float(urgent_v[k]),
                priority=float(priority_v[k]),
                scale=float(scale_v[k]),
            )
            for k in range(n)
        ],
    )
    del n_all

    # Columns: p, q, s, m, z, on.
    prices = np.array(problem.prices) / weights.price_unit
    step_cost = (prices + weights.tie * t_idx / steps) * hours
    veh_of_p, step_of_p = np.nonzero(window)  # row-major: by vehicle, then step
    n_p = len(veh_of_p)
    has_q = urgent_v > 0
    q_mask = window & has_q[:, None]
    veh_of_q, step_of_q = np.nonzero(q_mask)
    n_q = len(veh_of_q)
    p0, q0 = 0, n_p
    s0 = q0 + n_q
    urgent_list = np.flatnonzero(has_q)
    m0 = s0 + n * SEGMENTS
    z0 = m0 + len(urgent_list)
    n_z = 1 if n > 1 else 0
    on0 = z0 + n_z
    # vehicles per (charger, step)
    present = np.zeros((n_chargers, steps), int)
    np.add.at(present, (charger_v[veh_of_p], step_of_p), 1)
    on_mask = (present > 0) & binary_c[:, None]
    on_c, on_t = np.nonzero(on_mask)
    n_on = len(on_c)
    on_col = np.full((n_chargers, steps), -1)
    on_col[on_c, on_t] = on0 + np.arange(n_on)
    n_cols = on0 + n_on

    cost = np.zeros(n_cols)
    lower = np.zeros(n_cols)
    upper = np.zeros(n_cols)
    cost[p0:q0] = step_cost[step_of_p]
    upper[p0:q0] = max_kw_v[veh_of_p]
    late = weights.lateness * hours * (step_of_q - first_v[veh_of_q])
    cost[q0:s0] = step_cost[step_of_q] + late
    upper[q0:s0] = max_kw_v[veh_of_q]
    slope = weights.fairness * priority_v / scale_v
    seg = np.arange(SEGMENTS)
    unmet = weights.shortfall * hours / gain_v
    cost[s0:m0] = (unmet[:, None] + slope[:, None] * (seg[None, :] + 1)).ravel()
    upper[s0:m0] = np.repeat(attainable_v / SEGMENTS, SEGMENTS)
    cost[m0:z0] = weights.urgent
    upper[m0:z0] = urgent_v[urgent_list]
    if n_z:
        cost[z0] = weights.fairness
        upper[z0] = priority_v.max()
    upper[on0:] = 1.0

    coo = _Coo()
    # Energy rows.
    r = coo.block(n, attainable_v, most_v)
    coo.add(r + veh_of_p, p0 + np.arange(n_p), gain_v[veh_of_p])
    coo.add(r + veh_of_q, q0 + np.arange(n_q), gain_v[veh_of_q])
    s_cols = s0 + np.arange(n * SEGMENTS).reshape(n, SEGMENTS)
    coo.add(r + np.arange(n)[:, None], s_cols, 1.0)
    # Minimum-energy rows.
    urgent_row = np.full(n, -1)
    urgent_row[urgent_list] = np.arange(len(urgent_list))
    r = coo.block(len(urgent_list), urgent_v[urgent_list], urgent_v[urgent_list])
    coo.add(r + urgent_row[veh_of_q], q0 + np.arange(n_q), gain_v[veh_of_q])
    coo.add(r + np.arange(len(urgent_list)), m0 + np.arange(len(urgent_list)), 1.0)
    # Fairness rows.
    if n_z:
        r = coo.block(n, -INF, 0.0)
        coo.add(r + np.arange(n)[:, None], s_cols, (priority_v / scale_v)[:, None])
        coo.add(r + np.arange(n), z0, -1.0)
    # Power columns (p and q) with their vehicle and step.
    pc_veh = np.concatenate([veh_of_p, veh_of_q])
    pc_step = np.concatenate([step_of_p, step_of_q])
    pc_col = np.arange(p0, s0)
    pc_charger = charger_v[pc_veh]
    # Sum of vehicle maxima per (charger, step).
    vmax_sum = np.zeros((n_chargers, steps))
    np.add.at(vmax_sum, (charger_v[veh_of_p], step_of_p), max_kw_v[veh_of_p])
    cap = np.minimum(max_kw_c[:, None], vmax_sum)
    # Charger rows with a binary: Σ power - cap·on ≤ 0 and Σ power - min·on ≥ 0.
    on_row = np.full((n_chargers, steps), -1)
    on_row[on_c, on_t] = np.arange(n_on)
    r_max = coo.block(n_on, -INF, 0.0)
    r_min = coo.block(n_on, 0.0, INF)
    with_on = on_row[pc_charger, pc_step] >= 0
    rows_on = on_row[pc_charger[with_on], pc_step[with_on]]
    coo.add(r_max + rows_on, pc_col[with_on], 1.0)
    coo.add(r_min + rows_on, pc_col[with_on], 1.0)
    coo.add(r_max + np.arange(n_on), on_col[on_c, on_t], -cap[on_c, on_t])
    coo.add(r_min + np.arange(n_on), on_col[on_c, on_t], -min_kw_c[on_c])
    # Shared charger maximum without a binary.
    shared = (~on_mask) & (present > 0) & (vmax_sum > max_kw_c[:, None] + _EPS)
    sh_c, sh_t = np.nonzero(shared)
    sh_row = np.full((n_chargers, steps), -1)
    sh_row[sh_c, sh_t] = np.arange(len(sh_c))
    r = coo.block(len(sh_c), -INF, max_kw_c[sh_c])
    sel = sh_row[pc_charger, pc_step] >= 0
    coo.add(r + sh_row[pc_charger[sel], pc_step[sel]], pc_col[sel], 1.0)
    # p + q ≤ P_v for urgent vehicles, unless a binary row of a lone vehicle holds it.
    pair_needed = ~(
        on_mask[charger_v[veh_of_q], step_of_q]
        & (present[charger_v[veh_of_q], step_of_q] == 1)
    )
    q_sel = np.flatnonzero(pair_needed)
    p_index = np.full((n, steps), -1)
    p_index[veh_of_p, step_of_p] = p0 + np.arange(n_p)
    r = coo.block(len(q_sel), -INF, max_kw_v[veh_of_q[q_sel]])
    coo.add(r + np.arange(len(q_sel)), q0 + q_sel, 1.0)
    coo.add(r + np.arange(len(q_sel)), p_index[veh_of_q[q_sel], step_of_q[q_sel]], 1.0)
    # Site rows where they can bind, on the common grid of the chargers present.
    step_a_c = np.array([c.current_step_a for c in chargers])
    site = _on_grid(site, present > 0, unit_kw_c)
    peak = cap.sum(axis=0)
    site_t = np.flatnonzero(peak > site + _EPS)
    site_row = np.full(steps, -1)
    site_row[site_t] = np.arange(len(site_t))
    r = coo.block(len(site_t), -INF, site[site_t])
    sel = site_row[pc_step] >= 0
    coo.add(r + site_row[pc_step[sel]], pc_col[sel], 1.0)
    # Fuse rows: phases without a 1-phase charger present share one row.
    if problem.site.fuse_limit_a is not None:
        three = np.array([c.phases == 3 for c in chargers], bool)  # noqa: PLR2004
        on_step = present > 0  # (C, T)
        single_on = np.stack(
            [(on_step & (loads[:, p] & ~three)[:, None]).any(axis=0) for p in range(3)]
        )  # (3, T): a 1-phase charger on phase p present
        any_three = (on_step & three[:, None]).any(axis=0)  # (T,)
        amps_c = cap / kw_per_a_c[:, None]  # (C, T) peak current per charger
        amps_three = np.where(three[:, None], amps_c, 0.0).sum(axis=0)
        for p in range(3):
            single = loads[:, p] & ~three
            amps_single = np.where(single[:, None], amps_c, 0.0).sum(axis=0)
            # Own row where a 1-phase charger on p is present.
            rated_p = _on_grid(fuse[p], on_step & loads[:, p][:, None], step_a_c)
            own = single_on[p] & (amps_three + amps_single > rated_p + _EPS)
            _fuse_rows(
                coo, own, rated_p, pc_step, pc_col, pc_charger, loads[:, p], kw_per_a_c
            )
        # Shared row for the phases with only 3-phase chargers present.
        group = ~single_on  # (3, T)
        rated = np.where(group, fuse, np.inf).min(axis=0)
        rated = _on_grid(rated, on_step & three[:, None], step_a_c)
        shared_t = any_three & group.any(axis=0) & (amps_three > rated + _EPS)
        _fuse_rows(coo, shared_t, rated, pc_step, pc_col, pc_charger, three, kw_per_a_c)

    rows = np.concatenate(coo.rows)
    cols = np.concatenate(coo.cols)
    vals = np.concatenate(coo.vals)
    order = np.argsort(rows, kind="stable")
    starts = np.zeros(coo.count + 1, np.int32)
    np.cumsum(np.bincount(rows, minlength=coo.count), out=starts[1:])
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = coo.count
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.concatenate(coo.lower) if coo.lower else np.zeros(0)
    lp.row_upper_ = np.concatenate(coo.upper) if coo.upper else np.zeros(0)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = coo.count
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = cols[order].astype(np.int32)
    lp.a_matrix_.value_ = vals[order]
    if n_on:
        integrality = [highspy.HighsVarType.kContinuous] * n_cols
        integrality[on0:] = [highspy.HighsVarType.kInteger] * n_on
        lp.integrality_ = integrality
    return lp, n_on


def _on_grid(capacity: np.ndarray, members: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Capacity per step floored to the common grid of the member chargers' steps.

    ``members`` is (chargers, steps); a step whose members have no common grid
    (every step a multiple of the smallest) keeps its capacity.
    """
    steps = np.where(members, step[:, None], np.inf)
    smallest = steps.min(axis=0)
    safe = np.where(np.isfinite(smallest), smallest, 1.0)
    ratio = step[:, None] / safe[None, :]
    off = members & (np.abs(ratio - np.round(ratio)) > GRID_TOLERANCE)
    ok = np.isfinite(smallest) & ~off.any(axis=0)
    floored = np.floor(capacity / safe + GRID_TOLERANCE) * safe
    return np.where(ok, floored, capacity)


def _fuse_rows(  # noqa: PLR0917 - one row block, many arrays
    coo: _Coo,
    where: np.ndarray,
    rated: np.ndarray,
    pc_step: np.ndarray,
    pc_col: np.ndarray,
    pc_charger: np.ndarray,
    members: np.ndarray,
    kw_per_a_c: np.ndarray,
) -> None:
    """One fuse row per step in ``where`` over the power columns of ``members``."""
    steps_sel = np.flatnonzero(where)
    row_of = np.full(len(where), -1)
    row_of[steps_sel] = np.arange(len(steps_sel))
    r = coo.block(len(steps_sel), -INF, rated[steps_sel])
    sel = (row_of[pc_step] >= 0) & members[pc_charger]
    coo.add(r + row_of[pc_step[sel]], pc_col[sel], 1.0 / kw_per_a_c[pc_charger[sel]])


def solve(
    problem: Problem,
    *,
    integer_minimums: bool,
    time_limit_s: float = 5.0,
    mip_gap: float = 0.01,
) -> FloorResult:
    """Build and solve the floor model; times exclude nothing but imports."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    lp, binaries = build(problem, integer_minimums=integer_minimums)
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)  # noqa: FBT003 - highspy API
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(mip_gap))
    if not binaries:  # as the lp planner: an LP without presolve
        highs.setOptionValue("presolve", "off")
    highs.passModel(lp)
    built = time.perf_counter()
    highs.run()
    solved = time.perf_counter()
    cpu_ms = (time.process_time() - cpu_started) * 1000
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # noqa: PLR2004 - feasible
    return FloorResult(
        build_ms=(built - started) * 1000,
        solve_ms=(solved - built) * 1000,
        cpu_ms=cpu_ms,
        objective=float(info.objective_function_value),
        status=highs.modelStatusToString(status),
        has_solution=has_solution,
        columns=lp.num_col_,
        rows=lp.num_row_,
        binaries=binaries,
        gap=float(info.mip_gap) if binaries else 0.0,
    )
