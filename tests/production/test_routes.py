"""Production pages: the worker's phone and the organiser's floor, through the test client."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select

from factory.extensions import db
from factory.orders.services import local_today
from factory.production import material, services
from factory.production.models import Inspection, InspectionPhoto, Report, Task
from tests.production.conftest import count_queries, report

TODAY = local_today()
KEY_RE = re.compile(r'name="key" value="([0-9a-f]+)"')


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def multipart(fields: dict[str, Any], files: dict[str, tuple[bytes, str]]) -> tuple[bytes, str]:
    """A hand-made multipart body (the test client spools big files to a temp file it never closes)."""
    boundary = "----production7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for name, (data, filename) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append((head + "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_today_shows_the_task_in_chinese(task, worker, make_client):
    client = make_client(worker)
    page = client.get("/today").get_data(as_text=True)
    assert "遥控器组装" in page and "今天" in page
    assert "批次 1" in page and "还剩" in page
    assert 'name="key"' in page and 'inputmode="numeric"' in page
    assert "<script>" not in page and 'style="' not in page


def test_form_report_counts_once_for_a_double_tap(task, worker, make_client):
    client = make_client(worker)
    page = client.get("/today").get_data(as_text=True)
    key = KEY_RE.search(page).group(1)
    token = client.csrf_token("/today")
    for _ in range(2):
        response = client.post(
            f"/today/tasks/{task.id}/report", data={"csrf_token": token, "key": key, "pieces": "12"}
        )
        assert response.status_code == 302
    db.session.refresh(task)
    assert task.reported == 12
    page = client.get("/today").get_data(as_text=True)
    assert page.count("已记录 12 件，这个批次还剩 88 件") == 1  # the replay is not announced twice


def test_outbox_request_gets_json_and_same_answer(task, worker, make_client):
    client = make_client(worker)
    token = client.csrf_token("/today")
    headers = {"Accept": "application/json", "Idempotency-Key": "phone-1"}
    first = client.post(
        f"/today/tasks/{task.id}/report", data={"csrf_token": token, "pieces": "7"}, headers=headers
    )
    again = client.post(
        f"/today/tasks/{task.id}/report", data={"csrf_token": token, "pieces": "7"}, headers=headers
    )
    assert first.status_code == 201 and again.status_code == 200
    assert first.json["report_id"] == again.json["report_id"] and first.json["left"] == 93
    other = client.post(
        f"/today/tasks/{task.id}/report", data={"csrf_token": token, "pieces": "8"}, headers=headers
    )
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    over = client.post(
        f"/today/tasks/{task.id}/report",
        data={"csrf_token": token, "pieces": "94"},
        headers={"Accept": "application/json", "Idempotency-Key": "phone-2"},
    )
    assert over.status_code == 409 and "最多还能报 93 件" in over.json["error"]["message"]
    assert db.session.scalar(select(db.func.count(Report.id))) == 1


def test_bad_report_form_shows_message_and_stores_nothing(task, worker, make_client):
    client = make_client(worker)
    for pieces, status in (("0", 422), ("-5", 422), ("abc", 422), ("101", 409)):
        response = client.submit(
            f"/today/tasks/{task.id}/report", {"pieces": pieces, "key": f"k{pieces}"}, token_from="/today"
        )
        assert response.status_code == status
        assert 'class="error"' in response.get_data(as_text=True)
    db.session.refresh(task)
    assert task.reported == 0


def test_report_on_someone_elses_task_is_404(task, other_worker, make_client):
    client = make_client(other_worker)
    response = client.submit(
        f"/today/tasks/{task.id}/report", {"pieces": "1", "key": "x"}, token_from="/today"
    )
    assert response.status_code == 404


def test_decline_then_organiser_sees_it(task, worker, organiser, make_client):
    client = make_client(worker)
    response = client.submit(f"/today/tasks/{task.id}/decline", {"reason": "家里有事"}, token_from="/today")
    assert response.status_code == 302
    board = make_client(organiser).get("/production").get_data(as_text=True)
    assert "家里有事" in board and "拒绝" in board


def test_organiser_hands_out_material_inspects_with_photo_and_rework(task, worker, organiser, make_client):
    client = make_client(organiser)
    path = f"/production/tasks/{task.id}"
    page = client.get(path).get_data(as_text=True)
    assert "发料" in page
    shell, pads = task.order.materials
    response = client.submit(
        f"{path}/material/issue", {f"material_{shell.id}": "", f"material_{pads.id}": "0"}, token_from=path
    )
    assert response.status_code == 422 and "请至少填写一种物料的数量" in response.get_data(as_text=True)
    response = client.submit(
        f"{path}/material/issue",
        {f"material_{shell.id}": "100", f"material_{pads.id}": "200"},
        token_from=path,
    )
    assert response.status_code == 302 and db.session.get(Task, task.id).status == "picked_up"
    report(task, worker, 40)
    data = {
        "accepted": "30",
        "rejected": "10",
        "reason_code": "finish",
        "reason": "毛边",
        "rework": "1",
        "photo": (io.BytesIO(png_bytes()), "a.png"),
    }
    data["csrf_token"] = client.csrf_token(path)
    response = client.post(f"{path}/inspect", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    inspection = db.session.scalar(select(Inspection))
    assert (inspection.accepted, inspection.rejected, inspection.rework, inspection.reason) == (
        30,
        10,
        True,
        "做工粗糙：毛边",
    )
    assert client.get(f"/production/inspections/{inspection.id}/photo").data == png_bytes()
    response = client.submit(f"{path}/material/return", {f"material_{shell.id}": "5"}, token_from=path)
    assert response.status_code == 302
    ledger = client.get("/production/material").get_data(as_text=True)
    assert "外壳" in ledger


def test_inspection_refusals_store_nothing(task, worker, organiser, make_client):
    client = make_client(organiser)
    path = f"/production/tasks/{task.id}"
    report(task, worker, 10)
    cases = [
        ({"accepted": "8", "rejected": "5", "reason": "x"}, 409),
        ({"accepted": "-1"}, 422),
        ({"accepted": "2", "photo": (io.BytesIO(b"MZ not an image"), "a.png")}, 422),
        (
            {
                "accepted": "2",
                "photo": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024)), "big.png"),
            },
            413,
        ),
    ]
    for data, status in cases:
        files = {"photo": (data.pop("photo")[0].getvalue(), "p.png")} if "photo" in data else {}
        data["csrf_token"] = client.csrf_token(path)
        body, content_type = multipart(data, files)
        response = client.post(f"{path}/inspect", data=body, content_type=content_type)
        assert response.status_code == status, data
        assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Inspection.id))) == 0
    assert db.session.scalar(select(db.func.count(InspectionPhoto.id))) == 0
    assert db.session.get(Task, task.id).accepted == 0


def test_reassign_from_the_task_page(task, worker, other_worker, organiser, make_client):
    report(task, worker, 25)
    client = make_client(organiser)
    path = f"/production/tasks/{task.id}"
    page = client.get(path).get_data(as_text=True)
    assert f"{worker.name} 就不再做这个任务了" in page and "js/confirm.js" in page  # asked before it happens
    assert f"确认 {worker.name} 已交回这个批次的成品？" in page  # so is noting the hand-in
    response = client.submit(f"{path}/reassign", {"worker_id": str(other_worker.id)}, token_from=path)
    assert response.status_code == 302
    new = db.session.scalar(select(Task).where(Task.worker_id == other_worker.id))
    assert new.pieces == 75 and db.session.get(Task, task.id).pieces == 25


def test_worker_pages_are_light_and_have_few_queries(app, task, worker, organiser, make_client):
    """A worker's pages weigh under 60 KB with their CSS and JS, and run the same few queries however many tasks."""
    from factory.production.services import create_task

    client = make_client(worker)
    material.issue_material(task.id, organiser)
    report(task, worker, 10)

    def measure(path: str) -> int:
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200
        html = response.data
        assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
        weight = len(html) + sum(len(client.get(a.decode()).data) for a in assets)
        assert weight < 60 * 1024, (path, weight)
        return len(statements)

    one = {p: measure(p) for p in ("/today", f"/today/tasks/{task.id}")}
    for lot in [lot for lot in task.order.lots if lot.id != task.lot_id]:
        extra = create_task(lot.id, worker.id, organiser, days=[(TODAY, 10)])
        material.issue_material(extra.id, organiser)
        report(extra, worker, 3)
    three = {p: measure(p) for p in ("/today", f"/today/tasks/{task.id}")}
    assert one == three, (one, three)
    # today: the session, the tasks with their lot, order, station and days, the holdings, the notices
    assert one["/today"] <= 4 and one[f"/today/tasks/{task.id}"] <= 10, one
    print("queries per page:", one)


