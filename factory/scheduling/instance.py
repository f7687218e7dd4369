"""Read and validate an allocation instance (FORMAT.md, ``microfactory-instance/1``) into dataclasses.

``parse_instance(data)`` takes the decoded JSON and returns an :class:`Instance`, or raises
:class:`InstanceError` whose message names the offending key, e.g.
``workers[3].hours: expected 14 numbers, got 13``. Unknown keys are ignored. Pins are checked here too: a pin
that cannot hold (no skill, no reachable station, lot too long for the hours before its due day, or more pinned
work than a worker's hours) is an ``InstanceError`` naming the pin.

An instance may also list ``held`` lots (an extension of FORMAT.md v1, which tells readers to ignore keys they
do not know): lots already given out to a worker who has not fetched the material yet, with the pieces still
to make (default: the lot's) and the days the worker was told (horizon days)::

    "held": [{"order": "O1", "lot": 3, "worker": "W1", "pieces": 200,
              "days": [{"day": 0, "pieces": 100}, {"day": 1, "pieces": 100}]}]

A held lot is planned like any other, so it may go to someone else. If the plan does not place it, it stays
with its worker (unless the organiser withdraws it), so the plan must still fit it into that worker's hours:
see ``schedule.kept_lots`` and the plan's ``kept`` list.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

INSTANCE_FORMAT = "microfactory-instance/1"
PLAN_FORMAT = "microfactory-plan/1"
OBJECTIVES = ("on_time", "fairness", "travel")
# Slack for float sums of hours (FORMAT.md allows 1e-6 hour per day for rounding).
HOUR_EPS = 1e-6


class InstanceError(ValueError):
    """An instance (or a pin, or a previous plan) that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Station:
    id: str
    name: str = ""
    district: str = ""


@dataclass(frozen=True)
class Worker:
    id: str
    station: str
    speed: Mapping[str, float]
    hours: tuple[float, ...]
    reach: Mapping[str, float]
    priority: bool = False

    @property
    def offered_hours(self) -> float:
        return float(sum(self.hours))


@dataclass(frozen=True)
class Order:
    id: str
    skill: str
    quantity: int
    lot_size: int
    due_day: int
    piece_rate_fen: int
    weight: float
    stations: tuple[str, ...]

    @property
    def n_full(self) -> int:
        """Number of lots holding exactly ``lot_size`` pieces."""
        return self.quantity // self.lot_size

    @property
    def rem(self) -> int:
        """Pieces of the last, shorter lot (0 when the quantity divides evenly)."""
        return self.quantity % self.lot_size

    @property
    def n_lots(self) -> int:
        return self.n_full + (1 if self.rem else 0)

    def lot_pieces(self, lot: int) -> int:
        return min(self.lot_size, self.quantity - lot * self.lot_size)


@dataclass(frozen=True)
class Pin:
    order: str
    lot: int
    worker: str


@dataclass(frozen=True)
class Held:
    """A lot already given out to a worker (material not yet fetched) and the days the worker was told."""

    order: str
    lot: int
    worker: str
    pieces: float  # pieces still to make in the horizon, to the hundredth
    days: tuple[tuple[int, float], ...] = ()  # (horizon day, pieces) as the worker was told


