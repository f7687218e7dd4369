"""Deliveries, receipt, what is owed, and the import of orders from spreadsheets."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.extensions import db
from factory.orders import deliveries as dl
from factory.orders import importing, services
from factory.orders.models import Order
from factory.orders.services import OrderServiceError, ProductionCount

from .conftest import audit_actions, passed_in_lots


@pytest.fixture
def taken(make_order: Any, organiser: Any) -> Any:
    order = make_order(quantity=250, lot_size=100)
    services.accept_order(order, organiser.station_id, 250, organiser)
    return order


def passed(production: list[Any], order: Any, station_id: int, pieces: int, days_ago: int = 0) -> None:
    """`pieces` passed inspection in the station's lots, each lot full before the next."""
    by_lot: dict[int, int] = {}
    for lot in sorted((x for x in order.lots if x.station_id == station_id), key=lambda x: x.index):
        take = min(lot.pieces, pieces - sum(by_lot.values()))
        if take > 0:
            by_lot[lot.index] = take
    passed_in_lots(production, order, station_id, by_lot, days_ago)


def test_nothing_can_be_delivered_before_pieces_pass_inspection(taken: Any, organiser: Any) -> None:
    with pytest.raises(OrderServiceError) as caught:
        dl.record_delivery(taken, organiser.station_id, organiser, pieces=10)
    assert caught.value.code == "more_than_accepted"
    assert dl.deliveries_for(taken.id) == []


def test_delivered_pieces_cannot_exceed_accepted_ones(
    taken: Any, organiser: Any, production: list[ProductionCount]
) -> None:
    passed(production, taken, organiser.station_id, 120)
    delivery = dl.record_delivery(taken, organiser.station_id, organiser, pieces=110)
    assert [(line.lot.index, line.pieces) for line in delivery.lines] == [(1, 100), (2, 10)]
    assert taken.status == "in_production"
    with pytest.raises(OrderServiceError) as caught:
        dl.record_delivery(taken, organiser.station_id, organiser, pieces=11)
    assert "10" in caught.value.message
    dl.record_delivery(taken, organiser.station_id, organiser, lines={2: 10})
    assert services.order_progress([taken.id])[taken.id].delivered == 120
    assert audit_actions("order_delivery", delivery.id) == ["delivery.create"]


def test_a_lot_cannot_deliver_more_than_it_holds_nor_another_stations_lot(
    make_order: Any, organiser: Any, make_user: Any, production: list[ProductionCount]
) -> None:
    order = make_order(quantity=300, lot_size=100)
    other = make_user("organiser")
    services.accept_order(order, organiser.station_id, 100, organiser)
    services.accept_order(order, other.station_id, 200, other)
    passed(production, order, organiser.station_id, 100)
    with pytest.raises(OrderServiceError) as caught:
        dl.record_delivery(order, organiser.station_id, organiser, lines={1: 101})
    assert "lines" in caught.value.fields
    with pytest.raises(OrderServiceError):
        dl.record_delivery(
            order, organiser.station_id, organiser, lines={2: 5}
        )  # lot 2 is the other station's
    with pytest.raises(OrderServiceError):
        dl.record_delivery(order, other.station_id, other, pieces=1)  # the other station has none accepted


def test_a_delivery_date_in_the_future_is_refused(
    taken: Any, organiser: Any, production: list[ProductionCount]
) -> None:
    passed(production, taken, organiser.station_id, 10)
    with pytest.raises(OrderServiceError) as caught:
        dl.record_delivery(
            taken,
            organiser.station_id,
            organiser,
            pieces=5,
            delivered_on=(services.local_today() + timedelta(days=3)).isoformat(),
        )
    assert "delivered_on" in caught.value.fields


