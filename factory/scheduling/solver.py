"""The allocation model: lexicographic CP-SAT over (worker, order) lot counts, and its LP bound.

Model (one per sub-problem: the whole instance, or one station's workers at city scale)

Variables
    ``n[w,o]``  integer, full lots of order ``o`` given to worker ``w`` (0..lots that fit ``w``'s hours by the
                due day); ``r[w,o]`` boolean, the order's last shorter lot goes to ``w``.
    ``u[w]``    boolean, worker ``w`` gets at least one lot (fairness: coverage).
    ``dev[w] >= |e[w] - target[w]|`` (added after the spread step): ``e[w]`` planned earnings in fen,
                ``target[w]`` the average earnings per offered hour times ``w``'s offered hours.
    ``keep[w,o]`` lots of a previous plan that stay with the same worker (stability).

Hard constraints
    * skills, reachable stations and lot-fits-by-due-day: pairs that break them have no variables at all;
    * lots never split: lots are counted whole (``n`` integer, ``r`` boolean);
    * lots per order: ``sum_w n[w,o] <= full lots``, ``sum_w r[w,o] <= 1`` (or a station's quota of them);
    * hours: for every worker and every due day ``D`` of an order it could take,
      ``sum_{o: due(o) <= D} (n[w,o] * t_full + r[w,o] * t_rem) <= hours offered on days 0..D``.
      Since a day's pieces may be fractional, earliest-due-first fits the lots into the days exactly when these
      cumulative constraints hold, so they are exact, and ``schedule.daily_pieces`` writes the days;
    * pins: ``n``/``r`` at least the pinned lots.

Objective layers, solved one after another; each later layer keeps the earlier ones
    1. ``on_time``: max sum weight * pieces (all placed lots are on time); kept to within
       :data:`ON_TIME_TOLERANCE` (0.1 %) below its best value;
    2. stability (only with a previous plan): max lots kept with their previous worker; kept exactly;
    3. ``fairness``: (a) max coverage: sum over eligible workers of ``u[w]``, a priority (hard-to-employ)
       resident counting more than all others together, kept exactly; then (b) spread: earnings per offered
       hour evened out by ``fairness.polish``, a deterministic local search over whole lots (place, move,
       swap) that keeps every constraint above; later layers keep ``sum dev[w] * mean hours / hours[w]``
       within :data:`SPREAD_TOLERANCE` (5 %) of its value for that plan;
    4. ``travel``: min sum of travel minutes (one trip per lot); a solution with no shorter trips than the
       plan it started from is dropped, so the fairer plan stays.
Layers follow the instance's ``objective`` order; layers left out of it are skipped.

The LP relaxation (GLOP) of layer 1 over the whole instance with exact hours is the proven upper bound
``stats.upper_bound``; at city scale its solution also gives each station its share of every order.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from factory.scheduling.instance import HOUR_EPS
from factory.scheduling.problem import TICK, Problem

ON_TIME_TOLERANCE = 0.001
SPREAD_TOLERANCE = 0.05
SPREAD_SCALE = 1000.0  # dev[w] is weighed round(SPREAD_SCALE * mean hours / hours[w])

CancelCheck = Callable[[], bool]


@dataclass
class SubPair:
    pid: int  # index into Problem.pairs
    w: int  # index into SubSpec.workers
    o: int  # index into SubSpec.orders
    tf: int  # ticks for a full lot
    tr: int  # ticks for the remainder lot
    max_full: int
    rem_ok: bool
    pf: int  # pieces in a full lot
    pr: int  # pieces in the remainder lot
    wt: int  # integer weight
    rate: int  # fen per piece
    travel: int  # tenths of a minute per lot
    due: int
    pin_full: int = 0
    pin_rem: bool = False
    prev_full: int = 0
    prev_rem: bool = False
    hint_full: int = 0
    hint_rem: bool = False


@dataclass
class SubWorker:
    wid: int  # index into Instance.workers
    caps: dict[int, int]  # due day -> ticks available on days 0..D
    priority: bool
    hours: float  # offered hours over the horizon


@dataclass
class SubSpec:
    pairs: list[SubPair]
    workers: list[SubWorker]
    order_ids: list[int]  # index into Instance.orders
    full_quota: list[int]
    rem_quota: list[int]
    objective: list[str]
    has_previous: bool = False
    target_rate: float | None = None  # fen per offered hour; None: from the on-time layer
    time_limit: float = 10.0
    num_workers: int = 2


@dataclass
class LayerInfo:
    name: str
    status: str
    value: float
    bound: float
    seconds: float


@dataclass
class SubResult:
    full: list[int]
    rem: list[bool]
    layers: list[LayerInfo] = field(default_factory=list)
    cancelled: bool = False


def spec_for(
    prob: Problem,
    workers: list[int],
    pair_ids: list[int],
    full_quota: dict[int, int] | None = None,
    rem_quota: dict[int, int] | None = None,
    hint: dict[int, tuple[int, bool]] | None = None,
    used_ticks: dict[int, dict[int, int]] | None = None,
) -> SubSpec:
    """Build a picklable sub-problem over some workers and pairs (quotas default to the whole order)."""
    inst = prob.inst
    wpos = {w: i for i, w in enumerate(workers)}
    opos: dict[int, int] = {}
    order_ids: list[int] = []
    subpairs: list[SubPair] = []
    for pid in pair_ids:
        p = prob.pairs[pid]
        if p.o not in opos:
            opos[p.o] = len(order_ids)
            order_ids.append(p.o)
        o = inst.orders[p.o]
        h = (hint or {}).get(pid, (0, False))
        subpairs.append(
            SubPair(
                pid=pid,
                w=wpos[p.w],
                o=opos[p.o],
                tf=max(1, math.floor(p.t_full / TICK)),
                tr=max(1, math.floor(p.t_rem / TICK)) if o.rem else 0,
                max_full=p.max_full,
                rem_ok=p.rem_ok,
                pf=o.lot_size,
                pr=o.rem,
                wt=prob.weight_int(p.o),
                rate=o.piece_rate_fen,
                travel=round(p.travel * 10),
                due=o.due_day,
                pin_full=p.pin_full,
                pin_rem=p.pin_rem,
                prev_full=p.prev_full,
                prev_rem=p.prev_rem,
                hint_full=h[0],
                hint_rem=h[1],
            )
        )
    subworkers = []
    for w in workers:
        days = sorted({inst.orders[prob.pairs[pid].o].due_day for pid in prob.by_worker.get(w, [])})
        used = (used_ticks or {}).get(w, {})
        caps = {d: prob.cum_ticks(w, d) - used.get(d, 0) for d in days}
        wk = inst.workers[w]
        subworkers.append(SubWorker(w, caps, wk.priority, wk.offered_hours))
    fq = [(full_quota or {}).get(o, inst.orders[o].n_full) for o in order_ids]
    rq = [(rem_quota or {}).get(o, 1 if inst.orders[o].rem else 0) for o in order_ids]
    return SubSpec(subpairs, subworkers, order_ids, fq, rq, list(inst.objective), bool(prob.previous))


class _Layers:
    """Build the CP-SAT model once and solve its objective layers one by one."""

    def __init__(self, spec: SubSpec) -> None:
        self.spec = spec
        m = cp_model.CpModel()
        self.m = m
        self.n: list[cp_model.IntVar] = []
        self.r: list[cp_model.IntVar | int] = []
        for i, p in enumerate(spec.pairs):
            self.n.append(m.new_int_var(p.pin_full, max(p.pin_full, p.max_full), f"n{i}"))
            if p.rem_ok and spec.rem_quota[p.o] > 0:
                v = m.new_bool_var(f"r{i}")
                if p.pin_rem:
                    m.add(v == 1)
                self.r.append(v)
            else:
                self.r.append(0)
        by_order: dict[int, list[int]] = {}
        by_worker: dict[int, list[int]] = {}
        for i, p in enumerate(spec.pairs):
            by_order.setdefault(p.o, []).append(i)
            by_worker.setdefault(p.w, []).append(i)
        self.by_worker = by_worker
        for o, idx in by_order.items():
            m.add(sum(self.n[i] for i in idx) <= spec.full_quota[o])
            rs = [self.r[i] for i in idx if not isinstance(self.r[i], int)]
            if rs:
                m.add(sum(rs) <= spec.rem_quota[o])
        for w, idx in by_worker.items():
            caps = spec.workers[w].caps
            for d, cap in caps.items():
                terms = []
                for i in idx:
                    p = spec.pairs[i]
                    if p.due <= d:
                        terms.append(p.tf * self.n[i])
                        if not isinstance(self.r[i], int):
                            terms.append(p.tr * self.r[i])  # type: ignore[arg-type]
                if terms:
                    m.add(sum(terms) <= cap)
        self.on_time = sum(p.wt * (p.pf * self.n[i] + p.pr * self.r[i]) for i, p in enumerate(spec.pairs))
        self.travel = sum(p.travel * (self.n[i] + self.r[i]) for i, p in enumerate(spec.pairs))
        self.values_full = [p.hint_full for p in spec.pairs]
        self.values_rem = [bool(p.hint_rem) for p in spec.pairs]
        self.has_solution = False
        self.solution: list[int] = []  # all variables of the last solve, by proto index
        self.aux_hint: dict[int, int] = {}  # hints for variables added since
        self.keep_vars: list[tuple[cp_model.IntVar, int, int]] = []  # (k, pair, previous full lots)

    def hint(self) -> None:
        """Hint every variable: the last solution, else the start values; new variables from aux_hint."""
        m = self.m
        m.clear_hints()
        if self.solution:
            values = dict(enumerate(self.solution))
        else:
            values = {}
            for i in range(len(self.spec.pairs)):
                values[self.n[i].index] = self.values_full[i]
                if not isinstance(self.r[i], int):
                    values[self.r[i].index] = int(self.values_rem[i])  # type: ignore[union-attr]
        values.update(self.aux_hint)
        hint = m.proto.solution_hint
        for k in sorted(values):
            hint.vars.append(k)
            hint.values.append(values[k])

    def new_aux(self, lo: int, hi: int, name: str, value: int) -> cp_model.IntVar:
        """Add an auxiliary variable with its hint value for the current solution."""
        v = self.m.new_int_var(lo, hi, name)
        self.aux_hint[v.index] = value
        return v

    def set_values(self, full: list[int], rem: list[bool]) -> None:
        """Take lots per pair found outside CP-SAT (they must meet every constraint added so far)."""
        self.values_full = list(full)
        self.values_rem = list(rem)
        self.has_solution = True
        if self.solution:
            for i, v in enumerate(self.n):
                self.solution[v.index] = full[i]
            for i, rv in enumerate(self.r):
                if not isinstance(rv, int):
                    self.solution[rv.index] = int(rem[i])
            for kv, i, prev in self.keep_vars:
                self.solution[kv.index] = min(prev, full[i])

    def earnings(self, w: int) -> cp_model.LinearExprT:
        pairs = [(self.spec.pairs[i], i) for i in self.by_worker[w]]
        return sum(p.rate * (p.pf * self.n[i] + p.pr * self.r[i]) for p, i in pairs)

    def earnings_now(self, w: int) -> int:
        pairs = [(self.spec.pairs[i], i) for i in self.by_worker[w]]
        return sum(p.rate * (p.pf * self.values_full[i] + p.pr * int(self.values_rem[i])) for p, i in pairs)

    def current_lots(self, i: int) -> tuple[int, int]:
        return self.values_full[i], int(self.values_rem[i])

    def run(
        self,
        name: str,
        objective: cp_model.LinearExprT,
        maximize: bool,
        limit: float,
        cancel: CancelCheck | None,
    ) -> tuple[LayerInfo, bool]:
        """Solve one layer; return its info and whether a solution was found."""
        m = self.m
        if maximize:
            m.maximize(objective)
        else:
            m.minimize(objective)
        self.hint()
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, limit)
        solver.parameters.num_workers = self.spec.num_workers
        solver.parameters.linearization_level = 2
        done = threading.Event()
        cancelled = [False]

        def watch() -> None:
            while not done.wait(0.05):
                if cancel is not None and cancel():
                    cancelled[0] = True
                    solver.stop_search()
                    return

        watcher = threading.Thread(target=watch, daemon=True) if cancel is not None else None
        t0 = time.perf_counter()
        if watcher:
            watcher.start()
        status = solver.solve(m)
        done.set()
        if watcher:
            watcher.join()
        secs = time.perf_counter() - t0
        ok = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if ok:
            self.values_full = [int(solver.value(v)) for v in self.n]
            self.values_rem = [bool(solver.value(v)) if not isinstance(v, int) else False for v in self.r]
            self.has_solution = True
            self.solution = list(solver.response_proto.solution)
            self.aux_hint = {}
            value = solver.objective_value
            bound = solver.best_objective_bound
        else:
            value = bound = math.nan
        stat = "CANCELLED" if cancelled[0] else solver.status_name(status)
        return LayerInfo(name, stat, value, bound, secs), ok


def solve_sub(
    spec: SubSpec,
    progress: Callable[[float, str], None] | None = None,
    cancel: CancelCheck | None = None,
) -> SubResult:
    """Solve a sub-problem layer by layer within ``spec.time_limit`` seconds."""
    deadline = time.perf_counter() + spec.time_limit
    L = _Layers(spec)
    m = L.m
    order = [x for x in spec.objective if x in ("on_time", "fairness", "travel")]
    steps: list[str] = []
    for x in order:
        if x == "fairness":
            steps += ["coverage", "spread"]
        else:
            steps.append(x)
        if x == "on_time" and spec.has_previous:
            steps.append("stability")
    if spec.has_previous and "stability" not in steps:
        steps.insert(0, "stability")
    # Layers after the first share what the first leaves; the first gets half (it matters most).
    weights = {"on_time": 16.0, "stability": 1.0, "coverage": 1.0, "spread": 2.0, "travel": 1.0}
    result = SubResult([p.hint_full for p in spec.pairs], [bool(p.hint_rem) for p in spec.pairs])
    on_time_floor: int | None = None
    if not spec.pairs:
        return result
    for k, step in enumerate(steps):
        if cancel is not None and cancel():
            result.cancelled = True
            break
        remaining = deadline - time.perf_counter()
        share = weights[step] / sum(weights[s] for s in steps[k:])
        limit = max(0.05, remaining * share)
        if progress:
            progress(k / len(steps), step)
        if step == "on_time":
            info, ok = L.run(step, L.on_time, True, limit, cancel)
            if ok:
                on_time_floor = math.ceil(info.value * (1 - ON_TIME_TOLERANCE) - 1e-9)
                m.add(L.on_time >= on_time_floor)
        elif step == "stability":
            # The start (the previous plan, gaps filled) keeps the most; use it if it is on time enough.
            start_value = sum(p.wt * (p.pf * p.hint_full + p.pr * int(p.hint_rem)) for p in spec.pairs)
            if on_time_floor is None or start_value >= on_time_floor:
                L.values_full = [p.hint_full for p in spec.pairs]
                L.values_rem = [
                    bool(p.hint_rem) and not isinstance(L.r[i], int) for i, p in enumerate(spec.pairs)
                ]
                L.solution, L.aux_hint = [], {}
            keeps = []
            for i, p in enumerate(spec.pairs):
                if p.prev_full:
                    kv = L.new_aux(0, p.prev_full, f"k{i}", min(p.prev_full, L.values_full[i]))
                    m.add(kv <= L.n[i])
                    L.keep_vars.append((kv, i, p.prev_full))
                    keeps.append(kv)
                if p.prev_rem and not isinstance(L.r[i], int):
                    keeps.append(L.r[i])  # type: ignore[arg-type]
            if not keeps:
                continue
            kept = sum(keeps)
            info, ok = L.run(step, kept, True, limit, cancel)
            if ok:
                m.add(kept >= round(info.value))
        elif step == "coverage":
            cover = _coverage_expr(L)
            if cover is None:
                continue
            info, ok = L.run(step, cover, True, limit, cancel)
            if ok:
                m.add(cover >= round(info.value))
        elif step == "spread":
            spread_info = _spread_layer(L, limit, keep_travel="travel" in steps[:k], cancel=cancel)
            if spread_info is None:
                continue
            info = spread_info
        else:  # travel
            saved = (list(L.values_full), list(L.values_rem), list(L.solution), L.has_solution)
            travel_now = sum(
                p.travel * (f + int(r)) for p, f, r in zip(spec.pairs, saved[0], saved[1], strict=True)
            )
            info, ok = L.run(step, L.travel, False, limit, cancel)
            if ok:
                m.add(L.travel <= round(info.value))
                if saved[3] and info.value >= travel_now:  # no shorter trips: keep the fairer plan as it was
                    L.values_full, L.values_rem, L.solution = saved[0], saved[1], saved[2]
        result.layers.append(info)
        if info.status == "CANCELLED":
            result.cancelled = True
            break
    if L.has_solution:
        result.full, result.rem = L.values_full, L.values_rem
    if progress:
        progress(1.0, "done")
    return result


def _coverage_expr(L: _Layers) -> cp_model.LinearExprT | None:
    spec, m = L.spec, L.m
    workers = [w for w in L.by_worker if spec.workers[w].hours > 0]
    if not workers:
        return None
    n_plain = sum(1 for w in workers if not spec.workers[w].priority)
    terms = []
    for w in workers:
        has = int(any(sum(L.current_lots(i)) for i in L.by_worker[w]))
        u = L.new_aux(0, 1, f"u{w}", has)
        m.add(sum(L.n[i] + L.r[i] for i in L.by_worker[w]) >= u)
        terms.append((n_plain + 1 if spec.workers[w].priority else 1) * u)
    return sum(terms)


def _spread_layer(
    L: _Layers, limit: float, keep_travel: bool, cancel: CancelCheck | None
) -> LayerInfo | None:
    """Even out earnings per offered hour (``fairness.polish``), then hold every worker's earnings."""
    from factory.scheduling.fairness import polish

    spec, m = L.spec, L.m
    workers = [w for w in L.by_worker if spec.workers[w].hours > 0]
    if not workers:
        return None
    t0 = time.perf_counter()
    full, rem, pi = polish(
        spec, L.values_full, L.values_rem, t0 + limit, keep_travel=keep_travel, cancel=cancel
    )
    L.set_values(full, rem)
    # Later layers keep the summed deviation from the average rate within SPREAD_TOLERANCE of this plan's.
    spread, now = _spread_expr(L, spec)
    m.add(spread <= math.floor(now * (1 + SPREAD_TOLERANCE)) + 1)
    status = "LOCAL_OPTIMUM" if pi.complete else ("CANCELLED" if pi.cancelled else "TIME_LIMIT")
    # value: the spread figure reached (see fairness.py); bound: 1.0, everybody paid the same per hour.
    return LayerInfo("spread", status, pi.spread_after, 1.0, time.perf_counter() - t0)


