"""Parsing and validation: a malformed instance gets a message naming the key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from factory.scheduling import InstanceError, parse_instance


def test_tiny_parses(tiny: dict[str, Any]) -> None:
    inst = parse_instance(tiny)
    assert [w.id for w in inst.workers] == ["W1", "W2"]
    o1 = inst.orders[0]
    assert (o1.n_lots, o1.n_full, o1.rem) == (3, 3, 0)
    assert inst.objective == ["on_time", "fairness", "travel"]


def test_last_lot_takes_the_remainder(tiny: dict[str, Any]) -> None:
    tiny["orders"][0]["quantity"] = 55
    o1 = parse_instance(tiny).orders[0]
    assert (o1.n_lots, o1.n_full, o1.rem) == (3, 2, 15)
    assert [o1.lot_pieces(k) for k in range(3)] == [20, 20, 15]


def _broken(tiny: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(tiny)
    keys = path.split(".")
    node: Any = data
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node[k]
    last = keys[-1]
    if value is KeyError:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("workers.1.hours", [4, 0], "workers[1].hours: expected 3 numbers, got 2"),
        ("workers.0.hours", [2, 2, 25], "workers[0].hours[2]: must be at most 24, got 25"),
        ("workers.0.hours", [2, "x", 2], "workers[0].hours[1]: expected a number, got 'x'"),
        ("workers.0.station", "S9", "workers[0].station: unknown station 'S9'"),
        ("workers.0.speed", KeyError, "workers[0]: missing required key 'speed'"),
        ("workers.0.speed", {"knitting": -1}, "workers[0].speed.knitting: must be at least 0, got -1"),
        ("workers.0.reach", {"S7": 10}, "workers[0].reach.S7: unknown station 'S7'"),
        ("workers.0.priority", "yes", "workers[0].priority: expected true or false, got 'yes'"),
        ("workers.1.id", "W1", "workers[1].id: duplicate id 'W1'"),
        ("orders.0.due_day", 3, "orders[0].due_day: must be at most 2, got 3"),
        ("orders.0.quantity", 0, "orders[0].quantity: must be at least 1, got 0"),
        ("orders.0.quantity", 2.5, "orders[0].quantity: expected a whole number, got 2.5"),
        ("orders.1.piece_rate_fen", 0, "orders[1].piece_rate_fen: must be at least 1, got 0"),
        ("orders.1.stations", [], "orders[1].stations: expected at least one station"),
        ("orders.1.stations", ["S1", "S2"], "orders[1].stations[1]: unknown station 'S2'"),
        ("orders.0.weight", 0, "orders[0].weight: must be greater than 0, got 0"),
        ("orders.0.skill", KeyError, "orders[0]: missing required key 'skill'"),
        ("horizon.days", KeyError, "horizon: missing required key 'days'"),
        ("horizon.start", "1 Dec", "horizon.start: expected a date YYYY-MM-DD, got '1 Dec'"),
        ("workers", {"W1": 1}, "workers: expected a list, got dict"),
        ("format", "microfactory-instance/9", "format: expected 'microfactory-instance/1'"),
        ("objective", ["on_time", "speed"], "objective[1]: unknown objective 'speed'"),
    ],
)
def test_malformed_instance_names_the_key(tiny: dict[str, Any], path: str, value: Any, message: str) -> None:
    with pytest.raises(InstanceError) as exc:
        parse_instance(_broken(tiny, path, value))
    assert str(exc.value).startswith(message)


def test_not_an_object() -> None:
    with pytest.raises(InstanceError, match="instance: expected an object, got list"):
        parse_instance([1, 2])


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        (
            {"order": "O2", "lot": 0, "worker": "W1"},
            "pinned[0]: worker W1 cannot take O2 lot 0: no skill knitting",
        ),
        ({"order": "O1", "lot": 3, "worker": "W1"}, "pinned[0].lot: order O1 has lots 0..2, got 3"),
        ({"order": "O1", "lot": 0, "worker": "W9"}, "pinned[0].worker: unknown worker 'W9'"),
        ({"order": "O7", "lot": 0, "worker": "W1"}, "pinned[0].order: unknown order 'O7'"),
    ],
)
def test_pin_that_cannot_hold_names_the_pin(tiny: dict[str, Any], pin: dict[str, Any], message: str) -> None:
    tiny["pinned"] = [pin]
    with pytest.raises(InstanceError) as exc:
        parse_instance(tiny)
    assert str(exc.value) == message


def test_pin_without_reachable_station(build: Any) -> None:
    data = build.instance(
        [build.worker("W1", {"a": 10}, [5])],
        [build.order("O1", "a", 10, 10, 0, stations=["S2"])],
        days=1,
        stations=2,
    )
    data["pinned"] = [{"order": "O1", "lot": 0, "worker": "W1"}]
    with pytest.raises(
        InstanceError, match=r"^pinned\[0\]: worker W1 cannot take O1 lot 0: no reachable station"
    ):
        parse_instance(data)


def test_pins_beyond_the_hours_name_the_pins(tiny: dict[str, Any]) -> None:
    # W1 makes 20 remote controls a day: three lots due by day 1 need 6 hours, W1 offers 4.
    tiny["pinned"] = [{"order": "O1", "lot": k, "worker": "W1"} for k in range(3)]
    with pytest.raises(
        InstanceError, match=r"^pinned\[0\], pinned\[1\], pinned\[2\]: worker W1 cannot finish"
    ):
        parse_instance(tiny)


def test_same_lot_pinned_twice(tiny: dict[str, Any]) -> None:
    tiny["pinned"] = [{"order": "O1", "lot": 0, "worker": "W1"}, {"order": "O1", "lot": 0, "worker": "W2"}]
    with pytest.raises(InstanceError, match=r"pinned\[1\]: O1 lot 0 is already pinned by pinned\[0\]"):
        parse_instance(tiny)


def test_unknown_keys_are_ignored(tiny: dict[str, Any]) -> None:
    tiny["comment"] = "ignored"
    tiny["workers"][0]["nickname"] = "小王"
    assert len(parse_instance(tiny).workers) == 2
