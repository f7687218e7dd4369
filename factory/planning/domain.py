"""Planning, without the database: build the allocation instance, read a plan back, move lots, compare runs.

Ids in the instance are strings that map back to rows: ``S<station id>``, ``W<user id>``. An order of the
database becomes one instance order per station holding its open lots (``O<order id>`` in a station's run,
``O<order id>-S<station id>`` in the city's), because a lot's material lies at the station it was allotted to.
Open lots of one order that do not have the order's lot size (other than the one remainder lot) go into an
extra instance order each (``…~<pieces>``). The run keeps ``lots``: instance order id → the lot ids of its
instance lots 0, 1, 2 …, so the plan's ``(order, lot)`` maps back to a ``Lot`` row. Lots already given out
(not yet picked up) go in as ``held`` with their worker and the days the worker was told, so that a plan that
does not place one still fits it into that worker's hours (the plan's ``kept``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from factory.scheduling import check_plan, parse_instance
from factory.scheduling.check import eligible_workers
from factory.scheduling.instance import HOUR_EPS, INSTANCE_FORMAT, PLAN_FORMAT, Instance
from factory.scheduling.schedule import kept_lots

OVERDUE_WEIGHT = 2  # an order already past its due date counts double: it should be made first
HOURS_DECIMALS = 2


@dataclass(frozen=True)
class StationIn:
    id: int
    name: str
    district: str = ""


@dataclass(frozen=True)
class WorkerIn:
    id: int
    station_id: int
    name: str
    speeds: Mapping[str, float]  # pieces per hour by skill code
    hours: Sequence[float]  # per horizon day
    reach: Mapping[int, int] = field(default_factory=dict)  # station id -> one-way minutes
    priority: bool = False


@dataclass(frozen=True)
class LotIn:
    id: int
    index: int  # 1-based, as printed on the kit
    pieces: int
    station_id: int


@dataclass(frozen=True)
class OrderIn:
    id: int
    product: str
    skill: str
    lot_size: int
    due_date: date
    rate_units: int  # 1/100 fen per piece
    lots: Sequence[LotIn]


@dataclass(frozen=True)
class HeldIn:
    """A lot given out to a worker who has not picked it up yet: the pieces they hold and their days."""

    lot_id: int
    worker_id: int
    pieces: float
    days: Sequence[tuple[date, float]]


@dataclass(frozen=True)
class LotRef:
    """Where a lot sits in an instance: the instance order and its 0-based lot number there."""

    order_key: str
    k: int


class PlanningError(Exception):
    """A run or a change that cannot be made; `code` for the API, `message` for people."""

    def __init__(self, code: str, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def sid(station_id: int) -> str:
    return f"S{station_id}"


def wid(worker_id: int) -> str:
    return f"W{worker_id}"


def id_number(text: str) -> int:
    """The database id in ``W12`` or ``S3``."""
    return int(text[1:])


def rate_fen(rate_units: int) -> int:
    """A piece rate for the engine, in whole fen (at least 1); earnings themselves use the exact units."""
    return max(1, (rate_units + 50) // 100)


def _groups(order: OrderIn, lots: Sequence[LotIn]) -> list[tuple[int, list[LotIn]]]:
    """Split one station's open lots of an order into (lot size, lots) that the FORMAT's cutting can hold:
    full lots, then at most one smaller lot as the remainder; other sizes go into a group each."""
    lots = sorted(lots, key=lambda x: x.index)
    full = [x for x in lots if x.pieces == order.lot_size]
    odd = [x for x in lots if x.pieces != order.lot_size]
    groups: list[tuple[int, list[LotIn]]] = []
    if full:
        smaller = [x for x in odd if x.pieces < order.lot_size]
        if smaller:
            full.append(smaller[-1])
            odd.remove(smaller[-1])
        groups.append((order.lot_size, full))
    by_size: dict[int, list[LotIn]] = defaultdict(list)
    for x in odd:
        by_size[x.pieces].append(x)
    groups.extend((size, by_size[size]) for size in sorted(by_size))
    return groups


def build_instance(
    *,
    start: date,
    days: int,
    stations: Sequence[StationIn],
    workers: Sequence[WorkerIn],
    orders: Sequence[OrderIn],
    pins: Iterable[tuple[int, int]] = (),
    held: Iterable[HeldIn] = (),
    city: bool = False,
) -> tuple[dict[str, Any], dict[str, list[int]], list[tuple[int, int]]]:
    """Return the instance dict, the lot map (instance order id -> lot ids) and the pins left out
    because their lot or worker is not in this run (lot id, worker id).

    `held` lots whose worker is not in this run are left out: the run plans nothing for that worker, so
    their lot keeps its days. Days after the horizon stay as they are, so only the pieces before its end
    are planned; days before its start are in the past and their pieces are planned again."""
    known = {s.id for s in stations}
    out_orders: list[dict[str, Any]] = []
    lot_map: dict[str, list[int]] = {}
    for order in sorted(orders, key=lambda o: (o.due_date, o.id)):
        due = (order.due_date - start).days
        overdue = due < 0
        by_station: dict[int, list[LotIn]] = defaultdict(list)
        for lot in order.lots:
            by_station[lot.station_id].append(lot)
        for station_id in sorted(by_station):
            base = f"O{order.id}-S{station_id}" if city else f"O{order.id}"
            for n, (size, lots) in enumerate(_groups(order, by_station[station_id])):
                key = base if n == 0 else f"{base}~{size}"
                lot_map[key] = [x.id for x in lots]
                out_orders.append(
                    {
                        "id": key,
                        "skill": order.skill,
                        "quantity": sum(x.pieces for x in lots),
                        "lot_size": size,
                        # an overdue order is still to be made: within the horizon, first
                        "due_day": days - 1 if overdue else min(due, days - 1),
                        "piece_rate_fen": rate_fen(order.rate_units),
                        "weight": OVERDUE_WEIGHT if overdue else 1,
                        "stations": [sid(station_id)],
                    }
                )
    out_workers = []
    worker_ids = set()
    for w in workers:
        worker_ids.add(w.id)
        out_workers.append(
            {
                "id": wid(w.id),
                "station": sid(w.station_id),
                "speed": {k: float(v) for k, v in sorted(w.speeds.items()) if float(v) > 0},
                "hours": [round(float(h), HOURS_DECIMALS) for h in w.hours],
                "reach": {sid(s): m for s, m in sorted(w.reach.items()) if s in known and s != w.station_id},
                "priority": bool(w.priority),
            }
        )
    where = {lot_id: LotRef(key, k) for key, ids in lot_map.items() for k, lot_id in enumerate(ids)}
    pinned, dropped = [], []
    for lot_id, worker_id in pins:
        ref = where.get(lot_id)
        if ref is None or worker_id not in worker_ids:
            dropped.append((lot_id, worker_id))
            continue
        pinned.append({"order": ref.order_key, "lot": ref.k, "worker": wid(worker_id)})
    sizes = {lot.id: lot.pieces for o in orders for lot in o.lots}
    end = start + timedelta(days=days)
    out_held = []
    for h in sorted(held, key=lambda x: x.lot_id):
        ref = where.get(h.lot_id)
        if ref is None or h.worker_id not in worker_ids:
            continue
        later = sum(float(p) for d, p in h.days if d >= end)
        pieces = round(min(float(sizes[h.lot_id]), float(h.pieces) - later), 2)
        if pieces <= 0:
            continue
        out_held.append(
            {
                "order": ref.order_key,
                "lot": ref.k,
                "worker": wid(h.worker_id),
                "pieces": _clean(pieces),
                "days": [
                    {"day": (d - start).days, "pieces": _clean(round(float(p), 2))}
                    for d, p in sorted(h.days)
                    if start <= d < end and float(p) > 0
                ],
            }
        )
    instance = {
        "format": INSTANCE_FORMAT,
        "horizon": {"start": start.isoformat(), "days": days},
        "stations": [{"id": sid(s.id), "name": s.name, "district": s.district} for s in stations],
        "workers": out_workers,
        "orders": out_orders,
        "pinned": pinned,
        "objective": ["on_time", "fairness", "travel"],
    }
    if out_held:
        instance["held"] = out_held
    return instance, lot_map, dropped


def lot_index(lot_map: Mapping[str, Sequence[int]]) -> dict[int, LotRef]:
    return {lot_id: LotRef(key, k) for key, ids in lot_map.items() for k, lot_id in enumerate(ids)}


def lot_id_of(lot_map: Mapping[str, Sequence[int]], order_key: str, k: int) -> int | None:
    ids = lot_map.get(order_key)
    if ids is None or not 0 <= k < len(ids):
        return None
    return int(ids[k])


def order_id_of(order_key: str) -> int:
    """The database order id in ``O12``, ``O12-S3`` or ``O12~40``."""
    m = re.match(r"O(\d+)", order_key)
    if m is None:
        raise ValueError(order_key)
    return int(m.group(1))


def offered_hours(instance: Mapping[str, Any]) -> float:
    return sum(float(h) for w in instance.get("workers", []) for h in w.get("hours", []))


def check_runnable(instance: Mapping[str, Any]) -> None:
    """Refuse a run with nothing to plan or nobody to plan for, in words the organiser understands."""
    from flask_babel import gettext as _

    if not instance["orders"]:
        raise PlanningError(
            "no_orders",
            _(
                "There is nothing to plan: no accepted order has lots at this station that are not yet "
                "with a worker. Take an order on first."
            ),
        )
    if not instance["workers"] or offered_hours(instance) <= 0:
        raise PlanningError(
            "no_hours",
            _(
                "There is nobody to plan for: no active worker offers hours in these days. "
                "Ask the workers for their hours first."
            ),
        )


# ------------------------------------------------------------------ plan <-> previous plan


def translate_plan(
    plan: Mapping[str, Any] | None, from_map: Mapping[str, Sequence[int]], to_map: Mapping[str, Sequence[int]]
) -> dict[str, Any] | None:
    """Rewrite a plan of one run in another run's lot numbering (for the engine's `previous_plan`);
    lots the other run does not hold are left out."""
    if not plan:
        return None
    to_index = lot_index(to_map)
    out = []
    for a in plan.get("assignments", []):
        lot_id = lot_id_of(from_map, a["order"], a["lot"])
        ref = to_index.get(lot_id) if lot_id is not None else None
        if ref is not None:
            out.append({"order": ref.order_key, "lot": ref.k, "worker": a["worker"]})
    return {"format": PLAN_FORMAT, "assignments": out, "unassigned": []}


def plan_from_holders(
    holders: Mapping[int, int], lot_map: Mapping[str, Sequence[int]]
) -> dict[str, Any] | None:
    """A previous plan made of who holds each lot now (lot id -> worker id), to stay close to it."""
    index = lot_index(lot_map)
    out = [
        {"order": index[lot_id].order_key, "lot": index[lot_id].k, "worker": wid(worker_id)}
        for lot_id, worker_id in sorted(holders.items())
        if lot_id in index
    ]
    return {"format": PLAN_FORMAT, "assignments": out, "unassigned": []} if out else None


def holders(plan: Mapping[str, Any] | None, lot_map: Mapping[str, Sequence[int]]) -> dict[int, int]:
    """lot id -> worker id of the plan's assignments."""
    out: dict[int, int] = {}
    for a in (plan or {}).get("assignments", []):
        lot_id = lot_id_of(lot_map, a["order"], a["lot"])
        if lot_id is not None:
            out[lot_id] = id_number(a["worker"])
    return out