def _spread_expr(L: _Layers, spec: SubSpec) -> tuple[cp_model.LinearExprT, int]:
    """Weighted sum of ``|e[w] - target[w]|`` (about the deviation of earnings per hour), and its value now."""
    m = L.m
    workers = [w for w in L.by_worker if spec.workers[w].hours > 0]
    earn: dict[int, cp_model.LinearExprT] = {}
    earn_now: dict[int, int] = {}
    for w in workers:
        pairs = [(spec.pairs[i], i) for i in L.by_worker[w]]
        earn[w] = sum(p.rate * (p.pf * L.n[i] + p.pr * L.r[i]) for p, i in pairs)
        earn_now[w] = sum(p.rate * (p.pf * L.values_full[i] + p.pr * int(L.values_rem[i])) for p, i in pairs)
    total_earn = sum(earn_now.values())
    total_hours = sum(spec.workers[w].hours for w in workers)
    rate = spec.target_rate if spec.target_rate is not None else total_earn / total_hours
    mean_hours = total_hours / len(workers)
    terms = []
    now = 0
    for w in workers:
        hw = spec.workers[w].hours
        ub = sum(
            spec.pairs[i].rate * (spec.pairs[i].pf * spec.pairs[i].max_full + spec.pairs[i].pr)
            for i in L.by_worker[w]
        )
        target = round(rate * hw)
        dev = L.new_aux(0, max(ub, target), f"dev{w}", abs(earn_now[w] - target))
        m.add(dev >= earn[w] - target)
        m.add(dev >= target - earn[w])
        c = max(1, round(SPREAD_SCALE * mean_hours / hw))
        terms.append(c * dev)
        now += c * abs(earn_now[w] - target)
    return sum(terms), now


