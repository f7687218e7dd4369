"""Pay slips as PDF (WeasyPrint, Noto Sans CJK SC): one slip, or every slip of a period as a background job.

Each line shows how its amount is computed, so the worker can check it by hand:
``pieces × rate`` rounded half up to the fen, or, when pieces of the same order and rate were paid in
earlier periods, the cumulative form (see docs/pay-rules.md).
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
class LineView:
    line: PayLine

    @property
    def exact_fen_text(self) -> str:
        """The exact value of the line's pieces in fen, e.g. "106.5"."""
        units = self.line.accepted_pieces * self.line.rate_units
        whole, rest = divmod(units, RATE_UNITS_PER_FEN)
        return f"{whole}.{rest:02d}".rstrip("0").rstrip(".")

    @property
    def cumulative(self) -> bool:
        return self.line.prior_pieces > 0

    @property
    def pieces_after(self) -> int:
        """Pieces of this order paid to the worker up to and with this line."""
        return self.line.prior_pieces + self.line.accepted_pieces

    @property
    def paid_after_fen(self) -> int:
        """The pay of all those pieces, rounded once."""
        return round_half_up(self.pieces_after * self.line.rate_units, RATE_UNITS_PER_FEN)

    @property
    def paid_before_fen(self) -> int:
        """What the earlier pieces of this order were paid (rounded the same way)."""
        return round_half_up(self.line.prior_pieces * self.line.rate_units, RATE_UNITS_PER_FEN)

    @property
    def formula(self) -> str:
        """How the amount comes about, in figures (the same in every language)."""
        line = self.line
        rate = format_rate(line.rate_units)
        if not line.prior_pieces:
            return f"{line.accepted_pieces} × {rate} = {format_fen(line.amount_fen)}"
        after = line.prior_pieces + line.accepted_pieces
        paid_after = round_half_up(after * line.rate_units, RATE_UNITS_PER_FEN)
        paid_before = round_half_up(line.prior_pieces * line.rate_units, RATE_UNITS_PER_FEN)
        return (
            f"{after} × {rate} → {format_fen(paid_after)}; {line.prior_pieces} × {rate} → "
            f"{format_fen(paid_before)}; {format_fen(paid_after)} − {format_fen(paid_before)} = "
            f"{format_fen(line.amount_fen)}"
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
