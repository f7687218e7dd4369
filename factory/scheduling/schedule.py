"""From lot counts to a plan: lot numbers, pieces per day, reasons for unplaced lots.

``number_lots`` hands out lot numbers: pinned lots first, then each held lot to the worker who holds it, then
each lot to the worker who had it in the previous plan (if that worker still gets a lot of the order), then the
remaining numbers in order. ``daily_pieces`` lays each worker's lots over the days earliest due first
(fractional pieces allowed), which is the worker's "today: 90 pieces"; a held lot that stays with its worker
first keeps the days that worker was told, where they still fit and nothing ends late (``told_first``). ``unassigned_reason`` explains a lot that was not placed, with a machine ``code`` and its
params so the web app can translate it. ``kept_lots`` fits the held lots a plan does not place into their
workers' hours left over by the plan.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from factory.scheduling.instance import HOUR_EPS, Held, Instance
from factory.scheduling.problem import Problem

Alloc = dict[int, tuple[int, bool]]  # pair id -> (full lots, remainder lot)


def number_lots(prob: Problem, alloc: Alloc) -> dict[tuple[int, int], int]:
    """Return ``(order index, lot) -> worker index`` for the allocated lots."""
    inst = prob.inst
    want_full: dict[int, dict[int, int]] = defaultdict(dict)  # order -> worker -> full lots still to number
    want_rem: dict[int, int] = {}  # order -> worker with the remainder lot
    for pid, (f, r) in alloc.items():
        p = prob.pairs[pid]
        if f:
            want_full[p.o][p.w] = f
        if r:
            want_rem[p.o] = p.w
    result: dict[tuple[int, int], int] = {}
    for oi, o in enumerate(inst.orders):
        if oi in want_rem:
            result[oi, o.n_full] = want_rem[oi]
    pinned_lots: set[tuple[int, int]] = set()
    for pin in inst.pinned:
        oi = inst.order_index[pin.order]
        wi = inst.worker_index[pin.worker]
        pinned_lots.add((oi, pin.lot))
        if pin.lot < inst.orders[oi].n_full:
            result[oi, pin.lot] = wi
            want_full[oi][wi] -= 1
    held = {(inst.order_index[h.order], h.lot): inst.worker_index[h.worker] for h in inst.held}
    for (oi, lot), wi in [*sorted(held.items()), *sorted(prob.previous.items())]:
        if (oi, lot) in pinned_lots or (oi, lot) in result or lot >= inst.orders[oi].n_full:
            continue
        if want_full[oi].get(wi, 0) > 0:
            result[oi, lot] = wi
            want_full[oi][wi] -= 1
    for oi, per_worker in want_full.items():
        free = (lot for lot in range(inst.orders[oi].n_full) if (oi, lot) not in result)
        for wi in sorted(per_worker):
            for _ in range(per_worker[wi]):
                result[oi, next(free)] = wi
    return result


def _clean(x: float) -> float | int:
    r = round(x)
    if abs(x - r) < 1e-9:
        return int(r)
    return round(x, 9)


def _add_dust(days: list[list[float]], due_day: int, pieces: float) -> None:
    """Add a rounding speck of a lot to its last planned day (its due day if it has none yet)."""
    if days:
        days[-1][1] += pieces
    else:
        days.append([float(due_day), pieces])


def daily_pieces(
    inst: Instance, wi: int, lots: list[tuple[int, int]]
) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Spread one worker's lots ``(order index, lot)`` over the days, earliest due first."""
    w = inst.workers[wi]
    todo = sorted(lots, key=lambda ol: (inst.orders[ol[0]].due_day, inst.orders[ol[0]].id, ol[1]))
    out: dict[tuple[int, int], list[dict[str, Any]]] = {}
    k = 0
    left = float(inst.orders[todo[0][0]].lot_pieces(todo[0][1])) if todo else 0.0
    raw: dict[tuple[int, int], list[list[float]]] = {ol: [] for ol in todo}
    for day in range(inst.days):
        hours = w.hours[day]
        while k < len(todo):
            oi, lot = todo[k]
            o = inst.orders[oi]
            speed = w.speed[o.skill]
            if day > o.due_day:
                # Only rounding dust can be left here (the models keep the hours); it goes on the lot's last
                # planned day, never on a day of its own (which may be a day the worker offers no hours).
                _add_dust(raw[todo[k]], o.due_day, left)
                left = 0.0
            elif hours > 1e-12:
                take = min(left, hours * speed)
                if take > 0:
                    raw[todo[k]].append([float(day), take])
                    left -= take
                    hours -= take / speed
            if left <= 1e-9:
                if left > 0 and raw[todo[k]]:
                    raw[todo[k]][-1][1] += left
                k += 1
                if k < len(todo):
                    left = float(inst.orders[todo[k][0]].lot_pieces(todo[k][1]))
                continue
            break
    while k < len(todo):  # lots due on the last day that rounding left a speck of
        oi, lot = todo[k]
        _add_dust(raw[todo[k]], inst.orders[oi].due_day, left)
        k += 1
        if k < len(todo):
            left = float(inst.orders[todo[k][0]].lot_pieces(todo[k][1]))
    for (oi, lot), days in raw.items():
        total = inst.orders[oi].lot_pieces(lot)
        merged: dict[int, float] = {}
        for d, pcs in days:
            merged[int(d)] = merged.get(int(d), 0.0) + pcs
        items = sorted(merged.items())
        cleaned: list[dict[str, Any]] = []
        acc = 0.0
        for j, (d, pcs) in enumerate(items):
            val = _clean(total - acc) if j == len(items) - 1 else _clean(pcs)
            acc += float(val)
            if val > 0:
                cleaned.append({"day": d, "pieces": val})
        out[oi, lot] = cleaned
    return out