# ------------------------------------------------------------------ review


@dataclass
class WorkerLine:
    worker_id: int
    lots: list[int] = field(default_factory=list)  # lot ids
    pieces: int = 0
    pieces_by_day: list[float] = field(default_factory=list)
    earnings_units: int = 0
    hours_used: float = 0.0
    hours_offered: float = 0.0
    travel_minutes: float = 0.0
    priority: bool = False
    station_id: int = 0

    @property
    def usage(self) -> float:
        return self.hours_used / self.hours_offered if self.hours_offered > 0 else 0.0

    whole_by_day: list[int] = field(default_factory=list)  # pieces per day as shown: whole pieces
    idle_reason: str = ""  # for a worker without work: one of IDLE_REASONS

    @property
    def earnings_per_hour_units(self) -> float:
        """Planned earnings divided by all the hours offered (not a wage: most offered hours stay free)."""
        return self.earnings_units / self.hours_offered if self.hours_offered > 0 else 0.0

    @property
    def idle(self) -> bool:
        """Could have taken some lot (see `IDLE_REASONS`) but the plan gives nothing."""
        return not self.lots and self.idle_reason == COULD_WORK


# Why a worker has no work in a plan. Only COULD_WORK counts as "could work but gets none": the worker
# offers hours and could finish at least one lot of some open order alone by its due day (the engine's
# `eligible_workers`, the same definition as the plan's figure `eligible_without_work`).
COULD_WORK = "could_work"
NO_HOURS = "no_hours"
NO_SKILL = "no_skill"
TOO_FEW_HOURS = "too_few_hours"
IDLE_REASONS = (COULD_WORK, NO_HOURS, NO_SKILL, TOO_FEW_HOURS)


