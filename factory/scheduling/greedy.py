"""Greedy allocation: earliest due order first, each lot to the eligible worker with the most free hours.

It is the benchmark's baseline, the starting hint of the CP-SAT models, and the repair step that places lots
left over after the city-scale station models. "Free hours" for a lot due on day ``d`` are the hours the worker
could still add to work due by ``d`` without breaking any later day (``min_{D >= d} slack[D]``).
"""

from __future__ import annotations

import heapq

from factory.scheduling.instance import HOUR_EPS
from factory.scheduling.problem import Problem


class Slack:
    """Per-worker hours still free on days 0..D, for every D."""

    def __init__(self, prob: Problem) -> None:
        inst = prob.inst
        self.prob = prob
        self.slack: dict[int, list[float]] = {}
        for wi in prob.by_worker:
            w = inst.workers[wi]
            acc, row = 0.0, []
            for h in w.hours:
                acc += h
                row.append(acc)
            self.slack[wi] = row

    def free(self, w: int, due: int) -> float:
        return min(self.slack[w][due:])

    def take(self, w: int, due: int, hours: float) -> None:
        row = self.slack[w]
        for d in range(due, len(row)):
            row[d] -= hours


def greedy(
    prob: Problem,
    start: dict[int, tuple[int, bool]] | None = None,
    full_left: dict[int, int] | None = None,
    rem_left: dict[int, int] | None = None,
    slack: Slack | None = None,
) -> dict[int, tuple[int, bool]]:
    """Return lots per pair, ``pair id -> (full lots, remainder lot)``, starting from pins (or ``start``)."""
    inst = prob.inst
    slack = slack or Slack(prob)
    alloc: dict[int, list] = {}
    if start is None:
        start = {i: (p.pin_full, p.pin_rem) for i, p in enumerate(prob.pairs) if p.pin_full or p.pin_rem}
        for i, (f, r) in start.items():
            p = prob.pairs[i]
            slack.take(p.w, inst.orders[p.o].due_day, f * p.t_full + (p.t_rem if r else 0.0))
    for i, (f, r) in start.items():
        alloc[i] = [f, r]
    if full_left is None:
        full_left = {}
        rem_left = {}
        for oi, o in enumerate(inst.orders):
            idx = prob.by_order.get(oi, [])
            full_left[oi] = o.n_full - sum(alloc.get(i, [0, False])[0] for i in idx)
            rem_left[oi] = (1 if o.rem else 0) - sum(1 for i in idx if alloc.get(i, [0, False])[1])
    rem_left = rem_left if rem_left is not None else {}
    for oi in sorted(range(len(inst.orders)), key=lambda k: (inst.orders[k].due_day, k)):
        o = inst.orders[oi]
        idx = prob.by_order.get(oi, [])
        if not idx:
            continue
        for is_rem in (False, True):
            left = rem_left.get(oi, 0) if is_rem else full_left.get(oi, 0)
            if left <= 0:
                continue
            heap = [(-slack.free(prob.pairs[i].w, o.due_day), i) for i in idx]
            heapq.heapify(heap)
            while left > 0 and heap:
                neg, i = heapq.heappop(heap)
                p = prob.pairs[i]
                free = slack.free(p.w, o.due_day)
                if free < -neg - 1e-12:  # stale entry: push back with its current value
                    heapq.heappush(heap, (-free, i))
                    continue
                t = p.t_rem if is_rem else p.t_full
                ok = p.rem_ok if is_rem else True
                if not ok or t > free + HOUR_EPS:
                    continue  # cannot take this kind of lot now, and never will (free hours only shrink)
                slack.take(p.w, o.due_day, t)
                a = alloc.setdefault(i, [0, False])
                if is_rem:
                    a[1] = True
                else:
                    a[0] += 1
                left -= 1
                heapq.heappush(heap, (-slack.free(p.w, o.due_day), i))
            if is_rem:
                rem_left[oi] = left
            else:
                full_left[oi] = left
    return {i: (int(a[0]), bool(a[1])) for i, a in alloc.items()}


def lp_rounding(prob: Problem, x_full: list[float], x_rem: list[float]) -> dict[int, tuple[int, bool]]:
    """Round an LP solution down to whole lots, then place the lots left over greedily."""
    inst = prob.inst
    slack = Slack(prob)
    start: dict[int, tuple[int, bool]] = {}
    full_left = {oi: o.n_full for oi, o in enumerate(inst.orders)}
    rem_left = {oi: (1 if o.rem else 0) for oi, o in enumerate(inst.orders)}
    # Earliest due first, so the slack of later days is checked against what is already placed.
    for i in sorted(range(len(prob.pairs)), key=lambda k: inst.orders[prob.pairs[k].o].due_day):
        p = prob.pairs[i]
        due = inst.orders[p.o].due_day
        f = max(p.pin_full, min(p.max_full, int(x_full[i] + 1e-6)))
        r = p.pin_rem or (p.rem_ok and x_rem[i] > 1 - 1e-6)
        f = min(f, full_left[p.o])
        while f > p.pin_full and f * p.t_full + (p.t_rem if r else 0.0) > slack.free(p.w, due) + HOUR_EPS:
            f -= 1
        if (
            r
            and not p.pin_rem
            and (rem_left[p.o] < 1 or f * p.t_full + p.t_rem > slack.free(p.w, due) + HOUR_EPS)
        ):
            r = False
        if f or r:
            start[i] = (f, r)
            slack.take(p.w, due, f * p.t_full + (p.t_rem if r else 0.0))
            full_left[p.o] -= f
            rem_left[p.o] -= int(r)
    return greedy(prob, start=start, full_left=full_left, rem_left=rem_left, slack=slack)
