"""Turn an :class:`Instance` into the aggregated (worker, order) pairs that the models work on.

Lots of one order are interchangeable apart from the last, shorter one, so a model counts lots per
(worker, order) pair: ``full`` lots of ``lot_size`` pieces plus at most one remainder lot. The lot numbers are
given back afterwards (``schedule.number_lots``), keeping pins and, where possible, a previous plan's numbers.

Times are hours. Models that need integers use ticks of :data:`TICK` hours, rounding work *down* and offered
hours *up*, so an integer model is a relaxation of the exact one (its bound stays valid) and a plan it returns
exceeds the exact hours by at most one tick per lot (1e-8 hour each), far inside FORMAT.md's 1e-6 hour.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from factory.scheduling.instance import HOUR_EPS, Instance, InstanceError

TICK = 1e-8  # hours per integer time unit in CP-SAT


@dataclass
class Pair:
    """A worker who could take lots of an order, with what one lot costs them."""

    w: int
    o: int
    station: str
    travel: float  # one-way minutes per lot
    t_full: float  # hours for one full lot
    t_rem: float  # hours for the remainder lot (0 if the order has none)
    max_full: int  # full lots that fit the worker's hours up to the due day
    rem_ok: bool  # the remainder lot fits the worker's hours up to the due day
    pin_full: int = 0
    pin_rem: bool = False
    prev_full: int = 0
    prev_rem: bool = False


@dataclass
class Problem:
    inst: Instance
    pairs: list[Pair]
    by_worker: dict[int, list[int]]
    by_order: dict[int, list[int]]
    eligible: list[bool]  # offered hours and could take some lot in time
    weight_scale: int  # integer weights = round(weight * weight_scale)
    # previous plan: (order index, lot) -> worker index, for lots whose worker still exists
    previous: dict[tuple[int, int], int] = field(default_factory=dict)

    def cum_ticks(self, w: int, day: int) -> int:
        return math.ceil(self.inst.cum_hours(self.inst.workers[w], day) / TICK)

    def due_days(self, w: int) -> list[int]:
        return sorted({self.inst.orders[self.pairs[p].o].due_day for p in self.by_worker.get(w, [])})

    def weight_int(self, o: int) -> int:
        return round(self.inst.orders[o].weight * self.weight_scale)


def build_problem(inst: Instance, previous_plan: dict[str, Any] | None = None) -> Problem:
    """Enumerate the usable (worker, order) pairs, pins and the previous plan's lots."""
    orders_at: dict[str, list[int]] = defaultdict(list)
    for oi, o in enumerate(inst.orders):
        for s in o.stations:
            orders_at[s].append(oi)

    pairs: list[Pair] = []
    by_worker: dict[int, list[int]] = defaultdict(list)
    by_order: dict[int, list[int]] = defaultdict(list)
    index: dict[tuple[int, int], int] = {}
    for wi, w in enumerate(inst.workers):
        if w.offered_hours <= 0:
            continue
        cands: set[int] = set()
        for s in [w.station, *w.reach]:
            cands.update(orders_at.get(s, ()))
        cum = [0.0] * inst.days
        acc = 0.0
        for d, h in enumerate(w.hours):
            acc += h
            cum[d] = acc
        for oi in sorted(cands):
            o = inst.orders[oi]
            speed = w.speed.get(o.skill, 0.0)
            if speed <= 0:
                continue
            fetch = inst.fetch_station(w, o)
            if fetch is None:
                continue
            cap = cum[o.due_day] + HOUR_EPS
            t_full = o.lot_size / speed
            t_rem = o.rem / speed
            max_full = min(o.n_full, int(cap // t_full)) if o.n_full else 0
            rem_ok = o.rem > 0 and t_rem <= cap
            if max_full == 0 and not rem_ok:
                continue
            p = Pair(wi, oi, fetch[0], fetch[1], t_full, t_rem, max_full, rem_ok)
            index[wi, oi] = len(pairs)
            by_worker[wi].append(len(pairs))
            by_order[oi].append(len(pairs))
            pairs.append(p)

    for i, pin in enumerate(inst.pinned):
        wi, oi = inst.worker_index[pin.worker], inst.order_index[pin.order]
        pi = index.get((wi, oi))
        if pi is None:  # check_pins already refused such pins; kept as a guard for hand-built instances
            raise InstanceError(f"pinned[{i}]: worker {pin.worker} cannot take {pin.order} lot {pin.lot}")
        if inst.orders[oi].lot_pieces(pin.lot) == inst.orders[oi].lot_size:
            pairs[pi].pin_full += 1
        else:
            pairs[pi].pin_rem = True

    previous: dict[tuple[int, int], int] = {}
    if previous_plan is not None:
        if not isinstance(previous_plan, dict) or not isinstance(previous_plan.get("assignments"), list):
            raise InstanceError("previous_plan.assignments: expected a list")
        for k, a in enumerate(previous_plan["assignments"]):
            if not isinstance(a, dict):
                raise InstanceError(f"previous_plan.assignments[{k}]: expected an object")
            wi = inst.worker_index.get(a.get("worker"))  # type: ignore[arg-type,assignment]
            oi = inst.order_index.get(a.get("order"))  # type: ignore[arg-type,assignment]
            lot = a.get("lot")
            if wi is None or oi is None or not isinstance(lot, int) or not 0 <= lot < inst.orders[oi].n_lots:
                continue  # a worker who left or an order that closed: nothing to keep
            pi = index.get((wi, oi))
            if pi is None:
                continue
            previous[oi, lot] = wi
            if inst.orders[oi].lot_pieces(lot) == inst.orders[oi].lot_size:
                pairs[pi].prev_full += 1
            else:
                pairs[pi].prev_rem = True

    eligible = [False] * len(inst.workers)
    for wi in by_worker:
        eligible[wi] = True

    weights = [o.weight for o in inst.orders]
    scale = 1 if all(float(x).is_integer() for x in weights) else 1000
    return Problem(inst, pairs, dict(by_worker), dict(by_order), eligible, scale, previous)
