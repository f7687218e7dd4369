"""The pay-period and payslip paths of the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.accounts import services as accounts
from factory.extensions import db
from factory.payroll import services
from factory.payroll.models import Adjustment, PayPeriod, PaySlip


def bearer(user: Any) -> dict[str, str]:
    """A token for `user`; what the test made so far is kept, as a refused request rolls back its own work only."""
    secret = accounts.create_token(user, "t")[1]
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_periods_are_opened_and_listed(client: Any, organiser: Any) -> None:
    h = bearer(organiser)
    made = client.post("/api/v1/pay-periods", json={"start": "2024-06-01", "end": "2024-06-15"}, headers=h)
    assert made.status_code == 201
    assert made.json["status"] == "open"
    listed = client.get("/api/v1/pay-periods", headers=h).json["pay_periods"]
    assert [p["start"] for p in listed] == ["2024-06-01"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"start": "2024-06-15", "end": "2024-06-01"}, 422, "end_before_start"),
        ({"start": "2024-06-10", "end": "2024-06-20"}, 409, "overlap"),
        ({"start": "June", "end": "2024-06-20"}, 422, "invalid"),
    ],
)
def test_bad_periods_are_refused(
    client: Any, organiser: Any, period: Any, body: Any, status: int, code: str
) -> None:
    response = client.post("/api/v1/pay-periods", json=body, headers=bearer(organiser))
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert db.session.scalar(select(func.count(PayPeriod.id))) == 1


def test_close_then_slips_then_closing_twice_is_409(
    client: Any,
    organiser: Any,
    period: Any,
    make_order: Any,
    give: Any,
    work: Any,
    worker: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    work(give(make_order(rate=3550), worker), date(2024, 6, 3), 3, 1)
    h = bearer(organiser)
    closed = client.post(f"/api/v1/pay-periods/{period.id}/close", json={"top_up": False}, headers=h)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    slips = client.get(f"/api/v1/pay-periods/{period.id}/payslips", headers=h).json["payslips"]
    [slip] = slips
    assert slip["worker_id"] == worker.id
    [line] = slip["lines"]
    assert (line["accepted_pieces"], line["rejected_pieces"], line["piece_rate_fen"], line["amount_fen"]) == (
        3,
        1,
        35.5,
        107,  # 3 × 35.5 fen = 106.5, rounded half up once
    )
    # ¥0.355 for a minute's piece is ¥21.30 an hour: 3 minutes at ¥22.00 require 110 fen, 3 short.
    check = slip["minimum_wage_check"]
    assert slip["total_fen"] == 107 and (check["required_fen"], check["shortfall_fen"], check["passed"]) == (
        110,
        3,
        False,
    )
    again = client.post(f"/api/v1/pay-periods/{period.id}/close", json={}, headers=h)
    assert (again.status_code, again.json["error"]["code"]) == (409, "closed")


def test_the_close_answers_how_many_top_ups_the_slips_carry(
    client: Any,
    organiser: Any,
    period: Any,
    make_order: Any,
    give: Any,
    work: Any,
    worker: Any,
    other_worker: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    order = make_order(rate=3000)  # ¥0.30 a minute's piece: ¥18 an hour against ¥22
    work(give(order, worker), date(2024, 6, 3), 60)  # ¥4.00 short, topped up before closing
    services.top_up_shortfalls(period.id, organiser)
    work(give(order, other_worker), date(2024, 6, 4), 120)  # ¥8.00 short, topped up by the close
    closed = client.post(
        f"/api/v1/pay-periods/{period.id}/close", json={"top_up": True}, headers=bearer(organiser)
    )
    assert closed.status_code == 200
    body = closed.json
    assert (body["top_ups_made_at_close"], body["top_ups_total"], body["top_ups_fen"]) == (1, 2, 1200)
    assert body["topped_up"] == body["top_ups_made_at_close"]  # the earlier name, kept for existing clients


def test_uninspected_lots_are_listed_when_closing(
    client: Any, organiser: Any, period: Any, order: Any, give: Any, work: Any, worker: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "local_today", lambda: date(2024, 7, 1))
    work(give(order, worker), date(2024, 6, 3), 5, inspect=False)
    refused = client.post(f"/api/v1/pay-periods/{period.id}/close", headers=bearer(organiser))
    assert refused.status_code == 409
    assert "5" in refused.json["error"]["fields"]["lots"][0]
    assert db.session.get(PayPeriod, period.id).status == "open"


def test_the_worker_reads_their_slip_and_pdf_but_not_anothers(
    client: Any, organiser: Any, period: Any, order: Any, give: Any, work: Any, worker: Any, other_worker: Any
) -> None:
    work(give(order, worker), date(2024, 6, 3), 10)
    work(give(order, other_worker), date(2024, 6, 3), 10)
    services.close_period(period.id, organiser, today=date(2024, 7, 1))
    mine = db.session.scalar(select(PaySlip).where(PaySlip.worker_id == worker.id))
    theirs = db.session.scalar(select(PaySlip).where(PaySlip.worker_id == other_worker.id))
    h = bearer(worker)
    assert client.get(f"/api/v1/payslips/{mine.id}", headers=h).json["total_fen"] == 400
    assert client.get(f"/api/v1/payslips/{mine.id}.pdf", headers=h).data.startswith(b"%PDF")
    assert client.get(f"/api/v1/payslips/{theirs.id}", headers=h).status_code == 404


def test_an_adjustment_without_a_reason_is_422(client: Any, organiser: Any, period: Any, worker: Any) -> None:
    body = {"worker_id": worker.id, "kind": "bonus", "amount_fen": 500, "reason": ""}
    response = client.post(
        f"/api/v1/pay-periods/{period.id}/adjustments", json=body, headers=bearer(organiser)
    )
    assert response.status_code == 422 and "reason" in response.json["error"]["fields"]
    assert db.session.scalar(select(func.count(Adjustment.id))) == 0


def test_another_stations_period_is_404(client: Any, period: Any, make_user: Any) -> None:
    stranger = make_user("organiser")
    assert client.get(f"/api/v1/pay-periods/{period.id}", headers=bearer(stranger)).status_code == 404
    closed = client.post(f"/api/v1/pay-periods/{period.id}/close", json={}, headers=bearer(stranger))
    assert closed.status_code == 404


def test_the_paths_are_in_the_openapi_document(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/pay-periods",
        "/pay-periods/{period_id}/close",
        "/pay-periods/{period_id}/payslips",
        "/payslips/{slip_id}",
    ):
        assert path in paths
