"""The list of background jobs: one's own, newest first, in words, with the file to download; the admin's view
of everyone's."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from factory.extensions import db
from factory.jobs.models import Job
from factory.types import utcnow


def _job(user: Any, kind: str, status: str = "done", minutes_ago: int = 0, **values: Any) -> Job:
    job = Job(kind=kind, user_id=user.id, status=status, params=values.pop("params", {}), **values)
    job.created_at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.add(job)
    db.session.flush()
    return job


def _rows(page: str) -> list[str]:
    table = page[page.index('<table class="table jobs">') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<tr>.*?</tr>", table[table.index("<tbody>") :], flags=re.S)


def test_the_list_shows_my_jobs_newest_first_in_words_with_their_files(
    make_client: Any, make_user: Any
) -> None:
    admin = make_user("admin")
    other = make_user("admin", name="别的管理员")
    old = _job(
        admin,
        "audit_export",
        minutes_ago=60,
        params={"user_id": 5},
        result_filename="audit-1.csv",
        result_file=b"x",
    )
    running = _job(admin, "audit_export", status="running", progress=40)
    failed = _job(admin, "audit_export", status="failed", minutes_ago=30, message="boom")
    theirs = _job(other, "audit_export", minutes_ago=10)
    page = make_client(admin).get("/jobs/").get_data(as_text=True)
    assert "<h1>后台任务</h1>" in page
    rows = _rows(page)
    assert [re.search(r'href="/jobs/(\d+)"', r).group(1) for r in rows] == [
        str(running.id),
        str(failed.id),
        str(old.id),
    ]
    assert all("导出审计日志" in r for r in rows)
    assert "进行中" in rows[0] and 'value="40"' in rows[0]
    assert "失败" in rows[1] and "下载" not in rows[1]
    assert "已完成" in rows[2] and f'href="/jobs/{old.id}/download"' in rows[2]
    assert f"/jobs/{theirs.id}" not in page
    assert "别的管理员" not in page


def test_the_admin_can_see_everyones_jobs_and_who_started_them(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    organiser = make_user("organiser", name="李站长")
    theirs = _job(organiser, "audit_export", result_filename="a.csv", result_file=b"x")
    client = make_client(admin)
    page = client.get("/jobs/?everyone=1").get_data(as_text=True)
    row = next(r for r in _rows(page) if f'href="/jobs/{theirs.id}"' in r)
    assert "李站长" in row
    assert client.get(f"/jobs/{theirs.id}").status_code == 200
    assert client.get(f"/jobs/{theirs.id}/download").status_code == 200
    # Others see only their own, whatever they ask.
    mine = make_client(organiser).get("/jobs/?everyone=1").get_data(as_text=True)
    assert f'href="/jobs/{theirs.id}"' in mine
    other = make_client(make_user("organiser"))
    assert f"/jobs/{theirs.id}" not in other.get("/jobs/?everyone=1").get_data(as_text=True)
    assert other.get(f"/jobs/{theirs.id}").status_code == 404


def test_the_job_page_and_the_menus_lead_to_the_list(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    job = _job(admin, "audit_export")
    client = make_client(admin)
    assert 'href="/jobs/"' in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'href="/jobs/">后台任务<' in client.get("/").get_data(as_text=True)
    assert 'href="/jobs/">后台任务<' in make_client(make_user("organiser")).get("/").get_data(as_text=True)
