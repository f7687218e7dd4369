"""The demo data: a believable Qingdao setting. Running it twice changes nothing.

Each step looks up what it would create and creates only what is missing, keyed by names and mobile
numbers, so a second run (or a run after a later feature adds its own step) leaves existing rows alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from factory.accounts import services as accounts
from factory.accounts.models import Enterprise, Role, Station, User
from factory.accounts.passwords import hash_password
from factory.demo import history
from factory.extensions import db
from factory.reference.services import load_reference_data

DEMO_PASSWORD = "qingdao-demo"  # noqa: S105  (the published demo password, listed in README)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    mobile: str
    name: str
    tenant: str


STATIONS = [
    ("辽源路街道乐业服务站微工厂", "市北区", "辽源路街道辽源路社区服务中心一楼"),
    ("李村街道东山社区微工厂", "李沧区", "李村街道东山社区党群服务中心二楼"),
    ("珠海路街道浮山湾社区微工厂", "市南区", "珠海路街道浮山湾社区居委会东侧"),
]
ENTERPRISES = [
    ("青岛海岳电器配件有限公司", "生产部 王经理"),
    ("青岛巧手工艺品有限公司", "外协部 刘经理"),
]
STAFF = [
    DemoLogin("admin", "13800000001", "张敏", "青岛市公共就业服务中心"),
    DemoLogin("coordinator", "13800000011", "王建华", ENTERPRISES[0][0]),
    DemoLogin("coordinator", "13800000012", "刘晓燕", ENTERPRISES[1][0]),
    DemoLogin("organiser", "13800000021", "李秀英", STATIONS[0][0]),
    DemoLogin("organiser", "13800000022", "赵桂兰", STATIONS[1][0]),
    DemoLogin("organiser", "13800000023", "孙丽华", STATIONS[2][0]),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "秀英",
    "桂英",
    "玉兰",
    "淑珍",
    "丽娟",
    "海燕",
    "红梅",
    "建国",
    "志强",
    "晓红",
    "春梅",
    "美玲",
    "秀兰",
    "凤英",
    "玉梅",
    "丽华",
    "金凤",
    "素芳",
    "桂芝",
    "淑华",
    "慧敏",
    "雪梅",
    "静",
    "敏",
]
WORKERS_PER_STATION = 20


def demo_workers() -> list[DemoLogin]:
    """About 60 residents, 20 per station, with stable names and mobile numbers."""
    out = []
    for s, (station, _district, _address) in enumerate(STATIONS):
        for i in range(WORKERS_PER_STATION):
            n = s * WORKERS_PER_STATION + i
            name = SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 5 + s) % len(GIVEN)]
            out.append(DemoLogin("worker", f"1390000{n + 1:04d}", name, station))
    return out


def demo_logins() -> list[DemoLogin]:
    """The logins README lists: the staff and the first worker of each station."""
    workers = demo_workers()
    return STAFF + [workers[i * WORKERS_PER_STATION] for i in range(len(STATIONS))]


def _tenants() -> None:
    from factory.reference.models import District

    for name, contact in ENTERPRISES:
        if db.session.scalar(select(Enterprise.id).where(Enterprise.name == name)) is None:
            db.session.add(Enterprise(name=name, contact=contact))
    for name, district_name, address in STATIONS:
        if db.session.scalar(select(Station.id).where(Station.name == name)) is None:
            district = db.session.scalar(select(District).where(District.name == district_name))
            db.session.add(Station(name=name, district=district, address=address))
    db.session.flush()


def _people() -> None:
    """The staff and the residents, registered on the days `factory.demo.history` gives them: months ago,
    before the demo's first pieces (not today, or the past months would count nobody as registered)."""
    demo_hash = None
    staff = [(login, history.staff_registered(n)) for n, login in enumerate(STAFF)]
    workers = [(login, history.worker_registered(n)) for n, login in enumerate(demo_workers())]
    for login, registered in staff + workers:
        if db.session.scalar(select(User.id).where(User.mobile == login.mobile)) is not None:
            continue
        enterprise = station = None
        if login.role == Role.COORDINATOR:
            enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == login.tenant))
        elif login.role in (Role.ORGANISER, Role.WORKER):
            station = db.session.scalar(select(Station).where(Station.name == login.tenant))
        with history.dated(registered):
            user, _code = accounts.create_user(
                login.role, login.mobile, login.name, enterprise=enterprise, station=station
            )
            user.created_at = registered
        demo_hash = demo_hash or hash_password(DEMO_PASSWORD)  # one slow hash for every demo account
        user.password_hash = demo_hash
        user.activation_code_hash = user.activation_expires_at = None
    db.session.flush()


