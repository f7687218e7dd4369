"""Administrator pages, error pages, the audit log, demo data and the translations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.accounts.models import Enterprise, Station, User
from factory.audit.models import AuditEntry
from factory.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_admin_adds_an_enterprise_and_the_change_is_audited(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    client = make_client(admin)
    response = client.submit("/admin/enterprises", {"name": "青岛新发包企业", "contact": "陈经理"})
    assert response.status_code == 302
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == "青岛新发包企业"))
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "enterprise.create", AuditEntry.object_id == enterprise.id
        )
    )
    assert entry.user_id == admin.id
    assert entry.after == {"name": "青岛新发包企业"}
    assert "青岛新发包企业" in client.get("/admin/enterprises").get_data(as_text=True)


def test_admin_adds_a_station_in_a_district(make_client: Any, make_user: Any) -> None:
    from factory.reference.models import District

    client = make_client(make_user("admin"))
    district = db.session.scalar(select(District).where(District.name == "即墨区"))
    response = client.submit(
        "/admin/stations", {"name": "通济街道微工厂", "district_id": district.id, "address": "通济新区"}
    )
    assert response.status_code == 302
    station = db.session.scalar(select(Station).where(Station.name == "通济街道微工厂"))
    assert station.district.name == "即墨区"


def test_admin_creates_an_organiser_who_gets_an_activation_code(
    make_client: Any, make_user: Any, make_station: Any
) -> None:
    station = make_station()
    client = make_client(make_user("admin"))
    response = client.submit(
        "/admin/staff",
        {
            "role": "organiser",
            "name": "吴站长",
            "mobile": "+86 135-0000-1234",
            "station_id": station.id,
            "enterprise_id": 0,
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "一次性激活码" in page
    user = db.session.scalar(select(User).where(User.mobile == "13500001234"))
    assert user.role == "organiser"
    assert user.station_id == station.id
    assert user.password_hash is None


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        ("/admin/enterprises", {"name": "企" * 101}, "100"),
        ("/admin/enterprises", {"name": ""}, "必填"),
        ("/admin/stations", {"name": "站", "district_id": 999999}, "选择"),
        (
            "/admin/staff",
            {
                "role": "coordinator",
                "name": "某人",
                "mobile": "13500009999",
                "enterprise_id": 0,
                "station_id": 0,
            },
            "企业",
        ),
        (
            "/admin/staff",
            {"role": "boss", "name": "某人", "mobile": "13500009999", "enterprise_id": 0, "station_id": 0},
            "选择",
        ),
        (
            "/admin/staff",
            {"role": "organiser", "name": "某人", "mobile": "12345", "enterprise_id": 0, "station_id": 0},
            "11位手机号码",
        ),
    ],
)
def test_bad_admin_input_gets_a_chinese_message_and_changes_nothing(
    make_client: Any, make_user: Any, path: str, form: dict[str, Any], message: str
) -> None:
    client = make_client(make_user("admin"))
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Enterprise, Station, User)]
    response = client.submit(path, form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert [
        db.session.scalar(select(func.count()).select_from(m)) for m in (Enterprise, Station, User)
    ] == counts


def test_duplicate_mobile_is_refused(make_client: Any, make_user: Any, make_station: Any) -> None:
    existing = make_user("worker")
    client = make_client(make_user("admin"))
    response = client.submit(
        "/admin/staff",
        {
            "role": "organiser",
            "name": "重复",
            "mobile": existing.mobile,
            "station_id": make_station().id,
            "enterprise_id": 0,
        },
    )
    assert response.status_code == 400
    assert "已注册" in response.get_data(as_text=True)


def test_error_pages_are_chinese(make_client: Any, make_user: Any) -> None:
    client = make_client(make_user("worker"))
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "页面不存在" in missing.get_data(as_text=True)
    forbidden = client.get("/admin/stations")
    assert forbidden.status_code == 403
    assert "没有权限" in forbidden.get_data(as_text=True)
    unknown_job = client.get("/jobs/987654")
    assert unknown_job.status_code == 404


def test_a_server_error_shows_a_chinese_page_and_keeps_nothing(
    app: Any, tmp_path: Path, own_queue: None
) -> None:
    from factory import create_app
    from factory.access import public
    from tests.conftest import app_config

    config = app_config(tmp_path, url=f"sqlite:///{tmp_path / 'e.db'}")
    config["RENDER_ERRORS_IN_TESTS"] = True
    broken = create_app(config)

    @public
    def explode() -> str:
        raise RuntimeError("boom")

    broken.add_url_rule("/explode", "explode", explode)
    response = broken.test_client().get("/explode")
    assert response.status_code == 500
    assert "系统出错了" in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)


def test_a_failed_write_shows_the_error_page_to_a_logged_in_user(tmp_path: Path, own_queue: None) -> None:
    """A write refused by the database mid-request: the page (with its navigation, which reads the
    database) is still the app's own 500 page, and nothing of the request is kept."""
    from factory.access import allow
    from factory.accounts import services as accounts
    from factory.accounts.models import User
    from tests.conftest import PASSWORD, Client, committing_app

    with committing_app(tmp_path, "errors", RENDER_ERRORS_IN_TESTS=True) as broken:

        @allow("organiser", "worker", "coordinator", "admin")
        def clash() -> str:
            db.session.add_all([User(mobile="13700000099", name="甲", role="worker") for _ in range(2)])
            db.session.flush()  # the second breaks the unique mobile
            return "kept"

        broken.add_url_rule("/clash", "clash", clash)
        with broken.app_context():
            accounts.create_user("admin", "13700000001", "管理员", password=PASSWORD)
            db.session.commit()
        broken.test_client_class = Client
        client = broken.test_client()
        assert client.login("13700000001").status_code == 302
        response = client.get("/clash")
        page = response.get_data(as_text=True)
        assert response.status_code == 500 and "系统出错了" in page and "退出登录" in page
        with broken.app_context():
            assert db.session.scalar(select(func.count(User.id)).where(User.mobile == "13700000099")) == 0