@dataclass
class Instance:
    horizon_start: str
    days: int
    stations: list[Station]
    workers: list[Worker]
    orders: list[Order]
    pinned: list[Pin] = field(default_factory=list)
    objective: list[str] = field(default_factory=lambda: list(OBJECTIVES))
    held: list[Held] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.worker_index: dict[str, int] = {w.id: i for i, w in enumerate(self.workers)}
        self.order_index: dict[str, int] = {o.id: i for i, o in enumerate(self.orders)}
        self.station_index: dict[str, int] = {s.id: i for i, s in enumerate(self.stations)}

    def cum_hours(self, worker: Worker, day: int) -> float:
        """Hours the worker offers on days 0..day inclusive."""
        return float(sum(worker.hours[: day + 1]))

    def fetch_station(self, worker: Worker, order: Order) -> tuple[str, float] | None:
        """Return the station (and one-way minutes) the worker would fetch the order's material from."""
        if worker.station in order.stations:
            return worker.station, 0.0
        best: tuple[str, float] | None = None
        for s in order.stations:
            if s in worker.reach and (best is None or worker.reach[s] < best[1]):
                best = (s, float(worker.reach[s]))
        return best

    def lot_fits(self, worker: Worker, order: Order, lot: int) -> bool:
        """Whether the worker alone could finish this lot by its due day."""
        speed = worker.speed.get(order.skill, 0.0)
        if speed <= 0:
            return False
        return order.lot_pieces(lot) / speed <= self.cum_hours(worker, order.due_day) + HOUR_EPS

    def to_dict(self) -> dict[str, Any]:
        """Return the instance as FORMAT.md JSON."""
        return {
            "format": INSTANCE_FORMAT,
            "horizon": {"start": self.horizon_start, "days": self.days},
            "stations": [{"id": s.id, "name": s.name, "district": s.district} for s in self.stations],
            "workers": [
                {
                    "id": w.id,
                    "station": w.station,
                    "speed": dict(w.speed),
                    "hours": list(w.hours),
                    "reach": dict(w.reach),
                    "priority": w.priority,
                }
                for w in self.workers
            ],
            "orders": [
                {
                    "id": o.id,
                    "skill": o.skill,
                    "quantity": o.quantity,
                    "lot_size": o.lot_size,
                    "due_day": o.due_day,
                    "piece_rate_fen": o.piece_rate_fen,
                    "weight": o.weight,
                    "stations": list(o.stations),
                }
                for o in self.orders
            ],
            "pinned": [{"order": p.order, "lot": p.lot, "worker": p.worker} for p in self.pinned],
            "objective": list(self.objective),
            "held": [
                {
                    "order": h.order,
                    "lot": h.lot,
                    "worker": h.worker,
                    "pieces": h.pieces,
                    "days": [{"day": d, "pieces": p} for d, p in h.days],
                }
                for h in self.held
            ],
        }