# Demo orders: (enterprise index, reference, product, skill, quantity, lot size, rate in 1/100 fen,
# standard minutes, fee in fen, days until due, post?, stations offered (None: all), takes [(station, pieces)],
# reason when the pay is below the minimum wage).
DEMO_ORDERS = [
    (
        0,
        "HY-DEMO-001",
        "遥控器组装",
        "remote_assembly",
        6000,
        200,
        4000,
        "1",
        5,
        21,
        True,
        None,
        [(0, 3000), (1, 2000)],
        None,
    ),
    (
        0,
        "HY-DEMO-002",
        "空调遥控器按键板装配",
        "remote_assembly",
        2000,
        100,
        3000,
        "0.8",
        4,
        28,
        True,
        None,
        [],
        None,
    ),
    (
        0,
        "HY-DEMO-003",
        "遥控器电池盖装配",
        "remote_assembly",
        3000,
        150,
        2000,
        "0.5",
        3,
        35,
        False,
        None,
        [],
        None,
    ),
    (
        1,
        "QS-DEMO-001",
        "冰箱贴彩绘（崂山风景）",
        "fridge_magnet",
        1200,
        50,
        12000,
        "3",
        10,
        30,
        True,
        None,
        [(2, 600)],
        None,
    ),
    (
        1,
        "QS-DEMO-002",
        "手工编花（康乃馨胸花）",
        "flower_weaving",
        800,
        40,
        25000,
        "6",
        20,
        25,
        True,
        [0, 1],
        [(0, 400)],
        None,
    ),
    (
        1,
        "QS-DEMO-003",
        "盘扣制作（新品试做）",
        "button_knots",
        500,
        50,
        8000,
        "2.5",
        10,
        40,
        True,
        None,
        [],
        "新品试做，工时定额待首批实测后调整；首批每件另加补贴 ¥0.10，由企业直接结算",
    ),
]


def _orders() -> None:
    """A few believable orders from the two demo enterprises, some taken on by demo stations."""
    from datetime import timedelta
    from decimal import Decimal

    from factory.orders import services as orders
    from factory.orders.models import Order
    from factory.types import utcnow

    stations = [db.session.scalar(select(Station).where(Station.name == name)) for name, _d, _a in STATIONS]
    for (
        index,
        reference,
        product,
        skill,
        quantity,
        lot,
        rate,
        minutes,
        fee,
        days,
        post,
        offered,
        takes,
        reason,
    ) in DEMO_ORDERS:
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == ENTERPRISES[index][0]))
        if enterprise is None or db.session.scalar(
            select(Order.id).where(Order.enterprise_id == enterprise.id, Order.reference == reference)
        ):
            continue
        coordinator = db.session.scalar(
            select(User).where(User.enterprise_id == enterprise.id, User.role == Role.COORDINATOR)
        )
        data = orders.OrderInput(
            product=product,
            skill_code=skill,
            quantity=quantity,
            lot_size=lot,
            piece_rate_units=rate,
            standard_minutes=Decimal(minutes),
            due_date=orders.local_today() + timedelta(days=days),
            service_fee_fen=fee,
            reference=reference,
            quality_standard="外观无划痕、无脱胶；按样品验收，合格率不低于 98%",
            materials=[orders.Material("配套物料包", Decimal("1"), "套")],
            open_to_all=offered is None,
            station_ids=[stations[i].id for i in offered or []],
        )
        # An order taken on has been made since before the demo's history began; the others are new.
        posted = history.order_posted() if takes else utcnow()
        with history.dated(posted):
            order = orders.create_order(enterprise.id, data, coordinator)
            order.created_at = posted
            if post:
                orders.post_order(order, coordinator, reason=reason)
                order.posted_at = posted
        for station_index, pieces in takes:
            station = stations[station_index]
            organiser = db.session.scalar(
                select(User).where(User.station_id == station.id, User.role == Role.ORGANISER)
            )
            with history.dated(posted + timedelta(days=1)):
                orders.accept_order(order, station.id, pieces, organiser)
    db.session.flush()


# Later features append their own steps (worker profiles, orders, plans, pay) in dependency order.
def _worker_profiles() -> None:
    from factory.workers.demo import seed_workers

    seed_workers()


def _production() -> None:
    from factory.production.demo import seed_production

    seed_production()


def _pay() -> None:
    from factory.payroll.demo import seed_pay

    seed_pay(STATIONS[0][0])


def _planning() -> None:
    from factory.planning.demo import seed_planning

    seed_planning(STATIONS[0][0])


STEPS: list[Callable[[], None]] = [
    load_reference_data,
    _tenants,
    _people,
    _worker_profiles,
    _orders,
    _pay,  # before production's step: the pay history needs lots of the first demo order free
    _production,
    _planning,  # after production's step: these lots are left for the organiser to plan
]


def seed() -> None:
    """Load the demo data where it is missing; the caller commits."""
    for step in STEPS:
        step()


def database_is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None