@dataclass
class OrderLine:
    order_id: int
    due_date: date
    lots: int = 0
    placed_lots: int = 0
    pieces: int = 0
    placed_pieces: int = 0
    last_day: int | None = None  # horizon day the last planned piece is made
    late_pieces: int = 0


@dataclass
class Unplaced:
    lot_id: int
    order_key: str
    k: int
    code: str
    params: dict[str, Any]
    reason: str


@dataclass
class Review:
    start: date
    days: int
    workers: dict[int, WorkerLine]
    orders: dict[int, OrderLine]
    unplaced: list[Unplaced]
    stats: dict[str, Any]

    def day(self, n: int) -> date:
        return self.start + timedelta(days=n)

    @property
    def idle_count(self) -> int:
        """Workers who could work but get none (COULD_WORK without a lot)."""
        return sum(1 for w in self.workers.values() if w.idle)


def whole_days(days: Sequence[tuple[int, float]], total: int) -> list[tuple[int, int]]:
    """A lot's pieces per day in whole pieces for showing: each day rounded down, then the pieces still
    missing go one each to the days with the largest remainders (the earlier day on a tie), so the days
    still add up to the lot's `total`. Days that round to nothing are left out."""
    merged: dict[int, float] = defaultdict(float)
    for day, pieces in days:
        merged[day] += float(pieces)
    items = sorted(merged.items())
    floors = [math.floor(p + 1e-9) for _, p in items]
    missing = total - sum(floors)
    order = sorted(range(len(items)), key=lambda i: (-(items[i][1] - floors[i]), items[i][0]))
    for i in order[: max(0, missing)]:
        floors[i] += 1
    return [(items[i][0], floors[i]) for i in range(len(items)) if floors[i] > 0]


