"""A closed period's transfers for the bank (CSV and Excel) and the station's summary of the period.

The bank file needs the full account numbers: building it decrypts them, and each export is written to
the audit log with the number of accounts it unmasked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from factory.accounts.models import User
from factory.audit.services import record
from factory.extensions import db
from factory.money import format_fen
from factory.payroll.models import PayPeriod, PaySlip
from factory.payroll.services import PayrollError, payee_accounts, period_slips


@dataclass(frozen=True)
class Transfer:
    slip_id: int
    worker_id: int
    name: str
    bank_name: str
    account_number: str  # in full: only for the bank file
    amount_fen: int

    @property
    def has_account(self) -> bool:
        return bool(self.account_number)


def _yuan(fen: int) -> str:
    """Yuan with two decimals and no currency sign, as banks' batch files expect."""
    return format_fen(fen).replace("¥", "")


def transfers(period: PayPeriod, actor: User | None) -> list[Transfer]:
    """One transfer per slip with something to pay; the account numbers are decrypted (and it is logged)."""
    from factory.workers.protect import decrypt

    if period.status != "closed":
        raise PayrollError("open", _("Close the period before paying it."), status=409)
    slips = [s for s in period_slips(period.id) if s.total_fen > 0]
    accounts = payee_accounts(s.worker_id for s in slips)
    out = []
    for slip in slips:
        account = accounts.get(slip.worker_id)
        out.append(
            Transfer(
                slip_id=slip.id,
                worker_id=slip.worker_id,
                name=account.holder_name if account else slip.worker_name,
                bank_name=account.bank_name if account else "",
                account_number=decrypt(account.account_cipher) if account else "",
                amount_fen=slip.total_fen,
            )
        )
    record(
        actor,
        "payee_account.unmask",
        period,
        after={"purpose": "bank_transfer_export", "accounts": sum(1 for t in out if t.has_account)},
    )
    return out


def _headers() -> list[str]:
    return [
        _("No."),
        _("Payee name"),
        _("Account number"),
        _("Bank"),
        _("Amount (yuan)"),
        _("Purpose"),
    ]


def _rows(period: PayPeriod, items: list[Transfer]) -> list[list[Any]]:
    purpose = _(
        "Piece-rate pay %(start)s to %(end)s", start=period.start.isoformat(), end=period.end.isoformat()
    )
    return [
        [n, t.name, t.account_number or _("(no account on file)"), t.bank_name, _yuan(t.amount_fen), purpose]
        for n, t in enumerate(items, start=1)
    ]


def transfers_csv(period: PayPeriod, actor: User | None) -> bytes:
    from factory.tabular import write_csv

    return write_csv(_headers(), _rows(period, transfers(period, actor)))


def transfers_xlsx(period: PayPeriod, actor: User | None) -> bytes:
    from factory.tabular import write_xlsx

    return write_xlsx(_headers(), _rows(period, transfers(period, actor)), _("Transfers"))


@dataclass(frozen=True)
class Summary:
    workers_paid: int
    total_fen: int
    hard_to_employ_paid: int
    hard_to_employ_fen: int
    topped_up: int
    topped_up_fen: int
    without_account: int


def period_summary(period: PayPeriod) -> Summary:
    """Workers paid, the total, and the hard-to-employ residents among them (a few aggregate queries)."""
    from factory.workers.models import WorkerProfile

    paid = select(PaySlip).where(PaySlip.period_id == period.id, PaySlip.total_fen > 0).subquery()
    workers, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(paid.c.total_fen), 0))
    ).one()
    hard, hard_fen = db.session.execute(
        select(func.count(), func.coalesce(func.sum(paid.c.total_fen), 0))
        .select_from(paid)
        .join(WorkerProfile, WorkerProfile.user_id == paid.c.worker_id)
        .where(WorkerProfile.hard_to_employ.is_(True))
    ).one()
    slips = period_slips(period.id)
    accounts = payee_accounts(s.worker_id for s in slips if s.total_fen > 0)
    topped = [s for s in slips if s.top_ups_paid_fen > 0]
    return Summary(
        workers_paid=int(workers),
        total_fen=int(total),
        hard_to_employ_paid=int(hard),
        hard_to_employ_fen=int(hard_fen),
        topped_up=len(topped),
        topped_up_fen=sum(s.top_ups_paid_fen for s in topped),
        without_account=sum(1 for s in slips if s.total_fen > 0 and s.worker_id not in accounts),
    )
