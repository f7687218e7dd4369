"""Even earnings per offered hour: a deterministic local search over whole lots.

The fairness layer's spread part. It starts from a plan that already meets the earlier layers (on-time value,
stability, coverage, and travel when the instance ranks travel first) and moves whole lots between workers so
that every worker's planned earnings per offered hour ``x[w] = e[w] / hours[w]`` come closer together. It
minimises ``n * sum x^2 / (sum x)^2`` (one plus the squared coefficient of variation) over the workers of
the sub-problem, a smooth measure of spread whose change for one move costs O(1) to compute; a plan with a lower
figure nearly always has a lower Gini coefficient too.

Steps, each keeping every hard rule and every earlier layer; moves and swaps are applied only if they lower
the spread figure:

* *place*: a lot no worker holds goes to the worker for whom the spread figure ends lowest (always applied:
  the on-time value grows);
* *move*: one lot (full or the shorter last one) passes from a worker to another who can take it by its due
  day; the giver keeps at least one lot (nobody loses work);
* *swap*: a worker gives one lot to another and takes one of a different order back, when hours are full.

Hours are checked in the same integer ticks as the CP-SAT model (``SubSpec`` caps and lot ticks), so a plan
valid for the model stays valid. Pins are never moved. With a previous plan, the lots kept with their
previous worker never decrease. With ``keep_travel`` (travel ranked before fairness), total travel never
grows. The search is deterministic: workers and pairs are scanned in a fixed order and ties go to the lower
index, so the same input gives the same plan whenever the search ends before ``deadline``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from factory.scheduling.solver import SubSpec

REL_EPS = 1e-12  # a move must lower the spread figure by at least this share of it


@dataclass
class PolishInfo:
    spread_before: float
    spread_after: float
    placed: int
    moves: int
    swaps: int
    seconds: float
    complete: bool  # stopped because no move helps (not because of the deadline or a cancel)
    cancelled: bool = False


class _State:
    def __init__(
        self,
        spec: SubSpec,
        full: list[int],
        rem: list[bool],
        keep_travel: bool,
        deadline: float,
        cancel: Callable[[], bool] | None,
    ) -> None:
        self.spec = spec
        self.deadline = deadline
        self.cancel = cancel
        self.cancelled = False
        self.next_cancel_check = 0.0
        self.full = list(full)
        self.rem = [bool(r) for r in rem]
        self.keep_travel = keep_travel
        self.has_previous = spec.has_previous
        nw = len(spec.workers)
        self.by_worker: list[list[int]] = [[] for _ in range(nw)]
        self.by_order: list[list[int]] = [[] for _ in spec.order_ids]
        self.pair_of: dict[tuple[int, int], int] = {}
        for i, p in enumerate(spec.pairs):
            self.by_worker[p.w].append(i)
            self.by_order[p.o].append(i)
            self.pair_of[p.w, p.o] = i
        self.active = [bool(self.by_worker[w]) and spec.workers[w].hours > 0 for w in range(nw)]
        self.hours = [spec.workers[w].hours if self.active[w] else 1.0 for w in range(nw)]
        # Cumulative free ticks per worker, aligned with its sorted due days.
        self.days: list[list[int]] = []
        self.slack: list[list[int]] = []
        self.day_pos: list[dict[int, int]] = []
        for w in range(nw):
            caps = spec.workers[w].caps
            ds = sorted(caps)
            self.days.append(ds)
            self.day_pos.append({d: k for k, d in enumerate(ds)})
            self.slack.append([caps[d] for d in ds])
        self.earn = [0] * nw
        self.lots = [0] * nw
        self.full_left = list(spec.full_quota)
        self.rem_left = list(spec.rem_quota)
        for i, p in enumerate(spec.pairs):
            f, r = self.full[i], int(self.rem[i])
            if f or r:
                self._take(p.w, p.due, f * p.tf + r * p.tr)
                self.earn[p.w] += p.rate * (f * p.pf + r * p.pr)
                self.lots[p.w] += f + r
                self.full_left[p.o] -= f
                self.rem_left[p.o] -= r
        self.n = sum(self.active)
        self.recompute()

    def stop(self) -> bool:
        """Whether the deadline has passed or the run was cancelled (asked at most every 0.1 s)."""
        now = time.perf_counter()
        if now > self.deadline or self.cancelled:
            return True
        if self.cancel is not None and now >= self.next_cancel_check:
            self.next_cancel_check = now + 0.1
            self.cancelled = bool(self.cancel())
        return self.cancelled

    # --- hours ---------------------------------------------------------------------------------------
    def _take(self, w: int, due: int, ticks: int) -> None:
        row = self.slack[w]
        for k in range(self.day_pos[w][due], len(row)):
            row[k] -= ticks

    def free(self, w: int, due: int) -> int:
        row = self.slack[w]
        return min(row[self.day_pos[w][due] :])

    # --- spread figure -------------------------------------------------------------------------------
    def recompute(self) -> None:
        xs = [self.earn[w] / self.hours[w] for w in range(len(self.earn)) if self.active[w]]
        self.sum_x = sum(xs)
        self.sum_x2 = sum(x * x for x in xs)

    def figure(self, sum_x: float, sum_x2: float) -> float:
        if sum_x <= 0:
            return 0.0
        return self.n * sum_x2 / (sum_x * sum_x)

    def current(self) -> float:
        return self.figure(self.sum_x, self.sum_x2)

    def after(self, changes: list[tuple[int, int]]) -> tuple[float, float]:
        """Sums of x and x^2 after adding fen ``de`` to each listed worker ``(w, de)`` (distinct workers)."""
        sx, sx2 = self.sum_x, self.sum_x2
        for w, de in changes:
            if not self.active[w]:
                continue
            h = self.hours[w]
            x0 = self.earn[w] / h
            x1 = (self.earn[w] + de) / h
            sx += x1 - x0
            sx2 += x1 * x1 - x0 * x0
        return sx, sx2

    def apply_earn(self, changes: list[tuple[int, int]]) -> None:
        self.sum_x, self.sum_x2 = self.after(changes)
        for w, de in changes:
            self.earn[w] += de

    # --- lots ----------------------------------------------------------------------------------------
    def movable(self, i: int, kind: int) -> bool:
        p = self.spec.pairs[i]
        if kind == 0:
            return self.full[i] > p.pin_full
        return self.rem[i] and not p.pin_rem

    def can_receive(self, i: int, kind: int) -> bool:
        p = self.spec.pairs[i]
        if kind == 0:
            return self.full[i] < p.max_full
        return p.rem_ok and not self.rem[i] and self.spec.rem_quota[p.o] > 0

    def lot(self, i: int, kind: int) -> tuple[int, int]:
        """(fen earned, ticks) of one lot of this kind for this pair."""
        p = self.spec.pairs[i]
        return (p.rate * p.pf, p.tf) if kind == 0 else (p.rate * p.pr, p.tr)

    def kept_delta(self, i: int, kind: int, d: int) -> int:
        """Change of lots kept with the previous worker when pair ``i`` gets ``d`` (+1/-1) lots."""
        if not self.has_previous:
            return 0
        p = self.spec.pairs[i]
        if kind == 0:
            before = min(self.full[i], p.prev_full)
            return min(self.full[i] + d, p.prev_full) - before
        return (int(self.rem[i]) + d if p.prev_rem else 0) - (int(self.rem[i]) if p.prev_rem else 0)

    def neighbours(self, workers: set[int]) -> set[int]:
        """The workers who share an order with any of ``workers``."""
        orders = {self.spec.pairs[i].o for w in workers for i in self.by_worker[w]}
        return {self.spec.pairs[j].w for o in orders for j in self.by_order[o]}

    def change(self, i: int, kind: int, d: int) -> None:
        p = self.spec.pairs[i]
        fen, ticks = self.lot(i, kind)
        if kind == 0:
            self.full[i] += d
            self.full_left[p.o] -= d
        else:
            self.rem[i] = d > 0
            self.rem_left[p.o] -= d
        self._take(p.w, p.due, d * ticks)
        self.lots[p.w] += d


def polish(
    spec: SubSpec,
    full: list[int],
    rem: list[bool],
    deadline: float,
    keep_travel: bool = False,
    cancel: Callable[[], bool] | None = None,
) -> tuple[list[int], list[bool], PolishInfo]:
    """Return lots per pair with earnings per offered hour spread more evenly, and what was done."""
    t0 = time.perf_counter()
    s = _State(spec, full, rem, keep_travel, deadline, cancel)
    before = s.current()
    placed = _place(s)
    moves = swaps = 0
    complete = False
    # Workers to try: None means every worker. After moves, only workers sharing an order with a changed one
    # can have a new move (up to the small shift of the mean), so the search ends with a pass over everyone.
    givers: set[int] | None = None
    takers: set[int] | None = None
    while not s.stop():
        s.recompute()  # no drift from many small updates
        m, touched = _move_pass(s, givers)
        moves += m
        if m:
            givers = s.neighbours(touched)
            takers = givers if takers is not None else None
            continue
        k, touched = _swap_pass(s, takers)
        swaps += k
        if k:
            givers = takers = s.neighbours(touched)
            continue
        if givers is None and takers is None:
            complete = not s.stop()
            break
        givers = takers = None
    s.recompute()
    secs = time.perf_counter() - t0
    info = PolishInfo(before, s.current(), placed, moves, swaps, secs, complete, s.cancelled)
    return s.full, s.rem, info


def _place(s: _State) -> int:
    """Give lots that nobody holds to the worker for whom they lower the spread most."""
    spec = s.spec
    placed = 0
    for o in range(len(spec.order_ids)):
        for kind in (0, 1):
            while (s.full_left[o] if kind == 0 else s.rem_left[o]) > 0:
                if s.stop():
                    return placed
                best, best_val = -1, 0.0
                for i in s.by_order[o]:
                    p = spec.pairs[i]
                    if not s.can_receive(i, kind):
                        continue
                    fen, ticks = s.lot(i, kind)
                    if s.free(p.w, p.due) < ticks:
                        continue
                    if s.keep_travel and p.travel > 0:  # travel ranks first: no new trips
                        continue
                    val = s.figure(*s.after([(p.w, fen)]))
                    if best < 0 or val < best_val:
                        best, best_val = i, val
                if best < 0:
                    break
                fen, _ = s.lot(best, kind)
                s.change(best, kind, 1)
                s.apply_earn([(spec.pairs[best].w, fen)])
                placed += 1
    return placed


def _move_pass(s: _State, givers: set[int] | None) -> tuple[int, set[int]]:
    """One pass over the workers (or ``givers``), richest first: move lots from each to where they help most.

    Only receivers that stay poorer than the giver was are tried: a cheap filter (such moves seldom narrow
    the spread) that keeps city-scale passes fast.
    """
    nw = len(s.spec.workers)
    hours, earn, active = s.hours, s.earn, s.active
    touched: set[int] = set()
    done = 0
    todo = range(nw) if givers is None else givers
    for a in sorted(todo, key=lambda w: (-earn[w] / hours[w], w)):
        while not s.stop() and active[a] and s.lots[a] >= 2:
            j = _best_move(s, a)
            if j < 0:
                break
            done += 1
            touched.add(a)
            touched.add(j)
    return done, touched


def _best_move(s: _State, a: int) -> int:
    """Apply the best move of one of ``a``'s lots; return the receiving worker, or -1 if no move helps."""
    spec = s.spec
    pairs = spec.pairs
    hours, earn, active = s.hours, s.earn, s.active
    n = s.n
    ha = hours[a]
    xa = earn[a] / ha
    sx, sx2 = s.sum_x, s.sum_x2
    best: tuple[int, int, int] | None = None
    best_val = s.current() * (1 - REL_EPS)
    for i in s.by_worker[a]:
        pa = pairs[i]
        for kind in (0, 1):
            if not s.movable(i, kind):
                continue
            fen = pa.rate * (pa.pf if kind == 0 else pa.pr)
            xa1 = xa - fen / ha
            sx_a = sx + xa1 - xa
            sx2_a = sx2 + xa1 * xa1 - xa * xa
            kd = s.kept_delta(i, kind, -1)
            for j in s.by_order[pa.o]:
                pb = pairs[j]
                b = pb.w
                if b == a or not active[b]:
                    continue
                hb = hours[b]
                xb = earn[b] / hb
                xb1 = xb + fen / hb
                if xb1 >= xa:
                    continue
                if not s.can_receive(j, kind):
                    continue
                if s.keep_travel and pb.travel > pa.travel:
                    continue
                if kd and kd + s.kept_delta(j, kind, 1) < 0:
                    continue
                sx1 = sx_a + xb1 - xb
                val = n * (sx2_a + xb1 * xb1 - xb * xb) / (sx1 * sx1) if sx1 > 0 else 0.0
                if val >= best_val:
                    continue
                if s.free(b, pb.due) < (pb.tf if kind == 0 else pb.tr):
                    continue
                best, best_val = (i, j, kind), val
    if best is None:
        return -1
    i, j, kind = best
    fen, _ = s.lot(i, kind)
    s.change(i, kind, -1)
    s.change(j, kind, 1)
    s.apply_earn([(a, -fen), (pairs[j].w, fen)])
    return pairs[j].w