def day_spans(days: Iterable[tuple[date, int]]) -> list[tuple[date, date, int]]:
    """Days with whole pieces, shortened for reading: back-to-back days with the same pieces become one span
    (first day, last day, pieces a day). Days with no pieces are left out."""
    spans: list[tuple[date, date, int]] = []
    for day, n in sorted(days):
        if n <= 0:
            continue
        if spans and spans[-1][2] == n and spans[-1][1] + timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day, n)
        else:
            spans.append((day, day, n))
    return spans


def idle_reasons(instance: Mapping[str, Any]) -> dict[int, str]:
    """worker id -> why the worker could or could not take a lot of this instance (see IDLE_REASONS)."""
    inst = parse_instance(instance)
    could = set(eligible_workers(inst))
    out: dict[int, str] = {}
    for wi, w in enumerate(inst.workers):
        if wi in could:
            reason = COULD_WORK
        elif w.offered_hours <= 0:
            reason = NO_HOURS
        elif not any(
            w.speed.get(o.skill, 0) > 0 and inst.fetch_station(w, o) is not None for o in inst.orders
        ):
            reason = NO_SKILL
        else:
            reason = TOO_FEW_HOURS
        out[id_number(w.id)] = reason
    return out


def review(
    instance: Mapping[str, Any],
    plan: Mapping[str, Any],
    lot_map: Mapping[str, Sequence[int]],
    rates: Mapping[int, int],
    due_dates: Mapping[int, date],
    *,
    station_id: int | None = None,
) -> Review:
    """The figures of the review page. `rates`: order id -> rate units; `due_dates`: order id -> due date.
    With `station_id` (a station looking at a city run), only the work fetched from that station."""
    start = date.fromisoformat(instance["horizon"]["start"])
    days = int(instance["horizon"]["days"])
    orders_by_key = {o["id"]: o for o in instance["orders"]}
    mine = sid(station_id) if station_id is not None else None
    workers: dict[int, WorkerLine] = {}
    for w in instance["workers"]:
        workers[id_number(w["id"])] = WorkerLine(
            worker_id=id_number(w["id"]),
            pieces_by_day=[0.0] * days,
            whole_by_day=[0] * days,
            hours_offered=sum(float(h) for h in w["hours"]),
            priority=bool(w.get("priority")),
            station_id=id_number(w["station"]),
        )
    speeds = {id_number(w["id"]): w["speed"] for w in instance["workers"]}
    reach = {id_number(w["id"]): (w["station"], w.get("reach", {})) for w in instance["workers"]}
    orders: dict[int, OrderLine] = {}
    for key, o in orders_by_key.items():
        if mine is not None and mine not in o["stations"]:
            continue
        oid = order_id_of(key)
        line = orders.setdefault(oid, OrderLine(oid, due_dates.get(oid, start)))
        line.lots += len(lot_map.get(key, []))
        line.pieces += int(o["quantity"])
    for a in plan.get("assignments", []):
        o = orders_by_key[a["order"]]
        if mine is not None and a["station"] != mine:
            continue
        worker_id = id_number(a["worker"])
        line_w = workers[worker_id]
        lot_id = lot_id_of(lot_map, a["order"], a["lot"])
        if lot_id is not None:
            line_w.lots.append(lot_id)
        oid = order_id_of(a["order"])
        line_w.pieces += int(a["pieces"])
        line_w.earnings_units += int(a["pieces"]) * rates.get(oid, o["piece_rate_fen"] * 100)
        speed = float(speeds[worker_id][o["skill"]])
        home, far = reach[worker_id]
        line_w.travel_minutes += 0 if a["station"] == home else float(far.get(a["station"], 0))
        last = 0
        for d in a["days"]:
            line_w.pieces_by_day[d["day"]] += float(d["pieces"])
            line_w.hours_used += float(d["pieces"]) / speed
            if d["pieces"] > 0:
                last = max(last, d["day"])
        for d, n in whole_days([(d["day"], d["pieces"]) for d in a["days"]], int(a["pieces"])):
            line_w.whole_by_day[d] += n
        line_o = orders[oid]
        line_o.placed_lots += 1
        line_o.placed_pieces += int(a["pieces"])
        line_o.last_day = last if line_o.last_day is None else max(line_o.last_day, last)
        if start + timedelta(days=last) > line_o.due_date:
            line_o.late_pieces += int(a["pieces"])
    unplaced = []
    for u in plan.get("unassigned", []):
        if mine is not None and mine not in orders_by_key[u["order"]]["stations"]:
            continue
        lot_id = lot_id_of(lot_map, u["order"], u["lot"])
        unplaced.append(
            Unplaced(
                lot_id=lot_id or 0,
                order_key=u["order"],
                k=u["lot"],
                code=str(u.get("code", "")),
                params=dict(u.get("params", {})),
                reason=str(u.get("reason", "")),
            )
        )
    reasons = idle_reasons(instance)
    for worker_id, line_w in workers.items():
        line_w.idle_reason = reasons.get(worker_id, NO_SKILL)
    if mine is not None:
        workers = {k: v for k, v in workers.items() if v.lots or v.station_id == station_id}
    return Review(start, days, workers, orders, unplaced, dict(plan.get("stats", {})))


