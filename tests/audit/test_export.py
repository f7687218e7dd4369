"""The audit log's CSV export reads like the page: words, local time, names; the codes and JSON come after."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy import event, select

from factory.audit.jobs import export_audit
from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.jobs.models import Job
from factory.types import LOCAL_TZ
from tests.audit.test_routes import RAW_CODES, _delivered

HEADER_ZH = [
    "时间（北京时间）",
    "操作人",
    "角色",
    "操作",
    "对象",
    "改动内容",
    "记录编号",
    "操作代码",
    "对象类型",
    "对象编号",
    "操作人账户编号",
    "改动前（原始记录 JSON）",
    "改动后（原始记录 JSON）",
]


def _export(client: Any, form: dict[str, Any]) -> tuple[Any, list[list[str]]]:
    response = client.submit("/admin/audit/export", form, token_from="/admin/audit/")
    assert response.status_code == 303
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    text = download.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return db.session.get(Job, job_id), list(csv.reader(io.StringIO(text[1:])))


def test_the_export_reads_like_the_page_and_keeps_the_filter(
    make_client: Any, make_user: Any, make_order: Any, organiser: Any, coordinator: Any, production: Any
) -> None:
    order, delivery = _delivered(make_order, organiser, coordinator, production)
    client = make_client(make_user("admin"))
    job, rows = _export(client, {"user_id": coordinator.id})
    assert rows[0] == HEADER_ZH
    body = rows[1:]
    assert body and all(r[1] == coordinator.name and r[2] == "企业发包专员" for r in body)
    assert all(r[10] == str(coordinator.id) for r in body)  # only the filtered person's entries
    by_code = {r[7]: r for r in body}
    created = by_code["order.create"]
    assert created[3] == "新建订单"
    assert created[4] == f"订单 #{order.id} 遥控器组装"
    assert "计件单价：每件 ¥0.40" in created[5].split("\n")
    assert "状态：草稿 → 已发布" in by_code["order.post"][5].split("\n")
    assert "按标准速度每小时工资：每小时 ¥24.00" in by_code["order.post"][5]
    received = by_code["delivery.receive"]
    assert received[3] == "确认收货" and f"送货单 {delivery.number}" in received[4]
    assert "已收货件数：80 件" in received[5] and "备注：少了一箱 20 件" in received[5]
    for cells in body:
        assert not any(code in " ".join(cells[:6]) for code in RAW_CODES)
    # Local time, the same instant as recorded.
    entry = db.session.get(AuditEntry, int(created[6]))
    assert created[0] == entry.at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
    # The recorded values stay exact, as real JSON.
    after = json.loads(created[12])
    assert after == entry.after and after["piece_rate_units"] == 4000
    assert created[11] == "" or json.loads(created[11]) == entry.before
    # The job page leads back to the log as it was filtered.
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/admin/audit/?user_id={coordinator.id}"' in page


def test_the_export_speaks_english_to_an_english_reader(
    make_client: Any, make_user: Any, make_order: Any, organiser: Any, coordinator: Any, production: Any
) -> None:
    _delivered(make_order, organiser, coordinator, production)
    admin = make_user("admin")
    admin.locale = "en"
    db.session.flush()
    _job, rows = _export(make_client(admin), {"action": "order.create"})
    assert rows[0][:6] == ["Time (Beijing time, UTC+8)", "Who", "Role", "Action", "Object", "What changed"]
    assert rows[1][3] == "Order created" and "Piece rate: ¥0.40 a piece" in rows[1][5]


def test_the_export_runs_outside_a_request_with_queries_in_batches(
    app: Flask, make_user: Any, make_order: Any, organiser: Any, coordinator: Any, production: Any
) -> None:
    """A job consumer has no request (no page addresses, no browser language), and a long log must not cost a
    query per entry: twice the entries take no more queries."""
    assert not has_request_context()
    admin = make_user("admin")

    def queries_for_export() -> tuple[int, list[list[str]]]:
        job = Job(kind="audit_export", user_id=admin.id, params={"action": "order."})
        db.session.add(job)
        db.session.flush()
        db.session.expire_all()
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            export_audit(job, lambda percent, message: None)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        text = job.result_file.decode("utf-8")
        return len(seen), list(csv.reader(io.StringIO(text[1:])))

    for _n in range(3):
        _delivered(make_order, organiser, coordinator, production)
    few, rows = queries_for_export()
    assert rows[0] == HEADER_ZH and len(rows) > 6
    for _n in range(3):
        _delivered(make_order, organiser, coordinator, production)
    many, more_rows = queries_for_export()
    assert len(more_rows) - 1 == 2 * (len(rows) - 1)
    assert many <= few, (few, many)
    count_entries = db.session.scalar(
        select(db.func.count(AuditEntry.id)).where(AuditEntry.action.startswith("order."))
    )
    assert len(more_rows) - 1 == count_entries