def _tile(page: str, tile_id: str) -> str | None:
    found = re.search(rf'<div class="tile" id="{tile_id}"><strong>(\d+)</strong>', page)
    return found.group(1) if found else None


def test_task_page_and_day_board_count_pieces_waiting_for_inspection_alike(
    task, worker, organiser, make_client
):
    from factory.production import services

    material.issue_material(task.id, organiser)
    report(task, worker, 20)
    services.mark_returned(task.id, worker)
    services.record_inspection(task.id, organiser, 12, 5, "毛边", TODAY, True)
    client = make_client(organiser)
    page = client.get(f"/production/tasks/{task.id}").get_data(as_text=True)
    assert (_tile(page, "ready"), _tile(page, "rework")) == ("3", "5")
    board = client.get("/production").get_data(as_text=True)
    assert "3 件待检" in board and "返工中 5" in board
    assert "订单交期在今后 7 天内的批次" in board  # the rule of "due this week", on the page
    assert db.session.get(Task, task.id).ready_for_inspection == 3


def test_the_day_board_asks_for_a_hand_out_nobody_recorded(task, worker, organiser, make_client):
    report(task, worker, 7)  # the worker has the kit; the organiser did not write it down
    client = make_client(organiser)
    board = client.get("/production").get_data(as_text=True)
    section = board[board.index('id="no-handout"') :]
    assert "在做活，但没有记发料" in section and "已报 7 件" in section
    assert f'href="/production/tasks/{task.id}"' in section
    material.issue_material(task.id, organiser)
    assert 'id="no-handout"' not in client.get("/production").get_data(as_text=True)