def bound_gap_percent(stats: Mapping[str, Any]) -> int | None:
    """How far, at most, the plan is from the best possible on-time work, in whole per cent (rounded up)."""
    ratio = stats.get("bound_ratio")
    if ratio is None:
        return None
    gap = max(0.0, 1.0 - float(ratio)) * 100
    return 0 if gap < 0.5 else math.ceil(gap)


# ------------------------------------------------------------------ moving a lot by hand


@dataclass(frozen=True)
class MoveProblem:
    """Why a hand move breaks a hard rule: `rule` names it; params fill the message."""

    rule: str
    params: dict[str, Any]


def _day_load(
    plan: Mapping[str, Any], inst: Instance, worker: str, skip: tuple[str, int] | None
) -> list[float]:
    """Hours the worker already has on each day, without the lot `skip`."""
    w = inst.workers[inst.worker_index[worker]]
    load = [0.0] * inst.days
    for a in plan.get("assignments", []):
        if a["worker"] != worker or (a["order"], a["lot"]) == skip:
            continue
        o = inst.orders[inst.order_index[a["order"]]]
        speed = w.speed.get(o.skill, 0.0)
        for d in a["days"]:
            load[d["day"]] += float(d["pieces"]) / speed if speed > 0 else 0.0
    return load


def _clean(x: float) -> float | int:
    r = round(x)
    return int(r) if abs(x - r) < 1e-9 else round(x, 4)