# --- parsing helpers ----------------------------------------------------------------------------------------


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _get(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise InstanceError(f"{where}: missing required key '{key}'")
    return obj[key]


def _mapping(x: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(x, Mapping):
        raise InstanceError(f"{where}: expected an object, got {type(x).__name__}")
    return x


def _list(x: Any, where: str) -> Sequence[Any]:
    if not isinstance(x, list | tuple):
        raise InstanceError(f"{where}: expected a list, got {type(x).__name__}")
    return x


def _id(x: Any, where: str) -> str:
    if not isinstance(x, str) or not x:
        raise InstanceError(f"{where}: expected a non-empty string id, got {x!r}")
    return x


def _int(x: Any, where: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if not isinstance(x, int) or isinstance(x, bool):
        raise InstanceError(f"{where}: expected a whole number, got {x!r}")
    if lo is not None and x < lo:
        raise InstanceError(f"{where}: must be at least {lo}, got {x}")
    if hi is not None and x > hi:
        raise InstanceError(f"{where}: must be at most {hi}, got {x}")
    return x


def _num(
    x: Any, where: str, lo: float | None = None, hi: float | None = None, positive: bool = False
) -> float:
    if not _is_number(x):
        raise InstanceError(f"{where}: expected a number, got {x!r}")
    v = float(x)
    if positive and v <= 0:
        raise InstanceError(f"{where}: must be greater than 0, got {x}")
    if lo is not None and v < lo:
        raise InstanceError(f"{where}: must be at least {lo:g}, got {x}")
    if hi is not None and v > hi:
        raise InstanceError(f"{where}: must be at most {hi:g}, got {x}")
    return v


def _unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise InstanceError(f"{where}[{i}].id: duplicate id {x!r}")
        seen.add(x)


def parse_instance(data: Any) -> Instance:
    """Validate decoded instance JSON and return an :class:`Instance` (raises :class:`InstanceError`)."""
    data = _mapping(data, "instance")
    fmt = data.get("format", INSTANCE_FORMAT)
    if fmt != INSTANCE_FORMAT:
        raise InstanceError(f"format: expected {INSTANCE_FORMAT!r}, got {fmt!r}")

    horizon = _mapping(_get(data, "horizon", "instance"), "horizon")
    start = _get(horizon, "start", "horizon")
    if not isinstance(start, str):
        raise InstanceError(f"horizon.start: expected a date YYYY-MM-DD, got {start!r}")
    try:
        dt.date.fromisoformat(start)
    except ValueError:
        raise InstanceError(f"horizon.start: expected a date YYYY-MM-DD, got {start!r}") from None
    days = _int(_get(horizon, "days", "horizon"), "horizon.days", 1, 366)

    stations: list[Station] = []
    for i, s in enumerate(_list(_get(data, "stations", "instance"), "stations")):
        where = f"stations[{i}]"
        s = _mapping(s, where)
        name = s.get("name", "")
        district = s.get("district", "")
        stations.append(
            Station(
                _id(_get(s, "id", where), f"{where}.id"),
                name if isinstance(name, str) else str(name),
                district if isinstance(district, str) else str(district),
            )
        )
    _unique([s.id for s in stations], "stations")
    station_ids = {s.id for s in stations}

    workers: list[Worker] = []
    for i, w in enumerate(_list(_get(data, "workers", "instance"), "workers")):
        where = f"workers[{i}]"
        w = _mapping(w, where)
        wid = _id(_get(w, "id", where), f"{where}.id")
        station = _id(_get(w, "station", where), f"{where}.station")
        if station not in station_ids:
            raise InstanceError(f"{where}.station: unknown station {station!r}")
        speed_raw = _mapping(_get(w, "speed", where), f"{where}.speed")
        speed = {}
        for skill, v in speed_raw.items():
            speed[str(skill)] = _num(v, f"{where}.speed.{skill}", lo=0)
        hours_raw = _list(_get(w, "hours", where), f"{where}.hours")
        if len(hours_raw) != days:
            raise InstanceError(f"{where}.hours: expected {days} numbers, got {len(hours_raw)}")
        hours = tuple(_num(h, f"{where}.hours[{d}]", 0, 24) for d, h in enumerate(hours_raw))
        reach_raw = _mapping(w.get("reach", {}) or {}, f"{where}.reach")
        reach = {}
        for st, minutes in reach_raw.items():
            if st not in station_ids:
                raise InstanceError(f"{where}.reach.{st}: unknown station {st!r}")
            reach[str(st)] = _num(minutes, f"{where}.reach.{st}", lo=0)
        priority = w.get("priority", False)
        if not isinstance(priority, bool):
            raise InstanceError(f"{where}.priority: expected true or false, got {priority!r}")
        workers.append(Worker(wid, station, speed, hours, reach, priority))
    _unique([w.id for w in workers], "workers")

    orders: list[Order] = []
    for i, o in enumerate(_list(_get(data, "orders", "instance"), "orders")):
        where = f"orders[{i}]"
        o = _mapping(o, where)
        oid = _id(_get(o, "id", where), f"{where}.id")
        skill = _id(_get(o, "skill", where), f"{where}.skill")
        quantity = _int(_get(o, "quantity", where), f"{where}.quantity", 1, 10_000_000)
        lot_size = _int(_get(o, "lot_size", where), f"{where}.lot_size", 1, 10_000_000)
        due_day = _int(_get(o, "due_day", where), f"{where}.due_day", 0, days - 1)
        rate = _int(_get(o, "piece_rate_fen", where), f"{where}.piece_rate_fen", 1)
        weight = _num(o.get("weight", 1), f"{where}.weight", positive=True)
        ost = _list(_get(o, "stations", where), f"{where}.stations")
        if not ost:
            raise InstanceError(f"{where}.stations: expected at least one station")
        for k, st in enumerate(ost):
            if st not in station_ids:
                raise InstanceError(f"{where}.stations[{k}]: unknown station {st!r}")
        orders.append(Order(oid, skill, quantity, lot_size, due_day, rate, weight, tuple(ost)))
    _unique([o.id for o in orders], "orders")

    objective_raw = data.get("objective", list(OBJECTIVES))
    objective = [str(x) for x in _list(objective_raw, "objective")]
    for k, name in enumerate(objective):
        if name not in OBJECTIVES:
            raise InstanceError(
                f"objective[{k}]: unknown objective {name!r} (expected one of {', '.join(OBJECTIVES)})"
            )
    if len(set(objective)) != len(objective):
        raise InstanceError("objective: a name appears twice")

    inst = Instance(start, days, stations, workers, orders, [], objective)

    pins: list[Pin] = []
    seen_lots: dict[tuple[str, int], int] = {}
    for i, p in enumerate(_list(data.get("pinned", []) or [], "pinned")):
        where = f"pinned[{i}]"
        p = _mapping(p, where)
        oid = _id(_get(p, "order", where), f"{where}.order")
        if oid not in inst.order_index:
            raise InstanceError(f"{where}.order: unknown order {oid!r}")
        order = orders[inst.order_index[oid]]
        lot = _int(_get(p, "lot", where), f"{where}.lot", 0)
        if lot >= order.n_lots:
            raise InstanceError(f"{where}.lot: order {oid} has lots 0..{order.n_lots - 1}, got {lot}")
        wid = _id(_get(p, "worker", where), f"{where}.worker")
        if wid not in inst.worker_index:
            raise InstanceError(f"{where}.worker: unknown worker {wid!r}")
        if (oid, lot) in seen_lots:
            raise InstanceError(
                f"{where}: {oid} lot {lot} is already pinned by pinned[{seen_lots[oid, lot]}]"
            )
        seen_lots[oid, lot] = i
        pins.append(Pin(oid, lot, wid))
    inst.pinned = pins
    check_pins(inst)
    inst.held = _parse_held(data.get("held", []) or [], inst)
    return inst


def _parse_held(raw: Any, inst: Instance) -> list[Held]:
    """Read ``held``: each lot once, with a known worker, its pieces and the days the worker was told."""
    out: list[Held] = []
    seen: dict[tuple[str, int], int] = {}
    for i, h in enumerate(_list(raw, "held")):
        where = f"held[{i}]"
        h = _mapping(h, where)
        oid = _id(_get(h, "order", where), f"{where}.order")
        if oid not in inst.order_index:
            raise InstanceError(f"{where}.order: unknown order {oid!r}")
        order = inst.orders[inst.order_index[oid]]
        lot = _int(_get(h, "lot", where), f"{where}.lot", 0)
        if lot >= order.n_lots:
            raise InstanceError(f"{where}.lot: order {oid} has lots 0..{order.n_lots - 1}, got {lot}")
        wid = _id(_get(h, "worker", where), f"{where}.worker")
        if wid not in inst.worker_index:
            raise InstanceError(f"{where}.worker: unknown worker {wid!r}")
        if (oid, lot) in seen:
            raise InstanceError(f"{where}: {oid} lot {lot} is already held by held[{seen[oid, lot]}]")
        seen[oid, lot] = i
        size = order.lot_pieces(lot)
        pieces = round(_num(h.get("pieces", size), f"{where}.pieces", 0, size), 2)
        days: list[tuple[int, float]] = []
        for j, d in enumerate(_list(h.get("days", []) or [], f"{where}.days")):
            d = _mapping(d, f"{where}.days[{j}]")
            day = _int(_get(d, "day", f"{where}.days[{j}]"), f"{where}.days[{j}].day", 0, inst.days - 1)
            days.append(
                (day, _num(_get(d, "pieces", f"{where}.days[{j}]"), f"{where}.days[{j}].pieces", lo=0))
            )
        out.append(Held(oid, lot, wid, pieces, tuple(sorted(days))))
    return out


def check_pins(inst: Instance) -> None:
    """Raise :class:`InstanceError` naming the first pin that cannot hold."""
    load: dict[str, list[tuple[int, float, int]]] = {}
    for i, p in enumerate(inst.pinned):
        worker = inst.workers[inst.worker_index[p.worker]]
        order = inst.orders[inst.order_index[p.order]]
        head = f"pinned[{i}]: worker {worker.id} cannot take {order.id} lot {p.lot}"
        speed = worker.speed.get(order.skill, 0.0)
        if speed <= 0:
            raise InstanceError(f"{head}: no skill {order.skill}")
        if inst.fetch_station(worker, order) is None:
            raise InstanceError(f"{head}: no reachable station among {', '.join(order.stations)}")
        if not inst.lot_fits(worker, order, p.lot):
            need = order.lot_pieces(p.lot) / speed
            have = inst.cum_hours(worker, order.due_day)
            raise InstanceError(
                f"{head}: needs {need:.2f} hours, only {have:.2f} offered up to day {order.due_day}"
            )
        load.setdefault(worker.id, []).append((order.due_day, order.lot_pieces(p.lot) / speed, i))
    for wid, items in load.items():
        worker = inst.workers[inst.worker_index[wid]]
        total = 0.0
        for due, hours, _ in sorted(items):
            total += hours
            have = inst.cum_hours(worker, due)
            if total > have + HOUR_EPS:
                pins = ", ".join(f"pinned[{i}]" for d, _, i in sorted(items) if d <= due)
                raise InstanceError(
                    f"{pins}: worker {wid} cannot finish the pinned lots: {total:.2f} hours of work due by "
                    f"day {due}, only {have:.2f} offered"
                )
