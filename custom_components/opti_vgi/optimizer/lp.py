"""The ``lp`` planner: one linear (or mixed-integer) program, solved by HiGHS.

Formulation (``Δt`` is the step in hours, ``g_v = efficiency_v · Δt`` turns kW
in one step into kWh in the battery):

Columns, all with their limits as bounds rather than rows:

* ``p[v,t] ∈ [0, P_v]`` grid power of vehicle ``v`` in step ``t``, only for the
  steps of its window. ``P_v`` is the vehicle's maximum rounded down to its
  charger's current grid, the most a setpoint can deliver.
* ``q[v,t] ∈ [0, P_v]`` "urgent" power, only for vehicles with a minimum energy:
  the part of the power that counts towards ``min_energy_kwh``.
* ``s[v,k] ∈ [0, A_v/K]``, ``k < K``: the vehicle's shortfall in ``K`` equal
  segments (a convex piecewise-linear penalty, see the objective).
* ``m[v] ∈ [0, M_v]`` shortfall of the minimum energy.
* ``z ≥ 0`` the largest priority-weighted shortfall fraction.
* ``on[c,t] ∈ {0, 1}`` charger ``c`` charges in step ``t``: only when the charger
  has a minimum current, ``integer_minimums`` is set, and some vehicle on it may
  charge in ``t``.

``A_v`` is what the vehicle could get if it were alone on the site: its need,
capped by what its window, maximum power, the site limit and the fuse allow.
The part of the need above ``A_v`` is unavoidable, the same in every plan, and
left out of the model; the fairness terms compare shares of ``A_v`` so that one
vehicle that can never be served does not hide the unfairness among the rest.

Rows:

* energy ``A_v ≤ Σ_t g_v (p + q)[v,t] + Σ_k s[v,k] ≤ C_v``: never more than
  asked, but for less than one minimum step past the need (``C_v``, the cap of
  :meth:`.model.Problem.energy_cap_kwh`, where ``A_v`` is the whole need: a
  charger that is on draws at least its minimum, so 0.9 kWh may take the
  0.93 kWh of 6 A for a step), and the shortfall is soft, so the model is never
  infeasible;
* minimum energy ``Σ_t g_v q[v,t] + m[v] = M_v`` and ``p + q ≤ P_v`` per step;
* site ``Σ_v power[v,t] ≤ limit(t) - base(t)`` (at least 0);
* fuse, per phase: ``Σ power[v,t] / (kW per A of v's charger) ≤ fuse - base
  current`` over the chargers that load the phase: the setpoint current, which
  a 1-phase charger draws on its phase (``P / V``) and a 3-phase charger on each
  phase (``P / 3V``); phases that see the same chargers share one row;
* charger: ``Σ_v power ≤ Pmax_c · on`` and ``≥ Pmin_c · on`` with a binary, else
  ``Σ_v power ≤ Pmax_c`` where several vehicles can meet on one charger;
* fairness ``π_v (Σ_k s[v,k]) / D_v ≤ z`` with ``D_v = max(A_v, 1 kWh)``.

Rows that cannot bind (the maxima of everything under them already fit) are not
written, so most steps of a lightly loaded site have no row at all.

Objective, in priority order (:func:`objective_weights` derives the weights):

1. unmet energy, shared fairly: ``W_S · Σ_v s_v / e_v`` counts what is missed in
   grid kWh; ``W_Z · z`` makes the largest priority-weighted fraction as small as
   possible (equal shares for symmetric vehicles, fractions in inverse
   proportion to priority otherwise), and the segment slopes
   ``W_Z · π_v (k+1) / D_v`` spread what ``z`` leaves open among the others;
2. the minimum energy as early as possible whatever the price: ``W_M · m`` with a
   lateness cost on ``q`` that grows by more than the price span every step;
3. energy cost ``Σ price_t · (p + q) · Δt``, with prices divided by their largest
   magnitude so that no weight depends on the currency or the price level;
4. a tiny cost growing with time, so that equal prices go to the earlier step.

What the weights guarantee (tested in tests/optimizer/test_lp.py):

* no capacity is withheld: a vehicle that is short has, in every step of its
  window, its maximum power or a site, fuse or charger limit that is full;
* urgent energy never moves to a later step for a lower price, and minimum
  energy is never left out to save money; cost only breaks ties of levels 1-2;
* among vehicles competing for the same capacity the split follows fairness,
  even where one of them would turn that capacity into slightly more energy (a
  more efficient car, or a 240 V rather than a 230 V charger on a fuse). Strict
  "most energy first" would give one car everything for a few percent, and
  needs unbounded weights; the unmet energy is counted in grid kWh so that
  efficiency alone does not bias the split.

The MIP gap (``SolveOptions.mip_gap``) is on cost: the MIP stops at an absolute
gap of ``mip_gap`` times its start's energy cost (in price units, at least
:data:`MIN_GAP_SHARE` per grid kWh). A kWh of unmet energy weighs far more than
any cost, so an open gap of that size can only hide money, or a sliver of
energy worth no more than it; ``statistics["gap"]`` reports the open gap as a
share of that cost, ``statistics["objective_gap"]`` HiGHS's relative gap on
the weighted objective.

Stable plans (``SolveOptions.stability``, on in the integration): a cost of
:data:`CHANGE_SHARE` of the largest price per kW of a charger's change between
two steps where it can charge (an L1 term, two columns and one row per charger
and step), and :data:`KEEP_FACTOR` times that for leaving the previous plan's
current in the first step (``Problem.previous_current_a``): ties and near-ties
go to the running charger, and a replan does not switch it for a cent. It is
part of the cost level, so it never costs energy or the minimum. A charger's
minimum on and off time (``Charger.min_on_minutes``/``min_off_minutes``) are
rows over its on/off binaries, in the MIP only, which runs for them only when
the rounded LP breaks one (:func:`min_time_violations`); plans are compared on
shortfall, then broken minimum times, then cost with the stability terms.

Solving: the model goes to HiGHS (highspy) as the arrays it is built in, with
no modelling layer. The pure LP (no binaries) is solved first and rounded by
:func:`assemble_plan` (current steps, limits, repair, fragment reclaim). With
charger minimums it is the MIP's relaxation. Where the rounded plan lost more
than 1 % of the LP's energy or 0.5 % of its cost (:func:`loss_is_small`; from
5 vehicles up the import-limited benchmark instances lose at most 0.7 % at 96
steps, the fuse-bound fleets 5-20 %, where the LP shares a fuse out in
trickles below the 6 A minimum), relax-and-fix comes next
(:class:`FixSession`): one HiGHS instance holds the MIP model with its on/off
columns continuous; what the LP runs at its minimum or more is switched on,
then (twice) the LP is re-solved with that pinned and the rest free, and the
pairs where it charges are switched on, largest power first, where the
minimum still fits in the site, every phase the charger loads and the
minimums already on, and where the vehicle can take the energy; last, all
on/off columns are pinned (the rest off) and the LP solved once more. Each
round changes column bounds and re-solves from the last basis. The fixed LP
keeps every minimum, so rounding it loses little; on the benchmark fleets its
plan is within 0.2 % of the energy the 5 s MIP found (and above it on some).

The MIP then runs only where the best plan so far still loses more than those
shares against the relaxation, or breaks a minimum on or off time, from the
better of that plan and the heuristic's, in the same HiGHS instance (binaries
and bounds restored), and only for what is left of an end-to-end budget
(:func:`time_budget_s`): ``BUDGET_PER_VEHICLE_STEP_S`` (60 µs) per vehicle
and step, at least ``BUDGET_FLOOR_S`` (0.1 s), at most the time limit. Why
that much: the targets are ``lp`` end to end (with ``check_plan``) in 200 ms
at 20 vehicles x 96 steps and 1 s at 50 x 96 on a 2-core machine; the stages
before the MIP take 20-50 µs per vehicle and step there (the heuristic, the
LP, rounding, relax-and-fix), and HiGHS may stop a MIP up to about twice its
time limit late (root cuts and heuristics do not look at the clock), after
which the MIP's plan is still rounded. 60 µs gives 115 ms at 20 x 96 and
290 ms at 50 x 96, so both targets hold with that overshoot; the budget grows
with the problem as the time of everything else does, and the floor leaves
small problems (a few ms each) their MIP. The MIP starts only with at least
``MIN_MIP_SECONDS`` left and at least as much as the stages before it took: a
MIP with less does not get past its root node (presolve, the root LP, its
cuts) and returns its start. On the fuse-bound fleets that is the rule, and
it costs nothing: the relaxation's trickles are what the plan still "loses"
against it, and a 5 s MIP gets at most 0.2 % more energy than relax-and-fix
there. A MIP that does not start leaves the status ``TIME_LIMIT`` and the
best plan found, as a stopped MIP would return it (it starts from that plan,
so stopping it early never makes a plan worse).
The relaxation and relax-and-fix are bounded by the time limit only. The
returned plan is the best of the rounded MIP, the fixed LP, the rounded LP and
the heuristic (less shortfall, then lower cost), so the planner is never worse
than the heuristic nor than its own LP. Site and fuse limits are floored onto
the chargers' common setpoint grid so that the LP plans what rounding can
keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import math
import time
from typing import TYPE_CHECKING, Final

import highspy

from .algorithm import Algorithm, SolveOptions, get_algorithm, register
from .assemble import assemble_plan, fuse_capacity_a, nothing_to_plan, site_capacity_kw
from .model import PlanStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .model import Charger, Plan, Problem

SEGMENTS: Final = 4  # pieces of the convex shortfall penalty
FAIRNESS_FLOOR_KWH: Final = 1.0  # fractions of tiny needs are taken of 1 kWh
SAFETY: Final = 4.0  # margin between priority levels (covers the 1- vs 3-phase x3)
TIE_SHARE: Final = 1e-4  # the time tie-breaker spans this share of the price span
FLAT_TIE: Final = 1e-2  # tie-breaker (in price units) when all prices are equal
SHORTFALL_TOLERANCE_KWH: Final = 1e-6  # two plans this close are equally short
# Two plans whose minimum energy waits this close (kWh x steps) are equally soon.
URGENT_DELAY_TOLERANCE: Final = 1e-3
MIN_GAP_SHARE: Final = 1e-2  # the MIP gap's floor: price units per grid kWh
# Rounding may lose these shares of the LP's energy and cost before the MIP runs.
ROUNDING_ENERGY_LOSS: Final = 1e-2
ROUNDING_COST_LOSS: Final = 5e-3
MIN_MIP_SECONDS: Final = 0.05  # less of the budget left: the MIP does not start
TIME_RESERVE: Final = 0.02  # share of the time limit kept for stopping late
# statistics["kept"]: which plan was kept ("fixed": relax-and-fix)
KEPT: Final = ("mip", "lp", "heuristic", "fixed")
NEGLIGIBLE_KWH: Final = 1e-6  # a vehicle that can get less is left out of the model
GRID_TOLERANCE: Final = 1e-6  # in steps: 6.9999995 A is 7 A
# Relax-and-fix and the end-to-end budget of the MIP (see the module docstring).
FIX_ROUNDS: Final = 2  # LPs with the on set pinned and the rest free
FIX_POWER_KW: Final = 1e-6  # less LP power than this in a step is off
BUDGET_FLOOR_S: Final = 0.1
BUDGET_PER_VEHICLE_STEP_S: Final = 60e-6
_EPS: Final = 1e-9
_PHASES: Final = (1, 2, 3)
# Stability (SolveOptions.stability): a kW of setpoint change between two steps
# costs as much as this share of the largest price for a kWh, leaving the
# previous plan's current step KEEP_FACTOR times as much.
CHANGE_SHARE: Final = 0.01
KEEP_FACTOR: Final = 4.0


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights; see :func:`objective_weights`.

    Prices enter the objective divided by ``price_unit``, so all weights are in
    units of the largest price (or price span) of the problem.
    """

    price_unit: float
    tie: float  # per grid kWh, reached at the end of the horizon
    lateness: float  # per grid kWh of urgent energy and step of delay
    urgent: float  # per battery kWh of minimum energy not delivered
    fairness: float  # per unit of weighted fraction: z, and each segment's slope
    shortfall: float  # per grid kWh not delivered (battery kWh / efficiency)