def test_the_reassign_list_puts_those_who_can_do_the_work_first(
    task, worker, other_worker, organiser, make_user, make_client
):
    from factory.workers import services as workers

    novice = make_user("worker", station=task.station, name="新来的")
    workers.set_skill(organiser, workers.ensure_profile(other_worker), "remote_assembly", 20)
    page = make_client(organiser).get(f"/production/tasks/{task.id}").get_data(as_text=True)
    select_ = page[page.index('<select id="worker_id"') : page.index("</select>")]
    able, others = select_.split("其他工人")
    assert "会做「遥控器组装」的工人" in able and other_worker.name in able and novice.name not in able
    assert novice.name in others and worker.name not in select_  # not the lot's own worker


def test_a_worker_holds_only_the_material_not_yet_made_into_pieces(task, worker, organiser, make_client):
    from factory.production import services

    material.issue_material(task.id, organiser)  # 100 shells, 200 pads for 100 pieces
    report(task, worker, 60)
    client = make_client(worker)
    page = client.get("/today").get_data(as_text=True)
    assert "您手上有： 外壳 40个，按键胶垫 80片" in page
    report(task, worker, 40)
    services.mark_returned(task.id, worker)  # every piece made and handed in: nothing left in hand
    assert "您手上有" not in client.get("/today").get_data(as_text=True)
    assert "您手上的物料" not in client.get(f"/today/tasks/{task.id}").get_data(as_text=True)


