"""Check a plan against its instance (the validity rules of FORMAT.md) and compute its figures.

``check_plan(instance, plan) -> CheckResult(valid, errors, figures)``. It recomputes everything from the
instance and the plan's assignments alone, without the solver's model, so it can judge any plan.

Figures: ``on_time_pieces``, ``weighted_on_time``, ``travel_minutes``, ``workers_with_work``,
``assigned_lots``, ``unassigned_lots``, and the fairness figures: ``eligible_workers`` (offered hours and could
take some lot of some order alone by its due day), ``eligible_without_work``, ``priority_eligible``,
``priority_with_work``, ``earnings_fen`` and ``earnings_per_hour_gini`` (Gini coefficient of planned earnings
per offered hour over the eligible workers, 0 = all equal), and ``kept_lots``.

When the instance lists ``held`` lots, every held lot the plan does not assign must be in the plan's ``kept``
list with its worker, and its days count against that worker's hours like the plan's own lots: a plan that
leaves a held lot with its worker may not book that worker beyond their hours on any day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from factory.scheduling.instance import HOUR_EPS, PLAN_FORMAT, Instance


@dataclass
class CheckResult:
    valid: bool
    errors: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


def gini(values: list[float]) -> float:
    """Gini coefficient of non-negative values (0 when all are equal or all are zero)."""
    xs = sorted(values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    return sum((2 * (i + 1) - n - 1) * x for i, x in enumerate(xs)) / (n * total)


def eligible_workers(inst: Instance) -> list[int]:
    """Workers who offer hours and could finish some lot of some order alone by its due day."""
    by_skill: dict[str, list[int]] = defaultdict(list)
    for oi, o in enumerate(inst.orders):
        by_skill[o.skill].append(oi)
    out = []
    for wi, w in enumerate(inst.workers):
        if w.offered_hours <= 0:
            continue
        ok = False
        for skill, speed in w.speed.items():
            if speed <= 0:
                continue
            for oi in by_skill.get(skill, []):
                o = inst.orders[oi]
                if inst.fetch_station(w, o) is None:
                    continue
                smallest = o.rem if o.rem else o.lot_size
                if smallest / speed <= inst.cum_hours(w, o.due_day) + HOUR_EPS:
                    ok = True
                    break
            if ok:
                break
        if ok:
            out.append(wi)
    return out


def check_plan(inst: Instance, plan: Any) -> CheckResult:
    """Check ``plan`` (decoded plan JSON) against ``inst``; list every broken rule."""
    errors: list[str] = []
    if not isinstance(plan, dict):
        return CheckResult(False, ["plan: expected an object"])
    if plan.get("format", PLAN_FORMAT) != PLAN_FORMAT:
        errors.append(f"format: expected {PLAN_FORMAT!r}, got {plan.get('format')!r}")
    assignments = plan.get("assignments")
    unassigned = plan.get("unassigned", [])
    if not isinstance(assignments, list):
        return CheckResult(False, [*errors, "assignments: expected a list"])
    if not isinstance(unassigned, list):
        return CheckResult(False, [*errors, "unassigned: expected a list"])

    seen: dict[tuple[str, int], str] = {}
    day_hours: dict[tuple[int, int], float] = defaultdict(float)
    earnings: dict[int, int] = defaultdict(int)
    with_work: set[int] = set()
    on_time = 0
    weighted = 0.0
    travel = 0.0
    for k, a in enumerate(assignments):
        where = f"assignments[{k}]"
        if not isinstance(a, dict):
            errors.append(f"{where}: expected an object")
            continue
        oid, lot, wid, st = a.get("order"), a.get("lot"), a.get("worker"), a.get("station")
        if oid not in inst.order_index:
            errors.append(f"{where}.order: unknown order {oid!r}")
            continue
        o = inst.orders[inst.order_index[oid]]
        if not isinstance(lot, int) or isinstance(lot, bool) or not 0 <= lot < o.n_lots:
            errors.append(f"{where}.lot: order {oid} has lots 0..{o.n_lots - 1}, got {lot!r}")
            continue
        if (oid, lot) in seen:
            errors.append(f"{where}: {oid} lot {lot} assigned twice ({seen[oid, lot]})")
            continue
        seen[oid, lot] = where
        if wid not in inst.worker_index:
            errors.append(f"{where}.worker: unknown worker {wid!r}")
            continue
        wi = inst.worker_index[wid]
        w = inst.workers[wi]
        size = o.lot_pieces(lot)
        if a.get("pieces") != size:
            errors.append(
                f"{where}.pieces: {oid} lot {lot} holds {size} pieces, plan says {a.get('pieces')!r}"
            )
        speed = w.speed.get(o.skill, 0.0)
        if speed <= 0:
            errors.append(f"{where}: worker {wid} has no skill {o.skill}")
            continue
        if st not in o.stations:
            errors.append(f"{where}.station: {st!r} does not hold material of {oid}")
        elif st != w.station and st not in w.reach:
            errors.append(f"{where}.station: worker {wid} cannot reach {st}")
        else:
            travel += 0.0 if st == w.station else float(w.reach[st])
        days = a.get("days")
        if not isinstance(days, list) or not days:
            errors.append(f"{where}.days: expected a non-empty list")
            continue
        total = 0.0
        late = False
        bad = False
        for j, d in enumerate(days):
            day, pcs = (d.get("day"), d.get("pieces")) if isinstance(d, dict) else (None, None)
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day < inst.days:
                errors.append(f"{where}.days[{j}].day: expected a day 0..{inst.days - 1}, got {day!r}")
                bad = True
                continue
            if not isinstance(pcs, int | float) or isinstance(pcs, bool) or pcs < 0:
                errors.append(f"{where}.days[{j}].pieces: expected a non-negative number, got {pcs!r}")
                bad = True
                continue
            total += pcs
            day_hours[wi, day] += pcs / speed
            if day > o.due_day and pcs > 0:
                late = True
        if bad:
            continue
        if abs(total - size) > 1e-6:
            errors.append(f"{where}.days: pieces add up to {total:g}, the lot holds {size}")
        if late:
            errors.append(f"{where}: {oid} lot {lot} is due on day {o.due_day} but planned later")
        on_time += size
        weighted += size * o.weight
        earnings[wi] += size * o.piece_rate_fen
        with_work.add(wi)
    kept = plan.get("kept", [])
    if not isinstance(kept, list):
        errors.append("kept: expected a list")
        kept = []
    held = {(h.order, h.lot): h for h in inst.held}
    kept_seen: set[tuple[str, int]] = set()
    for k, e in enumerate(kept):
        where = f"kept[{k}]"
        if not isinstance(e, dict):
            errors.append(f"{where}: expected an object")
            continue
        key = (e.get("order"), e.get("lot"))
        h = held.get(key)  # type: ignore[arg-type]
        if h is None:
            errors.append(f"{where}: {key[0]} lot {key[1]} is not a held lot")
            continue
        if key in seen:
            errors.append(f"{where}: {h.order} lot {h.lot} is also assigned")
            continue
        if key in kept_seen:
            errors.append(f"{where}: {h.order} lot {h.lot} is kept twice")
            continue
        kept_seen.add(key)  # type: ignore[arg-type]
        if e.get("worker") != h.worker:
            errors.append(
                f"{where}.worker: {h.order} lot {h.lot} is held by {h.worker}, plan has {e.get('worker')!r}"
            )
            continue
        wi = inst.worker_index[h.worker]
        speed = inst.workers[wi].speed.get(inst.orders[inst.order_index[h.order]].skill, 0.0)
        days = e.get("days")
        rest = e.get("unscheduled", 0)
        if (
            not isinstance(days, list)
            or not isinstance(rest, int | float)
            or isinstance(rest, bool)
            or rest < 0
        ):
            errors.append(f"{where}: expected days (a list) and unscheduled (a non-negative number)")
            continue
        total = float(rest)
        for j, d in enumerate(days):
            day, pcs = (d.get("day"), d.get("pieces")) if isinstance(d, dict) else (None, None)
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day < inst.days:
                errors.append(f"{where}.days[{j}].day: expected a day 0..{inst.days - 1}, got {day!r}")
                continue
            if not isinstance(pcs, int | float) or isinstance(pcs, bool) or pcs < 0:
                errors.append(f"{where}.days[{j}].pieces: expected a non-negative number, got {pcs!r}")
                continue
            if pcs > 0 and speed <= 0:
                errors.append(f"{where}: worker {h.worker} has no skill for {h.order}")
                break
            total += pcs
            if pcs > 0:
                day_hours[wi, day] += pcs / speed
        if abs(total - h.pieces) > 1e-6:
            errors.append(f"{where}: days and unscheduled add up to {total:g}, the worker holds {h.pieces:g}")
    for i, h in enumerate(inst.held):
        if (h.order, h.lot) not in seen and (h.order, h.lot) not in kept_seen:
            errors.append(f"held[{i}]: {h.order} lot {h.lot} is neither assigned nor kept with {h.worker}")

    for (wi, day), used in sorted(day_hours.items()):
        w = inst.workers[wi]
        if used > w.hours[day] + HOUR_EPS:
            errors.append(f"worker {w.id} day {day}: {used:.6f} hours planned, {w.hours[day]:g} offered")

    listed: set[tuple[str, int]] = set()
    for k, u in enumerate(unassigned):
        if not isinstance(u, dict) or not isinstance(u.get("reason"), str) or not u.get("reason"):
            errors.append(f"unassigned[{k}]: expected an object with order, lot and reason")
            continue
        key = (u.get("order"), u.get("lot"))
        if key in seen:
            errors.append(f"unassigned[{k}]: {key[0]} lot {key[1]} is also assigned")
        listed.add(key)  # type: ignore[arg-type]
    for o in inst.orders:
        for lot in range(o.n_lots):
            if (o.id, lot) not in seen and (o.id, lot) not in listed:
                errors.append(f"order {o.id} lot {lot}: neither assigned nor listed as unassigned")
    for i, pin in enumerate(inst.pinned):
        got = next(
            (
                a.get("worker")
                for a in assignments
                if isinstance(a, dict) and (a.get("order"), a.get("lot")) == (pin.order, pin.lot)
            ),
            None,
        )
        if got != pin.worker:
            errors.append(f"pinned[{i}]: {pin.order} lot {pin.lot} must go to {pin.worker}, plan has {got!r}")

    elig = eligible_workers(inst)
    prio = [wi for wi in elig if inst.workers[wi].priority]
    figures: dict[str, Any] = {
        "on_time_pieces": on_time,
        "weighted_on_time": weighted,
        "travel_minutes": travel,
        "workers_with_work": len(with_work),
        "assigned_lots": len(seen),
        "unassigned_lots": sum(o.n_lots for o in inst.orders) - len(seen),
        "eligible_workers": len(elig),
        "eligible_without_work": sum(1 for wi in elig if wi not in with_work),
        "priority_eligible": len(prio),
        "priority_with_work": sum(1 for wi in prio if wi in with_work),
        "earnings_fen": sum(earnings.values()),
        "earnings_per_hour_gini": gini([earnings[wi] / inst.workers[wi].offered_hours for wi in elig]),
        "kept_lots": len(kept_seen),
    }
    return CheckResult(not errors, errors, figures)