@dataclass(frozen=True, slots=True)
class ChargerTerms:
    """A charger's power range on its current grid (as assemble rounds it)."""

    min_kw: float  # smallest non-zero power; 0 when no binary is needed
    max_kw: float
    kw_per_a: float
    phases: tuple[int, ...]  # site phases it loads
    step_a: float  # current step
    unit_kw: float  # power of one current step


@dataclass(frozen=True, slots=True)
class VehicleTerms:
    """What the model needs of one vehicle that can charge at all."""

    index: int  # position in problem.vehicles
    charger: int  # position in problem.chargers
    first: int  # first step of the window
    steps: int  # window length
    max_kw: float  # P_v: vehicle maximum on the charger's current grid
    gain: float  # battery kWh per kW in one step
    attainable: float  # A_v
    most: float  # the energy row's upper side: A_v, or the cap where A_v is the need
    urgent: float  # M_v, capped at A_v
    priority: float
    scale: float  # D_v


@dataclass(frozen=True, slots=True)
class VehicleColumns:
    """Where a vehicle's columns are; ``-1`` for columns it does not have."""

    terms: VehicleTerms
    power: int  # first p column; p[v, first + k] is power + k
    urgent: int  # first q column
    shortfall: int  # first of the SEGMENTS s columns
    urgent_shortfall: int  # the m column


