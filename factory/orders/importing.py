"""Importing many orders from a spreadsheet (.xlsx or .csv): every row is checked; any problem imports nothing.

Columns are matched by their Chinese or English headings (`ALIASES`); problems come back as (row,
column, message) with row 1 being the header, as the spreadsheet program numbers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from factory.accounts.models import Station, User
from factory.extensions import db
from factory.orders import domain, services
from factory.orders.models import Order
from factory.orders.services import OrderServiceError
from factory.reference.models import Skill

MAX_IMPORT_LOTS = 50_000

# canonical field -> (Chinese heading, English heading, what goes in it)
COLUMNS: dict[str, tuple[str, str, Any]] = {
    "reference": ("订单号", "Reference", _l("Your own order number (optional)")),
    "product": ("产品", "Product", _l("Product name")),
    "description": ("说明", "Description", _l("What the work is (optional)")),
    "skill": ("技能", "Skill", _l("Skill code or name, e.g. remote_assembly or 遥控器组装")),
    "quantity": ("数量", "Quantity", _l("Pieces, a whole number")),
    "lot_size": ("每批件数", "Lot size", _l("Pieces per material kit")),
    "piece_rate": ("计件单价", "Piece rate", _l("Yuan per piece paid to the worker, e.g. 0.35")),
    "standard_minutes": (
        "标准工时",
        "Standard minutes",
        _l("Minutes per piece at the standard pace, e.g. 1.5"),
    ),
    "service_fee": ("服务费", "Service fee", _l("Yuan per piece paid to the station (optional)")),
    "due_date": ("交货日期", "Due date", _l("YYYY-MM-DD")),
    "quality_standard": ("质量标准", "Quality standard", _l("Optional")),
    "materials": ("物料", "Materials", _l("name, quantity per piece, unit; several separated by ;")),
    "note": ("备注", "Note", _l("Optional")),
    "stations": ("站点", "Stations", _l("Station names separated by 、 (empty: all stations)")),
    "below_minimum_reason": (
        "低于最低工资的理由",
        "Reason below minimum wage",
        _l("Only when the pay is below the minimum wage"),
    ),
}
REQUIRED = ("product", "skill", "quantity", "lot_size", "piece_rate", "standard_minutes", "due_date")
EXTRA_ALIASES = {
    "产品名称": "product",
    "数量（件）": "quantity",
    "批次大小": "lot_size",
    "每包件数": "lot_size",  # the heading of templates made before lots were called 批 everywhere
    "计件单价（元）": "piece_rate",
    "标准工时（分钟/件）": "standard_minutes",
    "服务费（元/件）": "service_fee",
    "交期": "due_date",
    "物料清单": "materials",
    "piece_rate_yuan": "piece_rate",
}


def aliases() -> dict[str, str]:
    out = {zh: name for name, (zh, _en, _help) in COLUMNS.items()}
    out.update({en: name for name, (_zh, en, _help) in COLUMNS.items()})
    out.update(EXTRA_ALIASES)
    return out


def column_help() -> list[tuple[str, str, str, bool]]:
    return [(zh, en, str(help_), name in REQUIRED) for name, (zh, en, help_) in COLUMNS.items()]


def template_csv() -> bytes:
    from factory.tabular import write_csv

    example = [
        "HY-2026-031",
        "遥控器组装",
        "按键板装入外壳并拧紧螺丝",
        "remote_assembly",
        "2000",
        "100",
        "0.40",
        "1",
        "0.05",
        (services.local_today().replace(day=1).isoformat()),
        "按键回弹正常，外壳无划痕",
        "外壳, 1, 套; 螺丝, 2, 颗",
        "",
        "",
        "",
    ]
    return write_csv([zh for zh, _en, _h in COLUMNS.values()], [example])


Problem = tuple[int | None, str | None, str]


class ImportProblems(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = list(problems)


def _skill(value: str) -> str:
    """The code of the skill named by code or by Chinese or English name ('' when unknown)."""
    value = value.strip()
    if not value:
        return ""
    skill = db.session.scalar(
        select(Skill).where(or_(Skill.code == value, Skill.name_zh == value, Skill.name_en == value))
    )
    return skill.code if skill else value


def _stations(value: str) -> tuple[list[int], str | None]:
    names = [n.strip() for n in value.replace("；", "、").replace(";", "、").replace(",", "、").split("、")]
    names = [n for n in names if n]
    if not names:
        return [], None
    found = {s.name: s.id for s in db.session.scalars(select(Station).where(Station.name.in_(names)))}
    unknown = [n for n in names if n not in found]
    if unknown:
        return [], _("There is no station %(ids)s.", ids="、".join(unknown[:5]))
    return [found[n] for n in names], None


def import_orders(
    enterprise_id: int, filename: str, data: bytes, actor: User | None, *, post: bool = False
) -> list[Order]:
    """Create (and with `post`, post) one order per row, or raise ImportProblems and create nothing."""
    from factory import tabular

    try:
        rows = tabular.read_table(filename, data, aliases=aliases(), required=REQUIRED, max_rows=1000)
    except tabular.TableError as exc:
        raise ImportProblems(
            [
                (row, column, services.translate_message(message, tabular.MESSAGES.values()))
                for row, column, message in exc.problems
            ]
        ) from None
    heading = {name: zh for name, (zh, _en, _h) in COLUMNS.items()}
    heading.update(
        piece_rate=heading["piece_rate"], service_fee=heading["service_fee"], stations=heading["stations"]
    )
    problems: list[Problem] = []
    parsed = []
    lots = 0
    for row in rows:
        values: dict[str, Any] = dict(row)
        values["skill"] = _skill(row.get("skill", ""))
        station_ids, station_problem = _stations(row.get("stations", ""))
        values["open_to_all"] = not station_ids
        values["station_ids"] = station_ids
        values["materials"] = row.get("materials", "")
        order_input, errors = services.order_input_from_text(values)
        errors = services.merge_errors(errors, services.check_input(order_input))
        if station_problem:
            errors["stations"] = [station_problem]
        if not errors and post:
            check = services.wage_check(
                order_input.piece_rate_units,  # type: ignore[arg-type]
                order_input.standard_minutes,  # type: ignore[arg-type]
                order_input.due_date,  # type: ignore[arg-type]
                open_to_all=order_input.open_to_all,
                station_ids=order_input.station_ids,
            )
            if check.below and not row.get("below_minimum_reason", "").strip():
                errors["below_minimum_reason"] = [services.below_minimum_message(check)]
        if not errors:
            lots += domain.lot_count(order_input.quantity, order_input.lot_size)  # type: ignore[arg-type]
        for name, messages in errors.items():
            for message in messages:
                problems.append((row.row, heading.get(name, name), message))
        parsed.append((row, order_input))
    if lots > MAX_IMPORT_LOTS:
        problems.append(
            (
                None,
                None,
                _(
                    "The file makes %(count)s lots in all; split it into smaller files.",
                    count=format(lots, ","),
                ),
            )
        )
    if problems:
        raise ImportProblems(problems)
    orders = []
    for row, order_input in parsed:
        try:
            order = services.create_order(enterprise_id, order_input, actor)
            if post:
                services.post_order(order, actor, reason=row.get("below_minimum_reason"))
        except OrderServiceError as exc:
            details = [m for ms in exc.fields.values() for m in ms] or [exc.message]
            raise ImportProblems([(row.row, None, m) for m in details]) from None
        orders.append(order)
    return orders
