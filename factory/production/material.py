"""Material: kits handed out to workers, taken back, lost; what a worker holds; the station's ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from factory.accounts.models import User
from factory.audit.services import record
from factory.extensions import db
from factory.orders import services as orders
from factory.orders.models import Lot, Order, OrderMaterial
from factory.production.models import DEAD, MaterialMovement, MovementKind, Task, TaskStatus
from factory.production.services import ProductionError, can_run, field_error, read_rows
from factory.types import utcnow

# ------------------------------------------------------------------ material


def kit(task: Task) -> list[tuple[OrderMaterial, Decimal]]:
    """Each material item of the task's order and how much of it the task's pieces need."""
    return [
        (m, (m.quantity_per_piece * task.pieces).quantize(Decimal("0.001"))) for m in task.order.materials
    ]


# Spares a worker may hold beyond what a lot needs: a tenth of the need, rounded up to a whole unit.
SPARE_SHARE = Decimal("0.1")


@dataclass(frozen=True)
class Allowance:
    """How much of one item a worker may hold for a task: the need of the pieces not yet accepted, plus spares."""

    need: Decimal
    spare: Decimal

    @property
    def most(self) -> Decimal:
        return self.need + self.spare


def allowance(task: Task, m: OrderMaterial) -> Allowance:
    need = (m.quantity_per_piece * max(0, task.pieces - task.accepted)).quantize(Decimal("0.001"))
    return Allowance(need, (need * SPARE_SHARE).to_integral_value(ROUND_CEILING))


def still_needed(task: Task) -> dict[int, Decimal]:
    """Per item, what the task's worker still needs for the pieces not yet accepted, beyond what they hold."""
    held = {h.material_id: h.held for h in worker_holdings(task.worker_id, task_ids=[task.id])}
    return {
        m.id: max(Decimal(0), allowance(task, m).need - held.get(m.id, Decimal(0)))
        for m in task.order.materials
    }


def _quantities(task: Task, quantities: dict[int, Any] | None) -> list[tuple[OrderMaterial, Decimal]]:
    """Read per-item quantities (material id → amount); blank or zero lines are skipped. Without quantities:
    what the worker still needs of each item."""
    if quantities is None:
        needed = still_needed(task)
        out = [(m, needed[m.id]) for m in task.order.materials if needed[m.id] > 0]
        if not out:
            raise field_error("material", _("The worker already holds all the material this lot needs."))
        return out
    items = {m.id: m for m in task.order.materials}
    out = []
    for material_id, raw in quantities.items():
        if material_id not in items:
            raise field_error(f"material_{material_id}", _("This item is not on the order's material list."))
        amount, problem = orders.parse_decimal(raw, 3)
        if problem:
            raise field_error(f"material_{material_id}", problem)
        if amount is None or amount == 0:
            continue
        if amount < 0:
            raise field_error(f"material_{material_id}", _("Enter an amount above zero."))
        if amount > Decimal(10_000_000):
            raise field_error(f"material_{material_id}", _("This number is too large."))
        out.append((items[material_id], amount))
    if not out:
        raise field_error("material", _("Enter how much of at least one item."))
    return out


def _move_material(
    task: Task, kind: MovementKind, actor: User, quantities: dict[int, Any] | None, note: str
) -> list[MaterialMovement]:
    note = (note or "").strip()
    if len(note) > 500:
        raise field_error("note", _("At most %(limit)s characters.", limit=500))
    rows = [
        MaterialMovement(
            station_id=task.station_id,
            lot_id=task.lot_id,
            task_id=task.id,
            worker_id=task.worker_id,
            material_id=m.id,
            kind=kind.value,
            quantity=q,
            note=note,
            created_by_id=actor.id,
        )
        for m, q in _quantities(task, quantities)
    ]
    holdings = worker_holdings(task.worker_id, task_ids=[task.id])
    held = {h.material_id: h.held for h in holdings}
    if kind == MovementKind.ISSUE:
        items = {m.id: m for m in task.order.materials}
        for row in rows:
            limit = allowance(task, items[row.material_id])
            have = held.get(row.material_id, Decimal(0))
            if have + row.quantity > limit.most:
                raise field_error(
                    f"material_{row.material_id}",
                    _(
                        "At most %(most)s more: this lot needs %(need)s, the worker holds %(held)s, "
                        "and %(spare)s more are allowed as spares.",
                        most=_num(max(Decimal(0), limit.most - have)),
                        need=_num(limit.need),
                        held=_num(have),
                        spare=_num(limit.spare),
                    ),
                    "too_much_material",
                )
    else:  # only material not yet made into pieces can come back or be lost as material
        in_hand = {h.material_id: h.in_hand for h in holdings}
        for row in rows:
            if row.quantity > in_hand.get(row.material_id, Decimal(0)):
                raise field_error(
                    f"material_{row.material_id}",
                    _(
                        "The worker has only %(held)s of this item left unused for this lot.",
                        held=_num(in_hand.get(row.material_id, Decimal(0))),
                    ),
                )
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        record(
            actor,
            f"material.{kind.value}",
            row,
            after={
                "task_id": task.id,
                "item": row.material.item,
                "quantity": str(row.quantity),
                "unit": row.material.unit,
                "note": note,
            },
        )
    return rows