def move_lot(
    instance_data: Mapping[str, Any], plan: Mapping[str, Any], order_key: str, k: int, worker: str
) -> tuple[dict[str, Any], MoveProblem | None]:
    """Give lot `k` of `order_key` to `worker`, laid over the worker's free hours earliest first.

    Returns the new plan and None, or the unchanged plan and the first hard rule the move breaks (checked
    with the engine's own `check_plan` on the changed plan)."""
    inst = parse_instance(instance_data)
    if order_key not in inst.order_index or worker not in inst.worker_index:
        return dict(plan), MoveProblem("unknown", {})
    o = inst.orders[inst.order_index[order_key]]
    w = inst.workers[inst.worker_index[worker]]
    if not 0 <= k < o.n_lots:
        return dict(plan), MoveProblem("unknown", {})
    size = o.lot_pieces(k)
    current = next((a for a in plan["assignments"] if (a["order"], a["lot"]) == (order_key, k)), None)
    if current is not None and current["worker"] == worker:
        return dict(plan), MoveProblem("same_worker", {})
    fetch = inst.fetch_station(w, o)
    speed = w.speed.get(o.skill, 0.0)
    load = _day_load(plan, inst, worker, (order_key, k))
    days: list[dict[str, Any]] = []
    left = float(size)
    free_before_due = 0.0
    if speed > 0:
        for day in range(o.due_day + 1):
            free = max(0.0, w.hours[day] - load[day])
            free_before_due += free
            if left <= 1e-9 or free <= HOUR_EPS:
                continue
            pieces = min(left, free * speed)
            days.append({"day": day, "pieces": _clean(pieces)})
            left -= pieces
        if left > 1e-6:  # not enough time: what is left lands on the due day, which check_plan refuses
            days.append({"day": o.due_day, "pieces": _clean(left)})
    else:
        days.append({"day": 0, "pieces": size})
    # make the pieces add up exactly after rounding
    total = sum(d["pieces"] for d in days)
    if days and abs(total - size) > 1e-9:
        days[-1]["pieces"] = _clean(days[-1]["pieces"] + size - total)
    merged: dict[int, float] = defaultdict(float)
    for d in days:
        merged[d["day"]] += d["pieces"]
    new_assignment = {
        "order": order_key,
        "lot": k,
        "worker": worker,
        "station": fetch[0] if fetch else o.stations[0],
        "pieces": size,
        "days": [{"day": d, "pieces": _clean(p)} for d, p in sorted(merged.items())],
    }
    assignments = [a for a in plan["assignments"] if (a["order"], a["lot"]) != (order_key, k)]
    assignments.append(new_assignment)
    assignments.sort(key=lambda a: (a["worker"], a["order"], a["lot"]))
    unassigned = [u for u in plan.get("unassigned", []) if (u["order"], u["lot"]) != (order_key, k)]
    changed = {**plan, "assignments": assignments, "unassigned": unassigned}
    if inst.held:  # the lots kept with their workers fit into what the move leaves them
        changed["kept"] = kept_lots(inst, assignments)
    result = check_plan(inst, changed)
    if result.valid:
        stats = dict(plan.get("stats", {}))
        stats.update(result.figures)
        if stats.get("upper_bound"):
            stats["bound_ratio"] = stats["weighted_on_time"] / stats["upper_bound"]
        changed["stats"] = stats
        return changed, None
    mine = [
        e
        for e in result.errors
        if f"{order_key} lot {k}" in e or f"worker {worker}" in e or "assignments[" in e
    ]
    first = (mine or result.errors)[0]
    need = size / speed if speed > 0 else 0.0
    params = {
        "skill": o.skill,
        "need": round(need, 1),
        "free": round(free_before_due, 1),
        "due_day": o.due_day,
        "station": o.stations[0],
        "detail": first,
    }
    if "no skill" in first:
        return dict(plan), MoveProblem("no_skill", params)
    if "cannot reach" in first or "does not hold material" in first:
        return dict(plan), MoveProblem("no_reach", params)
    if "pinned[" in first:
        pin = next(p for p in inst.pinned if (p.order, p.lot) == (order_key, k))
        params["pinned_to"] = pin.worker
        return dict(plan), MoveProblem("pinned", params)
    if "hours planned" in first or "planned later" in first:
        return dict(plan), MoveProblem("no_time", params)
    return dict(plan), MoveProblem("other", params)


