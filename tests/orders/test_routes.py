"""Order pages, as the coordinator, the organiser and the administrator use them."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.extensions import db
from factory.orders import deliveries as dl
from factory.orders import services
from factory.orders.models import Order
from factory.orders.services import OrderServiceError, ProductionCount
from factory.reference.models import District, MinimumWage

from .conftest import audit_actions, future, passed_in_lots


def form(**overrides: Any) -> dict[str, Any]:
    values = {
        "product": "遥控器组装",
        "skill": "remote_assembly",
        "quantity": "250",
        "lot_size": "100",
        "piece_rate": "0.40",
        "standard_minutes": "1",
        "service_fee": "0.05",
        "due_date": future().isoformat(),
        "quality_standard": "按键回弹正常",
        "materials": "外壳, 1, 套\n螺丝, 2, 颗",
        "offer": "all",
        "action": "post",
    }
    values.update(overrides)
    return values


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id))) or 0


def test_coordinator_creates_and_posts_an_order(make_client: Any, coordinator: Any) -> None:
    client = make_client(coordinator)
    response = client.submit("/orders/new", form())
    assert response.status_code == 302
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert (order.status, order.piece_rate_units, order.service_fee_fen, len(order.lots)) == (
        "posted",
        4000,
        5,
        3,
    )
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "遥控器组装" in page
    assert "¥0.40" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", "0"),
        ("quantity", "10000001"),
        ("quantity", "abc"),
        ("lot_size", "300"),
        ("piece_rate", "0"),
        ("piece_rate", "-1"),
        ("standard_minutes", "0"),
        ("due_date", "2001-01-01"),
        ("product", "长" * 101),
        ("skill", "nope"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_stored(
    make_client: Any, coordinator: Any, field: str, value: str
) -> None:
    client = make_client(coordinator)
    before = count_orders()
    response = client.submit("/orders/new", form(**{field: value}), token_from="/orders/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert count_orders() == before


def test_posting_below_the_minimum_shows_the_figures_and_keeps_nothing(
    make_client: Any, coordinator: Any
) -> None:
    client = make_client(coordinator)
    before = count_orders()
    response = client.submit("/orders/new", form(piece_rate="0.30"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "¥18.00" in page
    assert "¥22.00" in page
    assert count_orders() == before
    response = client.submit("/orders/new", form(piece_rate="0.30", below_minimum_reason="新手练习批次"))
    assert response.status_code == 302


def test_organiser_sees_the_offer_takes_part_and_sees_the_reason(
    make_client: Any, make_order: Any, organiser: Any
) -> None:
    order = make_order(piece_rate_units=3000, reason="试产批次")
    client = make_client(organiser)
    listing = client.get("/orders/").get_data(as_text=True)
    assert f"/orders/{order.id}" in listing
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "试产批次" in page
    response = client.submit(
        f"/orders/{order.id}/accept", {"quantity": "150"}, token_from=f"/orders/{order.id}"
    )
    assert response.status_code == 422  # whole lots of 100 only
    assert "200" in response.get_data(as_text=True)
    assert order.acceptances == []
    response = client.submit(
        f"/orders/{order.id}/accept", {"quantity": "200"}, token_from=f"/orders/{order.id}"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert services.order_progress([order.id])[order.id].accepted_by_stations == 200


def test_a_targeted_order_is_hidden_from_other_stations(
    make_client: Any, make_order: Any, organiser: Any, make_user: Any
) -> None:
    order = make_order(open_to_all=False, station_ids=[organiser.station_id])
    stranger = make_client(make_user("organiser"))
    assert stranger.get(f"/orders/{order.id}").status_code == 404
    assert f"/orders/{order.id}" not in stranger.get("/orders/").get_data(as_text=True)


def test_progress_page_shows_counts_chart_and_estimate(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    order = make_order(quantity=300, lot_size=100)
    services.accept_order(order, organiser.station_id, 300, organiser)
    today = services.local_today()
    production.append(
        ProductionCount(
            order.id,
            organiser.station_id,
            today - timedelta(days=1),
            assigned=300,
            reported=90,
            accepted=70,
            rejected=3,
        )
    )
    production.append(ProductionCount(order.id, organiser.station_id, today, reported=60, accepted=50))
    page = make_client(coordinator).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "<svg" in page
    assert 'value="120"' in page  # passed inspection: 70 + 50
    # 120 pieces in 7 days (about 17 a day); 180 left -> 11 days
    assert f"按最近 7 天每天约 17 件质检合格的速度，预计 {(today + timedelta(days=11)).isoformat()}" in page
    station_page = make_client(organiser).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "<svg" in station_page


def test_progress_chart_spaces_the_recorded_days_by_date(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    """Ten days between two records take more room than one day: the x axis is time, not one slot a day."""
    import re

    order = make_order(quantity=300, lot_size=100)
    services.accept_order(order, organiser.station_id, 300, organiser)
    today = services.local_today()
    for back, pieces in ((11, 20), (1, 30), (0, 40)):
        production.append(
            ProductionCount(order.id, organiser.station_id, today - timedelta(days=back), accepted=pieces)
        )
    page = make_client(coordinator).get(f"/orders/{order.id}").get_data(as_text=True)
    xs = sorted({float(x) for x in re.findall(r'<circle cx="([\d.]+)"', page)})
    assert len(xs) == 3
    assert (xs[1] - xs[0]) / (xs[2] - xs[1]) == pytest.approx(10, rel=0.01)
    assert f">{(today - timedelta(days=11)).isoformat()}</text>" in page  # the first day, with its year


def test_delivery_note_pdf_is_readable_chinese(
    make_client: Any,
    make_order: Any,
    organiser: Any,
    coordinator: Any,
    production: list[ProductionCount],
    tmp_path: Any,
) -> None:
    order = make_order(quantity=200, lot_size=100, product="冰箱贴彩绘")
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100, 2: 50})
    client = make_client(organiser)
    response = client.submit(
        f"/orders/{order.id}/deliveries",
        {"pieces": "150", "delivered_on": services.local_today().isoformat()},
        token_from=f"/orders/{order.id}",
    )
    assert response.status_code == 302
    delivery = dl.deliveries_for(order.id)[0]
    pdf = client.get(f"/orders/deliveries/{delivery.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "note.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for expected in (
        "送 货 单",
        "冰箱贴彩绘",
        "第1批",
        "第2批",
        "150 件",
        "收货人签字",
        organiser.station.name,
    ):
        assert expected in flat, expected
    coordinator_client = make_client(coordinator)
    assert coordinator_client.get(f"/orders/deliveries/{delivery.id}.pdf").status_code == 200
    response = coordinator_client.submit(
        f"/orders/deliveries/{delivery.id}/receive", {}, token_from=f"/orders/{order.id}"
    )
    assert response.status_code == 302
    assert delivery.received_at is not None


def test_delivering_more_than_passed_inspection_is_refused(
    make_client: Any, make_order: Any, organiser: Any, production: list[ProductionCount]
) -> None:
    order = make_order(quantity=200, lot_size=100)
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 20})
    response = make_client(organiser).submit(
        f"/orders/{order.id}/deliveries", {"pieces": "21"}, token_from=f"/orders/{order.id}"
    )
    assert response.status_code == 409
    assert dl.deliveries_for(order.id) == []


def test_statement_page_and_csv(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    order = make_order(quantity=100, lot_size=100)
    services.accept_order(order, organiser.station_id, 100, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    dl.confirm_receipt(delivery, coordinator)
    client = make_client(coordinator)
    page = client.get("/orders/statement").get_data(as_text=True)
    assert "¥45.00" in page  # 100 × (0.40 + 0.05)
    csv = client.get(f"/orders/statement.csv?month={services.local_today():%Y-%m}")
    assert csv.data.startswith(b"\xef\xbb\xbf")
    assert "45.00" in csv.data.decode("utf-8-sig")
    assert client.get("/orders/statement?month=2026-13").status_code == 400


def test_import_page_lists_problems_and_keeps_nothing(make_client: Any, coordinator: Any) -> None:
    import io

    client = make_client(coordinator)
    before = count_orders()
    data = "产品,技能,数量,每包件数,计件单价,标准工时,交货日期\n遥控器组装,remote_assembly,-3,100,0.4,1,2001-01-01\n"
    response = client.post(
        "/orders/import",
        data={
            "csrf_token": client.csrf_token("/orders/import"),
            "file": (io.BytesIO(data.encode()), "o.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "数量" in page
    assert count_orders() == before
    template = client.get("/orders/import/template.csv")
    assert template.data.startswith(b"\xef\xbb\xbf")


def test_admin_maintains_minimum_wages_and_district_tiers(make_client: Any, make_user: Any) -> None:
    admin = make_client(make_user("admin"))
    assert admin.get("/admin/minimum-wages").status_code == 200
    response = admin.submit(
        "/admin/minimum-wages",
        {
            "new-tier": "1",
            "new-hourly": "23.50",
            "new-monthly": "2350",
            "new-effective_from": "2027-01-01",
            "new-source": "鲁政字〔2026〕测试",
        },
    )
    assert response.status_code == 302
    row = db.session.scalar(select(MinimumWage).where(MinimumWage.hourly_fen == 2350))
    assert row is not None
    response = admin.submit(
        f"/admin/minimum-wages/{row.id}",
        {
            f"w{row.id}-tier": "1",
            f"w{row.id}-hourly": "abc",
            f"w{row.id}-monthly": "2350",
            f"w{row.id}-effective_from": "2027-01-01",
            f"w{row.id}-source": "x",
        },
        token_from="/admin/minimum-wages",
    )
    assert response.status_code == 422
    district = db.session.scalar(select(District).where(District.name == "莱西市"))
    response = admin.submit(
        f"/admin/districts/{district.id}/tier",
        {f"d{district.id}-tier": "1"},
        token_from="/admin/minimum-wages",
    )
    assert response.status_code == 302
    assert district.tier == 1


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/orders/", {"admin", "coordinator", "organiser"}),
        ("/orders/new", {"coordinator"}),
        ("/orders/import", {"coordinator"}),
        ("/orders/statement", {"coordinator", "admin"}),
        ("/admin/minimum-wages", {"admin"}),
    ],
)
def test_pages_by_role(make_client: Any, make_user: Any, path: str, allowed: set[str]) -> None:
    for role in ("admin", "coordinator", "organiser", "worker"):
        status = make_client(make_user(role)).get(path).status_code
        assert (status == 200) == (role in allowed), f"{role} {path} -> {status}"


def test_own_orders_are_reachable(
    make_client: Any, make_order: Any, coordinator: Any, make_user: Any
) -> None:
    order = make_order()
    assert make_client(coordinator).get(f"/orders/{order.id}").status_code == 200
    assert make_client(coordinator).get(f"/orders/{order.id}/edit").status_code == 200
    assert make_client(make_user("admin")).get(f"/orders/{order.id}").status_code == 200
    other = make_client(make_user("coordinator"))
    assert other.get(f"/orders/{order.id}").status_code == 404


def test_a_draft_is_posted_from_its_page_with_a_reason(
    make_client: Any, make_order: Any, coordinator: Any
) -> None:
    order = make_order(post=False, piece_rate_units=3000)
    client = make_client(coordinator)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "¥18.00" in page  # the check is shown before posting
    assert 'data-confirm="' in page
    refused = client.submit(f"/orders/{order.id}/post", {}, token_from=f"/orders/{order.id}")
    assert refused.status_code == 422
    assert order.status == "draft"
    posted = client.submit(
        f"/orders/{order.id}/post", {"below_minimum_reason": "试产批次"}, token_from=f"/orders/{order.id}"
    )
    assert posted.status_code == 302
    db.session.expire_all()
    assert order.status == "posted"


def test_after_a_station_took_it_the_edit_page_changes_only_texts(
    make_client: Any, make_order: Any, coordinator: Any, organiser: Any
) -> None:
    order = make_order()
    services.accept_order(order, organiser.station_id, 100, organiser)
    client = make_client(coordinator)
    page = client.get(f"/orders/{order.id}/edit").get_data(as_text=True)
    assert "<fieldset disabled>" in page
    response = client.submit(
        f"/orders/{order.id}/edit",
        form(note="请在周五前送第一批", quantity="5", action="save"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert order.note == "请在周五前送第一批"
    assert order.quantity == 250


def test_delivery_note_lists_only_pieces_that_passed_inspection_in_each_lot(
    make_client: Any, make_order: Any, make_user: Any, organiser: Any, coordinator: Any, tmp_path: Any
) -> None:
    import hashlib
    import uuid

    from factory.production import services as production

    order = make_order(quantity=1000, lot_size=200, product="冰箱贴彩绘")
    services.accept_order(order, organiser.station_id, 1000, organiser)
    worker = make_user("worker", station=organiser.station)
    today = services.local_today()
    passed = {1: 163, 2: 136, 3: 145}
    for lot in order.lots:
        if lot.index not in passed:
            continue
        task = production.create_task(lot.id, worker.id, organiser)
        body = hashlib.sha256(b"x").hexdigest()
        production.record_report(task.id, worker, 180, uuid.uuid4().hex, body)
        production.record_inspection(task.id, organiser, passed[lot.index], 2, "毛刺", today, False)
    assert dl.deliverable(order, organiser.station_id) == 444
    client = make_client(organiser)
    refused = client.submit(
        f"/orders/{order.id}/deliveries", {"pieces": "445"}, token_from=f"/orders/{order.id}"
    )
    assert refused.status_code == 409
    assert dl.deliveries_for(order.id) == []
    with pytest.raises(OrderServiceError) as caught:
        dl.record_delivery(order, organiser.station_id, organiser, lines={1: 164})
    assert caught.value.code == "more_than_accepted"
    with pytest.raises(OrderServiceError):
        dl.record_delivery(order, organiser.station_id, organiser, lines={4: 1})  # nothing passed in lot 4

    first = dl.record_delivery(order, organiser.station_id, organiser, lines={2: 36})
    response = client.submit(
        f"/orders/{order.id}/deliveries",
        {"pieces": "400", "delivered_on": today.isoformat()},
        token_from=f"/orders/{order.id}",
    )
    assert response.status_code == 302
    delivery = dl.deliveries_for(order.id)[-1]
    assert delivery.id != first.id
    # Oldest lot first, each lot at most what passed there and was not delivered yet.
    assert [(line.lot.index, line.pieces) for line in delivery.lines] == [(1, 163), (2, 100), (3, 137)]
    assert dl.deliverable(order, organiser.station_id) == 8

    path = tmp_path / "note.pdf"
    path.write_bytes(make_client(coordinator).get(f"/orders/deliveries/{delivery.id}.pdf").data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for row in ("第1批 .*?163", "第2批 冰箱贴彩绘 200 100", "第3批 冰箱贴彩绘 200 137", "合计 400 件"):
        assert re.search(row, flat), row
    assert "第4批" not in flat and "第5批" not in flat
    page = make_client(coordinator).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "第 1 批 163 件、第 2 批 100 件、第 3 批 137 件" in page


def test_an_offered_order_shows_no_progress_bars_until_the_station_takes_it_on(
    make_client: Any, make_order: Any, organiser: Any
) -> None:
    order = make_order(quantity=300, lot_size=100)
    client = make_client(organiser)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "<progress" not in page
    assert "/ 1<" not in page and "/ 0<" not in page
    assert "您的站点还没有承接这个订单" in page
    services.accept_order(order, organiser.station_id, 200, organiser)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "质检合格: 0 / 200" in page


def test_receipt_is_confirmed_on_its_own_page_and_a_short_delivery_is_owed_what_arrived(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    order = make_order(quantity=200, lot_size=100)
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    client = make_client(coordinator)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    receive = f"/orders/deliveries/{delivery.id}/receive"
    assert f'href="{receive}"' in page  # a link to a confirm page, not a one-click form
    confirm = client.get(receive).get_data(as_text=True)
    assert 'name="received"' in confirm and 'value="100"' in confirm
    assert delivery.received_at is None
    # Fewer pieces without saying why, or more than delivered: refused, nothing kept.
    assert client.submit(receive, {"received": "95"}).status_code == 422
    assert client.submit(receive, {"received": "101", "receipt_note": "x"}).status_code == 422
    assert delivery.received_at is None
    response = client.submit(receive, {"received": "95", "receipt_note": "5 件外壳破损"})
    assert response.status_code == 302
    assert delivery.received_at is not None and delivery.pieces_received == 95 and delivery.short == 5
    st = dl.statement(coordinator.enterprise_id)
    assert st.total_pieces == 95
    assert st.total_fen == dl.amount_fen(95, 4000, 5)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "5 件外壳破损" in page and "收到 95 件，缺 5 件" in page
    again = client.submit(receive, {"received": "95", "receipt_note": "again"}, token_from="/orders/new")
    assert again.status_code == 409


def test_an_order_received_short_is_closed_short_with_a_reason(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    order = make_order(quantity=200, lot_size=100)
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100})
    first = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    services.mark_in_production(order.id, organiser)
    client = make_client(coordinator)
    path = f"/orders/{order.id}"
    # Half the order is still being made: a short receipt of the first delivery settles nothing yet.
    dl.confirm_receipt(first, coordinator, received=98, note="2 件破损")
    assert "close-short" not in client.get(path).get_data(as_text=True)
    assert client.submit(f"{path}/close", {"reason": "x"}, token_from="/orders/new").status_code == 409
    passed_in_lots(production, order, organiser.station_id, {2: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    # While a delivery waits to be confirmed, or nothing is missing, the order cannot close early.
    assert "close-short" not in client.get(path).get_data(as_text=True)
    assert client.submit(f"{path}/close", {"reason": "x"}, token_from="/orders/new").status_code == 409
    dl.confirm_receipt(delivery, coordinator, received=96, note="4 件丢失")
    assert order.status == "in_production"  # 194 of 200 arrived: not delivered in full
    page = client.get(path).get_data(as_text=True)
    assert "close-short" in page and "其中有 6 件没有收到" in page
    refused = client.submit(f"{path}/close", {"reason": " "}, token_from=path)
    assert refused.status_code == 422 and order.status == "in_production"
    response = client.submit(f"{path}/close", {"reason": "丢失的 4 件不再补发"}, token_from=path)
    assert response.status_code == 302 and order.status == "closed"
    assert audit_actions("work_order", order.id)[-1] == "order.close_short"
    assert dl.statement(coordinator.enterprise_id).total_pieces == 194


def test_the_coordinator_orders_the_pieces_that_never_arrived_again(
    make_client: Any,
    make_order: Any,
    make_user: Any,
    organiser: Any,
    coordinator: Any,
    production: list[Any],
) -> None:
    order = make_order(quantity=200, lot_size=100, reference="HY-7")
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100, 2: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=200)
    dl.confirm_receipt(delivery, coordinator, received=194, note="6 件丢失")
    client = make_client(coordinator)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    again = f"/orders/new?again={order.id}&part=missing"
    assert f'href="{again.replace("&", "&amp;")}"' in page and "为没收到的 6 件再下一单" in page
    # The whole order can be ordered again too, beside the missing pieces.
    assert f'href="/orders/new?again={order.id}"' in page and "全部 200 件再下一单" in page
    prefilled = client.get(again).get_data(as_text=True)
    assert re.search(r'<input id="quantity"[^>]* value="6">', prefilled)
    assert re.search(r'<input id="due_date"[^>]* value="">', prefilled)  # a new due date to choose
    assert f"订单 #{order.id} 缺少的 6 件。</textarea>" in prefilled
    # The enterprise's order number is not copied: the new order is another order.
    assert re.search(r'<input autocomplete="off" id="reference"[^>]* value="">', prefilled)
    assert f"订单 #{order.id} 的企业订单号是 HY-7" in prefilled
    before = count_orders()
    response = client.submit(
        again, form(quantity="6", lot_size="6", note=f"订单 #{order.id} 缺少的 6 件", action="save")
    )
    assert response.status_code == 302 and count_orders() == before + 1
    made = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert (made.quantity, made.status, made.enterprise_id) == (6, "draft", coordinator.enterprise_id)
    assert (made.follows_order_id, made.for_missing_pieces, made.reference) == (order.id, True, "")
    # Someone else's order is not a template: not found, as any other way to it.
    stranger = make_user("coordinator")
    assert make_client(stranger).get(again).status_code == 404
    # An order received in full is ordered again whole, and records that it follows that order.
    whole = make_order(quantity=250, lot_size=100)
    whole_page = client.get(f"/orders/new?again={whole.id}").get_data(as_text=True)
    assert re.search(r'<input id="quantity"[^>]* value="250">', whole_page)
    assert client.submit(f"/orders/new?again={whole.id}", form(action="save")).status_code == 302
    repeat = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert (repeat.follows_order_id, repeat.for_missing_pieces) == (whole.id, False)


def test_missing_pieces_ordered_again_are_not_offered_again(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    order = make_order(quantity=200, lot_size=100, reference="HY-8")
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100, 2: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=200)
    dl.confirm_receipt(delivery, coordinator, received=180, note="20 件丢失")
    client = make_client(coordinator)
    path = f"/orders/{order.id}"
    again = f"/orders/new?again={order.id}&part=missing"
    # Two tabs open the form for the 20 missing pieces; the first orders 15 of them.
    first_tab = client.get(again).get_data(as_text=True)
    assert re.search(r'<input id="quantity"[^>]* value="20">', first_tab)
    assert client.submit(again, form(quantity="15", lot_size="15", action="save")).status_code == 302
    part = db.session.scalar(select(Order).order_by(Order.id.desc()))
    page = client.get(path).get_data(as_text=True)
    assert "为没收到的 5 件再下一单" in page and "为没收到的 20 件再下一单" not in page
    assert "缺的 20 件中，15 件已重新下单，还有 5 件没有。" in page
    assert f'href="/orders/{part.id}"' in _text_section(page, "follow-ups")
    assert "补缺的 15 件" in page
    # The rest, from the second tab.
    assert client.get(again).status_code == 200
    assert client.submit(again, form(quantity="5", lot_size="5", action="post")).status_code == 302
    rest = db.session.scalar(select(Order).order_by(Order.id.desc()))
    page = client.get(path).get_data(as_text=True)
    assert "part=missing" not in page and "为没收到的" not in page
    assert "缺的 20 件都已重新下单。" in page
    follow_ups = _text_section(page, "follow-ups")
    assert follow_ups.index(f"#{part.id}") < follow_ups.index(f"#{rest.id}")
    assert "草稿" in follow_ups and "已发布" in follow_ups
    assert f'href="/orders/new?again={order.id}"' in page and "再下一单" in page  # a plain repeat stays
    # A tab still open on the form: the same pieces are not ordered a third time.
    before = count_orders()
    refused = client.submit(
        again, form(quantity="20", lot_size="20", action="post"), token_from="/orders/new"
    )
    assert refused.status_code == 409 and count_orders() == before
    assert f"订单 #{order.id} 缺的件已经重新下过单了。" in refused.get_data(as_text=True)
    opened = client.get(again)
    assert opened.status_code == 302 and opened.headers["Location"].endswith(path)
    # Each new order says which order it follows, with a link; the list says it too.
    new_page = client.get(f"/orders/{rest.id}").get_data(as_text=True)
    assert f'<a href="{path}">补订单 #{order.id} 没收到的件</a>' in new_page
    assert f"#{rest.id} · 补 #{order.id} 缺的件 ·" in _text(client.get("/orders/").get_data(as_text=True))
    # A cancelled follow-up no longer counts: its pieces can be ordered again.
    services.cancel_order(rest, coordinator)
    page = client.get(path).get_data(as_text=True)
    assert "为没收到的 5 件再下一单" in page
    assert "已取消，这些件不算重新下单" in page


def _text_section(page: str, section_id: str) -> str:
    found = re.search(rf'<section class="card" id="{section_id}">(.*?)</section>', page, re.S)
    assert found, section_id
    return found.group(1)


def _text(html: str) -> str:
    """The visible text of an HTML fragment, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _tile(page: str, css: str) -> str:
    found = re.search(rf'<div class="tile {css}[^"]*">(.*?)</div>', page, re.S)
    assert found, css
    return _text(found.group(1))