# --- LP bound -----------------------------------------------------------------------------------------------


@dataclass
class LPResult:
    bound: float  # upper bound on weighted on-time pieces (valid: relaxation with exact hours)
    x_full: list[float]  # per pair
    x_rem: list[float]
    status: str


def lp_bound(prob: Problem, prefer_spread: bool = False) -> LPResult:
    """Solve the LP relaxation of the on-time layer with GLOP.

    With ``prefer_spread`` a second LP keeps the on-time value and maximises the fractional number of workers
    with work (priority ones counted double) and the previous plan's lots kept, so that the shares handed to
    stations reach more residents and stay close to the previous plan.
    """
    inst = prob.inst
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        raise RuntimeError("GLOP is not available")
    inf = solver.infinity()
    xf = []
    xr = []
    for i, p in enumerate(prob.pairs):
        o = inst.orders[p.o]
        xf.append(solver.NumVar(float(p.pin_full), float(max(p.pin_full, p.max_full)), f"f{i}"))
        xr.append(solver.NumVar(1.0 if p.pin_rem else 0.0, 1.0 if (p.rem_ok and o.rem) else 0.0, f"r{i}"))
    for oi, idx in prob.by_order.items():
        o = inst.orders[oi]
        c = solver.Constraint(-inf, float(o.n_full))
        for i in idx:
            c.SetCoefficient(xf[i], 1.0)
        if o.rem:
            c = solver.Constraint(-inf, 1.0)
            for i in idx:
                c.SetCoefficient(xr[i], 1.0)
    for wi, idx in prob.by_worker.items():
        w = inst.workers[wi]
        for d in prob.due_days(wi):
            c = solver.Constraint(-inf, inst.cum_hours(w, d) + HOUR_EPS)
            for i in idx:
                p = prob.pairs[i]
                if inst.orders[p.o].due_day <= d:
                    c.SetCoefficient(xf[i], p.t_full)
                    if p.t_rem:
                        c.SetCoefficient(xr[i], p.t_rem)
    obj = solver.Objective()
    for i, p in enumerate(prob.pairs):
        o = inst.orders[p.o]
        obj.SetCoefficient(xf[i], o.weight * o.lot_size)
        obj.SetCoefficient(xr[i], o.weight * o.rem)
    obj.SetMaximization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        # Without a proven LP optimum, fall back to the trivial bound: every piece on time.
        total = sum(o.weight * o.quantity for o in inst.orders)
        return LPResult(total, [0.0] * len(prob.pairs), [0.0] * len(prob.pairs), "NOT_SOLVED")
    value = obj.Value()
    bound = value + 1e-7 * max(1.0, abs(value))
    first = LPResult(bound, [v.solution_value() for v in xf], [v.solution_value() for v in xr], "OPTIMAL")
    if prefer_spread and prob.by_worker:
        keep = solver.Constraint(value * (1 - 1e-6), inf)
        for i, p in enumerate(prob.pairs):
            o = inst.orders[p.o]
            keep.SetCoefficient(xf[i], o.weight * o.lot_size)
            keep.SetCoefficient(xr[i], o.weight * o.rem)
        obj.Clear()
        # A previous plan's lots staying with their worker count ten times a resident reached.
        for i, p in enumerate(prob.pairs):
            if p.prev_full or p.prev_rem:
                k = solver.NumVar(0.0, float(p.prev_full + int(p.prev_rem)), f"k{i}")
                c = solver.Constraint(0.0, inf)
                c.SetCoefficient(xf[i], 1.0)
                c.SetCoefficient(xr[i], 1.0)
                c.SetCoefficient(k, -1.0)
                obj.SetCoefficient(k, 10.0)
        for wi, idx in prob.by_worker.items():
            z = solver.NumVar(0.0, 1.0, f"z{wi}")
            c = solver.Constraint(0.0, inf)
            c.SetCoefficient(z, -1.0)
            for i in idx:
                c.SetCoefficient(xf[i], 1.0)
                c.SetCoefficient(xr[i], 1.0)
            obj.SetCoefficient(z, 2.0 if inst.workers[wi].priority else 1.0)
        obj.SetMaximization()
        if solver.Solve() == pywraplp.Solver.OPTIMAL:
            return LPResult(
                bound, [v.solution_value() for v in xf], [v.solution_value() for v in xr], "OPTIMAL"
            )
    return first
