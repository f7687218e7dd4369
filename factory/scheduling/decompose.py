"""City scale: one LP over the whole city, then one CP-SAT model per station, in parallel processes.

1. The LP relaxation (``solver.lp_bound``, already solved by the caller) gives the proven bound and, per
   order, the fractional lots that each station's own workers take. Those shares are rounded to whole lots
   (largest remainder, never more than the order has): each station's *quota* of each order.
2. Every station's workers form an independent sub-problem (``solver.SubSpec``) with its quotas; the
   sub-problems run in a process pool (``workers`` processes, one CP-SAT thread each), each with the same
   objective layers as the single model. Fairness uses the city-wide average earnings per offered hour as
   its target, so stations are pulled towards the same figure.
3. Lots that no station placed are handed out greedily (earliest due first, most free hours) over the
   hours left.
4. With ``fairness`` in the objective, ``fairness.polish`` evens out earnings per offered hour over the whole
   city, moving lots across stations where workers reach them (it never lowers the on-time value, coverage or,
   with a previous plan, the lots kept).

In production the sub-problems are independent jobs, so the pool can be replaced by a job queue with
consumers on several machines: ``solve_station`` takes and returns plain picklable data.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from factory.scheduling.fairness import polish
from factory.scheduling.greedy import Slack, greedy, lp_rounding
from factory.scheduling.problem import Problem
from factory.scheduling.schedule import Alloc
from factory.scheduling.solver import LPResult, SubResult, SubSpec, solve_sub, spec_for


def solve_station(spec: SubSpec) -> SubResult:
    """Solve one station's sub-problem (runs in a worker process)."""
    return solve_sub(spec)


def station_quotas(
    prob: Problem, lp: LPResult
) -> tuple[dict[str, dict[int, int]], dict[str, dict[int, int]]]:
    """Round the LP's per-station shares of every order to whole lots."""
    inst = prob.inst
    full: dict[str, dict[int, int]] = defaultdict(dict)
    rem: dict[str, dict[int, int]] = defaultdict(dict)
    for oi, idx in prob.by_order.items():
        o = inst.orders[oi]
        share: dict[str, float] = defaultdict(float)
        rshare: dict[str, float] = defaultdict(float)
        for i in idx:
            st = inst.workers[prob.pairs[i].w].station
            share[st] += lp.x_full[i]
            rshare[st] += lp.x_rem[i]
        total = min(o.n_full, round(sum(share.values())))
        base = {s: int(v + 1e-6) for s, v in share.items()}
        left = total - sum(base.values())
        for s, _ in sorted(share.items(), key=lambda kv: kv[1] - int(kv[1] + 1e-6), reverse=True):
            if left <= 0:
                break
            base[s] += 1
            left -= 1
        for s, v in base.items():
            full[s][oi] = v
        if o.rem and rshare:
            best = max(rshare.items(), key=lambda kv: kv[1])
            if best[1] > 0.5:
                rem[best[0]][oi] = 1
    return full, rem