def _num(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def issue_material(
    task_id: int, actor: User, quantities: dict[int, Any] | None = None, note: str = ""
) -> list[MaterialMovement]:
    """Hand a kit out (the whole kit by default); the task's material is then picked up."""
    task = db.session.get(Task, task_id)
    if task is None or not can_run(task, actor):
        raise ProductionError(
            "not_found", _("There is no such task, or it is not your station's."), status=404
        )
    if task.status in DEAD or task.status == TaskStatus.DONE.value:
        raise ProductionError(
            "task_closed", _("This task is closed; hand no material out for it."), status=409
        )
    rows = _move_material(task, MovementKind.ISSUE, actor, quantities, note)
    if task.status == TaskStatus.ASSIGNED.value:
        task.status = TaskStatus.PICKED_UP.value
        task.picked_up_at = utcnow()
        record(actor, "task.pickup", task, before={"status": "assigned"}, after={"status": task.status})
    db.session.flush()
    return rows


def return_material(
    task_id: int, actor: User, quantities: dict[int, Any], note: str = ""
) -> list[MaterialMovement]:
    """Take unused material back from the worker."""
    task = db.session.get(Task, task_id)
    if task is None or not can_run(task, actor):
        raise ProductionError(
            "not_found", _("There is no such task, or it is not your station's."), status=404
        )
    return _move_material(task, MovementKind.RETURN, actor, quantities, note)


def record_loss(task_id: int, actor: User, quantities: dict[int, Any], note: str) -> list[MaterialMovement]:
    """Write material off as lost or spoilt (a note says why)."""
    task = db.session.get(Task, task_id)
    if task is None or not can_run(task, actor):
        raise ProductionError(
            "not_found", _("There is no such task, or it is not your station's."), status=404
        )
    if not (note or "").strip():
        raise field_error("note", _("Say what happened to the material."))
    return _move_material(task, MovementKind.LOSS, actor, quantities, note)


@dataclass
class Holding:
    task_id: int
    material_id: int
    item: str
    unit: str
    issued: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)
    lost: Decimal = Decimal(0)
    used: Decimal = Decimal(0)  # in accepted pieces
    made: Decimal = Decimal(0)  # in every piece reported made (accepted, waiting, in rework or scrapped)

    @property
    def held(self) -> Decimal:
        """Material the worker answers for: what the pieces not yet accepted need counts as theirs."""
        return max(Decimal(0), self.issued - self.returned - self.lost - self.used)

    @property
    def in_hand(self) -> Decimal:
        """Material not yet made into pieces: what the worker still has in hand as material."""
        return max(Decimal(0), self.issued - self.returned - self.lost - self.made)


# Tasks whose worker has no more use for unused material: ended (declined, withdrawn, given to someone
# else) or every piece made and handed in.
FINISHED_WITH = (*DEAD, TaskStatus.RETURNED.value, TaskStatus.INSPECTED.value, TaskStatus.DONE.value)


@cache
def _holdings_query(scope: str) -> Any:
    """Movements summed per task, item and kind: of a worker ("worker"), of some of a worker's tasks
    ("tasks"), or of a station's tasks its workers are finished with ("finished")."""
    stmt = (
        select(
            MaterialMovement.task_id,
            MaterialMovement.material_id,
            MaterialMovement.kind,
            func.sum(MaterialMovement.quantity),
            OrderMaterial.item,
            OrderMaterial.unit,
            OrderMaterial.quantity_per_piece,
            Task.accepted,
            Task.reported,
        )
        .join(OrderMaterial, OrderMaterial.id == MaterialMovement.material_id)
        .join(Task, Task.id == MaterialMovement.task_id)
        .group_by(
            MaterialMovement.task_id,
            MaterialMovement.material_id,
            MaterialMovement.kind,
            OrderMaterial.item,
            OrderMaterial.unit,
            OrderMaterial.quantity_per_piece,
            Task.accepted,
            Task.reported,
        )
    )
    if scope == "finished":
        return stmt.where(
            MaterialMovement.station_id == bindparam("station_id"), Task.status.in_(FINISHED_WITH)
        )
    stmt = stmt.where(MaterialMovement.worker_id == bindparam("worker_id"))
    if scope == "tasks":
        stmt = stmt.where(MaterialMovement.task_id.in_(bindparam("task_ids", expanding=True)))
    return stmt