def _swap_pass(s: _State, takers: set[int] | None) -> tuple[int, set[int]]:
    """Poorest workers first: trade one of their lots for a better-paid lot of a richer worker."""
    spec = s.spec
    nw = len(spec.workers)
    ratio = [s.earn[w] / s.hours[w] for w in range(nw)]
    done = 0
    touched: set[int] = set()
    for b in sorted(range(nw) if takers is None else takers, key=lambda w: (ratio[w], w)):
        if s.stop():
            break
        if not s.active[b]:
            continue
        cur = s.current()
        xb = s.earn[b] / s.hours[b]
        best: tuple[int, int, int, int, int, int] | None = None
        best_val = cur * (1 - REL_EPS)
        for i2 in s.by_worker[b]:  # b gives a lot of o2 ...
            p2 = spec.pairs[i2]
            for k2 in (0, 1):
                if not s.movable(i2, k2):
                    continue
                fen2, t2b = s.lot(i2, k2)
                for j1 in s.by_worker[b]:  # ... and takes a lot of o1 from a
                    p1b = spec.pairs[j1]
                    if p1b.o == p2.o:
                        continue
                    for k1 in (0, 1):
                        if not s.can_receive(j1, k1):
                            continue
                        fen1, t1b = s.lot(j1, k1)
                        if fen1 <= fen2:
                            continue  # b must gain
                        if not _fits_swap(s, b, p2.due, t2b, p1b.due, t1b):
                            continue
                        for i1 in s.by_order[p1b.o]:
                            p1a = spec.pairs[i1]
                            a = p1a.w
                            if a == b or not s.movable(i1, k1) or s.earn[a] / s.hours[a] <= xb:
                                continue
                            j2 = s.pair_of.get((a, p2.o))
                            if j2 is None or not s.can_receive(j2, k2):
                                continue
                            p2a = spec.pairs[j2]
                            if s.keep_travel and p1b.travel + p2a.travel > p1a.travel + p2.travel:
                                continue
                            if s.has_previous and (
                                s.kept_delta(i2, k2, -1)
                                + s.kept_delta(j1, k1, 1)
                                + s.kept_delta(i1, k1, -1)
                                + s.kept_delta(j2, k2, 1)
                                < 0
                            ):
                                continue
                            fen1a, t1a = s.lot(i1, k1)
                            fen2a, t2a = s.lot(j2, k2)
                            if not _fits_swap(s, a, p1a.due, t1a, p2a.due, t2a):
                                continue
                            val = s.figure(*s.after([(b, fen1 - fen2), (a, fen2a - fen1a)]))
                            if val < best_val:
                                best, best_val = (i2, k2, j1, k1, i1, j2), val
        if best is not None:
            i2, k2, j1, k1, i1, j2 = best
            fen2, _ = s.lot(i2, k2)
            fen1, _ = s.lot(j1, k1)
            a = spec.pairs[i1].w
            s.change(i2, k2, -1)
            s.change(i1, k1, -1)
            s.change(j1, k1, 1)
            s.change(j2, k2, 1)
            s.apply_earn([(b, fen1 - fen2), (a, fen2 - fen1)])
            done += 1
            touched.update((a, b))
    return done, touched


def _fits_swap(s: _State, w: int, due_out: int, t_out: int, due_in: int, t_in: int) -> bool:
    """Whether ``w`` can take ``t_in`` ticks due ``due_in`` after giving up ``t_out`` ticks due ``due_out``."""
    row = s.slack[w]
    pos = s.day_pos[w]
    k_out, k_in = pos[due_out], pos[due_in]
    for k in range(k_in, len(row)):
        free = row[k] + (t_out if k >= k_out else 0)
        if free < t_in:
            return False
    return True
