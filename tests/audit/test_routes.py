"""The administrator reads the audit log in words: actions, named and linked objects, "field: before → after"."""

from __future__ import annotations

import html
import re
from typing import Any

from factory.extensions import db
from factory.orders import deliveries as dl
from factory.orders import services
from tests.orders.conftest import passed_in_lots

RAW_CODES = (
    "delivery.receive",
    "delivery.create",
    "order.post",
    "order.create",
    "order_delivery",
    "work_order",
    "order_acceptance",
    "below_minimum_reason",
    "pay_per_hour_fen",
    "piece_rate_units",
)


def _table(page: str) -> str:
    return page[page.index('<table class="table audit"') :]


def _visible(page: str) -> str:
    """The table without the raw records folded into <details>."""
    return re.sub(r"<details.*?</details>", "", _table(page), flags=re.S)


def _delivered(make_order: Any, organiser: Any, coordinator: Any, production: Any) -> tuple[Any, Any]:
    """An order posted at ¥0.40 a piece, 1 minute each (¥24 an hour), taken on, 100 pieces delivered, 80 received."""
    order = make_order(quantity=250, lot_size=100)
    services.accept_order(order, organiser.station_id, 250, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    dl.confirm_receipt(delivery, coordinator, received=80, note="少了一箱 20 件")
    db.session.flush()
    return order, delivery


def test_the_log_names_actions_objects_and_changes_in_chinese(
    make_client: Any, make_user: Any, make_order: Any, organiser: Any, coordinator: Any, production: Any
) -> None:
    order, delivery = _delivered(make_order, organiser, coordinator, production)
    page = make_client(make_user("admin")).get("/admin/audit/").get_data(as_text=True)
    visible = _visible(page)
    for words in ("确认收货", "登记送货", "站点接单", "向站点发布订单", "新建订单"):
        assert f">{words}<" in visible, words
    assert f'<a href="/orders/deliveries/{delivery.id}.pdf">送货单 {delivery.number}</a>' in visible
    assert f'<a href="/orders/{order.id}">订单 #{order.id} 遥控器组装</a>' in visible
    assert organiser.station.name in visible
    text = html.unescape(re.sub(r"<[^>]+>", "", visible))
    assert "已收货件数：80 件" in text
    assert "备注：少了一箱 20 件" in text
    assert "状态：草稿 → 已发布" in text
    assert "按标准速度每小时工资：每小时 ¥24.00" in text
    assert "计件单价：每件 ¥0.40" in text
    assert "每件服务费：¥0.05" in text
    assert "各批次件数：批次 1：100 件" in text
    for code in RAW_CODES:
        assert code not in visible, code
    # The auditor who needs the exact figures opens the recorded data.
    raw = re.findall(r"<details class=\"raw\">.*?</details>", _table(page), flags=re.S)
    assert any("pay_per_hour_fen" in block and "原始记录" in block for block in raw)


def test_the_log_speaks_english_to_an_english_reader(
    make_client: Any, make_user: Any, make_order: Any, organiser: Any, coordinator: Any, production: Any
) -> None:
    _delivered(make_order, organiser, coordinator, production)
    admin = make_user("admin")
    admin.locale = "en"
    db.session.flush()
    text = html.unescape(
        re.sub(r"<[^>]+>", "", _visible(make_client(admin).get("/admin/audit/").get_data(as_text=True)))
    )
    assert "Delivery received" in text and "Pieces received: 80 pieces" in text
    assert "Piece rate: ¥0.40 a piece" in text


def test_a_name_narrows_the_log_to_that_person_and_an_action_to_itself_or_its_group(
    make_client: Any, make_user: Any, make_order: Any, organiser: Any, coordinator: Any, production: Any
) -> None:
    _delivered(make_order, organiser, coordinator, production)
    client = make_client(make_user("admin"))
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert f'href="/admin/audit/?user_id={coordinator.id}"' in page
    mine = client.get(f"/admin/audit/?user_id={coordinator.id}").get_data(as_text=True)
    assert f"只显示 {coordinator.name} 的操作。" in mine
    assert ">确认收货<" in _visible(mine) and ">登记送货<" not in _visible(mine)  # the organiser delivered

    one = _visible(client.get("/admin/audit/?action=order.post").get_data(as_text=True))
    assert ">向站点发布订单<" in one and ">新建订单<" not in one
    group = _visible(client.get("/admin/audit/?action=order.").get_data(as_text=True))
    assert ">向站点发布订单<" in group and ">新建订单<" in group and ">确认收货<" not in group
    page = client.get("/admin/audit/?action=order.post").get_data(as_text=True)
    assert '<option value="order.post" selected>向站点发布订单</option>' in page
    assert '<option value="order.">订单：全部</option>' in page


def test_the_log_lists_entries_by_their_time_and_pages_on_from_the_last_shown(
    make_user: Any, make_client: Any
) -> None:
    """An entry written later but dated earlier (the demo's history) takes its place by date, and paging
    goes on after the last entry of the page before, without repeating or skipping one."""
    from datetime import timedelta

    from factory.audit import routes
    from factory.audit.models import AuditEntry
    from factory.types import utcnow

    admin = make_user("admin")
    now = utcnow()
    people = [make_user("worker") for _ in range(routes.PAGE + 5)]
    db.session.flush()
    # ids rise while the dates fall: written now, about events of the last weeks
    for n, person in enumerate(people):
        db.session.add(
            AuditEntry(
                action="user.create",
                object_type="user_account",
                object_id=person.id,
                at=now - timedelta(hours=n),
            )
        )
    db.session.flush()
    client = make_client(admin)
    seen: list[int] = []
    url: str | None = "/admin/audit/?action=user.create"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'data-entry="(\d+)"', page)]
        more = re.search(r'href="([^"]*before=\d+[^"]*)"', page)
        url = html.unescape(more.group(1)) if more else None
    assert len(seen) > routes.PAGE  # more than one page
    assert len(set(seen)) == len(seen)  # none shown twice
    entries = {
        e.id: e for e in db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.create"))
    }
    assert set(seen) == set(entries)  # none skipped
    times = [entries[i].at for i in seen]
    assert times == sorted(times, reverse=True)