@dataclass(slots=True)
class SparseModel:
    """The model as plain arrays: what goes into HiGHS, and what a test can read.

    Rows are ``lower ≤ Σ value · x[index] ≤ upper`` in compressed-row form with
    ``inf`` for a missing side. Columns come in blocks with shared bounds.
    """

    col_cost: list[float] = field(default_factory=list)
    col_blocks: list[tuple[int, int, float, float, bool]] = field(
        default_factory=list
    )  # (first, count, lower, upper, integer)
    row_starts: list[int] = field(default_factory=lambda: [0])
    row_index: list[int] = field(default_factory=list)
    row_value: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    vehicles: list[VehicleColumns] = field(default_factory=list)
    charger_on: dict[tuple[int, int], int] = field(default_factory=dict)
    fairness: int = -1  # the z column
    weights: Weights | None = None

    @property
    def num_cols(self) -> int:
        """Number of columns."""
        return len(self.col_cost)

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return len(self.row_lower)

    @property
    def num_integers(self) -> int:
        """Number of binary columns."""
        return sum(count for _, count, _, _, integer in self.col_blocks if integer)

    def add_columns(
        self,
        cost: Sequence[float],
        lower: float,
        upper: float,
        *,
        integer: bool = False,
    ) -> int:
        """Append one column per cost, with shared bounds; return the first index."""
        first = len(self.col_cost)
        self.col_cost.extend(cost)
        self.col_blocks.append((first, len(cost), lower, upper, integer))
        return first

    def add_row(
        self, index: Sequence[int], value: Sequence[float], lower: float, upper: float
    ) -> None:
        """Append the row ``lower ≤ Σ value · x[index] ≤ upper``."""
        self.row_index.extend(index)
        self.row_value.extend(value)
        self.row_starts.append(len(self.row_index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)


def charger_terms(problem: Problem, *, integer_minimums: bool) -> list[ChargerTerms]:
    """Each charger's power range on its current grid, as assemble rounds it.

    A charger with a minimum on or off time gets the binaries too (its on/off
    state is what those rows count), with one current step as its minimum.
    """
    terms = []
    for charger in problem.chargers:
        unit_kw = charger.current_step_a * charger.kw_per_a
        unit_max = math.floor(charger.max_current_a / charger.current_step_a + _EPS)
        unit_min = math.ceil(charger.min_current_a / charger.current_step_a - _EPS)
        binary = integer_minimums and (
            charger.min_current_a > 0 or bool(min_steps(problem, charger))
        )
        terms.append(
            ChargerTerms(
                min_kw=max(1, unit_min) * unit_kw if binary else 0.0,
                max_kw=unit_max * unit_kw,
                kw_per_a=charger.kw_per_a,
                phases=tuple(p for p in _PHASES if charger.loads_phase(p)),
                step_a=charger.current_step_a,
                unit_kw=unit_kw,
            )
        )
    return terms


def on_grid(capacity: float, steps: Iterable[float]) -> float:
    """``capacity`` rounded down to the common grid of setpoint ``steps``.

    Setpoints are whole multiples of each charger's step, so when every step is
    a whole multiple of the smallest (0.69 kW on three phases is 3 x 0.23 kW on
    one), only multiples of the smallest can ever be used of a limit: the rest
    would be planned by the LP and then lost in rounding. Steps without a common
    grid (230 V next to 240 V) leave the capacity as it is.
    """
    distinct = set(steps)
    smallest = min(distinct, default=0.0)
    if smallest <= 0:
        return capacity
    for step in distinct:
        ratio = step / smallest
        if abs(ratio - round(ratio)) > GRID_TOLERANCE:
            return capacity
    return math.floor(capacity / smallest + GRID_TOLERANCE) * smallest


def vehicle_terms(
    problem: Problem, chargers: Sequence[ChargerTerms]
) -> list[VehicleTerms]:
    """The vehicles that can take energy, with what each could get alone."""
    index = {charger.id: i for i, charger in enumerate(problem.chargers)}
    steps = problem.horizon.steps
    site = [site_capacity_kw(problem, t) for t in range(steps)]
    fuse = {p: [fuse_capacity_a(problem, t, p) for t in range(steps)] for p in _PHASES}
    terms = []
    for v, vehicle in enumerate(problem.vehicles):
        window = problem.window(vehicle)
        c = index[vehicle.charger_id]
        charger = problem.chargers[c]
        limits = chargers[c]
        unit_kw = charger.current_step_a * charger.kw_per_a
        max_kw = min(
            limits.max_kw,
            math.floor(problem.vehicle_max_kw(vehicle) / unit_kw + _EPS) * unit_kw,
        )
        if not window or vehicle.energy_needed_kwh <= 0 or max_kw <= 0:
            continue
        alone = 0.0  # kW summed over the window, the first step at its share
        for t in window:
            usable = min(max_kw, site[t])
            for phase in limits.phases:
                usable = min(usable, fuse[phase][t] * limits.kw_per_a)
            usable = math.floor(usable / unit_kw + GRID_TOLERANCE) * unit_kw
            if usable > 0 and usable >= limits.min_kw - _EPS:
                alone += usable * problem.horizon.shares[t]
        gain = vehicle.efficiency * problem.horizon.step_hours
        attainable = min(vehicle.energy_needed_kwh, alone * gain)
        most = max(attainable, min(problem.energy_cap_kwh(vehicle), alone * gain))
        if attainable <= NEGLIGIBLE_KWH:
            continue
        terms.append(
            VehicleTerms(
                index=v,
                charger=c,
                first=window.start,
                steps=len(window),
                max_kw=max_kw,
                gain=gain,
                attainable=attainable,
                most=most,
                urgent=min(vehicle.min_energy_kwh, attainable),
                priority=vehicle.priority,
                scale=max(attainable, FAIRNESS_FLOOR_KWH),
            )
        )
    return terms


def objective_weights(
    problem: Problem, vehicles: Sequence[VehicleTerms], *, change: float = 0.0
) -> Weights:
    """Weights that put the four objective levels in strict priority.

    Everything is counted per kWh drawn from the grid. Working upwards, each
    weight is :data:`SAFETY` times the most that the levels below can change when
    one grid kWh moves on its level (is delivered instead of missed, moves to
    another vehicle, or moves one step earlier):

    * cost: at most the dearest price, plus the price span for energy of another
      vehicle pushed to another step, plus the tie-breaker;
    * lateness per step: more than the price span, so urgent energy never waits
      for a cheaper step;
    * minimum energy (per battery kWh): more than the cost plus the lateness over
      the longest window of the grid energy it takes;
    * fairness: a grid kWh moved between vehicles changes a weighted fraction by
      at least ``min(e_v π_v / D_v)``, so the weight is the level below over that;
    * shortfall: a grid kWh more changes the fairness terms by at most
      ``max(e_v π_v / D_v)`` times the fairness weight for ``z`` and each segment.

    Unmet energy is counted in grid kWh on purpose: in battery kWh, moving
    energy to a slightly more efficient vehicle would "save" energy at an
    unbounded exchange rate against fairness (88 kWh moved to gain 1 kWh between
    efficiencies of 88 and 89 %), and no finite weight could keep the levels
    apart. In grid kWh the only amplifying trade left is a fuse phase (one amp of
    a 1-phase charger is three kW on a 3-phase one), which :data:`SAFETY` covers.
    Prices are divided by their largest magnitude (or span), so the weights do
    not depend on the currency or price level, and a problem with flat or zero
    prices still gets weights well above the solver's tolerances; the cost level
    is bounded by one such unit plus the span. The tie-breaker only decides
    between prices closer than :data:`TIE_SHARE` of the span. ``change`` is the
    stability cost per kW of setpoint change (in units of the largest price
    times the step's hours): a grid kWh moved changes two transitions by
    ``1/Δt`` kW each, and the first step's by as much, so the cost level grows
    by ``(2 + KEEP_FACTOR) · change / Δt`` per kWh.
    """
    prices = problem.prices
    high, low = max(prices), min(prices)
    unit = max(high - low, abs(high), abs(low)) or 1.0
    span = (high - low) / unit  # at most 1
    tie = TIE_SHARE * span if span > 0 else FLAT_TIE
    if not vehicles:
        return Weights(unit, tie, 0.0, 0.0, 0.0, 0.0)
    hours = problem.horizon.step_hours
    # At least the dearest price plus a displacement, plus the stability terms.
    cost = 1.0 + span + tie + (2 + KEEP_FACTOR) * change / hours
    has_urgent = any(vt.urgent > 0 for vt in vehicles)
    lateness = SAFETY * max(span + tie, FLAT_TIE) if has_urgent else 0.0
    late = lateness * max(vt.steps for vt in vehicles)
    efficiency = min(vt.gain for vt in vehicles) / hours
    urgent = SAFETY * (cost + late) / efficiency if has_urgent else 0.0
    below = urgent + cost + late
    share = [vt.gain / hours * vt.priority / vt.scale for vt in vehicles]
    fairness = SAFETY * below / min(share)
    shortfall = SAFETY * (max(share) * fairness * (1 + SEGMENTS) + below)
    return Weights(unit, tie, lateness, urgent, fairness, shortfall)


def build_model(problem: Problem, options: SolveOptions) -> SparseModel:
    """Build the formulation of the module docstring as arrays."""
    chargers = charger_terms(problem, integer_minimums=options.integer_minimums)
    vehicles = vehicle_terms(problem, chargers)
    steps = problem.horizon.steps
    hours = problem.horizon.step_hours
    change = CHANGE_SHARE * hours if options.stability else 0.0
    weights = objective_weights(problem, vehicles, change=change)
    model = SparseModel(weights=weights)
    # A shortened first step (Horizon.first_share) has that share of a step's
    # energy and cost per kW: the price per battery kWh, so the weights, stay.
    shares = problem.horizon.shares
    step_cost = [
        (price / weights.price_unit + weights.tie * t / steps) * hours * shares[t]
        for t, price in enumerate(problem.prices)
    ]
    for vt in vehicles:
        model.vehicles.append(
            _add_vehicle(model, vt, step_cost, weights, hours, shares)
        )
    _add_fairness(model, weights)
    # Power columns per step and per (charger, step), for the shared rows.
    at_step: list[list[tuple[int, VehicleTerms]]] = [[] for _ in range(steps)]
    for vc in model.vehicles:
        vt = vc.terms
        for k in range(vt.steps):
            at_step[vt.first + k].append((vc.power + k, vt))
            if vc.urgent >= 0:
                at_step[vt.first + k].append((vc.urgent + k, vt))
    for t, cols in enumerate(at_step):
        if cols:
            _add_charger_rows(model, chargers, t, cols)
            _add_site_rows(problem, model, chargers, t, cols)
    if change > 0:
        _add_changes(problem, model, chargers, at_step, change)
    _add_min_times(problem, model)
    return model


def min_steps(problem: Problem, charger: Charger) -> tuple[int, ...]:
    """A charger's minimum on and off time in steps; () when neither is over one.

    A minimum of one step or less holds by itself: setpoints change only
    between steps.
    """
    step = problem.horizon.step_minutes
    on = math.ceil(charger.min_on_minutes / step - _EPS)
    off = math.ceil(charger.min_off_minutes / step - _EPS)
    return (on, off) if max(on, off) > 1 else ()


def _add_changes(
    problem: Problem,
    model: SparseModel,
    chargers: Sequence[ChargerTerms],
    at_step: Sequence[Sequence[tuple[int, VehicleTerms]]],
    change: float,
) -> None:
    """Cost ``change`` per kW of a charger's change between consecutive steps.

    Two columns per change (up and down) and one row: ``P_c[t] - P_c[t-1] =
    up - down``. The first step is compared with the previous plan's current
    there (``Problem.previous_current_a``) at :data:`KEEP_FACTOR` times the
    cost, so a replan leaves a running charger as it is unless the change
    saves more. Only steps where a vehicle can charge on the charger count: an
    arrival or a departure is not a change the plan could avoid.
    """
    del chargers  # the charger's power is the sum of its vehicles' columns
    by_charger: dict[int, dict[int, list[int]]] = {}
    for t, step_cols in enumerate(at_step):
        for col, vt in step_cols:
            by_charger.setdefault(vt.charger, {}).setdefault(t, []).append(col)
    for c, columns in by_charger.items():
        charger = problem.chargers[c]
        previous = problem.previous_a(charger.id)
        for t, cols in columns.items():
            before: list[int]
            if t - 1 in columns:
                before = columns[t - 1]
                weight, target = change, 0.0
            elif t == 0 and previous is not None:
                before = []
                weight, target = change * KEEP_FACTOR, previous * charger.kw_per_a
            else:
                continue
            up = model.add_columns([weight, weight], 0.0, math.inf)
            model.add_row(
                [*cols, *before, up, up + 1],
                [1.0] * len(cols) + [-1.0] * len(before) + [-1.0, 1.0],
                target,
                target,
            )


def _add_min_times(problem: Problem, model: SparseModel) -> None:
    """Minimum on and off times over the chargers' on/off binaries.

    A start in ``t`` (on now, off before) keeps the charger on for the next
    ``L_on`` steps where it can charge: ``Σ on[τ] ≥ len · (on[t] - on[t-1])``;
    a stop likewise keeps it off for ``L_off``. Before the first step the
    previous plan's current tells whether it was on; unknown, the first step
    is free. A window that starts later starts from off. The rows are cut at
    the end of the steps where the charger can charge (a departure ends it).
    """
    if not model.charger_on:
        return
    on_steps: dict[int, list[int]] = {}
    for c, t in model.charger_on:
        on_steps.setdefault(c, []).append(t)
    for c, steps in on_steps.items():
        charger = problem.chargers[c]
        minimum = min_steps(problem, charger)
        if not minimum:
            continue
        present = set(steps)
        previous = problem.previous_a(charger.id)
        for t in sorted(steps):
            if t - 1 in present:
                prev_col, prev_on = model.charger_on[c, t - 1], 0.0
            elif t == 0 and previous is None:
                continue
            else:
                prev_col, prev_on = -1, 1.0 if t == 0 and (previous or 0) > 0 else 0.0
            run = [t]
            while len(run) < max(minimum) and run[-1] + 1 in present:
                run.append(run[-1] + 1)
            for length, sign in zip(minimum, (1.0, -1.0), strict=True):
                span = min(length, len(run))
                if span > 1:
                    cols = [model.charger_on[c, tau] for tau in run[:span]]
                    _add_min_time_row(model, cols, sign, prev_col, prev_on)


def _add_min_time_row(
    model: SparseModel, cols: Sequence[int], sign: float, prev_col: int, prev_on: float
) -> None:
    """One row of :func:`_add_min_times` over the binaries ``cols`` from ``t``.

    On (``sign`` 1): ``Σ on - span·on[t] + span·prev ≥ 0``; off (-1):
    ``-Σ on + span·on[t] - span·prev ≥ -span``; ``prev`` is the column
    ``prev_col`` or, without one, the constant ``prev_on``.
    """
    span = len(cols)
    values = [sign] * span
    values[0] -= sign * span
    index = list(cols)
    low = 0.0 if sign > 0 else -float(span)
    if prev_col >= 0:
        index.append(prev_col)
        values.append(sign * span)
    else:
        low -= sign * span * prev_on
    model.add_row(index, values, low, math.inf)


def _add_vehicle(  # noqa: PLR0917  # the model and the terms it is built from
    model: SparseModel,
    vt: VehicleTerms,
    step_cost: Sequence[float],
    weights: Weights,
    hours: float,
    shares: Sequence[float],
) -> VehicleColumns:
    """Columns and rows of one vehicle: power, shortfall, minimum energy.

    A kW in step ``t`` gives ``gain * shares[t]`` battery kWh.
    """
    window = range(vt.first, vt.first + vt.steps)
    power = model.add_columns([step_cost[t] for t in window], 0.0, vt.max_kw)
    urgent = urgent_shortfall = -1
    if vt.urgent > 0:
        late = weights.lateness * hours
        urgent = model.add_columns(
            [step_cost[t] + late * k for k, t in enumerate(window)], 0.0, vt.max_kw
        )
    slope = weights.fairness * vt.priority / vt.scale
    unmet = weights.shortfall * hours / vt.gain  # per battery kWh
    shortfall = model.add_columns(
        [unmet + slope * (k + 1) for k in range(SEGMENTS)],
        0.0,
        vt.attainable / SEGMENTS,
    )
    index = [*range(power, power + vt.steps)]
    if urgent >= 0:
        index.extend(range(urgent, urgent + vt.steps))
    gains = [vt.gain * shares[t] for t in window]
    value = gains * (len(index) // vt.steps) + [1.0] * SEGMENTS
    index.extend(range(shortfall, shortfall + SEGMENTS))
    model.add_row(index, value, vt.attainable, vt.most)
    if urgent >= 0:
        urgent_shortfall = model.add_columns([weights.urgent], 0.0, vt.urgent)
        model.add_row(
            [*range(urgent, urgent + vt.steps), urgent_shortfall],
            [*gains, 1.0],
            vt.urgent,
            vt.urgent,
        )
    return VehicleColumns(vt, power, urgent, shortfall, urgent_shortfall)


def _add_fairness(model: SparseModel, weights: Weights) -> None:
    """``z`` at least every vehicle's priority-weighted shortfall fraction."""
    if len(model.vehicles) < 2:  # noqa: PLR2004 - fairness needs two
        return
    top = max(vc.terms.priority for vc in model.vehicles)
    z = model.add_columns([weights.fairness], 0.0, top)
    model.fairness = z
    for vc in model.vehicles:
        vt = vc.terms
        model.add_row(
            [*range(vc.shortfall, vc.shortfall + SEGMENTS), z],
            [vt.priority / vt.scale] * SEGMENTS + [-1.0],
            -math.inf,
            0.0,
        )


def _add_charger_rows(
    model: SparseModel,
    chargers: Sequence[ChargerTerms],
    t: int,
    cols: Sequence[tuple[int, VehicleTerms]],
) -> None:
    """Minimum/maximum of each charger in step ``t``, and ``p + q ≤ P_v``."""
    by_charger: dict[int, list[tuple[int, VehicleTerms]]] = {}
    for col, vt in cols:
        by_charger.setdefault(vt.charger, []).append((col, vt))
    for c, members in by_charger.items():
        limits = chargers[c]
        maxima = {vt.index: vt.max_kw for _, vt in members}
        cap = min(limits.max_kw, sum(maxima.values()))
        index = [col for col, _ in members]
        ones = [1.0] * len(index)
        if limits.min_kw > 0:
            on = model.add_columns([0.0], 0.0, 1.0, integer=True)
            model.charger_on[c, t] = on
            model.add_row([*index, on], [*ones, -cap], -math.inf, 0.0)
            model.add_row([*index, on], [*ones, -limits.min_kw], 0.0, math.inf)
            if len(maxima) == 1:
                continue  # the row above already holds p + q ≤ P_v
        elif sum(maxima.values()) > limits.max_kw + _EPS:
            model.add_row(index, ones, -math.inf, limits.max_kw)
        pairs: dict[int, list[int]] = {}
        for col, vt in members:
            if vt.urgent > 0:
                pairs.setdefault(vt.index, []).append(col)
        for v, pair in pairs.items():
            model.add_row(pair, [1.0, 1.0], -math.inf, maxima[v])


def _add_site_rows(
    problem: Problem,
    model: SparseModel,
    chargers: Sequence[ChargerTerms],
    t: int,
    cols: Sequence[tuple[int, VehicleTerms]],
) -> None:
    """Site limit and per-phase fuse in step ``t``, where they can bind."""
    peak: dict[int, dict[int, float]] = {}  # charger -> vehicle -> max kW
    for _, vt in cols:
        peak.setdefault(vt.charger, {})[vt.index] = vt.max_kw
    charger_peak = {
        c: min(chargers[c].max_kw, sum(maxima.values())) for c, maxima in peak.items()
    }
    capacity = on_grid(
        site_capacity_kw(problem, t), (chargers[c].unit_kw for c in charger_peak)
    )
    if sum(charger_peak.values()) > capacity + _EPS:
        model.add_row([col for col, _ in cols], [1.0] * len(cols), -math.inf, capacity)
    if problem.site.fuse_limit_a is None:
        return
    seen: set[tuple[int, ...]] = set()
    for phase in _PHASES:
        members = tuple(sorted(c for c in peak if phase in chargers[c].phases))
        if not members or members in seen:
            continue
        seen.add(members)
        # Phases that carry exactly these chargers share the tightest fuse.
        rated = min(
            fuse_capacity_a(problem, t, p)
            for p in _PHASES
            if tuple(sorted(c for c in peak if p in chargers[c].phases)) == members
        )
        rated = on_grid(rated, (chargers[c].step_a for c in members))
        amps = sum(charger_peak[c] / chargers[c].kw_per_a for c in members)
        if amps > rated + _EPS:
            on_phase = [(col, vt) for col, vt in cols if vt.charger in members]
            model.add_row(
                [col for col, _ in on_phase],
                [1.0 / chargers[vt.charger].kw_per_a for _, vt in on_phase],
                -math.inf,
                rated,
            )


def to_highs(model: SparseModel) -> highspy.HighsLp:
    """``model`` as a HiGHS model, from its arrays in one piece.

    The model is already in compressed-row form, so it goes to HiGHS as it is
    (``passModel``): no modelling layer builds an object per column or term.
    """
    lp_model = highspy.HighsLp()
    columns, rows = model.num_cols, model.num_rows
    lower = [0.0] * columns
    upper = [0.0] * columns
    integer = [highspy.HighsVarType.kContinuous] * columns
    for first, count, low, up, is_integer in model.col_blocks:
        lower[first : first + count] = [low] * count
        upper[first : first + count] = [up] * count
        if is_integer:
            integer[first : first + count] = [highspy.HighsVarType.kInteger] * count
    lp_model.num_col_ = columns
    lp_model.num_row_ = rows
    lp_model.col_cost_ = model.col_cost
    lp_model.col_lower_ = lower
    lp_model.col_upper_ = upper
    lp_model.row_lower_ = model.row_lower
    lp_model.row_upper_ = model.row_upper
    matrix = lp_model.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_ = columns
    matrix.num_row_ = rows
    matrix.start_ = model.row_starts
    matrix.index_ = model.row_index
    matrix.value_ = model.row_value
    if model.num_integers:
        lp_model.integrality_ = integer
    return lp_model


def start_values(
    model: SparseModel, problem: Problem, plan: Plan
) -> list[tuple[int, float]]:
    """Column values that reproduce ``plan`` in ``model``: a MIP start.

    The earliest energy of each vehicle counts as urgent, as the heuristic
    delivers the minimum energy first.
    """
    values: list[tuple[int, float]] = []
    worst = 0.0
    for vc in model.vehicles:
        vt = vc.terms
        power = plan.vehicles[vt.index].power_kw[vt.first : vt.first + vt.steps]
        urgent_left = vt.urgent
        delivered = 0.0
        for k, kw in enumerate(power):
            gain = vt.gain * problem.horizon.shares[vt.first + k]
            kw_urgent = 0.0
            if vc.urgent >= 0:
                kw_urgent = min(kw, max(0.0, urgent_left) / gain)
                urgent_left -= kw_urgent * gain
                values.append((vc.urgent + k, kw_urgent))
            values.append((vc.power + k, kw - kw_urgent))
            delivered += kw * gain
        missing = max(0.0, vt.attainable - delivered)
        width = vt.attainable / SEGMENTS
        for k in range(SEGMENTS):
            part = min(width, missing)
            values.append((vc.shortfall + k, part))
            missing -= part
        short = max(0.0, vt.attainable - delivered)
        worst = max(worst, vt.priority * short / vt.scale)
        if vc.urgent_shortfall >= 0:
            values.append((vc.urgent_shortfall, max(0.0, urgent_left)))
    if model.fairness >= 0:
        values.append((model.fairness, worst))
    charger_ids = [charger.id for charger in problem.chargers]
    for (c, t), column in model.charger_on.items():
        current = plan.charger(charger_ids[c]).current_a[t]
        values.append((column, 1.0 if current > 0 else 0.0))
    return values


def power_from_solution(
    model: SparseModel, problem: Problem, values: Sequence[float]
) -> list[list[float]]:
    """Grid power per vehicle and step (``p + q``) from the column values."""
    steps = problem.horizon.steps
    power = [[0.0] * steps for _ in problem.vehicles]
    for vc in model.vehicles:
        vt = vc.terms
        row = power[vt.index]
        for k in range(vt.steps):
            kw = values[vc.power + k]
            if vc.urgent >= 0:
                kw += values[vc.urgent + k]
            row[vt.first + k] = kw
    return power


def better_or_equal(
    candidate: Plan,
    reference: Plan,
    problem: Problem | None = None,
    *,
    stability: bool = False,
) -> bool:
    """Whether ``candidate`` is at least as good: less shortfall, then cost.

    With ``problem``, fewer broken minimum on/off times come before cost, and
    then minimum energy delivered sooner (:func:`urgent_delay`), as the model
    ranks it above any price: a plan that is cheaper because a car in fast
    mode or below its minimum SoC waits is not better. With ``stability`` the
    cost includes the stability terms' money (:func:`change_cost`), as the
    model counts them.
    """
    if candidate.shortfall_kwh < reference.shortfall_kwh - SHORTFALL_TOLERANCE_KWH:
        return True
    if candidate.shortfall_kwh > reference.shortfall_kwh + SHORTFALL_TOLERANCE_KWH:
        return False
    cost, reference_cost = candidate.cost, reference.cost
    if problem is not None:
        broken = min_time_violations(problem, candidate)
        reference_broken = min_time_violations(problem, reference)
        if broken != reference_broken:
            return broken < reference_broken
        delay = urgent_delay(problem, candidate)
        reference_delay = urgent_delay(problem, reference)
        if abs(delay - reference_delay) > URGENT_DELAY_TOLERANCE:
            return delay < reference_delay
        if stability:
            cost += change_cost(problem, candidate)
            reference_cost += change_cost(problem, reference)
    slack = 1e-9 * max(1.0, abs(reference_cost))
    return cost <= reference_cost + slack


def urgent_delay(problem: Problem, plan: Plan) -> float:
    """Minimum energy times the steps it waits, in battery kWh x steps.

    Each vehicle's minimum energy (``Vehicle.min_energy_kwh``: up to its
    minimum SoC, or all of it in fast mode) counts from its plan's first
    steps; what the plan leaves out of it counts as waiting the whole horizon.
    Lower is sooner; 0 when every minimum comes in the first step.
    """
    horizon = problem.horizon
    total = 0.0
    plans = {vp.vehicle_id: vp for vp in plan.vehicles}
    for vehicle in problem.vehicles:
        left = vehicle.min_energy_kwh
        vp = plans.get(vehicle.id)
        if left <= 0 or vp is None:
            continue
        for t, kw in enumerate(vp.power_kw):
            if left <= 0:
                break
            part = min(kw * horizon.hours(t) * vehicle.efficiency, left)
            total += part * t
            left -= part
        total += max(0.0, left) * horizon.steps
    return total


def change_cost(problem: Problem, plan: Plan) -> float:
    """The stability terms of ``plan`` in money, as :func:`_add_changes` counts them.

    Per kW of change between consecutive steps where the charger can charge,
    and :data:`KEEP_FACTOR` times that for the first step against the previous
    plan's current.
    """
    prices = problem.prices
    high, low = max(prices), min(prices)
    unit = max(high - low, abs(high), abs(low)) or 1.0
    per_kw = CHANGE_SHARE * problem.horizon.step_hours * unit
    total = 0.0
    for charger in problem.chargers:
        usable = _charging_steps(problem, charger.id)
        power = plan.charger(charger.id).power_kw
        for t in usable:
            if t - 1 in usable:
                total += abs(power[t] - power[t - 1])
        previous = problem.previous_a(charger.id)
        if 0 in usable and previous is not None:
            total += KEEP_FACTOR * abs(power[0] - previous * charger.kw_per_a)
    return total * per_kw


def _charging_steps(problem: Problem, charger_id: str) -> set[int]:
    """Steps in which some vehicle on ``charger_id`` may charge."""
    return {
        t
        for vehicle in problem.vehicles
        if vehicle.charger_id == charger_id
        for t in problem.window(vehicle)
    }


def min_time_violations(problem: Problem, plan: Plan) -> int:
    """Runs of ``plan`` shorter than their charger's minimum on or off time.

    An on run counts when it ends before the charger's charging steps do (a
    departure or the horizon end may cut it), or starts in the first step from
    a previous plan that was off; an off run counts between two on runs, or
    after a previous plan that was on.
    """
    broken = 0
    for charger in problem.chargers:
        minimum = min_steps(problem, charger)
        if not minimum:
            continue
        usable = _charging_steps(problem, charger.id)
        current = plan.charger(charger.id).current_a
        previous = problem.previous_a(charger.id)
        state: bool | None = None  # on or off in the run so far
        run, counted = 0, False  # its length; whether a change started it
        for t in range(problem.horizon.steps):
            if t not in usable:  # a departure or the horizon end may cut a run
                state, run, counted = None, 0, False
                continue
            on = current[t] > 0
            if state is None:  # the first step a vehicle can charge in
                before = False if t > 0 else None
                if t == 0 and previous is not None:
                    before = previous > 0
                state, run = on, 1
                counted = before is not None and on != before
            elif on is state:
                run += 1
            else:
                if counted and run < minimum[0 if state else 1]:
                    broken += 1
                state, run, counted = on, 1, True
    return broken


_STATUS: Final = {highspy.HighsModelStatus.kOptimal: PlanStatus.OPTIMAL}
_FEASIBLE: Final = 2  # HiGHS's primal_solution_status of a feasible point


@dataclass(slots=True)
class Solution:
    """What :func:`solve_model` found."""

    model: SparseModel
    values: list[float] | None  # column values; None when there is no solution
    status: PlanStatus  # OPTIMAL or TIME_LIMIT when there are values
    solver_status: str  # HiGHS's name for why the solver stopped
    statistics: dict[str, float]


def solve_model(
    problem: Problem, options: SolveOptions, start: Plan | None = None
) -> Solution:
    """Build the model, hand it to HiGHS and solve it.

    ``start`` (a feasible plan) becomes the MIP start. A pure LP is solved
    without presolve: the model has nothing for it to remove, and skipping it
    saves about a third of the solve. The MIP stops at an absolute gap of
    ``mip_gap`` times the energy cost of its start (see :func:`_gap_scale`):
    unmet energy weighs far more than any cost, so once the start's energy is
    matched what the gap leaves open is money, and ``statistics["gap"]`` is
    that gap as a share of the cost. Raises whatever HiGHS raises.
    """
    started = time.perf_counter()
    model = build_model(problem, options)
    statistics = _size_statistics(model)
    if not model.vehicles:  # no vehicle can take energy: nothing to solve
        statistics["build_ms"] = (time.perf_counter() - started) * 1000
        statistics["solve_ms"] = statistics["gap"] = 0.0
        return Solution(model, [], PlanStatus.OPTIMAL, "Optimal", statistics)
    highs = _new_highs(model)
    mip = model.num_integers > 0
    scale = 0.0
    if mip:
        scale = _set_mip_options(highs, model, problem, options, start)
    else:
        highs.setOptionValue("presolve", "off")
    highs.setOptionValue("time_limit", float(options.time_limit_s))
    if mip and start is not None:
        _set_start(highs, model, problem, start)
    statistics["build_ms"] = (time.perf_counter() - started) * 1000
    return _run(highs, model, statistics, mip=mip, scale=scale)


def _size_statistics(model: SparseModel) -> dict[str, float]:
    """The model's size, as ``statistics`` reports it."""
    return {
        "variables": model.num_cols,
        "constraints": model.num_rows,
        "binaries": model.num_integers,
    }


def _new_highs(model: SparseModel) -> highspy.Highs:
    """A quiet HiGHS instance holding ``model``."""
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)  # noqa: FBT003 - highspy API
    highs.passModel(to_highs(model))
    return highs


def _set_mip_options(
    highs: highspy.Highs,
    model: SparseModel,
    problem: Problem,
    options: SolveOptions,
    start: Plan | None,
) -> float:
    """The MIP's gap (absolute, on cost, see :func:`_gap_scale`); returns the scale."""
    scale = _gap_scale(model, problem, start)
    highs.setOptionValue("presolve", "choose")
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", float(options.mip_gap * scale))
    return scale


def _set_start(
    highs: highspy.Highs, model: SparseModel, problem: Problem, start: Plan
) -> None:
    """``start`` as the MIP's start solution."""
    solution = highspy.HighsSolution()
    dense = [0.0] * model.num_cols
    for column, value in start_values(model, problem, start):
        dense[column] = value
    solution.col_value = dense
    highs.setSolution(solution)


def _run(
    highs: highspy.Highs,
    model: SparseModel,
    statistics: dict[str, float],
    *,
    mip: bool,
    scale: float,
) -> Solution:
    """Run HiGHS on what it holds and read the solution and its statistics."""
    solve_started = time.perf_counter()
    highs.run()
    statistics["solve_ms"] = (time.perf_counter() - solve_started) * 1000
    info = highs.getInfo()
    model_status = highs.getModelStatus()
    status_text = highs.modelStatusToString(model_status)
    statistics["iterations"] = float(info.simplex_iteration_count)
    statistics["gap"] = 0.0
    if info.primal_solution_status != _FEASIBLE:
        return Solution(model, None, PlanStatus.FALLBACK, status_text, statistics)
    objective = float(info.objective_function_value)
    statistics["objective"] = objective
    if mip:
        statistics["nodes"] = float(info.mip_node_count)
        statistics["objective_gap"] = float(info.mip_gap)
        open_gap = max(0.0, objective - float(info.mip_dual_bound))
        statistics["gap"] = open_gap / scale
    status = _STATUS.get(model_status, PlanStatus.TIME_LIMIT)
    values = list(highs.getSolution().col_value)
    return Solution(model, values, status, status_text, statistics)


@dataclass(slots=True)
class FixSession:
    """The MIP model in one HiGHS instance, for relax-and-fix and then the MIP.

    The on/off columns start continuous; :meth:`fix` pins those of chargers
    without a minimum on/off time (``fixable``) to 0 or 1 by their bounds and
    :meth:`solve_lp` re-solves from the last basis, so a round costs a few
    simplex iterations, not a new model. :meth:`solve_mip` gives the columns
    back their binaries and bounds. ``members`` are the vehicle columns of
    each (charger, step) that has an on/off column.
    """

    problem: Problem
    model: SparseModel
    highs: highspy.Highs
    chargers: list[ChargerTerms]
    members: dict[tuple[int, int], list[VehicleColumns]]
    fixable: list[tuple[int, int]]
    build_ms: float

    @classmethod
    def open(cls, problem: Problem, options: SolveOptions) -> FixSession | None:
        """The session for ``problem``; None when it has no on/off column."""
        started = time.perf_counter()
        full = replace(options, integer_minimums=True)
        model = build_model(problem, full)
        if not model.charger_on or not model.vehicles:
            return None
        chargers = charger_terms(problem, integer_minimums=True)
        members: dict[tuple[int, int], list[VehicleColumns]] = {}
        for vc in model.vehicles:
            vt = vc.terms
            for t in range(vt.first, vt.first + vt.steps):
                members.setdefault((vt.charger, t), []).append(vc)
        timed = {
            c
            for c, charger in enumerate(problem.chargers)
            if min_steps(problem, charger)
        }
        fixable = [key for key in model.charger_on if key[0] not in timed]
        highs = _new_highs(model)
        highs.setOptionValue("presolve", "off")
        session = cls(
            problem,
            model,
            highs,
            chargers,
            members,
            fixable,
            (time.perf_counter() - started) * 1000,
        )
        session._set_binaries(
            list(model.charger_on.values()), highspy.HighsVarType.kContinuous
        )
        return session

    def _set_binaries(self, columns: list[int], kind: highspy.HighsVarType) -> None:
        """Make ``columns`` binary or continuous."""
        if columns:
            count = len(columns)
            # highspy takes a list here too; its stubs ask for a numpy array
            # (numpy is not imported: the optimizer needs only highspy).
            self.highs.changeColsIntegrality(
                count,
                columns,
                [kind] * count,  # type: ignore[arg-type]
            )

    def _set_bounds(self, columns: list[int], lower: float, upper: float) -> None:
        """Set the bounds of ``columns`` to ``[lower, upper]``."""
        if columns:
            count = len(columns)
            self.highs.changeColsBounds(
                count, columns, [lower] * count, [upper] * count
            )

    def fix(self, on: set[tuple[int, int]]) -> None:
        """Pin the fixable on/off columns: 1 for ``on``, 0 for the others."""
        columns = self.model.charger_on
        self._set_bounds([columns[key] for key in self.fixable if key in on], 1, 1)
        self._set_bounds([columns[key] for key in self.fixable if key not in on], 0, 0)

    def release(self, on: set[tuple[int, int]]) -> None:
        """Pin ``on`` to 1 and free the other fixable columns (bounds [0, 1])."""
        columns = self.model.charger_on
        self._set_bounds([columns[key] for key in self.fixable if key in on], 1, 1)
        self._set_bounds([columns[key] for key in self.fixable if key not in on], 0, 1)

    def solve_lp(self, time_limit_s: float) -> tuple[list[float], float] | None:
        """Solve the LP as it is now: values and objective, None unless optimal."""
        self.highs.setOptionValue("time_limit", max(time_limit_s, _EPS))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        objective = float(self.highs.getInfo().objective_function_value)
        return list(self.highs.getSolution().col_value), objective

    def charger_power(
        self, power: Sequence[Sequence[float]]
    ) -> dict[tuple[int, int], tuple[float, VehicleColumns]]:
        """Per (charger, step) with an on/off column: total power, largest member."""
        result = {}
        for key, members in self.members.items():
            if key not in self.model.charger_on:
                continue
            t = key[1]
            top = max(members, key=lambda vc: power[vc.terms.index][t])
            result[key] = (sum(power[vc.terms.index][t] for vc in members), top)
        return result

    def switch_on(
        self,
        power: Sequence[Sequence[float]],
        on: set[tuple[int, int]],
        *,
        at_minimum: bool = False,
    ) -> set[tuple[int, int]]:
        """``on``, and where ``power`` charges in a fixable pair, what still fits.

        Largest power first, a charger is switched on where its minimum fits
        in what the site, every phase it loads and the minimums already on
        leave (as the model's rows count them, on their setpoint grid), where
        its vehicles can take that minimum, and where the vehicle with the
        most power there can still take the minimum's energy on top of the
        minimums it already has (its energy row's upper side). What is left
        is off: the trickles of the relaxation go to the largest of them.
        """
        problem = self.problem
        chargers = self.chargers
        steps = problem.horizon.steps
        present: list[set[int]] = [set() for _ in range(steps)]
        for c, t in self.members:
            present[t].add(c)
        site = [
            on_grid(site_capacity_kw(problem, t), (chargers[c].unit_kw for c in here))
            for t, here in enumerate(present)
        ]
        fuse = {
            p: [
                on_grid(
                    fuse_capacity_a(problem, t, p),
                    (chargers[c].step_a for c in here if p in chargers[c].phases),
                )
                if problem.site.fuse_limit_a is not None
                else math.inf
                for t, here in enumerate(present)
            ]
            for p in _PHASES
        }
        room = {vc.terms.index: vc.terms.most for vc in self.model.vehicles}
        by_pair = self.charger_power(power)

        def fits(c: int, t: int, top: VehicleColumns) -> bool:
            limits = chargers[c]
            least = limits.min_kw
            most = sum(vc.terms.max_kw for vc in self.members[c, t])
            return (
                min(limits.max_kw, most) >= least - _EPS
                and site[t] >= least - _EPS
                and all(
                    fuse[p][t] >= least / limits.kw_per_a - _EPS for p in limits.phases
                )
                and room[top.terms.index] >= least * top.terms.gain - _EPS
            )

        def take(c: int, t: int, top: VehicleColumns) -> None:
            limits = chargers[c]
            site[t] -= limits.min_kw
            for p in limits.phases:
                fuse[p][t] -= limits.min_kw / limits.kw_per_a
            room[top.terms.index] -= limits.min_kw * top.terms.gain

        for key in on:
            take(*key, by_pair[key][1])
        chosen = set(on)
        fixable = set(self.fixable)
        candidates = sorted(
            (
                (-kw, key)
                for key, (kw, _) in by_pair.items()
                if key in fixable
                and key not in on
                and kw
                > (chargers[key[0]].min_kw - _EPS if at_minimum else FIX_POWER_KW)
            ),
        )
        for _, key in candidates:
            top = by_pair[key][1]
            if fits(*key, top):
                take(*key, top)
                chosen.add(key)
        return chosen

    def relax_and_fix(
        self, power: Sequence[Sequence[float]], deadline: float
    ) -> tuple[list[float], int] | None:
        """Fix the on/off columns from the LP ``power``; the fixed LP's values.

        What the LP runs at its minimum or more is switched on (it always
        fits: the LP's own power does). Then, up to FIX_ROUNDS times, the LP
        is solved with those on and the rest free, and :meth:`switch_on` adds
        the pairs where that solution charges and the minimum still fits,
        largest power first; a round that adds nothing ends it. Last, every
        fixable column is pinned (the rest off) and the LP solved once more.
        Returns its values and the number of rounds, None when an LP had no
        optimum in time.
        """
        on = self.switch_on(power, set(), at_minimum=True)
        rounds = 0
        for _ in range(FIX_ROUNDS):
            self.release(on)
            solved = self.solve_lp(deadline - time.perf_counter())
            if solved is None:
                return None
            rounds += 1
            more = self.switch_on(
                power_from_solution(self.model, self.problem, solved[0]), on
            )
            if more == on:
                break
            on = more
        self.fix(on)
        solved = self.solve_lp(deadline - time.perf_counter())
        return None if solved is None else (solved[0], rounds)

    def solve_mip(
        self, options: SolveOptions, start: Plan, time_limit_s: float
    ) -> Solution:
        """The MIP from ``start``: the on/off columns binary again, in [0, 1]."""
        columns = list(self.model.charger_on.values())
        self._set_bounds(columns, 0, 1)
        self._set_binaries(columns, highspy.HighsVarType.kInteger)
        scale = _set_mip_options(self.highs, self.model, self.problem, options, start)
        self.highs.setOptionValue("time_limit", max(time_limit_s, _EPS))
        _set_start(self.highs, self.model, self.problem, start)
        statistics = _size_statistics(self.model)
        statistics["build_ms"] = self.build_ms
        return _run(self.highs, self.model, statistics, mip=True, scale=scale)


def time_budget_s(problem: Problem, options: SolveOptions) -> float:
    """``lp``'s end-to-end budget for ``problem``: see the module docstring."""
    size = len(problem.vehicles) * problem.horizon.steps
    return min(
        options.time_limit_s, max(BUDGET_FLOOR_S, BUDGET_PER_VEHICLE_STEP_S * size)
    )


def _gap_scale(model: SparseModel, problem: Problem, start: Plan | None) -> float:
    """What the MIP's gap is a share of: the start's energy cost, in price units.

    At least :data:`MIN_GAP_SHARE` of a price unit per grid kWh, so that free
    or nearly free energy does not ask the MIP for a gap of nothing.
    """
    weights = model.weights
    unit = weights.price_unit if weights is not None else 1.0
    hours = problem.horizon.step_hours
    if start is None:
        energy = sum(vc.terms.attainable / vc.terms.gain for vc in model.vehicles)
        return max(MIN_GAP_SHARE * energy * hours, _EPS)
    energy = _grid_kwh(problem, start.site_power_kw)
    return max(abs(start.cost) / unit, MIN_GAP_SHARE * energy, _EPS)


def _grid_kwh(problem: Problem, site_power_kw: Sequence[float]) -> float:
    """Grid energy of a plan's site power, the first step at its share."""
    return sum(kw * problem.horizon.hours(t) for t, kw in enumerate(site_power_kw))


def rounding_loss(
    problem: Problem, solution: Solution, plan: Plan
) -> tuple[float, float]:
    """Grid energy and money the rounded ``plan`` loses against the LP's solution.

    The money is what the plan pays above the LP's average price for the energy
    it delivers, so a plan that delivers less is not counted as cheaper.
    """
    hours = [problem.horizon.hours(t) for t in range(problem.horizon.steps)]
    power = power_from_solution(solution.model, problem, solution.values or [])
    lp_kwh = sum(sum(row[t] for row in power) * h for t, h in enumerate(hours))
    lp_cost = sum(
        price * sum(row[t] for row in power) * hours[t]
        for t, price in enumerate(problem.prices)
    )
    kwh = _grid_kwh(problem, plan.site_power_kw)
    fair_cost = lp_cost * kwh / lp_kwh if lp_kwh > _EPS else 0.0
    return lp_kwh - kwh, plan.cost - fair_cost


def loss_is_small(problem: Problem, solution: Solution, plan: Plan) -> bool:
    """Whether rounding lost little: the shares ROUNDING_ENERGY/COST_LOSS at most.

    The energy share is of the LP's grid energy; the money is measured as in
    :func:`rounding_loss`, as a share of the plan's cost (at least
    :data:`MIN_GAP_SHARE` of the largest price per kWh, so that free or
    near-free energy does not make every rounding look expensive).
    """
    lost_kwh, lost_money = rounding_loss(problem, solution, plan)
    kwh = _grid_kwh(problem, plan.site_power_kw)
    unit = max(map(abs, problem.prices), default=0.0) or 1.0
    money = max(abs(plan.cost), MIN_GAP_SHARE * unit * kwh)
    return (
        lost_kwh <= ROUNDING_ENERGY_LOSS * (kwh + lost_kwh) + SHORTFALL_TOLERANCE_KWH
        and lost_money <= ROUNDING_COST_LOSS * money + _EPS
    )


@register
class LinearProgramAlgorithm(Algorithm):
    """Optimal plan from a linear program (mixed-integer with minimum currents)."""

    name = "lp"

    def plan(self, problem: Problem, options: SolveOptions) -> Plan:
        """Solve, round, and return the best of the candidate plans.

        The candidates are the heuristic's plan, the rounded pure LP and, when a
        charger has a minimum current and ``integer_minimums`` is set, the
        rounded relax-and-fix LP and the rounded MIP, each only where the one
        before lost too much (see the module docstring). The LP is solved first
        in any case: it is cheap, and the best plan so far is the MIP's start
        solution, so the MIP (which gets what is left of the budget,
        :func:`time_budget_s`) never starts from scratch. Any solver failure
        falls back to the heuristic.
        """
        started = time.perf_counter()
        heuristic = get_algorithm("heuristic").calculate(problem, options)
        statistics = {"heuristic_ms": (time.perf_counter() - started) * 1000}
        if nothing_to_plan(problem):
            return replace(
                heuristic,
                algorithm=self.name,
                status=PlanStatus.EMPTY,
                solve_ms=(time.perf_counter() - started) * 1000,
            )
        try:
            return self._plan(problem, options, heuristic, started, statistics)
        except Exception as err:  # noqa: BLE001 - any solver failure falls back
            return self._fallback(
                heuristic,
                started,
                f"LP solver failed ({type(err).__name__}: {err})",
                statistics,
            )

    def _plan(
        self,
        problem: Problem,
        options: SolveOptions,
        heuristic: Plan,
        started: float,
        statistics: dict[str, float],
    ) -> Plan:
        """The body of :meth:`calculate`; raises when a solver fails."""
        mip = options.integer_minimums and any(
            problem.charger(v.charger_id).min_current_a > 0
            for v in problem.vehicles
            if problem.window(v)
        )
        timed = options.integer_minimums and any(
            min_steps(problem, problem.charger(v.charger_id))
            for v in problem.vehicles
            if problem.window(v)
        )

        def better(candidate: Plan, reference: Plan) -> bool:
            return better_or_equal(
                candidate, reference, problem, stability=options.stability
            )

        relaxed_started = time.perf_counter()
        solution = solve_model(problem, replace(options, integer_minimums=False))
        if solution.values is None:
            return self._fallback(
                heuristic,
                started,
                f"LP solver found no plan ({solution.solver_status})",
                statistics | solution.statistics,
            )
        rounding_started = time.perf_counter()
        best = self._round(problem, solution)
        rounding = time.perf_counter() - rounding_started
        statistics["rounding_ms"] = rounding * 1000
        kept = "lp"
        statistics["rounding_loss_kwh"], statistics["rounding_loss_cost"] = (
            rounding_loss(problem, solution, best)
        )
        budget = time_budget_s(problem, options)
        statistics["budget_ms"] = budget * 1000
        # Relax-and-fix is a few LPs and may use the whole time limit; the MIP
        # gets what is left of the budget. A little of each is kept for HiGHS
        # stopping late, and the time to round the plan that comes back.
        limit = started + options.time_limit_s * (1 - TIME_RESERVE) - rounding
        deadline = started + budget * (1 - TIME_RESERVE) - rounding
        status, message = solution.status, ""
        session: FixSession | None = None
        lossy = mip and not loss_is_small(problem, solution, best)
        if lossy:
            session = FixSession.open(problem, options)
            fixed = self._fix(problem, session, solution, limit, statistics)
            if fixed is not None and better(fixed, best):
                best, kept = fixed, "fixed"
            lossy = not loss_is_small(problem, solution, best)
        # The MIP is only worth its time where the plan still lost energy or
        # money, or broke a minimum on/off time (the LP has no binaries to
        # count them), and only with at least as much time left as the stages
        # before it took: a MIP with less does not get past its root node
        # (presolve, the root LP and its cuts) and returns its start.
        run_mip = lossy or (timed and min_time_violations(problem, best) > 0)
        statistics["mip"] = 0.0
        if run_mip:
            statistics["relaxation_ms"] = (time.perf_counter() - relaxed_started) * 1000
            session = session or FixSession.open(problem, options)
            now = time.perf_counter()
            left = deadline - now
            if session is None or left < max(MIN_MIP_SECONDS, now - started):
                status = PlanStatus.TIME_LIMIT
                message = "no time left for the MIP"
            else:
                statistics["mip"] = 1.0
                start = best if better(best, heuristic) else heuristic
                solution = session.solve_mip(options, start, left)
                if solution.values is None:
                    return self._fallback(
                        heuristic,
                        started,
                        f"MIP solver found no plan ({solution.solver_status})",
                        statistics | solution.statistics,
                    )
                status = solution.status
                rounded = self._round(problem, solution)
                if better(rounded, best):
                    best, kept = rounded, "mip"
        statistics |= solution.statistics
        if session is not None and not statistics["mip"]:
            # The model the minimums were fixed in, binaries included.
            statistics |= _size_statistics(session.model)
        if status is not PlanStatus.OPTIMAL and not message:
            message = f"solver stopped early ({solution.solver_status})"
        return self._finish(
            problem,
            options,
            (best, kept, status, message),
            heuristic=heuristic,
            started=started,
            statistics=statistics,
        )

    def _finish(
        self,
        problem: Problem,
        options: SolveOptions,
        result: tuple[Plan, str, PlanStatus, str],
        *,
        heuristic: Plan,
        started: float,
        statistics: dict[str, float],
    ) -> Plan:
        """The best plan against the heuristic's, with status and statistics.

        Checked against the heuristic last and directly, so that "never worse
        than the heuristic" holds even where the tolerance makes the
        comparison intransitive.
        """
        plan, kept, status, message = result
        if status is not PlanStatus.OPTIMAL:
            message += "; best plan found"
        if not better_or_equal(plan, heuristic, problem, stability=options.stability):
            plan, kept = heuristic, "heuristic"
            message = (message + "; " if message else "") + (
                "the rounded solver plan was worse than the heuristic's, which is kept"
            )
        statistics["kept"] = float(KEPT.index(kept))
        return replace(
            plan,
            algorithm=self.name,
            status=status,
            message=message,
            solve_ms=(time.perf_counter() - started) * 1000,
            statistics=statistics,
        )

    def _fix(
        self,
        problem: Problem,
        session: FixSession | None,
        relaxation: Solution,
        deadline: float,
        statistics: dict[str, float],
    ) -> Plan | None:
        """Relax and fix in ``session``: the fixed LP's rounded plan.

        None when there is nothing to fix or an LP had no optimum in time.
        """
        fix_started = time.perf_counter()
        fixed = (
            None
            if session is None
            else session.relax_and_fix(
                power_from_solution(relaxation.model, problem, relaxation.values or []),
                deadline,
            )
        )
        statistics["fix_ms"] = (time.perf_counter() - fix_started) * 1000
        if session is None or fixed is None:
            return None
        values, rounds = fixed
        statistics["fix_rounds"] = float(rounds)
        reference = Solution(session.model, values, PlanStatus.OPTIMAL, "", {})
        rounded = self._round(problem, reference)
        statistics["fix_loss_kwh"] = rounding_loss(problem, relaxation, rounded)[0]
        statistics["fix_ms"] = (time.perf_counter() - fix_started) * 1000
        return rounded

    def _round(self, problem: Problem, solution: Solution) -> Plan:
        """A solution's power, rounded into a feasible plan by assemble_plan."""
        values = solution.values or []
        return assemble_plan(
            problem,
            power_from_solution(solution.model, problem, values),
            algorithm=self.name,
            status=solution.status,
            solve_ms=0.0,
            reclaim_from_others=True,
        )

    def _fallback(
        self,
        heuristic: Plan,
        started: float,
        reason: str,
        statistics: dict[str, float],
    ) -> Plan:
        """The heuristic's plan, marked as a fallback with the reason."""
        return replace(
            heuristic,
            algorithm=self.name,
            status=PlanStatus.FALLBACK,
            solve_ms=(time.perf_counter() - started) * 1000,
            message=f"{reason}; planned by the heuristic",
            statistics=statistics,
        )
