"""Turn audit entries into what an administrator reads: the action in words, the object by name with a link
to its page, and each recorded change as "field: before → after" with names, yuan and units.

The objects an entry names (its own object and the ids inside its changes) are loaded in one query per
kind of object and round, whatever the number of entries on the page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import has_request_context
from flask import url_for as _flask_url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from factory.accounts.models import ApiToken, Enterprise, Role, Station, User
from factory.audit.labels import action_label, field_label, object_label
from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.money import format_fen, format_rate
from factory.orders.models import Acceptance, Delivery, Lot, Order
from factory.payroll.models import Adjustment, OrderRate, PayPeriod, PaySlip
from factory.planning.models import PlanPin, PlanRun
from factory.production.models import Inspection, MaterialMovement, RejectReason, Report, Task
from factory.reference.models import District, MinimumWage, Skill
from factory.types import LOCAL_TZ
from factory.workers.models import Course, CourseSession


def url_for(endpoint: str, **values: Any) -> str | None:
    """A page's address, or none where there are no pages to link to (a file made by a background job)."""
    if not has_request_context():
        return None
    return _flask_url_for(endpoint, **values)


@dataclass(frozen=True)
class Ref:
    """A piece of text, with the page it names when there is one."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Change:
    """One recorded field: its label and its value before and after (None: not recorded on that side)."""

    label: str
    before: list[Ref] | None
    after: list[Ref] | None
    removed: bool = False  # recorded only before, by an entry that takes it away (a deletion)

    @property
    def changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after


@dataclass
class EntryView:
    entry: AuditEntry
    action: str  # the words, or the code itself for a code the app does not know
    known_action: bool
    object_kind: str
    object_refs: list[Ref]
    show_kind: bool  # False when the object's name already says what it is ("Order #8 …")
    changes: list[Change] = field(default_factory=list)

    @property
    def raw(self) -> str:
        """The entry's recorded values as JSON, for the auditor who needs the exact figures."""
        data = {"before": self.entry.before, "after": self.entry.after}
        return json.dumps(data, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------- loading the objects an entry names


class Lookup:
    """The objects a page of entries names, loaded one query per kind of object and round."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[Any]] = defaultdict(set)
        self.found: dict[str, dict[Any, Any]] = defaultdict(dict)

    def want(self, kind: str, key: Any) -> None:
        if key is None or kind not in KINDS:
            return
        try:
            key = KINDS[kind].coerce(key)
        except (TypeError, ValueError):
            return
        if key not in self.found[kind]:
            self.wanted[kind].add(key)

    def load(self) -> None:
        for _round in range(4):  # an object may name others (a report its task, a task its order)
            wanted, self.wanted = self.wanted, defaultdict(set)
            wanted = {k: v for k, v in wanted.items() if v}
            if not wanted:
                return
            for kind, keys in wanted.items():
                spec = KINDS[kind]
                model = spec.model
                column = getattr(model, spec.key)
                for obj in db.session.scalars(select(model).where(column.in_(sorted(keys)))):
                    self.found[kind][getattr(obj, spec.key)] = obj
                    for need_kind, need_key in spec.needs(obj):
                        self.want(need_kind, need_key)

    def get(self, kind: str, key: Any) -> Any:
        try:
            return self.found[kind].get(KINDS[kind].coerce(key))
        except (TypeError, ValueError, KeyError):
            return None

    def short(self, kind: str, key: Any) -> Ref:
        """The object's name for a field's value (the kind and id when it is gone)."""
        obj = self.get(kind, key)
        if obj is None:
            return _gone(kind, key)
        return KINDS[kind].short(obj, self)

    def full(self, kind: str, key: Any) -> list[Ref]:
        """The object's name and context for the Object column."""
        obj = self.get(kind, key)
        if obj is None:
            return [_gone(kind, key)]
        spec = KINDS[kind]
        return spec.full(obj, self) if spec.full else [spec.short(obj, self)]


def _gone(kind: str, key: Any) -> Ref:
    """An object that is not (or no longer) in the database: its kind and id, or a skill's code."""
    if kind == "skill_code":
        return Ref(str(key))
    return Ref(_("%(kind)s #%(id)s", kind=object_label(kind), id=key))


@dataclass(frozen=True)
class Kind:
    model: Any
    short: Callable[[Any, Lookup], Ref]
    full: Callable[[Any, Lookup], list[Ref]] | None = None
    needs: Callable[[Any], Iterable[tuple[str, Any]]] = lambda obj: ()
    key: str = "id"
    coerce: Callable[[Any], Any] = int
    named: bool = False  # the name says the kind of object ("Order #8 …", "Delivery note SH…")


def _user(user: User, lookup: Lookup) -> Ref:
    if user.role == Role.WORKER:
        return Ref(user.name, url_for("workers.show", worker_id=user.id))
    return Ref(_("%(name)s (%(role)s)", name=user.name, role=_role(user.role)))


def _order(order: Order, lookup: Lookup) -> Ref:
    return Ref(_("Order #%(id)s %(product)s", id=order.id, product=order.product), _order_url(order.id))


def _order_url(order_id: int) -> str | None:
    return url_for("orders.show", order_id=order_id)


def _lot(lot: Lot, lookup: Lookup) -> Ref:
    return Ref(
        _("Order #%(order)s, lot %(lot)s", order=lot.order_id, lot=lot.index), _order_url(lot.order_id)
    )


def _task(task: Task, lookup: Lookup) -> Ref:
    lot = lookup.get("order_lot", task.lot_id)
    index = lot.index if lot is not None else "?"
    return Ref(
        _("Task #%(id)s (order #%(order)s, lot %(lot)s)", id=task.id, order=task.order_id, lot=index),
        _order_url(task.order_id),
    )


def _task_full(task: Task, lookup: Lookup) -> list[Ref]:
    return [
        Ref(_("Task #%(id)s", id=task.id)),
        lookup.short("order_lot", task.lot_id),
        lookup.short("user_account", task.worker_id),
    ]


def _task_needs(task: Task) -> Iterable[tuple[str, Any]]:
    return [("order_lot", task.lot_id), ("user_account", task.worker_id)]


def _in_task(name: Callable[[Any], str]) -> Callable[[Any, Lookup], list[Ref]]:
    """An object that belongs to a task (a report, an inspection): its name, the lot and the worker."""

    def full(obj: Any, lookup: Lookup) -> list[Ref]:
        task = lookup.get("production_task", obj.task_id)
        return [Ref(name(obj))] + (_task_full(task, lookup)[1:] if task is not None else [])

    return full


def _delivery_full(delivery: Delivery, lookup: Lookup) -> list[Ref]:
    return [
        Ref(
            _("Delivery note %(number)s", number=delivery.number),
            url_for("orders.delivery_note", delivery_id=delivery.id),
        ),
        lookup.short("work_order", delivery.order_id),
        lookup.short("station", delivery.station_id),
    ]


def _movement_full(row: MaterialMovement, lookup: Lookup) -> list[Ref]:
    refs = [Ref(row.material.item if row.material is not None else _("Material #%(id)s", id=row.id))]
    refs.append(lookup.short("order_lot", row.lot_id))
    if row.worker_id:
        refs.append(lookup.short("user_account", row.worker_id))
    return refs


def _period(period: PayPeriod, lookup: Lookup) -> Ref:
    return Ref(
        _("%(start)s to %(end)s", start=period.start.isoformat(), end=period.end.isoformat()),
        url_for("payroll.period", period_id=period.id),
    )


def _run(run: PlanRun, lookup: Lookup) -> Ref:
    return Ref(
        _("Plan #%(id)s from %(day)s", id=run.id, day=run.start_date.isoformat()),
        url_for("planning.show", run_id=run.id),
    )


def _skill_name(skill: Skill) -> str:
    return skill.display_name(str(get_locale() or "zh"))


KINDS: dict[str, Kind] = {
    "user_account": Kind(User, _user),
    "enterprise": Kind(Enterprise, lambda e, lk: Ref(e.name)),
    "station": Kind(Station, lambda s, lk: Ref(s.name)),
    "api_token": Kind(
        ApiToken,
        lambda t, lk: Ref(_("“%(name)s” (starts %(prefix)s…)", name=t.name, prefix=t.prefix)),
        full=lambda t, lk: [
            Ref(_("“%(name)s” (starts %(prefix)s…)", name=t.name, prefix=t.prefix)),
            lk.short("user_account", t.user_id),
        ],
        needs=lambda t: [("user_account", t.user_id)],
    ),
    "minimum_wage": Kind(
        MinimumWage,
        lambda w, lk: Ref(
            _("Tier %(tier)s from %(day)s", tier=w.tier, day=w.effective_from.isoformat()),
            url_for("orders.minimum_wages"),
        ),
    ),
    "district": Kind(District, lambda d, lk: Ref(d.name, url_for("admin.reference"))),
    "skill": Kind(Skill, lambda s, lk: Ref(_skill_name(s), url_for("workers.skill_edit", skill_id=s.id))),
    "skill_code": Kind(Skill, lambda s, lk: Ref(_skill_name(s)), key="code", coerce=str),
    "work_order": Kind(Order, _order, named=True),
    "order_lot": Kind(Lot, _lot),
    "order_acceptance": Kind(
        Acceptance,
        lambda a, lk: lk.short("work_order", a.order_id),
        full=lambda a, lk: [lk.short("work_order", a.order_id), lk.short("station", a.station_id)],
        needs=lambda a: [("work_order", a.order_id), ("station", a.station_id)],
    ),
    "order_delivery": Kind(
        Delivery,
        lambda d, lk: Ref(
            _("Delivery note %(number)s", number=d.number), url_for("orders.delivery_note", delivery_id=d.id)
        ),
        full=_delivery_full,
        named=True,
        needs=lambda d: [("work_order", d.order_id), ("station", d.station_id)],
    ),
    "plan_run": Kind(
        PlanRun,
        _run,
        full=lambda r, lk: [
            _run(r, lk),
            lk.short("station", r.station_id) if r.station_id else Ref(_("Whole city")),
        ],
        needs=lambda r: [("station", r.station_id)],
        named=True,
    ),
    "plan_pin": Kind(
        PlanPin,
        lambda p, lk: lk.short("order_lot", p.lot_id),
        full=lambda p, lk: [lk.short("order_lot", p.lot_id), lk.short("user_account", p.worker_id)],
        needs=lambda p: [("order_lot", p.lot_id), ("user_account", p.worker_id)],
    ),
    "production_task": Kind(Task, _task, full=_task_full, needs=_task_needs, named=True),
    "production_report": Kind(
        Report,
        lambda r, lk: Ref(_("Report #%(id)s", id=r.id)),
        full=_in_task(lambda r: _("Report #%(id)s", id=r.id)),
        needs=lambda r: [("production_task", r.task_id)],
        named=True,
    ),
    "production_inspection": Kind(
        Inspection,
        lambda i, lk: Ref(_("Inspection #%(id)s", id=i.id)),
        full=_in_task(lambda i: _("Inspection #%(id)s", id=i.id)),
        needs=lambda i: [("production_task", i.task_id)],
        named=True,
    ),
    "production_material_movement": Kind(
        MaterialMovement,
        lambda m, lk: Ref(m.material.item if m.material is not None else str(m.id)),
        full=_movement_full,
        needs=lambda m: [("order_lot", m.lot_id), ("user_account", m.worker_id)],
    ),
    "production_reject_reason": Kind(
        RejectReason,
        lambda r, lk: Ref(r.label),
        full=lambda r, lk: [Ref(r.label), lk.short("station", r.station_id)],
        needs=lambda r: [("station", r.station_id)],
    ),
    "pay_period": Kind(
        PayPeriod,
        _period,
        full=lambda p, lk: [_period(p, lk), lk.short("station", p.station_id)],
        needs=lambda p: [("station", p.station_id)],
    ),
    "pay_slip": Kind(
        PaySlip,
        lambda s, lk: Ref(_("Pay slip #%(id)s", id=s.id), url_for("payroll.slip", slip_id=s.id)),
        full=lambda s, lk: [
            Ref(_("Pay slip #%(id)s", id=s.id), url_for("payroll.slip", slip_id=s.id)),
            lk.short("user_account", s.worker_id),
        ],
        needs=lambda s: [("user_account", s.worker_id)],
        named=True,
    ),
    "pay_adjustment": Kind(
        Adjustment,
        lambda a, lk: Ref(_pay_kind(a.kind)),
        full=lambda a, lk: [
            Ref(_pay_kind(a.kind)),
            lk.short("user_account", a.worker_id),
            lk.short("pay_period", a.period_id),
        ],
        needs=lambda a: [("user_account", a.worker_id), ("pay_period", a.period_id)],
    ),
    "pay_order_rate": Kind(
        OrderRate,
        lambda r, lk: Ref(
            _("Piece rate from %(day)s", day=r.effective_from.isoformat()),
            url_for("payroll.rates", order_id=r.order_id),
        ),
        full=lambda r, lk: [
            Ref(
                _("Piece rate from %(day)s", day=r.effective_from.isoformat()),
                url_for("payroll.rates", order_id=r.order_id),
            ),
            lk.short("work_order", r.order_id),
        ],
        needs=lambda r: [("work_order", r.order_id)],
        named=True,
    ),
    "course": Kind(Course, lambda c, lk: Ref(c.name, url_for("workers.course", course_id=c.id))),
    "course_session": Kind(
        CourseSession,
        lambda s, lk: Ref(
            _("Session of %(day)s", day=s.day.isoformat()), url_for("workers.course", course_id=s.course_id)
        ),
    ),
}
# A worker's profile shares its id with the account.
ALIASES = {"worker_profile": "user_account"}


def _kind_of(object_type: str) -> str:
    return ALIASES.get(object_type, object_type)


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Context:
    lookup: Lookup
    object_type: str


Formatter = Callable[[Any, Context], list[Ref]]


def _text(value: Any) -> list[Ref]:
    return [Ref(str(value))]


def _plain(value: Any, ctx: Context) -> list[Ref]:
    if isinstance(value, bool):
        return _yes_no(value, ctx)
    if isinstance(value, dict | list):
        return _text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return _text(value)


def _yes_no(value: Any, ctx: Context) -> list[Ref]:
    return _text(_("Yes") if value else _("No"))


def _number(value: Any) -> str:
    """12.50 → 12.5, "6.00" → 6 (a decimal figure without trailing zeros)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pieces(value: Any, ctx: Context) -> list[Ref]:
    return _text(_("%(count)s pieces", count=_number(value)))


def _quantity(value: Any, ctx: Context) -> list[Ref]:
    """An order's quantity is pieces; a material movement's is in the item's own unit (recorded beside it)."""
    if ctx.object_type == "production_material_movement":
        return _text(_number(value))
    return _pieces(value, ctx)


def _money(value: Any, ctx: Context) -> list[Ref]:
    try:
        return _text(format_fen(int(value)))
    except (TypeError, ValueError):
        return _text(value)


def _money_per_hour(value: Any, ctx: Context) -> list[Ref]:
    try:
        amount = format(Decimal(str(value)) / 100, ".2f")  # recorded in fen, to the cent of a fen
    except InvalidOperation:
        return _text(value)
    return _text(_("¥%(amount)s an hour", amount=amount))


def _rate(value: Any, ctx: Context) -> list[Ref]:
    try:
        return _text(_("%(rate)s a piece", rate=format_rate(int(value))))
    except (TypeError, ValueError):
        return _text(value)


def _minutes(value: Any, ctx: Context) -> list[Ref]:
    return _text(_("%(minutes)s minutes", minutes=_number(value)))


def _speed(value: Any, ctx: Context) -> list[Ref]:
    return _text(_("%(speed)s pieces per hour", speed=_number(value)))


def _hours(value: Any, ctx: Context) -> list[Ref]:
    if isinstance(value, list) and len(value) == 7:
        names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        return _text(" ".join(f"{n} {_number(h)}" for n, h in zip(names, value, strict=True)))
    return _text(_("%(hours)s hours", hours=_number(value)))


def _when(value: Any, ctx: Context) -> list[Ref]:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return _text(value)
    if moment.tzinfo is None:
        return _text(value)
    return _text(moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"))


def _days(value: Any, ctx: Context) -> list[Ref]:
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, list | tuple) and len(item) == 2:
                parts.append(_("%(day)s: %(count)s pieces", day=str(item[0])[5:], count=_number(item[1])))
            else:
                parts.append(str(item))
        return _text(_list_sep().join(parts) or "—")
    return _text(_("%(count)s days", count=value))


def _lots(value: Any, ctx: Context) -> list[Ref]:
    if isinstance(value, dict):
        return _text(
            _list_sep().join(
                _("lot %(lot)s: %(count)s pieces", lot=k, count=v)
                for k, v in sorted(value.items(), key=_lot_key)
            )
        )
    return _text(_("lots %(range)s", range=value))


def _lot_key(item: tuple[str, Any]) -> tuple[int, str]:
    return (int(item[0]), "") if str(item[0]).isdigit() else (0, str(item[0]))


def _list_sep() -> str:
    return "、" if not str(get_locale() or "zh").startswith("en") else ", "


def _status(value: Any, ctx: Context) -> list[Ref]:
    from factory.orders.routes import status_label as order_status
    from factory.production.routes import status_label as task_status

    if ctx.object_type == "work_order":
        return _text(order_status(str(value)))
    if ctx.object_type in ("production_task", "production_inspection"):
        return _text(task_status(str(value)))
    if ctx.object_type == "pay_period":
        return _text({"open": _("Open"), "closed": _("Settled")}.get(str(value), str(value)))
    return _text(value)


def _role(value: str) -> str:
    from factory.app import role_label

    return role_label(value)


def _pay_kind(kind: str) -> str:
    from factory.payroll.services import kind_label

    return kind_label(kind)


def _source(value: Any, ctx: Context) -> list[Ref]:
    labels = {"estimated": _("Estimate"), "trial": _("Timed trial"), "course": _("Course")}
    return _text(labels.get(value, value))  # a minimum wage's source is free text


def _category(value: Any, ctx: Context) -> list[Ref]:
    from factory.workers.forms import category_labels

    return _text(category_labels().get(value, value))


def _format(value: Any, ctx: Context) -> list[Ref]:
    return _text({"csv": "CSV", "xlsx": "Excel"}.get(value, value))


def _purpose(value: Any, ctx: Context) -> list[Ref]:
    return _text({"bank_transfer_export": _("Bank transfer file")}.get(value, value))


def _ref(kind: str) -> Formatter:
    def fmt(value: Any, ctx: Context) -> list[Ref]:
        if isinstance(value, list):
            return [ctx.lookup.short(kind, v) for v in value] or _text("—")
        return [ctx.lookup.short(kind, value)]

    return fmt


def _skills(value: Any, ctx: Context) -> list[Ref]:
    if not isinstance(value, dict):
        return _plain(value, ctx)
    return [
        Ref(
            _(
                "%(skill)s %(speed)s pieces per hour",
                skill=ctx.lookup.short("skill_code", k).text,
                speed=_number(v),
            )
        )
        for k, v in value.items()
    ] or _text("—")


def _reach(value: Any, ctx: Context) -> list[Ref]:
    if not isinstance(value, dict):
        return _plain(value, ctx)
    return [
        Ref(_("%(station)s %(minutes)s minutes", station=ctx.lookup.short("station", k).text, minutes=v))
        for k, v in value.items()
    ] or _text("—")


def _tier(value: Any, ctx: Context) -> list[Ref]:
    return _text(_("Tier %(tier)s", tier=value))


def _prefix(value: Any, ctx: Context) -> list[Ref]:
    return _text(f"{value}…")


def _rework(value: Any, ctx: Context) -> list[Ref]:
    return _yes_no(value, ctx) if isinstance(value, bool) else _pieces(value, ctx)


def _pay_kind_value(value: Any, ctx: Context) -> list[Ref]:
    return _text(_pay_kind(str(value)))


def _role_value(value: Any, ctx: Context) -> list[Ref]:
    return _text(_role(str(value)))


# The references among the recorded fields: key -> kind of object (the value an id, or a list of ids).
FIELD_REFS: dict[str, str] = {
    "worker_id": "user_account",
    "to_worker_id": "user_account",
    "present": "user_account",
    "order_id": "work_order",
    "lot_id": "order_lot",
    "task_id": "production_task",
    "run_id": "plan_run",
    "previous_run_id": "plan_run",
    "period_id": "pay_period",
    "corrects_slip_id": "pay_slip",
    "district_id": "district",
    "station_ids": "station",
    "session": "course_session",
    "skill": "skill_code",
}

FORMATS: dict[str, Formatter] = {
    **{key: _ref(kind) for key, kind in FIELD_REFS.items()},
    "accepted": _pieces,
    "amount_fen": _money,
    "confirmed": _yes_no,
    "days": _days,
    "disabled": _yes_no,
    "granted": _yes_no,
    "hard_to_employ": _yes_no,
    "hardship_category": _category,
    "hourly_fen": _money,
    "hours": _hours,
    "format": _format,
    "kind": _pay_kind_value,
    "left_at": _when,
    "lot_size": _pieces,
    "lots": _lots,
    "minutes": _minutes,
    "missing": _pieces,
    "monthly_fen": _money,
    "open_to_all": _yes_no,
    "paused": _yes_no,
    "pay_per_hour_fen": _money_per_hour,
    "piece_rate_units": _rate,
    "pieces": _pieces,
    "prefix": _prefix,
    "priority": _yes_no,
    "purpose": _purpose,
    "quantity": _quantity,
    "sent_back_for_rework": _yes_no,
    "rate_units": _rate,
    "reach": _reach,
    "received": _pieces,
    "rejected": _pieces,
    "reported": _pieces,
    "rework": _rework,
    "role": _role_value,
    "service_fee_fen": _money,
    "skills": _skills,
    "source": _source,
    "speed": _speed,
    "standard_minutes": _minutes,
    "starting_speed": _speed,
    "status": _status,
    "tier": _tier,
    "top_ups_fen": _money,
    "total_fen": _money,
    "weekly_hours": _hours,
}


def _value(key: str, value: Any, ctx: Context) -> list[Ref]:
    if value is None or value == "":
        return _text("—")
    return FORMATS.get(key, _plain)(value, ctx)


def _want_values(values: dict[str, Any] | None, lookup: Lookup) -> None:
    for key, value in (values or {}).items():
        if key in FIELD_REFS:
            for item in value if isinstance(value, list) else [value]:
                lookup.want(FIELD_REFS[key], item)
        elif key == "skills" and isinstance(value, dict):
            for code in value:
                lookup.want("skill_code", code)
        elif key == "reach" and isinstance(value, dict):
            for station_id in value:
                lookup.want("station", station_id)


def _label(key: str, value: Any) -> str:
    if key == "rework" and isinstance(value, bool):  # an inspection's choice, not the task's count
        return str(_("Rejected pieces go back for rework"))
    return field_label(key)


def _changes(entry: AuditEntry, ctx: Context) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    removal = entry.after is None  # the entry records what was taken away
    out = []
    for key in list(before) + [k for k in after if k not in before]:
        old = _value(key, before[key], ctx) if key in before else None
        new = _value(key, after[key], ctx) if key in after else None
        old_label = _label(key, before.get(key))
        new_label = _label(key, after.get(key))
        if old is not None and new is not None and old_label != new_label:  # one key, two meanings
            out.append(Change(old_label, old, None, removed=False))
            out.append(Change(new_label, None, new))
        elif not (_empty(before.get(key)) and _empty(after.get(key))):  # nothing on either side: no line
            out.append(Change(old_label if new is None else new_label, old, new, removed=removal))
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def present(entries: Sequence[AuditEntry]) -> list[EntryView]:
    """The entries as an administrator reads them."""
    lookup = Lookup()
    for entry in entries:
        if entry.object_id is not None:
            lookup.want(_kind_of(entry.object_type), entry.object_id)
        _want_values(entry.before, lookup)
        _want_values(entry.after, lookup)
    lookup.load()
    views = []
    for entry in entries:
        kind = _kind_of(entry.object_type)
        label = action_label(entry.action)
        if entry.object_id is None:
            refs: list[Ref] = []
        elif kind in KINDS:
            refs = lookup.full(kind, entry.object_id)
        else:
            refs = [Ref(f"#{entry.object_id}")]
        views.append(
            EntryView(
                entry=entry,
                action=label or entry.action,
                known_action=label is not None,
                object_kind=object_label(entry.object_type),
                object_refs=refs,
                show_kind=not (kind in KINDS and KINDS[kind].named),
                changes=_changes(entry, Context(lookup, entry.object_type)),
            )
        )
    return views