# ------------------------------------------------------------------ pins that cannot hold

_PIN_RE = re.compile(r"pinned\[(\d+)\]")


def failing_pins(message: str) -> list[int]:
    """The pin numbers an engine InstanceError names."""
    return [int(x) for x in _PIN_RE.findall(message)]


def pin_problem_kind(message: str) -> str:
    if "no skill" in message:
        return "no_skill"
    if "no reachable station" in message:
        return "no_reach"
    if "cannot finish the pinned lots" in message:
        return "too_many"
    if "needs" in message and "offered" in message:
        return "no_time"
    return "other"


def validate(instance: Mapping[str, Any]) -> None:
    """Raise InstanceError when the engine would refuse the instance (a pin that cannot hold, say)."""
    parse_instance(instance)


# ------------------------------------------------------------------ comparing two runs


@dataclass
class Change:
    lot_id: int
    before: int | None  # worker id, None = not placed
    after: int | None


def compare(
    plan_a: Mapping[str, Any] | None,
    map_a: Mapping[str, Sequence[int]],
    plan_b: Mapping[str, Any] | None,
    map_b: Mapping[str, Sequence[int]],
) -> list[Change]:
    """Lots whose worker differs between two plans (placed, unplaced, or given to someone else)."""
    a, b = holders(plan_a, map_a), holders(plan_b, map_b)
    lots = set(a) | set(b)
    lots |= {x for ids in map_a.values() for x in ids} & {x for ids in map_b.values() for x in ids}
    return [Change(lot, a.get(lot), b.get(lot)) for lot in sorted(lots) if a.get(lot) != b.get(lot)]