def told_first(
    inst: Instance,
    wi: int,
    lots: list[tuple[int, int]],
    told: dict[tuple[int, int], tuple[tuple[int, float], ...]],
) -> dict[tuple[int, int], list[dict[str, Any]]] | None:
    """Like ``daily_pieces``, but the lots in ``told`` (held lots staying with this worker) first keep the days
    the worker was told, as far as those days have hours and lie before the lot's due day; everything else
    then goes earliest due first into the hours left. None when that would finish some lot after its due
    day (the caller then uses ``daily_pieces``, which the models' hours guarantee)."""
    w = inst.workers[wi]
    free = list(w.hours)
    size = {ol: float(inst.orders[ol[0]].lot_pieces(ol[1])) for ol in lots}
    left = dict(size)
    made: dict[tuple[int, int], dict[int, float]] = {ol: defaultdict(float) for ol in lots}

    def due(ol: tuple[int, int]) -> int:
        return inst.orders[ol[0]].due_day

    def speed(ol: tuple[int, int]) -> float:
        return w.speed[inst.orders[ol[0]].skill]

    order = sorted(lots, key=lambda ol: (due(ol), inst.orders[ol[0]].id, ol[1]))
    for ol in order:
        for day, pieces in told.get(ol, ()):
            take = min(float(pieces), left[ol], free[day] * speed(ol))
            if day <= due(ol) and take > 1e-9:
                made[ol][day] += take
                left[ol] -= take
                free[day] -= take / speed(ol)
    for ol in order:
        for day in range(due(ol) + 1):
            if left[ol] <= 1e-9:
                break
            take = min(left[ol], free[day] * speed(ol))
            if take > 1e-9:
                made[ol][day] += take
                left[ol] -= take
                free[day] -= take / speed(ol)
        if left[ol] > 1e-6:
            return None
    out: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for ol in order:
        items = sorted((d, p) for d, p in made[ol].items() if p > 1e-9)
        cleaned: list[dict[str, Any]] = []
        acc = 0.0
        for j, (d, pcs) in enumerate(items):
            val = _clean(size[ol] - acc) if j == len(items) - 1 else _clean(pcs)
            acc += float(val)
            if val > 0:
                cleaned.append({"day": d, "pieces": val})
        out[ol] = cleaned
    return out


def unassigned_reason(
    inst: Instance, oi: int, lot: int, skill_workers: dict[str, list[int]]
) -> dict[str, Any]:
    """Explain why lot ``lot`` of order ``oi`` has no worker: the first of the four codes that applies."""
    o = inst.orders[oi]
    base: dict[str, Any] = {"order": o.id, "lot": lot}
    with_skill = [wi for wi in skill_workers.get(o.skill, []) if inst.workers[wi].offered_hours > 0]
    if not with_skill:
        return base | {
            "code": "no_skill",
            "params": {"skill": o.skill},
            "reason": f"no worker with hours to offer has skill {o.skill}",
        }
    reaching = [wi for wi in with_skill if inst.fetch_station(inst.workers[wi], o) is not None]
    if not reaching:
        return base | {
            "code": "no_reachable_station",
            "params": {"skill": o.skill, "stations": list(o.stations)},
            "reason": f"no worker with skill {o.skill} can reach station {', '.join(o.stations)}",
        }
    if not any(inst.lot_fits(inst.workers[wi], o, lot) for wi in reaching):
        return base | {
            "code": "no_time_before_due",
            "params": {"skill": o.skill, "due_day": o.due_day, "pieces": o.lot_pieces(lot)},
            "reason": f"no worker with skill {o.skill} has time before day {o.due_day}",
        }
    return base | {
        "code": "not_chosen",
        "params": {"skill": o.skill, "due_day": o.due_day},
        "reason": f"the hours of workers with skill {o.skill} up to day {o.due_day} went to other lots",
    }


