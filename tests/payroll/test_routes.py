"""The pay pages: the organiser's close, slips on the phone and as PDF, exports, the worker's earnings."""

from __future__ import annotations

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
    assert "60 × ¥0.30 = ¥18.00" in page
    assert "¥22.00" in page and "2 " in page  # the total, and the rejected pieces shown
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
    response = client.get("/pay/me")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "¥22.00" in page and "6228" in page and "8901" in page and "1234 5678" not in page
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
