"""``solve``: from an instance to a plan (FORMAT.md), with progress, cancelling and a previous plan.

Steps: enumerate (worker, order) pairs; LP bound (GLOP); greedy start; the lexicographic CP-SAT model of
``solver.py`` over the whole instance, or, beyond :data:`CITY_WORKERS` workers, the station decomposition of
``decompose.py``; then lot numbers, pieces per day, reasons for unplaced lots, the days of the held lots the
plan does not place (``kept``, in the hours the plan leaves their workers) and the figures of
``check.check_plan``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from factory.scheduling.check import check_plan
from factory.scheduling.greedy import greedy, lp_rounding
from factory.scheduling.instance import PLAN_FORMAT, Instance, parse_instance
from factory.scheduling.problem import build_problem
from factory.scheduling.schedule import Alloc, build_assignments, kept_lots
from factory.scheduling.solver import ON_TIME_TOLERANCE, SPREAD_TOLERANCE, lp_bound, solve_sub, spec_for

CITY_WORKERS = 3000  # above this many workers with work to offer, solve per station (decompose.py)

Progress = Callable[[int, str], None]
Cancel = threading.Event | Callable[[], bool]


def _cancel_fn(cancel: Cancel | None) -> Callable[[], bool] | None:
    if cancel is None:
        return None
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


def solve(
    instance: Instance | dict[str, Any],
    *,
    time_limit: float = 60,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    previous_plan: dict[str, Any] | None = None,
    workers: int = 2,
) -> dict[str, Any]:
    """Allocate the instance's lots and return the plan dict (FORMAT.md) with ``stats``.

    ``progress(percent, message)`` is called with 0..100; ``cancel`` (an Event or a callable) stops the search
    early and returns the best plan found so far with ``stats.status == "CANCELLED"``; ``previous_plan`` makes
    the run keep as many of that plan's lots with the same workers as it can; ``workers`` is the number of
    CPU cores (CP-SAT threads, or processes at city scale).
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    inst = instance if isinstance(instance, Instance) else parse_instance(instance)
    is_cancelled = _cancel_fn(cancel)

    def report(pct: float, msg: str) -> None:
        if progress is not None:
            progress(max(0, min(100, int(pct))), msg)

    report(0, "reading")
    prob = build_problem(inst, previous_plan)
    city = len(prob.by_worker) > CITY_WORKERS and len({inst.workers[w].station for w in prob.by_worker}) > 1
    report(3, "bound")
    lp = lp_bound(prob, prefer_spread=city)
    upper = lp.bound
    layers: list[dict[str, Any]] = []
    status = "FEASIBLE"
    cancelled = False
    if city:
        from factory.scheduling.decompose import solve_city

        alloc, layers, cancelled = solve_city(
            prob, lp, deadline=deadline, workers=workers, report=report, cancel=is_cancelled
        )
    else:
        report(5, "rounding the LP")
        if prob.previous:  # start from the previous plan, its gaps filled greedily
            hint = lp_rounding(
                prob, [float(p.prev_full) for p in prob.pairs], [float(p.prev_rem) for p in prob.pairs]
            )
        else:
            hint = lp_rounding(prob, lp.x_full, lp.x_rem)
        spec = spec_for(prob, sorted(prob.by_worker), list(range(len(prob.pairs))), hint=hint)
        spec.time_limit = max(0.1, deadline - time.perf_counter() - _finish_margin(len(prob.pairs)))
        spec.num_workers = workers
        res = solve_sub(spec, lambda f, m: report(6 + 88 * f, m), is_cancelled)
        cancelled = res.cancelled
        alloc = {}
        for i, sp in enumerate(spec.pairs):
            if res.full[i] or res.rem[i]:
                alloc[sp.pid] = (res.full[i], res.rem[i])
        layers = [vars(x) for x in res.layers]
        first = res.layers[0] if res.layers else None
        if first is not None and first.name == "on_time" and first.status in ("OPTIMAL", "FEASIBLE"):
            status = first.status
            if prob.weight_scale == 1 and math.isfinite(first.bound):
                upper = min(upper, first.bound)
    report(95, "writing")
    plan = make_plan(prob, alloc)
    stats = plan["stats"]
    if all(float(o.weight).is_integer() for o in inst.orders):
        upper = math.floor(upper + 1e-6)
    stats["upper_bound"] = upper
    stats["bound_ratio"] = stats["weighted_on_time"] / upper if upper > 0 else 1.0
    if stats["weighted_on_time"] >= upper - 1e-9:
        status = "OPTIMAL"
    stats["status"] = "CANCELLED" if cancelled else status
    stats["lp_bound"] = lp.bound
    stats["layers"] = layers
    stats["tolerances"] = {"on_time": ON_TIME_TOLERANCE, "fairness_spread": SPREAD_TOLERANCE}
    stats["decomposed"] = city
    if previous_plan is not None:
        stats |= stability_figures(previous_plan, plan)
    stats["solve_seconds"] = round(time.perf_counter() - t0, 3)
    report(100, "done")
    return plan


def _finish_margin(n_pairs: int) -> float:
    """Seconds kept back for writing the plan."""
    return 0.2 + n_pairs * 2e-5


def make_plan(prob: Any, alloc: Alloc) -> dict[str, Any]:
    """Build the plan dict (assignments, unassigned, kept held lots, figures) from lot counts per pair."""
    assignments, unassigned = build_assignments(prob, alloc)
    plan: dict[str, Any] = {"format": PLAN_FORMAT, "assignments": assignments, "unassigned": unassigned}
    if prob.inst.held:
        plan["kept"] = kept_lots(prob.inst, assignments)
    figures = check_plan(prob.inst, plan).figures
    plan["stats"] = dict(figures)
    return plan


def stability_figures(previous: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """Count the previous plan's assignments kept with the same worker, and those moved."""
    now = {(a["order"], a["lot"]): a["worker"] for a in plan["assignments"]}
    kept = moved = 0
    for a in previous.get("assignments", []):
        if not isinstance(a, dict):
            continue
        if now.get((a.get("order"), a.get("lot"))) == a.get("worker"):
            kept += 1
        else:
            moved += 1
    return {"previous_kept": kept, "previous_moved": moved}


def greedy_plan(instance: Instance | dict[str, Any]) -> dict[str, Any]:
    """Return the greedy baseline's plan (earliest due first, most free hours), with figures."""
    inst = instance if isinstance(instance, Instance) else parse_instance(instance)
    t0 = time.perf_counter()
    prob = build_problem(inst)
    plan = make_plan(prob, greedy(prob))
    plan["stats"]["status"] = "GREEDY"
    plan["stats"]["solve_seconds"] = round(time.perf_counter() - t0, 3)
    return plan
