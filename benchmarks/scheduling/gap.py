"""OR-Library GAP instances (Beasley) converted to our instance format.

Agents are workers, jobs are one-piece orders with their own skill, so that a job's time depends on the worker:
worker ``i`` makes job ``j`` at ``60 / r[i][j]`` pieces per hour (one piece takes ``r[i][j]`` minutes) and offers
``b[i]`` minutes, spread 24 hours a day over as many days as needed; every job is due on the last day. Job ``j``'s
material sits at its own station ``J{j}``, which worker ``i`` reaches in ``c[i][j]`` minutes (minimisation sets
gapa-d) or ``P - p[i][j]`` minutes with ``P`` the largest profit (maximisation sets gap1-12). With the objective
``["on_time", "travel"]`` every job is placed first and then the travel is least, i.e. the GAP's optimum:
cost = travel, or profit = n * P - travel.

Known optima. gap1-gap12: OR-Library's gapinfo (J. E. Beasley, OR-Library, "Generalised assignment problem";
Osman 1995; Cattrysse, Salomon and Van Wassenhove 1994). gapa-gapd: Chu and Beasley, Computers & Operations
Research 24 (1997) 17-23 and later exact work (Nauss 2003; Avella, Boccia and Vasilyev 2010) which proved the
type D values.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

GAP_DIR = Path("/work/shared/benchmarks/gap")

OPTIMA: dict[str, list[int]] = {
    "gap1": [336, 327, 339, 341, 326],
    "gap2": [434, 436, 420, 419, 428],
    "gap3": [580, 564, 573, 570, 564],
    "gap4": [656, 644, 673, 647, 664],
    "gap5": [563, 558, 564, 568, 559],
    "gap6": [761, 759, 758, 752, 747],
    "gap7": [942, 949, 968, 945, 951],
    "gap8": [1133, 1134, 1141, 1117, 1127],
    "gap9": [709, 717, 712, 723, 706],
    "gap10": [958, 963, 960, 947, 947],
    "gap11": [1139, 1178, 1195, 1171, 1171],
    "gap12": [1451, 1449, 1433, 1447, 1446],
    "gapa": [1698, 3235, 1360, 2623, 1158, 2339],
    "gapb": [1843, 3552, 1407, 2827, 1166, 2339],
    "gapc": [1931, 3456, 1402, 2806, 1243, 2391],
    "gapd": [6353, 12742, 6347, 12430, 6185, 12235],
}


def read_gap(name: str) -> list[dict[str, Any]]:
    """Return the problems of one OR-Library file as dicts with m, n, c, r, b."""
    tokens = (GAP_DIR / f"{name}.txt").read_text().split()
    pos = 0

    def take(k: int) -> list[int]:
        nonlocal pos
        out = [int(x) for x in tokens[pos : pos + k]]
        pos += k
        return out

    (count,) = take(1)
    problems = []
    for _ in range(count):
        m, n = take(2)
        c = [take(n) for _ in range(m)]
        r = [take(n) for _ in range(m)]
        b = take(m)
        problems.append({"m": m, "n": n, "c": c, "r": r, "b": b})
    return problems


def maximise(name: str) -> bool:
    return name[3:].isdigit()


def to_instance(prob: dict[str, Any], maximising: bool) -> tuple[dict[str, Any], int]:
    """Return our instance and the offset P (profit = n * P - travel when maximising; 0 otherwise)."""
    m, n, c, r, b = prob["m"], prob["n"], prob["c"], prob["r"], prob["b"]
    top = max(max(row) for row in c) if maximising else 0
    days = max(1, math.ceil(max(b) / 60 / 24))
    workers = []
    for i in range(m):
        minutes = b[i]
        hours = []
        for _ in range(days):
            h = min(24 * 60, minutes)
            hours.append(h / 60)
            minutes -= h
        workers.append(
            {
                "id": f"A{i + 1}",
                "station": "HOME",
                "speed": {f"job{j + 1}": 60 / r[i][j] for j in range(n)},
                "hours": hours,
                "reach": {f"J{j + 1}": (top - c[i][j]) if maximising else c[i][j] for j in range(n)},
                "priority": False,
            }
        )
    orders = [
        {
            "id": f"J{j + 1}",
            "skill": f"job{j + 1}",
            "quantity": 1,
            "lot_size": 1,
            "due_day": days - 1,
            "piece_rate_fen": 1,
            "weight": 1,
            "stations": [f"J{j + 1}"],
        }
        for j in range(n)
    ]
    stations = [{"id": "HOME", "name": "home", "district": ""}] + [
        {"id": f"J{j + 1}", "name": f"job {j + 1}", "district": ""} for j in range(n)
    ]
    inst = {
        "format": "microfactory-instance/1",
        "horizon": {"start": "2026-12-01", "days": days},
        "stations": stations,
        "workers": workers,
        "orders": orders,
        "objective": ["on_time", "travel"],
    }
    return inst, top
