"""The pay pages: the organiser's close, slips on the phone and as PDF, exports, the worker's earnings."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.extensions import db
from factory.jobs.models import Job
from factory.payroll import services
from factory.payroll.models import Adjustment, PayeeAccount, PayPeriod, PaySlip
from tests.payroll.conftest import START


@pytest.fixture
def short_period(period: Any, make_order: Any, give: Any, work: Any, worker: Any, other_worker: Any) -> Any:
    """The June half-month: one worker paid ¥0.30 for a minute's piece (below ¥22 an hour), one fine."""
    work(give(make_order(rate=3000), worker), date(2024, 6, 3), 60, 2)
    work(give(make_order(rate=4000), other_worker), date(2024, 6, 4), 100)
    return period


def test_the_organiser_opens_a_period(make_client: Any, organiser: Any) -> None:
    client = make_client(organiser)
    page = client.get("/pay/")
    assert page.status_code == 200
    response = client.submit("/pay/periods", {"start": "2024-06-01", "end": "2024-06-15"}, token_from="/pay/")
    assert response.status_code == 302
    assert (
        db.session.scalar(select(PayPeriod.start).where(PayPeriod.station_id == organiser.station_id))
        == START
    )


@pytest.mark.parametrize(
    ("start", "end", "status", "text"),
    [
        ("2024-06-15", "2024-06-01", 422, "最后一天"),
        ("2024-06-10", "2024-06-20", 409, "2024-06-01 – 2024-06-15"),
        ("06/01/2024", "2024-06-15", 422, "YYYY-MM-DD"),
    ],
)
def test_bad_periods_are_refused_with_a_message(
    make_client: Any, organiser: Any, period: Any, start: str, end: str, status: int, text: str
) -> None:
    client = make_client(organiser)
    response = client.submit("/pay/periods", {"start": start, "end": end}, token_from="/pay/")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PayPeriod.id))) == 1


def test_the_close_page_flags_a_shortfall_and_tops_it_up_in_one_step(
    make_client: Any, organiser: Any, short_period: Any, worker: Any
) -> None:
    client = make_client(organiser)
    page = client.get(f"/pay/periods/{short_period.id}").get_data(as_text=True)
    assert "低于最低工资" in page and worker.name in page
    assert "¥4.00" in page  # 1 hour at ¥22.00 against ¥18.00 of piece pay
    response = client.submit(
        f"/pay/periods/{short_period.id}/top-up", {}, token_from=f"/pay/periods/{short_period.id}"
    )
    assert response.status_code == 302
    top_up = db.session.scalar(select(Adjustment).where(Adjustment.worker_id == worker.id))
    assert (top_up.kind, top_up.amount_fen, top_up.made_by_id) == ("minimum_wage_top_up", 400, organiser.id)


def test_closing_from_the_page_freezes_the_slips(
    make_client: Any, organiser: Any, short_period: Any, worker: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    client = make_client(organiser)
    path = f"/pay/periods/{short_period.id}"
    unconfirmed = client.submit(f"{path}/close", {"top_up": "y"}, token_from=path)
    assert unconfirmed.status_code == 400 and "不能撤销" in unconfirmed.get_data(as_text=True)
    assert db.session.get(PayPeriod, short_period.id).status == "open"
    response = client.submit(f"{path}/close", {"top_up": "y", "confirm": "y"}, token_from=path)
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "已结算" in page or "Closed" in page
    slip = db.session.scalar(select(PaySlip).where(PaySlip.worker_id == worker.id))
    assert (slip.lines_fen, slip.total_fen) == (1800, 2200)
    again = client.submit(f"{path}/close", {"top_up": "y", "confirm": "y"}, token_from=path)
    assert again.status_code == 409


def test_closing_with_uninspected_lots_needs_the_box_ticked(
    make_client: Any,
    organiser: Any,
    period: Any,
    order: Any,
    give: Any,
    work: Any,
    worker: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    task = give(order, worker)
    work(task, date(2024, 6, 3), 10)
    work(task, date(2024, 6, 4), 4, inspect=False)
    client = make_client(organiser)
    path = f"/pay/periods/{period.id}"
    assert "还没有质检" in client.get(path).get_data(as_text=True) or "not inspected" in client.get(
        path
    ).get_data(as_text=True)
    refused = client.submit(f"{path}/close", {"confirm": "y"}, token_from=path)
    assert refused.status_code == 409
    assert db.session.get(PayPeriod, period.id).status == "open"
    assert (
        client.submit(
            f"{path}/close", {"leave_uninspected": "y", "confirm": "y"}, token_from=path
        ).status_code
        == 302
    )


def test_the_inspection_page_refuses_a_day_of_a_closed_period_in_chinese(
    make_client: Any, organiser: Any, period: Any, order: Any, give: Any, work: Any, worker: Any
) -> None:
    from factory.production.models import Inspection, Task

    task = give(order, worker)
    work(task, date(2024, 6, 3), 4, inspect=False)
    services.close_period(period.id, organiser, leave_uninspected=True, today=date(2024, 7, 1))
    client = make_client(organiser)
    path = f"/production/tasks/{task.id}"
    form = {"accepted": "4", "rejected": "0", "reason": "", "inspected_on": "2024-06-10"}
    response = client.submit(f"{path}/inspect", form, token_from=path)
    assert response.status_code == 409
    assert "已经结算" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Inspection.id)).where(Inspection.task_id == task.id)) == 0
    form["inspected_on"] = "2024-06-16"
    assert client.submit(f"{path}/inspect", form, token_from=path).status_code == 302
    assert db.session.get(Task, task.id).accepted == 4