def solve_city(
    prob: Problem,
    lp: LPResult,
    *,
    deadline: float,
    workers: int,
    report: Callable[[float, str], None],
    cancel: Callable[[], bool] | None,
) -> tuple[Alloc, list[dict[str, Any]], bool]:
    """Return lots per pair, a summary of the station models, and whether the run was cancelled."""
    inst = prob.inst
    report(8, "station shares")
    full_q, rem_q = station_quotas(prob, lp)
    by_station: dict[str, list[int]] = defaultdict(list)
    for wi in prob.by_worker:
        by_station[inst.workers[wi].station].append(wi)
    # City-wide earnings per offered hour of the LP solution: the fairness target for every station.
    earn = sum(
        inst.orders[p.o].piece_rate_fen
        * (lp.x_full[i] * inst.orders[p.o].lot_size + lp.x_rem[i] * inst.orders[p.o].rem)
        for i, p in enumerate(prob.pairs)
    )
    hours = sum(inst.workers[w].offered_hours for w in prob.by_worker)
    rate = earn / hours if hours else 0.0

    start = None
    if prob.previous:  # the previous plan, as far as it still fits, is each station's starting point
        start = lp_rounding(
            prob, [float(p.prev_full) for p in prob.pairs], [float(p.prev_rem) for p in prob.pairs]
        )
    specs: list[SubSpec] = []
    for st in sorted(by_station, key=lambda s: -len(by_station[s])):
        ws = sorted(by_station[st])
        pids = [i for w in ws for i in prob.by_worker[w]]
        fq = {prob.pairs[i].o: full_q[st].get(prob.pairs[i].o, 0) for i in pids}
        # Pinned lots must fit the quota even if the LP rounded the station's share down.
        pinned: dict[int, int] = defaultdict(int)
        for i in pids:
            pinned[prob.pairs[i].o] += prob.pairs[i].pin_full
        for oi, k in pinned.items():
            fq[oi] = max(fq[oi], k)
        rq = {prob.pairs[i].o: rem_q[st].get(prob.pairs[i].o, 0) or int(prob.pairs[i].pin_rem) for i in pids}
        spec = spec_for(prob, ws, pids, full_quota=fq, rem_quota=rq, hint=start)
        spec.target_rate = rate
        spec.num_workers = 1
        specs.append(spec)

    n = len(specs)
    # Keep time for the repair, the city-wide fairness pass (a fifth of what is left) and writing.
    left = deadline - time.perf_counter() - 6.0
    budget = max(1.0, left * (0.8 if "fairness" in inst.objective else 1.0))
    per = min(10.0, max(0.3, budget * workers / max(1, n) * 0.8))
    for spec in specs:
        spec.time_limit = per
    report(10, f"{n} station models")
    alloc: Alloc = {}
    summary: dict[str, Any] = {
        "stations": n,
        "seconds_per_station": round(per, 2),
        "optimal": 0,
        "feasible": 0,
    }
    cancelled = False
    done = 0
    ctx = mp.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx) as pool:
        futures = {pool.submit(solve_station, spec): spec for spec in specs}
        pending = set(futures)
        while pending:
            finished, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                spec = futures[fut]
                res = fut.result()
                for k, sp in enumerate(spec.pairs):
                    if res.full[k] or res.rem[k]:
                        alloc[sp.pid] = (res.full[k], res.rem[k])
                if res.layers and res.layers[0].name == "on_time":
                    summary["optimal" if res.layers[0].status == "OPTIMAL" else "feasible"] += 1
                done += 1
            report(10 + 80 * done / max(1, n), f"stations solved: {done}/{n}")
            if cancel is not None and cancel():
                cancelled = True
                for fut in pending:
                    fut.cancel()
                pool.shutdown(wait=False, cancel_futures=True)
                break

    report(91, "placing lots left over")
    # Pins hold even for a station whose model was cancelled before it ran (its quota covers them).
    for i, p in enumerate(prob.pairs):
        if p.pin_full or p.pin_rem:
            f, r = alloc.get(i, (0, False))
            alloc[i] = (max(f, p.pin_full), r or p.pin_rem)
    slack = Slack(prob)
    full_left = {oi: o.n_full for oi, o in enumerate(inst.orders)}
    rem_left = {oi: (1 if o.rem else 0) for oi, o in enumerate(inst.orders)}
    for i, (f, r) in alloc.items():
        p = prob.pairs[i]
        slack.take(p.w, inst.orders[p.o].due_day, f * p.t_full + (p.t_rem if r else 0.0))
        full_left[p.o] -= f
        rem_left[p.o] -= int(r)
    before = sum(full_left.values()) + sum(rem_left.values())
    alloc = greedy(prob, start=alloc, full_left=full_left, rem_left=rem_left, slack=slack)
    after = sum(full_left.values()) + sum(rem_left.values())
    summary["repair_placed_lots"] = before - after
    if "fairness" in inst.objective and not cancelled:
        report(93, "evening out earnings")
        alloc, summary["spread"] = even_out(prob, alloc, deadline - _write_margin(prob), cancel)
        cancelled = bool(summary["spread"]["cancelled"])
    return alloc, [summary], cancelled


def _write_margin(prob: Problem) -> float:
    """Seconds kept back after the city-wide fairness pass for writing and checking the plan."""
    return 1.0 + 4e-5 * sum(o.n_lots for o in prob.inst.orders)


def even_out(
    prob: Problem, alloc: Alloc, deadline: float, cancel: Callable[[], bool] | None = None
) -> tuple[Alloc, dict[str, Any]]:
    """Even out earnings per offered hour over the whole city (``fairness.polish``), across stations."""
    ids = list(range(len(prob.pairs)))
    spec = spec_for(prob, sorted(prob.by_worker), ids)
    full = [alloc.get(i, (0, False))[0] for i in ids]
    rem = [alloc.get(i, (0, False))[1] for i in ids]
    obj = prob.inst.objective
    keep_travel = "travel" in obj and obj.index("travel") < obj.index("fairness")
    full, rem, info = polish(spec, full, rem, deadline, keep_travel=keep_travel, cancel=cancel)
    out = {i: (full[i], rem[i]) for i in ids if full[i] or rem[i]}
    return out, {k: round(v, 4) if isinstance(v, float) else v for k, v in vars(info).items()}
