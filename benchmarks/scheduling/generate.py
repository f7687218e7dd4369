"""Seeded instance generators in the FORMAT.md shape: station, district, city, and indivisible orders.

Workers hold one to three skills with speeds around a skill's typical pace; their hours follow a few common
patterns (school hours, evenings, full days, weekends off) with random days off; about one in eight is a
priority (hard-to-employ) resident; some reach one or two nearby stations. Orders are sized so that the
hours they need are about ``load`` times the hours offered by the workers who could take them, so some
lots are left over and choices matter.
"""

from __future__ import annotations

import math
import random
from typing import Any

SKILLS: dict[str, tuple[float, float, int]] = {
    # skill: (slowest, fastest pieces per hour, typical piece rate in fen)
    "remote_assembly": (20.0, 45.0, 35),
    "fridge_magnet": (40.0, 90.0, 15),
    "knitting": (0.3, 0.9, 2800),
    "flower_weaving": (5.0, 12.0, 90),
    "button_knots": (8.0, 15.0, 45),
    "steamed_buns": (60.0, 120.0, 12),
    "straw_weaving": (1.5, 3.0, 700),
}
DISTRICTS = ["市南区", "市北区", "李沧区", "崂山区", "黄岛区", "城阳区", "即墨区"]


def _hours(rng: random.Random, days: int) -> list[float]:
    kind = rng.random()
    out = []
    for d in range(days):
        weekend = d % 7 in (5, 6)
        if kind < 0.35:  # school hours, weekdays
            h = 0.0 if weekend else rng.choice([3, 3, 3.5, 4])
        elif kind < 0.6:  # evenings
            h = rng.choice([2, 2, 2.5, 3])
        elif kind < 0.85:  # full days, weekends off
            h = 0.0 if weekend else rng.choice([6, 7, 8])
        else:  # weekends only
            h = rng.choice([6, 8]) if weekend else 0.0
        if rng.random() < 0.08:
            h = 0.0
        out.append(float(h))
    return out


def _speed(rng: random.Random, skill: str) -> float:
    lo, hi = SKILLS[skill][:2]
    return round(rng.uniform(lo, hi), 2)


