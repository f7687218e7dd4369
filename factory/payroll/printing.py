"""Pay slips as PDF (WeasyPrint, Noto Sans CJK SC): one slip, or every slip of a period as a background job.

Each line shows how its amount is computed, so the worker can check it by hand: ``pieces × rate``
rounded half up to the fen, or, only where rounding together with the pieces of the same order and rate
paid in earlier periods gives another amount, the cumulative form (see docs/pay-rules.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from factory.extensions import db
from factory.jobs.models import Job
from factory.jobs.queue import Report, handler
from factory.money import RATE_UNITS_PER_FEN, format_fen, format_rate, round_half_up
from factory.payroll.models import Adjustment, PayLine, PayPeriod, PaySlip
from factory.payroll.services import corrections_of

CHUNK = 25  # slips laid out per WeasyPrint pass: the progress bar moves, memory stays flat


@dataclass(frozen=True)
class Product:
    """``pieces × rate``: its exact value in yuan and that value rounded half up to the fen."""

    pieces: int
    rate_units: int

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate_units)

    @property
    def exact_text(self) -> str:
        """The exact value, e.g. "¥1.065" (rate units are 1/10,000 yuan, as the product is)."""
        return format_rate(self.pieces * self.rate_units)

    @property
    def fen(self) -> int:
        return round_half_up(self.pieces * self.rate_units, RATE_UNITS_PER_FEN)

    @property
    def rounded(self) -> bool:
        """Whether the exact value has parts of a fen, so the rounding changes it."""
        return self.pieces * self.rate_units % RATE_UNITS_PER_FEN != 0

    @property
    def text(self) -> str:
        """In figures (the same in every language): "30 × ¥0.40 = ¥12.00", "3 × ¥0.355 = ¥1.065 → ¥1.07"."""
        out = f"{self.pieces} × {self.rate_text} = {self.exact_text}"
        return f"{out} → {format_fen(self.fen)}" if self.rounded else out


@dataclass(frozen=True)
class LineView:
    """A slip line with what it takes to check its amount by hand.

    Usually the amount is this slip's pieces × the rate, rounded to the fen (`own`). It differs from that
    only when pieces of the same order and rate were paid in earlier periods and rounding them together
    gives a fen more or less (see docs/pay-rules.md): then, and only then, the line is `cumulative` and
    shows the sums for all the pieces so far (`after`) and for the ones paid before (`before`).
    """

    line: PayLine

    @property
    def own(self) -> Product:
        """This slip's pieces × the rate."""
        return Product(self.line.accepted_pieces, self.line.rate_units)

    @property
    def after(self) -> Product:
        """All pieces of this order and rate paid to the worker, up to and with this line."""
        return Product(self.line.prior_pieces + self.line.accepted_pieces, self.line.rate_units)

    @property
    def before(self) -> Product:
        """The pieces of this order and rate paid in earlier periods."""
        return Product(self.line.prior_pieces, self.line.rate_units)

    @property
    def cumulative(self) -> bool:
        """Whether the earlier pieces change this line's amount (its own pieces alone would round otherwise)."""
        return self.line.prior_pieces > 0 and self.own.fen != self.line.amount_fen

    @property
    def formula(self) -> str:
        """How the amount comes about, in figures (the same in every language)."""
        if not self.cumulative:
            return self.own.text
        after, before = self.after, self.before
        return (
            f"{after.text}; {before.text}; {format_fen(after.fen)} − {format_fen(before.fen)} = "
            f"{format_fen(self.line.amount_fen)}"
        )


@dataclass
class SlipView:
    slip: PaySlip
    lines: list[LineView]
    adjustments: list[Adjustment]
    corrections: list[Adjustment]  # later adjustments that correct this slip
    id_number_masked: str | None
    hard_to_employ: bool = False

    @property
    def shortfall_left_fen(self) -> int:
        later = sum(a.amount_fen for a in self.corrections if a.kind == "minimum_wage_top_up")
        return max(0, self.slip.shortfall_left_fen - later)

    @property
    def hours_text(self) -> str:
        h = self.slip.hours
        hundredths = round_half_up(h.numerator * 100, h.denominator)
        return f"{hundredths // 100}.{hundredths % 100:02d}"


def _profiles(worker_ids: Sequence[int]) -> dict[int, Any]:
    from factory.workers.models import WorkerProfile

    if not worker_ids:
        return {}
    return {
        p.user_id: p
        for p in db.session.scalars(
            select(WorkerProfile).where(WorkerProfile.user_id.in_(sorted(set(worker_ids))))
        )
    }


def slip_views(slips: Sequence[PaySlip]) -> list[SlipView]:
    """Views of slips with their lines, adjustments, corrections and masked ID numbers (a few queries)."""
    ids = [s.id for s in slips]
    if not ids:
        return []
    loaded = {
        s.id: s
        for s in db.session.scalars(
            select(PaySlip)
            .where(PaySlip.id.in_(ids))
            .options(selectinload(PaySlip.lines), selectinload(PaySlip.adjustments))
        )
    }
    later = corrections_of(ids)
    profiles = _profiles([s.worker_id for s in slips])
    out = []
    for slip_id in ids:
        slip = loaded[slip_id]
        profile = profiles.get(slip.worker_id)
        out.append(
            SlipView(
                slip=slip,
                lines=[LineView(line) for line in slip.lines],
                adjustments=list(slip.adjustments),
                corrections=later.get(slip_id, []),
                id_number_masked=getattr(profile, "id_number_masked", None),
                hard_to_employ=bool(getattr(profile, "hard_to_employ", False)),
            )
        )
    return out


def slip_pdf(slip: PaySlip) -> bytes:
    from factory.pdf import render_pdf

    return render_pdf("payroll/slips_pdf.html", views=slip_views([slip]), period=slip.period)


def period_pdf(period: PayPeriod, report: Report | None = None) -> tuple[bytes, int]:
    """Every slip of the period in one PDF, laid out in chunks; returns the PDF and the number of slips."""
    from flask import current_app, render_template
    from weasyprint import HTML

    from factory.pdf import _no_network

    slips = list(
        db.session.scalars(
            select(PaySlip).where(PaySlip.period_id == period.id).order_by(PaySlip.worker_name, PaySlip.id)
        )
    )
    base = (current_app.static_folder or ".") + "/"
    documents = []
    for n in range(0, max(len(slips), 1), CHUNK):
        chunk = slips[n : n + CHUNK]
        html = render_template("payroll/slips_pdf.html", views=slip_views(chunk), period=period)
        documents.append(HTML(string=html, base_url=base, url_fetcher=_no_network).render())
        db.session.expire_all()  # the rows of a laid-out chunk are no longer needed
        if report is not None and slips:
            done = min(n + CHUNK, len(slips))
            report(int(done * 90 / len(slips)), f"{done}/{len(slips)}")
    pages = [page for document in documents for page in document.pages]
    pdf = documents[0].copy(pages).write_pdf()
    return pdf, len(slips)


@handler("payroll_print")
def print_period(job: Job, report: Report) -> None:
    period = db.session.get(PayPeriod, int((job.params or {})["period_id"]))
    if period is None or period.station_id != job.station_id:
        raise ValueError("no such pay period")
    pdf, count = period_pdf(period, report)
    report(95, "")
    job.result_file = pdf
    job.result_filename = f"payslips-{period.start:%Y%m%d}-{period.end:%Y%m%d}.pdf"
    job.result_mimetype = "application/pdf"
    job.result = {"slips": count, "bytes": len(pdf)}
