"""How recorded values read: names for ids, yuan for fen, units for speeds, what was taken away."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import event

from factory.audit.models import AuditEntry
from factory.audit.present import Change, present
from factory.extensions import db


@pytest.fixture
def zh(app: Any) -> Iterator[None]:
    with app.test_request_context(), force_locale("zh_CN"):
        yield


def lines(changes: list[Change]) -> dict[str, tuple[str | None, str | None]]:
    def text(refs: Any) -> str | None:
        return None if refs is None else "、".join(r.text for r in refs)

    return {c.label: (text(c.before), text(c.after)) for c in changes}


def one(action: str, object_type: str, object_id: int | None, before: Any = None, after: Any = None) -> Any:
    entry = AuditEntry(
        action=action, object_type=object_type, object_id=object_id, before=before, after=after
    )
    return present([entry])[0]


def test_a_reassignment_names_both_workers_and_reads_statuses(zh: None, make_user: Any) -> None:
    old, new = make_user("worker", name="王秀英"), make_user("worker", name="李梅")
    view = one(
        "task.reassign",
        "production_task",
        999999,
        before={"status": "in_progress", "pieces": 100, "worker_id": old.id},
        after={"status": "cancelled", "pieces": 40, "to_worker_id": new.id},
    )
    assert view.action == "转派任务" and view.known_action
    assert [r.text for r in view.object_refs] == ["任务 #999999"]  # gone: kind and id, no link
    got = lines(view.changes)
    assert got["状态"] == ("进行中", "已撤回")
    assert got["件数"] == ("100 件", "40 件")
    assert got["工人"] == ("王秀英", None)
    assert got["转给"] == (None, "李梅")
    by_label = {c.label: c for c in view.changes}
    assert not by_label["工人"].removed  # the old worker is history, not something deleted
    assert by_label["转给"].after[0].url == f"/workers/{new.id}"


def test_money_rates_and_speeds_read_in_yuan_and_units(zh: None, make_user: Any) -> None:
    worker = make_user("worker")
    removed = one(
        "pay_adjustment.delete",
        "pay_period",
        None,
        before={"worker_id": worker.id, "kind": "deduction", "amount_fen": -2500, "reason": "损坏工具"},
    )
    got = lines(removed.changes)
    assert got["金额"] == ("-¥25.00", None)
    assert got["类别"] == ("扣款", None)
    assert all(c.removed for c in removed.changes)  # an entry with nothing after records a deletion

    rate = lines(
        one(
            "order_rate.set", "pay_order_rate", None, before={"rate_units": 4000}, after={"rate_units": 3550}
        ).changes
    )
    assert rate["计件单价"] == ("每件 ¥0.40", "每件 ¥0.355")

    skill = lines(
        one(
            "worker.skill",
            "worker_profile",
            worker.id,
            before={"speed": "20", "source": "estimated"},
            after={"skill": "remote_assembly", "speed": "23.60", "source": "trial"},
        ).changes
    )
    assert skill["技能"] == (None, "遥控器组装")
    assert skill["速度"] == ("每小时 20 件", "每小时 23.6 件")
    assert skill["依据"] == ("估计", "计时试做")


def test_one_key_with_two_meanings_reads_as_two_lines_and_empty_fields_are_left_out(zh: None) -> None:
    view = one(
        "inspection.create",
        "production_inspection",
        None,
        before={"status": "returned", "rework": 10},
        after={"status": "done", "rework": False, "accepted": 10, "rejected": 0, "reason": ""},
    )
    got = lines(view.changes)
    assert got["返工中的件数"] == ("10 件", None)
    assert got["不合格的退回返工"] == (None, "否")
    assert got["状态"] == ("已交回", "已完成")
    assert "原因" not in got  # nothing on either side


def test_an_unknown_action_or_field_shows_its_code(zh: None) -> None:
    view = one("clock.check", "clock", 3, after={"drift_ms": 12})
    assert view.action == "clock.check" and not view.known_action
    assert lines(view.changes) == {"drift_ms": (None, "12")}


def test_a_page_of_entries_loads_its_names_in_a_few_queries(zh: None, make_user: Any) -> None:
    workers = [make_user("worker") for _ in range(25)]
    entries = [
        AuditEntry(
            action="worker.pause",
            object_type="worker_profile",
            object_id=w.id,
            before={"paused": False},
            after={"paused": True, "worker_id": w.id},
        )
        for w in workers
    ]
    db.session.expire_all()
    statements: list[str] = []
    engine = db.session.get_bind()

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        views = present(entries)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [v.object_refs[0].text for v in views] == [w.name for w in workers]
    assert 1 <= len(statements) <= 2, statements
