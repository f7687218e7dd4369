"""The workers' pages count days in the stations' time zone, not in the server's (UTC).

At 07:30 in Qingdao the UTC date is still yesterday: every page must start on the local date, so that the
worker can set the fourteenth day and the organiser's week sums the right seven days.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from factory.accounts import services as accounts
from factory.workers import services
from tests.workers.conftest import id_number
from tests.workers.test_api import bearer


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def hour_inputs(page: str) -> list[str]:
    """The dates of the day inputs on an hours form, in page order."""
    return re.findall(r'name="h-(\d{4}-\d\d-\d\d)"', page)


def glance_days(page: str, section: str) -> list[str]:
    """The "M/d" labels of the hours cells in the section with this id."""
    found = re.search(rf'id="{section}".*?</section>', page, re.S)
    assert found, section
    return re.findall(r'<span class="dom">([^<]+)</span>', found.group(0))


def m_d(day: date) -> str:
    return f"{day.month}/{day.day}"


def as_worker(make_client: Any, worker: Any) -> Any:
    worker.user.password_hash = accounts.hash_password("correct-horse-42")
    return make_client(worker.user)


def test_the_workers_hours_start_on_the_local_day_and_reach_the_fourteenth(
    shanghai_morning: date, make_client: Any, register: Any
) -> None:
    today = shanghai_morning
    worker, _code = register(weekly_hours="6 6 6 6 6 0 0")
    client = as_worker(make_client, worker)
    page = text(client.get("/my/hours"))
    days = [(today + timedelta(days=i)).isoformat() for i in range(14)]
    assert hour_inputs(page) == days  # not the UTC date (yesterday here) first, and the 14th day is there
    # The fourteenth day can be set.
    last = today + timedelta(days=13)
    form = {f"h-{d}": "0" if date.fromisoformat(d).weekday() >= 5 else "6" for d in days}
    form[f"h-{last.isoformat()}"] = "3"
    assert client.submit("/my/hours", {"part": "days", **form}).status_code == 303
    assert services.days_ahead(worker, last, 1)[0].hours == 3
    # The home page shows the same two weeks.
    home = text(client.get("/"))
    assert glance_days(home, "my-hours") == [m_d(today + timedelta(days=i)) for i in range(14)]


def test_the_organisers_views_start_on_the_local_day(
    shanghai_morning: date, make_client: Any, organiser: Any, register: Any
) -> None:
    today = shanghai_morning
    worker, _code = register(weekly_hours="1 1 1 1 1 1 1")
    services.set_day_hours(organiser, worker, today - timedelta(days=1), "8")  # the UTC date: not ahead
    services.set_day_hours(organiser, worker, today + timedelta(days=6), "5")  # the 7th local day
    services.set_day_hours(organiser, worker, today + timedelta(days=7), "9")  # the 8th: not in the week
    client = make_client(organiser)
    page = text(client.get(f"/workers/{worker.user_id}"))
    assert glance_days(page, "hours") == [m_d(today + timedelta(days=i)) for i in range(14)]
    assert hour_inputs(text(client.get(f"/workers/{worker.user_id}/hours")))[0] == today.isoformat()
    roster = text(client.get("/workers/"))
    row = re.search(rf'href="/workers/{worker.user_id}".*?</tr>', roster, re.S)
    assert row
    assert '<td class="num">11</td>' in row.group(0)  # 6 days × 1 h + 5 h


def test_the_api_and_the_export_use_the_local_day(
    shanghai_morning: date, client: Any, make_client: Any, organiser: Any, register: Any
) -> None:
    today = shanghai_morning
    register()
    answer = client.get("/api/v1/workers/availability", headers=bearer(organiser)).get_json()
    assert answer["horizon"]["start"] == today.isoformat()
    export = make_client(organiser).get("/workers/export.csv")
    assert f"-{today:%Y%m%d}.csv" in export.headers["Content-Disposition"]


def test_a_birth_date_after_the_local_day_is_refused(shanghai_morning: date, register: Any) -> None:
    tomorrow = shanghai_morning + timedelta(days=1)
    with pytest.raises(services.WorkerInputError) as refused:
        register(id_number=id_number(7, f"{tomorrow:%Y%m%d}"))
    assert list(refused.value.fields) == ["id_number"]
    worker, _code = register(id_number=id_number(8, f"{shanghai_morning:%Y%m%d}"))
    assert worker.user_id


def test_a_page_opened_yesterday_and_saved_today_leaves_the_new_fourteenth_day_alone(
    shanghai_morning: date, make_client: Any, register: Any
) -> None:
    today = shanghai_morning
    worker, _code = register(weekly_hours="6 6 6 6 6 6 6")
    client = as_worker(make_client, worker)
    client.get("/my/hours")
    # The form as it was yesterday: yesterday's field first, no field for today's fourteenth day.
    stale = {f"h-{(today + timedelta(days=i)).isoformat()}": "6" for i in range(-1, 13)}
    stale[f"h-{(today + timedelta(days=2)).isoformat()}"] = "4"
    assert client.submit("/my/hours", {"part": "days", **stale}).status_code == 303
    hours = {d.day: d.hours for d in services.days_ahead(worker, today - timedelta(days=1), 15)}
    assert hours[today + timedelta(days=2)] == 4  # the change is kept
    assert hours[today + timedelta(days=13)] == 6  # not set to 0 for want of a field
    assert hours[today - timedelta(days=1)] == 6  # and yesterday is not written
    assert set(services.exceptions_between(worker.user_id, today - timedelta(days=1), 15)) == {
        today + timedelta(days=2)
    }