def _holdings(rows: Any) -> list[Holding]:
    out: dict[tuple[int, int], Holding] = {}
    for task_id, material_id, kind, total, item, unit, per_piece, accepted, reported in rows:
        h = out.setdefault(
            (task_id, material_id),
            Holding(
                task_id,
                material_id,
                item,
                unit,
                used=Decimal(per_piece) * accepted,
                made=Decimal(per_piece) * reported,
            ),
        )
        setattr(h, {"issue": "issued", "return": "returned", "loss": "lost"}[kind], Decimal(total))
    return sorted(out.values(), key=lambda h: (h.task_id, h.material_id))


def worker_holdings(worker_id: int, *, task_ids: Sequence[int] | None = None) -> list[Holding]:
    """What material a worker holds, per task and item: issued − returned − lost − used in accepted pieces."""
    if task_ids is None:
        return _holdings(read_rows(_holdings_query("worker"), worker_id=worker_id))
    return _holdings(read_rows(_holdings_query("tasks"), worker_id=worker_id, task_ids=list(task_ids)))


def material_in_hand(worker_id: int, task_ids: Sequence[int]) -> dict[int, list[Holding]]:
    """Per task, the items a worker still has as material (not yet made into pieces); tasks with none left out."""
    out: dict[int, list[Holding]] = {}
    for h in worker_holdings(worker_id, task_ids=task_ids):
        if h.in_hand > 0:
            out.setdefault(h.task_id, []).append(h)
    return out


def to_take_back(station_id: int) -> list[tuple[Task, list[Holding]]]:
    """Unused material still with workers who are finished with their lot: a task declined, withdrawn or
    given to someone else, or all its pieces handed in. The organiser takes it back (or writes it off)."""
    left: dict[int, list[Holding]] = {}
    for h in _holdings(read_rows(_holdings_query("finished"), station_id=station_id)):
        if h.in_hand > 0:
            left.setdefault(h.task_id, []).append(h)
    if not left:
        return []
    tasks = db.session.scalars(select(Task).where(Task.id.in_(sorted(left))).order_by(Task.id)).all()
    return [(t, left[t.id]) for t in tasks]


@dataclass
class LedgerLine:
    order_id: int
    product: str
    material_id: int
    item: str
    unit: str
    issued: Decimal = Decimal(0)
    used: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)
    lost: Decimal = Decimal(0)
    scrapped: Decimal = Decimal(0)  # in pieces rejected and not sent back for rework
    waiting: Decimal = Decimal(0)  # in pieces made and not yet accepted or scrapped (inspection, rework)

    @property
    def difference(self) -> Decimal:
        """Issued material not accounted for: in rejected pieces, in pieces not yet accepted, with workers or missing."""
        return self.issued - self.used - self.returned - self.lost

    @property
    def unused(self) -> Decimal:
        """The part of the difference not in any piece: material still with workers, or missing."""
        return self.difference - self.scrapped - self.waiting


def station_ledger(station_id: int) -> list[LedgerLine]:
    """The station's material balance per order and item: issued = used in accepted pieces + returned + lost."""
    lines: dict[tuple[int, int], LedgerLine] = {}
    moved = db.session.execute(
        select(
            Lot.order_id,
            MaterialMovement.material_id,
            MaterialMovement.kind,
            func.sum(MaterialMovement.quantity),
        )
        .join(Lot, Lot.id == MaterialMovement.lot_id)
        .where(MaterialMovement.station_id == station_id)
        .group_by(Lot.order_id, MaterialMovement.material_id, MaterialMovement.kind)
    ).all()
    order_ids = {o for o, *_ in moved}
    if not order_ids:
        return []
    materials = db.session.execute(
        select(OrderMaterial, Order.product)
        .join(Order, Order.id == OrderMaterial.order_id)
        .where(OrderMaterial.order_id.in_(order_ids))
        .order_by(OrderMaterial.order_id, OrderMaterial.position)
    ).all()
    pieces = {
        order_id: (int(accepted or 0), int(scrapped or 0), int(reported or 0))
        for order_id, accepted, scrapped, reported in db.session.execute(
            select(Task.order_id, func.sum(Task.accepted), func.sum(Task.scrapped), func.sum(Task.reported))
            .where(Task.station_id == station_id, Task.order_id.in_(order_ids))
            .group_by(Task.order_id)
        )
    }
    for m, product in materials:
        accepted, scrapped, reported = pieces.get(m.order_id, (0, 0, 0))
        per_piece = m.quantity_per_piece
        lines[(m.order_id, m.id)] = LedgerLine(
            m.order_id,
            product,
            m.id,
            m.item,
            m.unit,
            used=per_piece * accepted,
            scrapped=per_piece * scrapped,
            waiting=per_piece * (reported - accepted - scrapped),
        )
    for order_id, material_id, kind, total in moved:
        line = lines[(order_id, material_id)]
        setattr(line, {"issue": "issued", "return": "returned", "loss": "lost"}[kind], Decimal(total))
    return list(lines.values())