def test_receipt_of_every_piece_makes_the_order_delivered_then_closable(
    taken: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    passed(production, taken, organiser.station_id, 250)
    first = dl.record_delivery(taken, organiser.station_id, organiser, pieces=200)
    second = dl.record_delivery(taken, organiser.station_id, organiser, pieces=50)
    dl.confirm_receipt(first, coordinator)
    assert taken.status == "in_production"
    with pytest.raises(OrderServiceError):
        dl.confirm_receipt(first, coordinator)
    dl.confirm_receipt(second, coordinator)
    assert taken.status == "delivered"
    services.close_order(taken, coordinator)
    assert taken.status == "closed"
    assert audit_actions("work_order", taken.id)[-3:] == [
        "order.in_production",
        "order.delivered",
        "order.close",
    ]


def test_progress_counts_pieces_received_missing_and_not_yet_confirmed_apart_from_delivered(
    taken: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    passed(production, taken, organiser.station_id, 250)
    short = dl.record_delivery(taken, organiser.station_id, organiser, pieces=200)
    dl.record_delivery(taken, organiser.station_id, organiser, pieces=30)  # not confirmed yet
    dl.confirm_receipt(short, coordinator, received="180", note="少了一箱 20 件")
    progress = services.order_progress([taken.id])[taken.id]
    assert (progress.delivered, progress.received, progress.missing, progress.awaiting_receipt) == (
        230,
        180,
        20,
        30,
    )
    # The pieces counted on receipt are a day's `received`, on the local day the receipt was confirmed.
    assert sum(c.received for _d, c in progress.series()) == 180
    assert progress.day(services.local_today()).received == 180
    assert progress.as_json()["missing"] == 20
    other = services.order_progress([taken.id], station_id=organiser.station_id + 1000)[taken.id]
    assert (other.delivered, other.received, other.missing) == (0, 0, 0)


def test_amounts_round_the_rate_once_per_line_and_add_the_fee() -> None:
    # 3 pieces at 35.55 fen = 106.65 -> 107 fen, plus 3 × 5 fen.
    assert dl.amount_fen(3, 3555, 5) == 107 + 15
    assert dl.amount_fen(0, 3555, 5) == 0


def test_statement_counts_received_pieces_by_month(
    make_order: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    order = make_order(quantity=300, lot_size=100, piece_rate_units=4050, service_fee_fen=5)
    services.accept_order(order, organiser.station_id, 300, organiser)
    passed(production, order, organiser.station_id, 300, days_ago=40)
    today = services.local_today()
    earlier = dl.record_delivery(
        order,
        organiser.station_id,
        organiser,
        pieces=100,
        delivered_on=(today - timedelta(days=35)).isoformat(),
    )
    later = dl.record_delivery(order, organiser.station_id, organiser, pieces=30)
    dl.record_delivery(order, organiser.station_id, organiser, pieces=7)  # not confirmed: not owed yet
    dl.confirm_receipt(earlier, coordinator)
    dl.confirm_receipt(later, coordinator)
    st = dl.statement(coordinator.enterprise_id)
    assert st.total_pieces == 130
    assert st.pending_pieces == 7
    # 100 × 40.50 = 4050 + 500; 30 × 40.50 = 1215 + 150
    assert st.total_fen == 4550 + 1365
    assert [m for m, _p, _a in st.months()] == sorted(
        {earlier.delivered_on.strftime("%Y-%m"), today.strftime("%Y-%m")}
    )
    only = dl.statement(coordinator.enterprise_id, month=today.strftime("%Y-%m"))
    assert only.total_pieces == (30 if earlier.delivered_on.month != today.month else 130)
    assert dl.statement(coordinator.enterprise_id + 1000).lines == []


def test_statement_csv_has_a_bom_and_escapes_formulas(
    make_order: Any, organiser: Any, coordinator: Any, production: list[ProductionCount]
) -> None:
    order = make_order(product='=HYPERLINK("http://x")', reference="@SUM(A1)", quantity=100, lot_size=100)
    services.accept_order(order, organiser.station_id, 100, organiser)
    passed(production, order, organiser.station_id, 100)
    delivery = dl.record_delivery(order, organiser.station_id, organiser, pieces=100)
    dl.confirm_receipt(delivery, coordinator)
    data = dl.statement_csv(dl.statement(coordinator.enterprise_id))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "'@SUM(A1)" in text
    assert ",=HYPERLINK" not in text


# ------------------------------------------------------------------ import

HEADER = "产品,技能,数量,每包件数,计件单价,标准工时,交货日期,物料,站点\n"


def csv_file(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id))) or 0


def test_import_creates_and_posts_every_row(coordinator: Any, station: Any) -> None:
    due = (services.local_today() + timedelta(days=20)).isoformat()
    data = csv_file(
        f'遥控器组装,remote_assembly,1000,100,0.40,1,{due},"外壳, 1, 套; 螺丝, 2, 颗",',
        f"冰箱贴彩绘,冰箱贴彩绘,500,50,1.2,3,{due},,{station.name}",
    )
    orders = importing.import_orders(coordinator.enterprise_id, "orders.csv", data, coordinator, post=True)
    assert [(o.product, o.status, len(o.lots)) for o in orders] == [
        ("遥控器组装", "posted", 10),
        ("冰箱贴彩绘", "posted", 10),
    ]
    assert [m.item for m in orders[0].materials] == ["外壳", "螺丝"]
    assert orders[1].target_station_ids == [station.id]


def test_a_file_with_any_error_imports_nothing_and_names_rows_and_columns(coordinator: Any) -> None:
    due = (services.local_today() + timedelta(days=20)).isoformat()
    data = csv_file(
        f"遥控器组装,remote_assembly,1000,100,0.40,1,{due},,",
        "冰箱贴彩绘,no_such_skill,0,50,abc,3,2001-01-01,,无此站点",
    )
    before = count_orders()
    with pytest.raises(importing.ImportProblems) as caught:
        importing.import_orders(coordinator.enterprise_id, "orders.csv", data, coordinator)
    found = {(row, column) for row, column, _msg in caught.value.problems}
    assert {(3, "技能"), (3, "数量"), (3, "计件单价"), (3, "交货日期"), (3, "站点")} <= found
    assert all(row == 3 for row, _c, _m in caught.value.problems)
    assert count_orders() == before


def test_import_reads_xlsx_and_refuses_a_wrong_shape(coordinator: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Product", "Skill", "Quantity", "Lot size", "Piece rate", "Standard minutes", "Due date"])
    sheet.append(
        ["手工编花", "flower_weaving", 60, 20, "2.5", "6", services.local_today() + timedelta(days=9)]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    orders = importing.import_orders(coordinator.enterprise_id, "orders.xlsx", buffer.getvalue(), coordinator)
    assert [(o.skill.code, o.quantity, o.status) for o in orders] == [("flower_weaving", 60, "draft")]

    with pytest.raises(importing.ImportProblems) as caught:
        importing.import_orders(coordinator.enterprise_id, "orders.csv", b"name,colour\nx,y\n", coordinator)
    assert any(column == "product" or "product" in message for _r, column, message in caught.value.problems)


def test_import_posting_below_the_minimum_needs_the_reason_column(coordinator: Any) -> None:
    due = (services.local_today() + timedelta(days=20)).isoformat()
    data = csv_file(f"遥控器组装,remote_assembly,100,100,0.10,1,{due},,")
    with pytest.raises(importing.ImportProblems) as caught:
        importing.import_orders(coordinator.enterprise_id, "orders.csv", data, coordinator, post=True)
    assert caught.value.problems[0][:2] == (2, "低于最低工资的理由")