def build_assignments(prob: Problem, alloc: Alloc) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the plan's ``assignments`` and ``unassigned`` lists."""
    inst = prob.inst
    lots = number_lots(prob, alloc)
    station_of: dict[tuple[int, int], str] = {(p.w, p.o): p.station for p in prob.pairs}
    per_worker: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (oi, lot), wi in lots.items():
        per_worker[wi].append((oi, lot))
    told: dict[int, dict[tuple[int, int], tuple[tuple[int, float], ...]]] = defaultdict(dict)
    for h in inst.held:
        ol = (inst.order_index[h.order], h.lot)
        wi = inst.worker_index[h.worker]
        if lots.get(ol) == wi and h.days:
            told[wi][ol] = h.days
    days: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for wi, wl in per_worker.items():
        kept_days = told_first(inst, wi, wl, told[wi]) if told.get(wi) else None
        days.update(kept_days if kept_days is not None else daily_pieces(inst, wi, wl))
    assignments = []
    for (oi, lot), wi in sorted(lots.items()):
        o = inst.orders[oi]
        assignments.append(
            {
                "order": o.id,
                "lot": lot,
                "worker": inst.workers[wi].id,
                "station": station_of[wi, oi],
                "pieces": o.lot_pieces(lot),
                "days": days[oi, lot],
            }
        )
    skill_workers: dict[str, list[int]] = defaultdict(list)
    for wi, w in enumerate(inst.workers):
        for s, v in w.speed.items():
            if v > 0:
                skill_workers[s].append(wi)
    unassigned = []
    for oi, o in enumerate(inst.orders):
        for lot in range(o.n_lots):
            if (oi, lot) not in lots:
                unassigned.append(unassigned_reason(inst, oi, lot, skill_workers))
    return assignments, unassigned


def _hundredths(x: int) -> float | int:
    return x // 100 if x % 100 == 0 else x / 100


def kept_lots(inst: Instance, assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The held lots the plan does not place, as they stay with their workers: ``kept`` entries with the
    days each is made on, in hundredths of a piece, inside the hours the plan leaves the worker.

    A kept lot keeps the days its worker was told as far as the hours left allow (workers arrange their
    lives around those days); what no longer fits goes to the worker's free hours, earliest day first, even
    past the lot's due day. Pieces with no free hour left in the horizon are ``unscheduled``. The plan's own
    lots come first: it placed them knowing they are due; the kept lot is one it could not place.
    """
    placed = {(a["order"], a["lot"]) for a in assignments}
    load: dict[tuple[int, int], float] = defaultdict(float)  # (worker, day) -> hours
    for a in assignments:
        wi = inst.worker_index[a["worker"]]
        speed = inst.workers[wi].speed.get(inst.orders[inst.order_index[a["order"]]].skill, 0.0)
        if speed > 0:
            for d in a["days"]:
                load[wi, d["day"]] += float(d["pieces"]) / speed

    def room(wi: int, day: int, speed: float) -> int:
        """Hundredths of a piece the worker can still make that day."""
        free = inst.workers[wi].hours[day] - load[wi, day]
        return 0 if free <= HOUR_EPS else max(0, math.floor(free * speed * 100 + 1e-6))

    todo: list[Held] = sorted(
        (h for h in inst.held if (h.order, h.lot) not in placed),
        key=lambda h: (h.worker, inst.orders[inst.order_index[h.order]].due_day, h.order, h.lot),
    )
    left = {(h.order, h.lot): round(h.pieces * 100) for h in todo}
    made: dict[tuple[str, int], dict[int, int]] = {(h.order, h.lot): defaultdict(int) for h in todo}

    def take(h: Held, day: int, want: int) -> None:
        wi = inst.worker_index[h.worker]
        speed = inst.workers[wi].speed.get(inst.orders[inst.order_index[h.order]].skill, 0.0)
        n = min(want, room(wi, day, speed), left[h.order, h.lot])
        if n > 0:
            made[h.order, h.lot][day] += n
            left[h.order, h.lot] -= n
            load[wi, day] += n / 100 / speed

    usable = [
        h
        for h in todo
        if inst.workers[inst.worker_index[h.worker]].speed.get(
            inst.orders[inst.order_index[h.order]].skill, 0
        )
        > 0
    ]
    for h in usable:  # the days the worker was told, as far as they still fit
        for day, pieces in h.days:
            take(h, day, round(pieces * 100))
    for h in usable:  # the rest over the hours still free, earliest first
        for day in range(inst.days):
            if left[h.order, h.lot] <= 0:
                break
            take(h, day, left[h.order, h.lot])
    return [
        {
            "order": h.order,
            "lot": h.lot,
            "worker": h.worker,
            "pieces": _hundredths(round(h.pieces * 100)),
            "days": [
                {"day": day, "pieces": _hundredths(n)}
                for day, n in sorted(made[h.order, h.lot].items())
                if n > 0
            ],
            "unscheduled": _hundredths(left[h.order, h.lot]),
        }
        for h in todo
    ]