def _station_row(page: str, name: str) -> list[str]:
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name}")


def test_every_view_of_the_order_shows_what_was_received_beside_what_was_delivered(
    make_client: Any, make_order: Any, make_user: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    """The user test: 500 delivered, 480 received; the progress kept saying 已送货 500 and nothing else."""
    order = make_order(quantity=1000, lot_size=100)
    other = make_user("organiser")
    services.accept_order(order, organiser.station_id, 600, organiser)
    services.accept_order(order, other.station_id, 400, other)
    passed_in_lots(production, order, organiser.station_id, {1: 100, 2: 100, 3: 100, 4: 100, 5: 100})
    passed_in_lots(production, order, other.station_id, {7: 100})
    short = dl.record_delivery(order, organiser.station_id, organiser, pieces=500)
    dl.record_delivery(order, other.station_id, other, pieces=100)  # not confirmed yet
    dl.confirm_receipt(short, coordinator, received="480", note="少了一箱 20 件")
    path = f"/orders/{order.id}"

    for viewer in (coordinator, make_user("admin")):
        page = make_client(viewer).get(path).get_data(as_text=True)
        assert _tile(page, "tile-received") == "480 已收货 缺 20 件 100 件待确认收货"
        assert 'id="p-received" max="1000" value="480"' in page
        assert "已收货: 480 / 1000 · 缺 20 件 · 100 件待确认收货" in _text(page)
        mine = _station_row(page, organiser.station.name)
        assert mine[-2:] == ["500", "480 缺 20 件"]
        theirs = _station_row(page, other.station.name)
        assert theirs[-2:] == ["100", "0 100 件待确认收货"]

    # Each organiser sees their own station's deliveries and what the enterprise found in them.
    own = make_client(organiser).get(path).get_data(as_text=True)
    assert _tile(own, "tile-received") == "480 已收货 缺 20 件"
    assert 'id="p-received" max="600" value="480"' in own
    waiting = make_client(other).get(path).get_data(as_text=True)
    assert _tile(waiting, "tile-received") == "0 已收货 100 件待确认收货"
    assert "缺 20 件" not in _text(waiting)


def test_the_estimate_says_what_it_is_based_on_and_no_far_away_date_for_too_little_work(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    today = services.local_today()
    order = make_order(quantity=6000, lot_size=200, due_date=today + timedelta(days=21))
    services.accept_order(order, organiser.station_id, 6000, organiser)
    production.append(
        ProductionCount(
            order.id, organiser.station_id, today - timedelta(days=30), assigned=3000, accepted=2153
        )
    )
    production.append(ProductionCount(order.id, organiser.station_id, today - timedelta(days=2), accepted=39))
    page = _text(make_client(coordinator).get(f"/orders/{order.id}").get_data(as_text=True))
    assert (
        "最近 7 天只有 39 件质检合格，太少，估不出完成日期（照这个速度，剩下的 3808 件要 90 天以上）。"
        in page
    )
    assert "晚于交货日期" in page
    # 3808 pieces over the 22 days up to the due date.
    assert f"要在交货日期（{order.due_date.isoformat()}）前完成，每天需要约 174 件质检合格。" in page
    assert not re.search(r"预计 \d{4}-\d\d-\d\d 全部质检合格", page)

    # A steady week: a date, with the pace it comes from, and no warning when it is in time.
    production.append(ProductionCount(order.id, organiser.station_id, today, accepted=1400))
    page = _text(make_client(coordinator).get(f"/orders/{order.id}").get_data(as_text=True))
    # 1439 in 7 days, about 206 a day; 2408 left -> 12 days
    day = (today + timedelta(days=12)).isoformat()
    assert f"按最近 7 天每天约 206 件质检合格的速度，预计 {day} 全部质检合格。" in page
    assert "晚于交货日期" not in page and "每天需要约" not in page


def test_an_order_with_pieces_rejected_for_good_is_settled_once_the_rest_arrived(
    make_client: Any, make_order: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    """19 of 20 pieces passed, 1 failed for good: nobody makes it again, so the order does not wait for it."""
    from factory.orders.services import LotCount

    order = make_order(quantity=20, lot_size=20)
    services.accept_order(order, organiser.station_id, 20, organiser)
    day = services.local_today()
    production.append(
        ProductionCount(
            order.id, organiser.station_id, day, assigned=20, reported=20, accepted=19, rejected=1
        )
    )
    production.append(LotCount(order.id, order.lots[0].id, 19))
    services.mark_in_production(order.id, organiser)
    client = make_client(coordinator)
    path = f"/orders/{order.id}"
    page = client.get(path).get_data(as_text=True)
    # the passed pieces are still to be delivered: nothing to settle, and no date promised for the 20th
    assert "close-short" not in page and "part=missing" not in page
    assert "所有件都已质检；有 1 件不合格报废，不会再有人做。" in page and "预计" not in page
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=19)
    assert "close-short" not in client.get(path).get_data(as_text=True)  # its receipt is not confirmed yet
    dl.confirm_receipt(delivery, coordinator, received=19)
    assert order.status == "in_production"
    page = client.get(path).get_data(as_text=True)
    assert "close-short" in page and "1 件质检不合格（报废），不会再做" in page
    assert f"/orders/new?again={order.id}&amp;part=missing" in page and "为没收到的 1 件再下一单" in page
    response = client.submit(f"{path}/close", {"reason": "报废 1 件，不再补做"}, token_from=path)
    assert response.status_code == 302 and order.status == "closed"
    assert audit_actions("work_order", order.id)[-1] == "order.close_short"


def test_a_stale_page_is_told_the_orders_status_in_words(
    make_client: Any, make_order: Any, coordinator: Any
) -> None:
    order = make_order()
    services.cancel_order(order, coordinator)
    db.session.commit()
    client = make_client(coordinator)
    again = client.submit(f"/orders/{order.id}/cancel", {}, token_from="/orders/new")
    assert again.status_code == 409
    assert "这个订单已经是“已取消”了。" in again.get_data(as_text=True)
    assert "“cancelled”" not in again.get_data(as_text=True)


def test_the_coordinators_home_lists_deliveries_to_confirm_and_late_orders(
    make_client: Any, make_order: Any, make_user: Any, organiser: Any, coordinator: Any, production: list[Any]
) -> None:
    order = make_order(quantity=200, lot_size=100)
    services.accept_order(order, organiser.station_id, 200, organiser)
    passed_in_lots(production, order, organiser.station_id, {1: 100})
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=60)
    late = make_order(quantity=100, lot_size=100)
    late.due_date = services.local_today() - timedelta(days=1)
    theirs = make_order(by=make_user("coordinator"), quantity=100, lot_size=100)  # another enterprise's
    theirs.due_date = late.due_date
    db.session.commit()
    client = make_client(coordinator)
    home = client.get("/").get_data(as_text=True)
    waiting = home[home.index('id="to-receive"') :]
    assert "等您确认收货的送货单（1 张）" in waiting
    assert f'href="/orders/deliveries/{delivery.id}/receive"' in waiting and "60 件" in waiting
    overdue = home[home.index('id="late-orders"') :]
    assert f'href="/orders/{late.id}"' in overdue and f'href="/orders/{theirs.id}"' not in home
    assert f'href="/orders/{order.id}"' not in overdue  # due in the future
    listed = client.get("/orders/").get_data(as_text=True)
    assert "已送货 60 件，等您确认收货" in listed
    dl.confirm_receipt(delivery, coordinator, received=60)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'id="to-receive"' not in home and "等您确认收货" not in client.get("/orders/").get_data(
        as_text=True
    )