def test_an_adjustment_without_a_reason_is_refused_on_the_page(
    make_client: Any, organiser: Any, period: Any, worker: Any
) -> None:
    client = make_client(organiser)
    path = f"/pay/periods/{period.id}"
    response = client.submit(
        f"{path}/adjustments",
        {"worker_id": worker.id, "kind": "bonus", "amount": "5", "reason": ""},
        token_from=path,
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Adjustment.id))) == 0
    cents = client.submit(
        f"{path}/adjustments",
        {"worker_id": worker.id, "kind": "bonus", "amount": "1.234", "reason": "加急"},
        token_from=path,
    )
    assert cents.status_code == 422  # said in Chinese beside the field
    assert "请按元填写金额，最多两位小数，例如 12.50。" in cents.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Adjustment.id))) == 0
    ok = client.submit(
        f"{path}/adjustments",
        {"worker_id": worker.id, "kind": "bonus", "amount": "5.50", "reason": "加急"},
        token_from=path,
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(Adjustment.amount_fen)) == 550


@pytest.fixture
def closed(short_period: Any, organiser: Any, worker: Any) -> Any:
    services.set_payee_account(worker, "中国农业银行青岛市北支行", "6228 4800 1234 5678 901", organiser)
    services.close_period(short_period.id, organiser, top_up=True, today=date(2024, 7, 1))
    return short_period