def test_the_day_board_lists_material_to_take_back_after_a_reassignment(
    task, worker, other_worker, organiser, make_client
):
    from factory.production import services

    material.issue_material(task.id, organiser)  # 100 shells, 200 pads
    report(task, worker, 30)
    services.reassign_task(task.id, other_worker.id, organiser)
    client = make_client(organiser)
    board = client.get("/production").get_data(as_text=True)
    section = board[board.index('id="take-back"') :]
    section = section[: section.index("</section>")]
    assert worker.name in section and "外壳 70个，按键胶垫 140片" in section
    assert f'href="/production/tasks/{task.id}#material"' in section
    shell, pads = sorted(task.order.materials, key=lambda m: m.position)
    material.return_material(task.id, organiser, {shell.id: "70", pads.id: "140"})
    assert 'id="take-back"' not in client.get("/production").get_data(as_text=True)


def test_an_absurd_hand_out_is_refused_beside_its_field(task, organiser, make_client):
    client = make_client(organiser)
    path = f"/production/tasks/{task.id}"
    shell, pads = task.order.materials
    response = client.submit(
        f"{path}/material/issue",
        {f"material_{shell.id}": "5000", f"material_{pads.id}": "200"},
        token_from=path,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = page.index(f'name="material_{shell.id}"')
    assert page.index('<p class="error">最多还能发 110', field) < page.index(f'name="material_{pads.id}"')
    assert db.session.scalar(select(db.func.count()).select_from(material.MaterialMovement)) == 0
    assert db.session.get(Task, task.id).status == "assigned"


def test_people_see_whole_pieces_that_add_up_to_the_lot(lots, worker, organiser, station, make_client):
    from datetime import timedelta
    from decimal import Decimal

    from factory.production import services
    from factory.production.services import PublishedAssignment

    yesterday = TODAY - timedelta(days=1)
    thirds = [Decimal("24.99"), Decimal("33.33"), Decimal("20.84"), Decimal("20.84")]
    days = [(yesterday + timedelta(days=i), p) for i, p in enumerate(thirds)]
    services.publish_plan(
        station.id, 1, [PublishedAssignment(lots[0].id, worker.id, station.id, days)], organiser
    )
    (task,) = services.worker_tasks(worker.id, TODAY, TODAY)
    assert [d.pieces for d in task.days] == thirds  # the stored plan stays exact
    today = make_client(worker).get("/today").get_data(as_text=True)
    assert not re.search(r"\d\.\d", today)
    assert re.search(r"<strong>33</strong><span>今天计划", today)
    coming = f"遥控器组装 · 批次 {lots[0].index} 21 件"  # each coming day names the lot
    assert coming in today and coming in today.split(coming, 1)[1]
    page = make_client(worker).get(f"/today/tasks/{task.id}").get_data(as_text=True)
    shown = [int(n) for n in re.findall(r"：(\d+) 件</li>", page)]
    assert shown == [25, 33, 21, 21] and sum(shown) == task.pieces
    board = make_client(organiser).get("/production").get_data(as_text=True)
    assert "落后 25 件" in board and "24.99" not in board
    organiser_page = make_client(organiser).get(f"/production/tasks/{task.id}").get_data(as_text=True)
    assert "33.33" not in organiser_page and "：33 件" in organiser_page


# ------------------------------------------------------------------ declines and hand-ins from the outbox

OUTBOX = {"Accept": "application/json"}


def _keys() -> int:
    from sqlalchemy import func

    from factory.production.models import TaskRequestKey

    return db.session.scalar(select(func.count(TaskRequestKey.id)))


def _audits(action: str) -> int:
    from sqlalchemy import func

    from factory.audit.models import AuditEntry

    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_a_decline_from_the_outbox_sent_twice_gets_the_first_answer_and_is_done_once(
    task, worker, make_client
):
    client = make_client(worker)
    token = client.csrf_token(f"/today/tasks/{task.id}")
    headers = {**OUTBOX, "Idempotency-Key": "phone-d-1"}
    body = {"csrf_token": token, "key": "phone-d-1", "reason": "家里有事"}
    first = client.post(f"/today/tasks/{task.id}/decline", data=body, headers=headers)
    assert first.status_code == 200
    assert first.json == {
        "task_id": task.id,
        "action": "decline",
        "status": "declined",
        "status_label": "已拒绝",
        "message": "您已拒绝这个任务，已通知站点负责人。",
    }
    # the answer was lost; the phone logs in again (a new form token) and sends the same decline
    again_client = make_client(worker)
    again_token = again_client.csrf_token("/today")
    again = again_client.post(
        f"/today/tasks/{task.id}/decline", data={**body, "csrf_token": again_token}, headers=headers
    )
    assert (again.status_code, again.json) == (200, first.json)
    assert _audits("task.decline") == 1 and _keys() == 1
    # the same key with another reason: refused, nothing changed
    other = client.post(
        f"/today/tasks/{task.id}/decline", data={**body, "reason": "另有安排"}, headers=headers
    )
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    db.session.refresh(task)
    assert task.declined_reason == "家里有事"


def test_a_double_tapped_decline_form_declines_once(task, worker, make_client):
    client = make_client(worker)
    page = client.get(f"/today/tasks/{task.id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/today/tasks/\d+/decline".*?</form>', page, re.S).group(0)
    key = KEY_RE.search(form).group(1)
    token = client.csrf_token("/today")
    for _ in range(2):
        response = client.post(
            f"/today/tasks/{task.id}/decline", data={"csrf_token": token, "key": key, "reason": ""}
        )
        assert response.status_code == 302 and response.location.endswith("/today")
    assert "您已拒绝这个任务" in client.get("/today").get_data(as_text=True)
    assert _audits("task.decline") == 1


def test_a_hand_in_from_the_outbox_is_done_once_and_a_refused_one_says_why_as_json(
    lots, task, worker, other_worker, organiser, make_client
):
    material.issue_material(task.id, organiser)
    report(task, worker, 30)
    client = make_client(worker)
    token = client.csrf_token("/today")
    headers = {**OUTBOX, "Idempotency-Key": "phone-h-1"}
    answers = [
        client.post(
            f"/today/tasks/{task.id}/hand-in", data={"csrf_token": token, "key": "phone-h-1"}, headers=headers
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].json == answers[1].json
    assert answers[0].json["status"] == "returned" and answers[0].json["status_label"] == "已交回"
    assert _audits("task.return") == 1 and _keys() == 1

    # a hand-in that arrives after the organiser gave the rest of the lot to someone else
    other = services.create_task(lots[1].id, worker.id, organiser)
    material.issue_material(other.id, organiser)
    report(other, worker, 5)
    services.reassign_task(other.id, other_worker.id, organiser)
    db.session.commit()  # keep the set-up when the refused request rolls its own work back
    refused = client.post(
        f"/today/tasks/{other.id}/hand-in",
        data={"csrf_token": token, "key": "phone-h-2"},
        headers={**OUTBOX, "Idempotency-Key": "phone-h-2"},
    )
    assert refused.status_code == 409
    error = refused.json["error"]
    assert error["code"] == "task_withdrawn" and "已经不归您了" in error["message"]
    assert _keys() == 1 and db.session.get(Task, other.id).returned_at is None
    # the same refusal to a form post: the page says it, with a 409
    page = client.post(f"/today/tasks/{other.id}/hand-in", data={"csrf_token": token, "key": "phone-h-3"})
    assert page.status_code == 409 and "已经不归您了" in page.get_data(as_text=True)


def test_the_worker_can_decline_a_later_task_from_its_page_and_changes_wait_in_the_outbox(
    task, worker, organiser, make_client
):
    client = make_client(worker)
    page = client.get(f"/today/tasks/{task.id}").get_data(as_text=True)
    assert 'class="queued-action" data-kind="decline"' in page and 'id="outbox"' in page
    assert 'id="outbox-refused"' in page and "/static/js/production.js" in page
    assert "<script>" not in page and 'style="' not in page
    material.issue_material(task.id, organiser)
    report(task, worker, 3)
    for path in ("/today", f"/today/tasks/{task.id}"):  # picked up and under way: hand in, no decline
        page = client.get(path).get_data(as_text=True)
        assert 'data-kind="hand_in"' in page and 'data-kind="decline"' not in page, path
