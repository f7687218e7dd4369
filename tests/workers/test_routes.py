"""Worker pages through the test client: the organiser's registry, privacy, trials, hours, training, skills."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.orders.services import local_today
from factory.reference.models import Skill
from factory.workers import services, training
from factory.workers.models import WorkerProfile
from tests.workers.conftest import id_number


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_organiser_registers_a_worker_and_sees_the_code_once(make_client: Any, organiser: Any) -> None:
    client = make_client(organiser)
    response = client.submit(
        "/workers/new",
        {
            "name": "张桂英",
            "mobile": "138 1234 0001",
            "id_number": id_number(1),
            "skills": "remote_assembly:30",
            "weekly_hours": "6,6,6,6,6,0,0",
            "hard_to_employ": "y",
            "hardship_category": "long_term_unemployed",
        },
    )
    assert response.status_code == 201
    code = re.search(r'class="code">(\d{8})<', text(response))
    assert code, text(response)
    worker = db.session.scalar(
        select(WorkerProfile).join(WorkerProfile.user).where(WorkerProfile.user.has(mobile="13812340001"))
    )
    assert worker is not None
    assert worker.hardship_category == "long_term_unemployed"
    page = text(client.get(f"/workers/{worker.user_id}"))
    assert code.group(1) not in page
    assert id_number(1) not in page
    assert worker.id_number_masked in page


def test_bad_registration_answers_422_with_messages_and_keeps_nothing(
    make_client: Any, organiser: Any
) -> None:
    client = make_client(organiser)
    before = db.session.scalar(select(db.func.count(WorkerProfile.user_id)))
    response = client.submit(
        "/workers/new",
        {
            "name": "错误",
            "mobile": "138 1234 0002",
            "id_number": id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1"),
            "skills": "remote_assembly:20000",
            "weekly_hours": "6 6 6 6 6 0 30",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert page.count('class="error"') >= 3
    assert db.session.scalar(select(db.func.count(WorkerProfile.user_id))) == before


def test_id_number_is_unmasked_only_on_request_and_logged(
    make_client: Any, organiser: Any, register: Any
) -> None:
    worker, _ = register(id_number=id_number(3))
    client = make_client(organiser)
    assert id_number(3) not in text(client.get(f"/workers/{worker.user_id}"))
    response = client.submit(f"/workers/{worker.user_id}/reveal", {}, token_from=f"/workers/{worker.user_id}")
    assert response.status_code == 200
    assert id_number(3) in text(response)
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "worker.id_number.reveal")
        .order_by(AuditEntry.id.desc())
    )
    assert entry.user_id == organiser.id
    assert entry.object_id == worker.user_id


def test_administrator_sees_masked_mobiles_organiser_whole(
    make_client: Any, organiser: Any, register: Any, make_user: Any
) -> None:
    register(mobile="13812349999")
    assert "13812349999" in text(make_client(organiser).get("/workers/"))
    admin_page = text(make_client(make_user("admin")).get(f"/workers/?station={organiser.station_id}"))
    assert "138****9999" in admin_page
    assert "13812349999" not in admin_page


def test_pause_leave_and_come_back(make_client: Any, organiser: Any, register: Any) -> None:
    worker, _ = register()
    client = make_client(organiser)
    path = f"/workers/{worker.user_id}/status"
    token = f"/workers/{worker.user_id}"
    assert client.submit(path, {"action": "pause"}, token_from=token).status_code == 303
    assert worker.paused
    page = text(client.get(token))
    # "Has left" asks first: a link to a page that explains and confirms, not a one-click form.
    assert 'value="leave"' not in page
    assert f'href="/workers/{worker.user_id}/leave"' in page
    confirm = text(client.get(f"/workers/{worker.user_id}/leave"))
    assert "账号将被停用" in confirm and 'value="leave"' in confirm
    assert worker.left_at is None
    response = client.submit(path, {"action": "leave"}, token_from=f"/workers/{worker.user_id}/leave")
    assert response.status_code == 303
    assert worker.left_at is not None
    assert worker.user.is_disabled
    page = text(client.get(token))
    assert "账号已停用" in page  # the flash and the account line agree with what leaving did
    facts = page[page.index("<dt>账号</dt>") :]
    assert "已停用，无法登录" in facts[: facts.index("</dd>")]
    assert "已激活" not in facts[: facts.index("</dd>")]
    assert worker.user_id not in [w.user_id for w in services.station_workers(organiser.station_id)]
    assert client.submit(path, {"action": "rejoin"}, token_from=token).status_code == 303
    assert worker.left_at is None
    assert not worker.user.is_disabled


def test_skills_table_says_how_each_skill_was_gained(make_client: Any, organiser: Any, register: Any) -> None:
    worker, _ = register(skills="remote_assembly:20")
    page = text(make_client(organiser).get(f"/workers/{worker.user_id}"))
    table = page[page.index('id="skills"') :]
    table = table[: table.index("</table>")]
    assert "<th>取得方式</th>" in table
    assert "起始日期" not in table
    assert "估计" in table
    # Removing a skill asks first (it changes what planning gives the worker).
    assert f"删除 {worker.user.name} 的技能「遥控器组装」？" in table and "js/confirm.js" in page


def test_timed_trial_page(make_client: Any, organiser: Any, register: Any) -> None:
    worker, _ = register(skills="remote_assembly:20")
    client = make_client(organiser)
    path = f"/workers/{worker.user_id}/trial"
    response = client.submit(path, {"skill": "remote_assembly", "pieces": "45", "minutes": "60"})
    assert response.status_code == 303
    assert worker.skills[0].speed == Decimal(45)
    assert worker.skills[0].source == "trial"
    response = client.submit(path, {"skill": "remote_assembly", "pieces": "0", "minutes": "60"})
    assert response.status_code == 422
    assert 'class="error"' in text(response)
    assert worker.skills[0].speed == Decimal(45)


def test_organiser_sets_an_estimated_speed_and_an_absurd_one_is_refused(
    make_client: Any, organiser: Any, register: Any
) -> None:
    worker, _ = register()
    client = make_client(organiser)
    path = f"/workers/{worker.user_id}/skills"
    token = f"/workers/{worker.user_id}"
    assert client.submit(path, {"skill": "knitting", "speed": "4.5"}, token_from=token).status_code == 303
    response = client.submit(path, {"skill": "knitting", "speed": "12000"}, token_from=token)
    assert response.status_code == 422
    assert {s.skill.code: s.speed for s in worker.skills} == {"knitting": Decimal("4.5")}


def test_worker_sets_next_weeks_hours_on_the_phone(make_client: Any, register: Any) -> None:
    worker, _ = register(weekly_hours="6 6 6 6 6 0 0")
    services.set_weekly_hours(worker.user, worker, ["6"] * 5 + ["0"] * 2)
    from factory.accounts import services as accounts

    worker.user.password_hash = accounts.hash_password("correct-horse-42")
    client = make_client(worker.user)
    page = text(client.get("/my/hours"))
    assert "带红框的日子和您平常的一周不同；周六、周日是灰底。" in page  # the legend names both tints
    today = local_today()
    days = [(today + timedelta(days=i)).isoformat() for i in range(14)]
    assert all(f'name="h-{d}"' in page for d in days)
    form = {f"h-{d}": str(services.weekly_hours(worker)[date.fromisoformat(d).weekday()]) for d in days}
    target = today + timedelta(days=7)
    form[f"h-{target.isoformat()}"] = "2"
    response = client.submit("/my/hours", {"part": "days", **form})
    assert response.status_code == 303
    hours = {d.day: d.hours for d in services.days_ahead(worker, today, 14)}
    assert hours[target] == Decimal(2)
    # the + button without JavaScript: the day goes up by half an hour and is saved
    form[f"h-{target.isoformat()}"] = "2"
    response = client.submit("/my/hours", {"part": "days", "step": f"{target.isoformat()}:+", **form})
    assert response.status_code == 303
    assert {d.day: d.hours for d in services.days_ahead(worker, today, 14)}[target] == Decimal("2.5")
    # hours above 24 are refused with a message; nothing changes
    form[f"h-{target.isoformat()}"] = "30"
    response = client.submit("/my/hours", {"part": "days", **form})
    assert response.status_code == 422
    assert "flash-error" in text(response)
    assert {d.day: d.hours for d in services.days_ahead(worker, today, 14)}[target] == Decimal("2.5")
    # the usual week
    response = client.submit("/my/hours", {"part": "weekly", **{f"h-{i}": "4" for i in range(7)}})
    assert response.status_code == 303
    assert services.weekly_hours(worker) == [Decimal(4)] * 7


def test_worker_home_shows_skills_and_two_weeks(make_client: Any, register: Any) -> None:
    worker, _ = register(skills="knitting:4.5", weekly_hours="3 3 3 3 3 0 0")
    from factory.accounts import services as accounts

    worker.user.password_hash = accounts.hash_password("correct-horse-42")
    page = text(make_client(worker.user).get("/"))
    assert 'id="my-hours"' in page
    assert 'id="my-skills"' in page
    assert page.count('class="hours-cell') == 14
    assert "4.5" in page
    assert "/my/hours" in page


def test_worker_corrects_their_own_details(make_client: Any, register: Any) -> None:
    worker, _ = register(mobile="13812340003", id_number=id_number(9))
    from factory.accounts import services as accounts

    worker.user.password_hash = accounts.hash_password("correct-horse-42")
    client = make_client(worker.user)
    page = text(client.get("/my/profile"))
    assert "13812340003" in page
    assert id_number(9) not in page
    assert worker.id_number_masked in page
    assert "只有存的号码有误时才填" in page
    response = client.submit(
        "/my/profile", {"name": "王淑珍", "mobile": "13812340004", "id_number": id_number(10)}
    )
    assert response.status_code == 303
    assert worker.user.name == "王淑珍"
    assert worker.user.mobile == "13812340004"
    assert worker.id_number_masked == id_number(10)[:4] + "*" * 10 + id_number(10)[-4:]
    response = client.submit(
        "/my/profile", {"name": "王淑珍", "mobile": "13812340004", "id_number": "370203"}
    )
    assert response.status_code == 422


def test_a_worker_without_an_id_number_on_file_is_not_told_it_is_wrong(
    make_client: Any, register: Any
) -> None:
    worker, _ = register(mobile="13812340005")
    from factory.accounts import services as accounts

    worker.user.password_hash = accounts.hash_password("correct-horse-42")
    page = text(make_client(worker.user).get("/my/profile"))
    assert "未填写" in page and "愿意填的话：身份证上的全部18位。" in page and "有误" not in page


def test_worker_cannot_open_another_workers_page(make_client: Any, register: Any) -> None:
    a, _ = register()
    b, _ = register()
    from factory.accounts import services as accounts

    a.user.password_hash = accounts.hash_password("correct-horse-42")
    client = make_client(a.user)
    assert client.get(f"/workers/{b.user_id}").status_code == 403
    assert client.get(f"/workers/{b.user_id}/hours").status_code == 403


def test_activation_slips_and_a_new_code(make_client: Any, organiser: Any, register: Any) -> None:
    worker, old_code = register()
    client = make_client(organiser)
    response = client.submit("/workers/slips", {"worker": str(worker.user_id)}, token_from="/workers/")
    assert response.status_code == 200
    new_code = re.search(r'class="code">(\d{8})<', text(response)).group(1)
    from factory.accounts import services as accounts

    try:
        accounts.activate(worker.user.mobile, old_code, "a-long-password-1")
        raise AssertionError("the old code still works")
    except accounts.AccountError:
        pass
    accounts.activate(worker.user.mobile, new_code, "a-long-password-1")
    assert services.is_activated(worker)


def test_training_pages(make_client: Any, organiser: Any, register: Any) -> None:
    worker, _ = register()
    client = make_client(organiser)
    response = client.submit(
        "/workers/courses", {"name": "面点培训班", "skill": "steamed_buns", "starting_speed": "15"}
    )
    assert response.status_code == 303
    course_path = response.headers["Location"]
    for action, extra in (("enrol", {"worker": worker.user_id}),):
        assert client.submit(course_path, {"action": action, **extra}).status_code == 303
    response = client.submit(
        course_path, {"action": "session", "s-day": "2026-11-02", "s-hours": "3", "s-topic": "和面"}
    )
    assert response.status_code == 303
    response = client.submit(course_path, {"action": "session", "s-day": "2026-11-03", "s-hours": "-3"})
    assert response.status_code == 422
    (course,) = training.station_courses(organiser.station_id)
    assert len(course.sessions) == 1
    session_id = course.sessions[0].id
    assert (
        client.submit(
            course_path, {"action": "attendance", "session": session_id, "present": worker.user_id}
        ).status_code
        == 303
    )
    assert client.submit(course_path, {"action": "complete", "worker": worker.user_id}).status_code == 303
    assert {s.skill.code: (s.speed, s.source) for s in worker.skills} == {
        "steamed_buns": (Decimal(15), "course")
    }
    page = text(client.get(course_path))
    assert "3 / 3" in page


def test_admin_adds_and_renames_a_skill(make_client: Any, make_user: Any) -> None:
    client = make_client(make_user("admin"))
    data = {
        "code": "bead_work",
        "name_zh": "串珠",
        "name_en": "Bead work",
        "unit_zh": "串",
        "unit_en": "string",
    }
    assert client.submit("/admin/skills", data).status_code == 303
    skill = db.session.scalar(select(Skill).where(Skill.code == "bead_work"))
    assert skill.name_zh == "串珠"
    assert client.submit("/admin/skills", data).status_code == 422  # the code exists already
    bad = dict(data, code="Bead Work")
    assert client.submit("/admin/skills", bad).status_code == 422
    response = client.submit(f"/admin/skills/{skill.id}", dict(data, name_zh="手工串珠"))
    assert response.status_code == 303
    assert skill.name_zh == "手工串珠"
    assert client.submit(f"/admin/skills/{skill.id}", dict(data, code="beads")).status_code == 422


def test_a_workers_page_links_to_her_tasks_reports_and_pay_slips(
    make_client: Any, make_user: Any, organiser: Any, register: Any
) -> None:
    """The user test: on /workers/<id> the organiser had no way to that worker's tasks, reports or slips."""
    from factory.orders import services as orders
    from factory.payroll.models import PayPeriod, PaySlip
    from factory.production import material
    from factory.production import services as production
    from tests.orders.conftest import order_input

    worker, _code = register(name="王秀英")
    colleague, _code = register(name="李秀英")
    coordinator = make_user("coordinator")
    elsewhere = make_user("organiser")
    kit = [orders.Material("配套物料包", Decimal(1), "套")]
    order = orders.create_order(
        coordinator.enterprise_id, order_input(quantity=400, lot_size=100, materials=kit), coordinator
    )
    orders.post_order(order, coordinator)
    orders.accept_order(order, organiser.station_id, 300, organiser)
    orders.accept_order(order, elsewhere.station_id, 100, elsewhere)
    lots = {lot.index: lot for lot in order.lots}
    first = production.create_task(lots[1].id, worker.user_id, organiser)
    second = production.create_task(lots[2].id, worker.user_id, organiser)
    theirs = production.create_task(lots[3].id, colleague.user_id, organiser)
    away = production.create_task(lots[4].id, worker.user_id, elsewhere)  # fetched from another station
    material.issue_material(first.id, organiser)
    report, _stored = production.record_report(first.id, worker.user, 30, "key-1", "hash-1")
    closed = PayPeriod(
        station_id=organiser.station_id, start=date(2026, 11, 1), end=date(2026, 11, 15), status="closed"
    )
    still_open = PayPeriod(station_id=organiser.station_id, start=date(2026, 11, 16), end=date(2026, 11, 30))
    db.session.add_all([closed, still_open])
    db.session.flush()
    slip = PaySlip(
        period_id=closed.id,
        worker_id=worker.user_id,
        station_id=organiser.station_id,
        worker_name="王秀英",
        accepted_pieces=30,
        lines_fen=1200,
        total_fen=1200,
    )
    their_slip = PaySlip(
        period_id=closed.id,
        worker_id=colleague.user_id,
        station_id=organiser.station_id,
        worker_name="李秀英",
    )
    db.session.add_all([slip, their_slip])
    db.session.flush()

    client = make_client(organiser)
    page = text(client.get(f"/workers/{worker.user_id}"))
    work = page[page.index('id="work"') : page.index('id="skills"')]
    for task in (first, second):
        assert f'href="/production/tasks/{task.id}"' in work
    assert f"/production/tasks/{theirs.id}" not in work  # a colleague's task
    assert f"/production/tasks/{away.id}" not in work  # another station's work is not this organiser's
    assert "已报工 30 / 100 件" in work
    assert report.reported_on.isoformat() in work and "30 件" in work
    assert f'href="/pay/slips/{slip.id}"' in work and "¥12.00" in work
    assert f"/pay/slips/{their_slip.id}" not in work
    assert f'href="/pay/periods/{still_open.id}"' in work  # this period's pay, before a slip exists
    assert f'href="/pay/workers/{worker.user_id}/account"' in work
    assert 'href="/production/tasks"' in work  # the station's list (it cannot be narrowed to one worker)
    # Every link leads to a page the organiser may open.
    for href in re.findall(r'href="(/(?:production|pay)/[^"]+)"', work):
        assert client.get(href).status_code == 200, href

    # The administrator sees all of her work and her slips; task pages are the organiser's, so no links to them.
    admin_page = text(make_client(make_user("admin")).get(f"/workers/{worker.user_id}"))
    admin_work = admin_page[admin_page.index('id="work"') : admin_page.index('id="skills"')]
    assert f'href="/pay/slips/{slip.id}"' in admin_work
    assert "/production/tasks" not in admin_work
    assert admin_work.count("遥控器组装 · 批次") == 4  # three tasks and the report

    # A worker with nothing yet: plain words, no empty lists.
    fresh, _code = register(name="新来的")
    empty = text(client.get(f"/workers/{fresh.user_id}"))
    assert "还没有任务。" in empty and "还没有报工。" in empty and "还没有工资条" in empty