def generate(
    seed: int,
    stations: int,
    workers: int,
    orders: int,
    days: int = 14,
    load: float = 0.6,
    reach_share: float = 0.3,
) -> dict[str, Any]:
    """Return an instance dict: ``stations`` on a grid, workers spread over them, orders at 1-3 neighbours."""
    rng = random.Random(seed)
    side = max(1, math.ceil(math.sqrt(stations)))
    pos = {f"S{i + 1}": (i % side, i // side) for i in range(stations)}
    ids = list(pos)

    def near(s: str, k: int) -> list[str]:
        x, y = pos[s]
        others = sorted((abs(pos[t][0] - x) + abs(pos[t][1] - y), t) for t in ids if t != s)
        return [t for _, t in others[:k]]

    neighbours = {s: near(s, 4) for s in ids} if stations > 1 else {ids[0]: []}
    st_list = [
        {"id": s, "name": f"第{i + 1}微工厂", "district": DISTRICTS[(pos[s][0] * 7 // side) % len(DISTRICTS)]}
        for i, s in enumerate(ids)
    ]
    skills = list(SKILLS)
    wl = []
    for i in range(workers):
        home = ids[i % stations] if i < stations else rng.choice(ids)
        n_sk = rng.choice([1, 2, 2, 3])
        sk = rng.sample(skills, n_sk)
        reach: dict[str, int] = {}
        if neighbours[home] and rng.random() < reach_share:
            for t in rng.sample(neighbours[home], rng.choice([1, 2])):
                reach[t] = rng.choice([10, 15, 20, 25, 30])
        wl.append(
            {
                "id": f"W{i + 1}",
                "station": home,
                "speed": {s: _speed(rng, s) for s in sk},
                "hours": _hours(rng, days),
                "reach": reach,
                "priority": rng.random() < 0.12,
            }
        )
    # Hours offered per (station, skill), to size orders to the work force that could take them.
    offered: dict[tuple[str, str], float] = {}
    for w in wl:
        for s in w["speed"]:
            for st in [w["station"], *w["reach"]]:
                offered[st, s] = offered.get((st, s), 0.0) + sum(w["hours"])
    # Orders per (station group, skill): spread the station's skilled hours over its orders.
    ol = []
    slots = []
    for k in range(orders):
        home = ids[k % stations] if k < stations else rng.choice(ids)
        extra = rng.sample(neighbours[home], min(len(neighbours[home]), rng.choice([0, 0, 1, 2])))
        sts = [home, *extra]
        skill = max(skills, key=lambda s, sts=sts: sum(offered.get((t, s), 0.0) for t in sts) * rng.random())
        slots.append((sts, skill))
    share: dict[tuple[str, str], int] = {}
    for sts, skill in slots:
        for t in sts:
            share[t, skill] = share.get((t, skill), 0) + 1
    for k, (sts, skill) in enumerate(slots):
        lo, hi, rate = SKILLS[skill]
        mid = (lo + hi) / 2
        due = rng.randint(max(2, days // 4), days - 1)
        hours = sum(offered.get((t, skill), 0.0) / share[t, skill] for t in sts) * (due + 1) / days * load
        lot_hours = rng.choice([2, 3, 4, 6, 8])
        lot = max(1, round(mid * lot_hours / (10 if mid > 10 else 1)) * (10 if mid > 10 else 1))
        qty = max(lot, int(hours * mid))
        if rng.random() < 0.5:
            qty = (qty // lot) * lot
        ol.append(
            {
                "id": f"O{k + 1}",
                "skill": skill,
                "quantity": qty,
                "lot_size": lot,
                "due_day": due,
                "piece_rate_fen": max(1, round(rate * rng.uniform(0.8, 1.3))),
                "weight": rng.choice([1, 1, 1, 2, 2, 3]),
                "stations": sts,
            }
        )
    return {
        "format": "microfactory-instance/1",
        "horizon": {"start": "2026-12-01", "days": days},
        "stations": st_list,
        "workers": wl,
        "orders": ol,
        "objective": ["on_time", "fairness", "travel"],
    }


def station(seed: int = 1) -> dict[str, Any]:
    return generate(seed, 1, 150, 12)


def district(seed: int = 2) -> dict[str, Any]:
    return generate(seed, 10, 700, 30)


def city(seed: int = 3, workers: int = 20_000, stations: int = 300, orders: int = 400) -> dict[str, Any]:
    return generate(seed, stations, workers, orders)


def indivisible(seed: int = 4, workers: int = 10, orders: int = 200, skills: int = 40) -> dict[str, Any]:
    """One-piece orders (quantity = lot size = 1) over many skills: a GAP with due days."""
    rng = random.Random(seed)
    days = 14
    names = [f"craft{k}" for k in range(skills)]
    wl = []
    for i in range(workers):
        sk = rng.sample(names, skills // 2)
        wl.append(
            {
                "id": f"W{i + 1}",
                "station": "S1",
                "speed": {s: round(rng.uniform(0.2, 1.0), 3) for s in sk},
                "hours": _hours(rng, days),
                "reach": {},
                "priority": rng.random() < 0.2,
            }
        )
    ol = [
        {
            "id": f"O{k + 1}",
            "skill": rng.choice(names),
            "quantity": 1,
            "lot_size": 1,
            "due_day": rng.randint(3, days - 1),
            "piece_rate_fen": rng.randint(500, 3000),
            "weight": rng.randint(1, 5),
            "stations": ["S1"],
        }
        for k in range(orders)
    ]
    return {
        "format": "microfactory-instance/1",
        "horizon": {"start": "2026-12-01", "days": days},
        "stations": [{"id": "S1", "name": "第1微工厂", "district": "市北区"}],
        "workers": wl,
        "orders": ol,
        "objective": ["on_time", "fairness", "travel"],
    }