def pdf_text(data: bytes) -> str:
    """The text of a PDF, page by page (poppler's pdftotext, installed with the app's Debian packages)."""
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_the_worker_reads_the_slip_on_the_phone_and_as_pdf(
    make_client: Any, closed: Any, worker: Any
) -> None:
    slip = db.session.scalar(select(PaySlip).where(PaySlip.worker_id == worker.id))
    client = make_client(worker)
    page = client.get(f"/pay/slips/{slip.id}").get_data(as_text=True)
    assert "合格 60 件 × ¥0.30 = ¥18.00" in page
    assert "¥22.00" in page and "不合格 2 件，不计酬" in page  # the total, and the rejected pieces shown
    pdf = client.get(f"/pay/slips/{slip.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    # Every amount on the PDF can be recomputed from its lines: 60 × ¥0.30 = ¥18.00, + ¥4.00 top-up = ¥22.00.
    assert "60 × ¥0.30 = ¥18.00" in text and "¥4.00" in text and "¥22.00" in text
    assert "最低工资补足" in text and "王秀英" in text


def test_a_worker_cannot_open_anothers_slip(
    make_client: Any, closed: Any, worker: Any, other_worker: Any
) -> None:
    theirs = db.session.scalar(select(PaySlip).where(PaySlip.worker_id == other_worker.id))
    assert make_client(worker).get(f"/pay/slips/{theirs.id}").status_code == 404


def test_printing_all_slips_runs_as_a_job_and_gives_one_pdf(
    make_client: Any, closed: Any, organiser: Any
) -> None:
    client = make_client(organiser)
    path = f"/pay/periods/{closed.id}"
    response = client.submit(f"{path}/print", {}, token_from=path)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = db.session.scalar(select(Job).where(Job.kind == "payroll_print"))
    db.session.refresh(job)
    assert job.status == "done", job.message
    assert job.result == {"slips": 2, "bytes": len(job.result_file)}
    assert job.result_file.startswith(b"%PDF")
    text = pdf_text(job.result_file)
    assert text.count("工 资 条") == 2 and "王秀英" in text and "李桂兰" in text
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "的工资条" in page and closed.start.isoformat() in page  # says what it printed
    assert f'href="/pay/periods/{closed.id}"' in page  # and leads back to the period


def test_the_bank_file_is_utf8_with_bom_and_formula_safe(
    make_client: Any, closed: Any, organiser: Any, other_worker: Any
) -> None:
    response = make_client(organiser).get(f"/pay/periods/{closed.id}/transfers.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "6228480012345678901" in text and "22.00" in text
    assert "（未登记账户）" in text or "(no account on file)" in text  # the other worker has none
    xlsx = make_client(organiser).get(f"/pay/periods/{closed.id}/transfers.xlsx")
    assert xlsx.data.startswith(b"PK")


def test_the_worker_earnings_page_is_light(make_client: Any, closed: Any, worker: Any) -> None:
    client = make_client(worker)
    response = client.get("/today/pay")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "¥22.00" in page and "6228" in page and "8901" in page and "1234 5678" not in page
    # pay by month: a row a month, readable text beside a bar (no chart labels too small for a phone)
    month = f"{closed.end.year}年{closed.end.month}月"
    assert (
        f'<li><span>{month}</span><meter min="0" max="2200" value="2200"></meter><strong>¥22.00</strong></li>'
        in page
    )
    css = client.get("/static/css/app.css").data + client.get("/static/css/payroll.css").data
    assert len(response.data) + len(css) < 60_000


def test_the_organiser_saves_a_bank_account_masked(make_client: Any, organiser: Any, worker: Any) -> None:
    client = make_client(organiser)
    path = f"/pay/workers/{worker.id}/account"
    bad = client.submit(path, {"holder_name": worker.name, "bank_name": "农行", "account_number": "12ab"})
    assert bad.status_code == 422
    ok = client.submit(
        path, {"holder_name": worker.name, "bank_name": "农行", "account_number": "6228480012345678901"}
    )
    assert ok.status_code == 302
    row = db.session.get(PayeeAccount, worker.id)
    assert row.account_masked == "6228***********8901"
    assert "6228480012345678901" not in row.account_cipher


def test_the_coordinator_changes_a_rate_from_a_day_on(make_client: Any, order: Any) -> None:
    from factory.accounts.models import User

    coordinator = db.session.scalar(
        select(User).where(User.enterprise_id == order.enterprise_id, User.role == "coordinator")
    )
    client = make_client(coordinator)
    path = f"/pay/orders/{order.id}/rates"
    response = client.submit(path, {"effective_from": "2024-06-10", "rate": "0.45", "reason": "旺季加价"})
    assert response.status_code == 302
    assert [r.rate_units for r in services.order_rates(order.id)] == [4000, 4500]
    assert (
        client.submit(path, {"effective_from": "2024-06-11", "rate": "0.45", "reason": ""}).status_code == 422
    )


def test_pieces_reported_after_the_period_or_in_rework_do_not_hold_up_its_close(
    make_client: Any,
    organiser: Any,
    period: Any,
    order: Any,
    give: Any,
    work: Any,
    worker: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    task = give(order, worker)
    work(task, date(2024, 6, 3), 10)
    work(task, date(2024, 6, 20), 4, inspect=False)  # made after the period ended
    assert services.uninspected_lots(period.station_id, reported_by=period.end) == []
    [late] = services.uninspected_lots(period.station_id)
    assert late.waiting == 4  # it still waits, for the next period
    client = make_client(organiser)
    path = f"/pay/periods/{period.id}"
    assert 'id="uninspected"' not in client.get(path).get_data(as_text=True)
    assert client.submit(f"{path}/close", {"confirm": "y"}, token_from=path).status_code == 302


def text_of(html: str) -> str:
    """What a reader sees of a page: the tags taken out, runs of white space made one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def two_halves(
    period: Any, make_order: Any, give: Any, work: Any, worker: Any, organiser: Any, station: Any
) -> tuple[Any, Any]:
    """June's two half-months, both closed. ¥0.40 a piece: 76, then 30 (and 2 rejected); ¥0.355: 1, then 1.

    In the second half, 30 × ¥0.40 is ¥12.00 exactly, whatever was paid before; 1 × ¥0.355 alone would round
    to ¥0.36, but rounded together with the piece paid in the first half it is ¥0.71 − ¥0.36 = ¥0.35.
    """
    even = give(make_order(rate=4000), worker)
    odd = give(make_order(rate=3550, minutes="0.5", product="冰箱贴彩绘"), worker)
    work(even, date(2024, 6, 3), 76)
    work(odd, date(2024, 6, 3), 1)
    work(even, date(2024, 6, 20), 30, 2)
    work(odd, date(2024, 6, 20), 1)
    services.close_period(period.id, organiser, today=date(2024, 7, 1))
    second = services.create_period(station.id, date(2024, 6, 16), date(2024, 6, 30), organiser)
    services.add_adjustment(second.id, worker.id, "bonus", 500, "加急订单", organiser)
    services.close_period(second.id, organiser, today=date(2024, 7, 1))
    first_slip, second_slip = (
        db.session.scalar(select(PaySlip).where(PaySlip.period_id == p.id, PaySlip.worker_id == worker.id))
        for p in (period, second)
    )
    assert (first_slip.total_fen, second_slip.lines_fen, second_slip.total_fen) == (3076, 1235, 1735)
    return first_slip, second_slip


def test_a_slip_explains_earlier_pieces_only_where_they_change_the_amount(
    make_client: Any, two_halves: Any, worker: Any
) -> None:
    first, second = two_halves
    client = make_client(worker)
    page = text_of(client.get(f"/pay/slips/{second.id}").get_data(as_text=True))
    # 30 × ¥0.40 needs no history: the 76 pieces paid before are not brought up.
    assert "合格 30 件 × ¥0.40 = ¥12.00" in page and "不合格 2 件，不计酬" in page
    # ("106 件", not 106: ids may contain it, PostgreSQL's sequences run on across tests)
    assert "106 件" not in page and "76 件" not in page
    # 1 × ¥0.355 would be ¥0.36 on its own; the slip pays ¥0.35 and shows why, every figure printed.
    assert "合格 1 件 × ¥0.355" in page
    assert "这个订单到目前一共 2 件：2 × ¥0.355 = ¥0.71" in page
    assert "前面 1 件已经付过：1 × ¥0.355 = ¥0.355，四舍五入为 ¥0.36" in page
    assert "这张工资条：¥0.71 − ¥0.36 = ¥0.35" in page
    assert "这 1 件单独算是 1 × ¥0.355 = ¥0.355，四舍五入为 ¥0.36" in page
    assert page.count("这个订单到目前一共") == 1
    # The total names its parts.
    assert "计件工资 ¥12.35 + 调整 ¥5.00 = ¥17.35" in page
    first_page = text_of(client.get(f"/pay/slips/{first.id}").get_data(as_text=True))
    assert "合格 76 件 × ¥0.40 = ¥30.40" in first_page
    assert "合格 1 件 × ¥0.355 = ¥0.355，四舍五入为 ¥0.36" in first_page
    assert "只有计件工资，没有奖励、扣款等调整： ¥30.76" in first_page
    assert "¥0.00" not in first_page

    pdf = pdf_text(client.get(f"/pay/slips/{second.id}.pdf").data)
    assert "计算：30 × ¥0.40 = ¥12.00" in pdf
    assert "106 件" not in pdf and "76 件" not in pdf
    assert "这个订单到目前一共 2 件：2 × ¥0.355 = ¥0.71" in pdf
    assert "前面 1 件已经付过：1 × ¥0.355 = ¥0.355，四舍五入为 ¥0.36" in pdf
    assert "这张工资条：¥0.71 − ¥0.36 = ¥0.35" in pdf
    assert pdf.count("这个订单到目前一共") == 1
    assert "实发合计 = 计件工资 ¥12.35 + 调整 ¥5.00" in pdf and "¥17.35" in pdf
    first_pdf = pdf_text(client.get(f"/pay/slips/{first.id}.pdf").data)
    assert "计算：1 × ¥0.355 = ¥0.355，四舍五入为 ¥0.36" in first_pdf
    assert "实发合计 = 计件工资 ¥30.76（没有调整）" in first_pdf and "¥0.00" not in first_pdf


def pay_table(html: str) -> tuple[list[str], dict[str, list[str]]]:
    """The period page's table of workers: its headings, and each worker's cells by name."""
    found = re.search(r'<table class="table" id="pay-table">(.*?)</table>', html, re.S)
    assert found, "the period page has no table of workers"
    table = found.group(1)
    heads = [text_of(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[cells[0].split()[0]] = cells[1:]
    return heads, rows


def test_the_open_and_closed_period_show_the_same_columns(
    make_client: Any, organiser: Any, short_period: Any, worker: Any, other_worker: Any
) -> None:
    client = make_client(organiser)
    path = f"/pay/periods/{short_period.id}"
    open_heads, open_rows = pay_table(client.get(path).get_data(as_text=True))
    services.close_period(short_period.id, organiser, today=date(2024, 7, 1))
    closed_heads, closed_rows = pay_table(client.get(path).get_data(as_text=True))
    assert open_heads == closed_heads == ["工人", "合格", "不合格", "计件工资", "调整", "合计"]
    # 王秀英: 60 accepted and 2 rejected at ¥0.30; 李桂兰: 100 at ¥0.40, none rejected.
    assert open_rows[worker.name] == closed_rows[worker.name] == ["60", "2", "¥18.00", "¥0.00", "¥18.00"]
    assert (
        open_rows[other_worker.name]
        == closed_rows[other_worker.name]
        == [
            "100",
            "0",
            "¥40.00",
            "¥0.00",
            "¥40.00",
        ]
    )


def test_the_close_message_counts_the_top_up_made_before_closing(
    make_client: Any, organiser: Any, short_period: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    client = make_client(organiser)
    path = f"/pay/periods/{short_period.id}"
    assert client.submit(f"{path}/top-up", {}, token_from=path).status_code == 302  # the one-click top-up
    client.get(path)  # shows (and uses up) the top-up's own message
    response = client.submit(f"{path}/close", {"top_up": "y", "confirm": "y"}, token_from=path)
    assert response.status_code == 302
    page = text_of(client.get(path).get_data(as_text=True))
    assert "工资条上有 1 笔最低工资补足，共 ¥4.00。 都是结算前补的。" in page
    assert "1 人补足到最低工资" in page  # the closed period's tile counts it too


def test_the_closed_period_page_reads_the_adjustments_in_one_go(
    make_client: Any, make_user: Any, make_order: Any, give: Any, work: Any, organiser: Any, station: Any
) -> None:
    from tests.production.conftest import count_queries

    period = services.create_period(station.id, START, date(2024, 6, 15), organiser)
    for n in range(6):
        someone = make_user("worker", station=station)
        work(give(make_order(rate=3000), someone), date(2024, 6, 3), 10 + n)  # short: each is topped up
    services.close_period(period.id, organiser, top_up=True, today=date(2024, 7, 1))
    client = make_client(organiser)
    with count_queries() as statements:
        page = client.get(f"/pay/periods/{period.id}").get_data(as_text=True)
    assert page.count("已补足") == 6
    # The slips' adjustments (for the page and for the summary) and the later corrections: three reads
    # whatever the number of slips, not one per slip.
    assert sum("FROM pay_adjustment" in s for s in statements) == 3


def test_pieces_sent_back_for_rework_are_not_shown_as_rejected_and_unpaid(
    make_client: Any,
    organiser: Any,
    period: Any,
    order: Any,
    give: Any,
    work: Any,
    worker: Any,
    monkeypatch: Any,
) -> None:
    """The user test's lot: 40 made; 30 accepted and 10 sent back for rework; redone and handed in again,
    8 accepted and 2 rejected. 38 are paid and 2 are rejected, on every page."""
    from factory.production import services as production

    task = give(order, worker)
    work(task, date(2024, 6, 10), 40, inspect=False)
    production.record_inspection(task.id, organiser, 30, 10, "毛边", date(2024, 6, 11), True)
    production.mark_returned(task.id, worker)
    production.record_inspection(task.id, organiser, 8, 2, "开裂", date(2024, 6, 12), False)
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 6, 14))

    mine = make_client(worker).get("/today/pay").get_data(as_text=True)
    assert "合格 38 件 × ¥0.40" in mine and "不合格 2 件，不计酬" in mine and "不合格 12" not in mine
    client = make_client(organiser)
    path = f"/pay/periods/{period.id}"
    row = re.compile(worker.name + r'.*?<td class="num">(\d+)</td><td class="num">(\d+)</td>', re.S)
    assert row.search(client.get(path).get_data(as_text=True)).groups() == ("38", "2")

    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    assert client.submit(f"{path}/close", {"confirm": "y"}, token_from=path).status_code == 302
    assert row.search(client.get(path).get_data(as_text=True)).groups() == ("38", "2")
    slip = db.session.scalar(select(PaySlip).where(PaySlip.worker_id == worker.id))
    page = make_client(worker).get(f"/pay/slips/{slip.id}").get_data(as_text=True)
    assert "不合格 2 件，不计酬" in page and "¥15.20" in page