def test_unknown_api_path_answers_in_the_error_shape(client: Any) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_reference_data_marks_wages_to_confirm(make_client: Any, make_user: Any) -> None:
    page = make_client(make_user("organiser")).get("/admin/reference").get_data(as_text=True)
    assert "待与人社局核实" in page
    assert "核实 待与" not in page and page.count("核实") == 3  # once per tier, in the badge only
    assert "¥22.00" in page
    assert "市南区" in page and "遥控器组装" in page


def test_reference_skills_show_names_and_codes_only_to_administrators(
    make_client: Any, make_user: Any
) -> None:
    for role in ("coordinator", "organiser"):
        page = make_client(make_user(role)).get("/admin/reference").get_data(as_text=True)
        skills = page[page.index("<h2>技能</h2>") :]
        assert "<th>技能</th>" in skills and "姓名" not in skills
        assert "遥控器组装" in skills and "remote_assembly" not in skills, role
    admin = make_client(make_user("admin")).get("/admin/reference").get_data(as_text=True)
    assert "remote_assembly" in admin


def test_audit_log_filters_by_action(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    client = make_client(admin)
    client.submit("/admin/enterprises", {"name": "审计企业甲"})
    page = client.get("/admin/audit/?action=enterprise.").get_data(as_text=True)
    assert "审计企业甲" in page
    page = client.get("/admin/audit/?action=station.").get_data(as_text=True)
    assert "审计企业甲" not in page


def test_audit_log_speaks_local_time(make_client: Any, make_user: Any) -> None:
    from datetime import UTC, datetime

    client = make_client(make_user("admin"))
    db.session.add(
        AuditEntry(at=datetime(2026, 11, 27, 16, 30, tzinfo=UTC), action="clock.check", object_type="clock")
    )
    db.session.flush()
    page = client.get("/admin/audit/?action=clock.").get_data(as_text=True)
    assert "2026-11-28 00:30:00" in page  # half past midnight in Qingdao
    assert "clock.check" in client.get("/admin/audit/?action=clock.&since=2026-11-28").get_data(as_text=True)
    assert "clock.check" not in client.get("/admin/audit/?action=clock.&until=2026-11-27").get_data(
        as_text=True
    )


def test_audit_entries_cannot_be_changed(make_user: Any) -> None:
    make_user("admin")
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    entry.action = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_demo_seed_is_believable_and_running_it_twice_changes_nothing(app: Any) -> None:
    from factory.demo.seed import demo_logins

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Enterprise, Station, User, AuditEntry)
    ]
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Enterprise, Station, User, AuditEntry)
    ] == counts
    stations = db.session.scalars(select(Station)).all()
    assert len({s.district_id for s in stations}) >= 3
    assert db.session.scalar(select(func.count()).where(User.role == "worker")) >= 60
    assert db.session.scalar(select(func.count()).where(User.role == "coordinator")) >= 2
    for login in demo_logins():
        assert login.mobile in first.output
    # Every day of every order's progress, no more pieces have passed inspection than were reported by then.
    from factory.orders.models import Order
    from factory.orders.services import order_progress

    ids = list(db.session.scalars(select(Order.id)))
    for order_id, progress in order_progress(ids).items():
        reported = inspected = 0
        for day, c in progress.series():
            reported += c.reported
            inspected += c.accepted + c.rejected
            assert inspected <= reported, (order_id, day, inspected, reported)


def test_every_message_has_a_chinese_translation() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("i18n", ROOT / "scripts" / "i18n.py")
    assert spec is not None
    assert spec.loader is not None
    i18n = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(i18n)
    assert i18n.missing() == {}
    assert len(i18n.extracted()) > 100
