"""The employment service's pages: the city dashboard, the station comparison, the enterprise view, exports.

Filters travel in the query string (`span`, `district`, `station`, `sort`, `dir`) so every page works
without JavaScript and can be bookmarked. The page, the PDF and the spreadsheet take their figures from
the same `figure_rows`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from factory.access import allow
from factory.accounts.models import Enterprise, Role, Station
from factory.extensions import db
from factory.money import format_fen, round_half_up
from factory.orders.services import local_today
from factory.reference.models import District
from factory.reports import domain, services
from factory.reports.domain import Span
from factory.reports.services import Figures, Scope

bp = Blueprint("reports", __name__)

CATEGORY_LABELS = {
    "older_unemployed": _l("Older unemployed (40/50)"),
    "disabled": _l("Residents with disabilities"),
    "zero_employment_family": _l("Zero-employment families"),
    "long_term_unemployed": _l("Long-term unemployed"),
    "subsistence_family": _l("Families on subsistence allowance"),
    "land_lost_farmer": _l("Farmers who lost their land"),
    "other": _l("Other hard-to-employ"),
}

COLUMNS = [
    ("name", _l("Station")),
    ("district", _l("District")),
    ("earners", _l("Earned")),
    ("hard", _l("Hard to employ")),
    ("first", _l("First-time")),
    ("total", _l("Earnings")),
    ("median", _l("Median")),
    ("per_hour", _l("Median per hour")),
    ("accepted", _l("Pieces accepted")),
    ("quality", _l("Quality")),
    ("orders", _l("Orders")),
    ("on_time", _l("On time")),
    ("idle", _l("Offered hours, no work")),
]


def _yuan(fen: int | None) -> str:
    return format_fen(fen) if fen is not None else "—"


# How a figure is written: a count, an amount in fen, a rate, hours.
COUNT, FEN, RATE, HOURS = "count", "fen", "rate", "hours"


def figure_values(f: Figures) -> list[tuple[str, Any, str]]:
    """The figures in the order and wording the page, the PDF and the spreadsheet show them, each with
    its value and kind (`as_text` words it for the page, `as_cell` types it for the spreadsheet)."""
    rows: list[tuple[str, Any, str]] = [
        (_("Residents who earned anything"), f.earners, COUNT),
        (_("of them hard to employ"), f.hard_to_employ, COUNT),
    ]
    for key, count in sorted(f.hard_by_category.items()):
        rows.append(("· " + str(CATEGORY_LABELS.get(key, key)), count, COUNT))
    rows += [
        (_("First-time earners"), f.first_time, COUNT),
        (_("Total earnings"), f.total_fen, FEN),
        (_("Median earnings"), f.median_fen, FEN),
        (_("Median earnings per hour worked"), f.median_per_hour_fen, FEN),
        (_("Hours worked"), f.hours_text, HOURS),
        (_("Pieces accepted"), f.accepted, COUNT),
        (_("Pieces rejected"), f.rejected, COUNT),
        (_("Quality rate"), f.quality, RATE),
        (_("Orders served"), f.orders_served, COUNT),
        (_("Enterprises served"), f.enterprises_served, COUNT),
        (_("Orders due"), f.orders_due, COUNT),
        (_("Orders delivered in full by the due date"), f.orders_on_time, COUNT),
        (_("On-time delivery rate"), f.on_time, RATE),
        (_("Residents who offered hours without work"), f.offered_without_work, COUNT),
    ]
    return rows


def as_text(value: Any, kind: str) -> str:
    if kind == FEN:
        return _yuan(value)
    if kind == RATE:
        return domain.percent_text(value)
    return str(value)


def as_cell(value: Any, kind: str) -> Any:
    """A typed spreadsheet cell: numbers stay numbers (amounts in yuan, rates as fractions)."""
    from factory.tabular import Formatted

    if value is None:
        return "—"
    if kind == FEN:
        return Formatted(Decimal(value) / 100, '"¥"#,##0.00')
    if kind == RATE:
        tenths = round_half_up((value * 1000).numerator, (value * 1000).denominator)
        return Formatted(Decimal(tenths) / 1000, "0.0%")
    if kind == HOURS:
        return Formatted(Decimal(value), "0.00")
    return int(value)


def figure_rows(f: Figures) -> list[tuple[str, str]]:
    return [(label, as_text(value, kind)) for label, value, kind in figure_values(f)]


def station_values(row: services.StationRow) -> list[tuple[Any, str]]:
    f = row.figures
    return [
        (row.name, "text"),
        (row.district, "text"),
        (f.earners, COUNT),
        (f.hard_to_employ, COUNT),
        (f.first_time, COUNT),
        (f.total_fen, FEN),
        (f.median_fen, FEN),
        (f.median_per_hour_fen, FEN),
        (f.accepted, COUNT),
        (f.quality, RATE),
        (f.orders_served, COUNT),
        (f.on_time, RATE),
        (f.offered_without_work, COUNT),
    ]


def station_cells(row: services.StationRow) -> list[str]:
    return [as_text(v, k) for v, k in station_values(row)]


@dataclass
class Selection:
    scope: Scope
    district: District | None
    station: Station | None

    @property
    def args(self) -> dict[str, Any]:
        out: dict[str, Any] = {"span": self.scope.span.key}
        if self.district is not None:
            out["district"] = self.district.id
        if self.station is not None:
            out["station"] = self.station.id
        return out

    @property
    def where(self) -> str:
        if self.station is not None:
            return self.station.name
        if self.district is not None:
            return self.district.name
        return _("Whole city")


def span_label(span: Span) -> str:
    if span.is_month:
        return _("%(year)d-%(month)02d", year=span.start.year, month=span.start.month)
    return f"{span.start.isoformat()} – {span.end.isoformat()}"


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        abort(400)
    return int(value)


def default_span() -> Span:
    latest = services.latest_activity()
    return domain.month_span(*(latest or local_today()).timetuple()[:2])


def selection() -> Selection:
    """Read the filters; a span that cannot be read answers 400, an unknown district or station 404."""
    raw = request.args.get("span")
    span = domain.parse_span(raw) if raw else default_span()
    if span is None:
        abort(400)
    district_id, station_id = _int_arg("district"), _int_arg("station")
    district = db.session.get(District, district_id) if district_id is not None else None
    station = db.session.get(Station, station_id) if station_id is not None else None
    if (district_id is not None and district is None) or (station_id is not None and station is None):
        abort(404)
    if district is not None and station is not None and station.district_id != district.id:
        station = None  # a station of another district: the district wins
    scope = Scope(span, district.id if district else None, station.id if station else None)
    return Selection(scope, district, station)


def _span_choices(current: Span) -> list[tuple[str, str]]:
    today = local_today()
    months = domain.last_months(max(today, current.end), 24)[::-1]
    choices = [(m.key, span_label(m)) for m in months]
    choices += [(p.key, _("Pay period %(span)s", span=span_label(p))) for p in services.pay_period_spans()]
    if current.key not in {key for key, _label in choices}:
        choices.insert(0, (current.key, span_label(current)))
    return choices


def _charts(trend: list[tuple[Span, Figures]]) -> list[str]:
    from factory.charts import bar_chart, line_chart

    labels = [f"{m.start:%Y-%m}" for m, _f in trend]  # the year on every month: a year ago is on the chart
    people = line_chart(
        [
            (_("Earned anything"), [(x, f.earners) for x, (_m, f) in zip(labels, trend, strict=True)]),
            (_("Hard to employ"), [(x, f.hard_to_employ) for x, (_m, f) in zip(labels, trend, strict=True)]),
            (_("First-time"), [(x, f.first_time) for x, (_m, f) in zip(labels, trend, strict=True)]),
        ],
        title=_("Residents in paid work, last 12 months"),
        y_label=_("residents"),
    )
    total = bar_chart(
        [(x, f.total_fen / 100) for x, (_m, f) in zip(labels, trend, strict=True)],
        title=_("Total earnings (yuan), last 12 months"),
        y_label=_("yuan"),
    )
    median = line_chart(
        [
            (
                _("Median earnings"),
                [(x, (f.median_fen or 0) / 100) for x, (_m, f) in zip(labels, trend, strict=True)],
            ),
            (
                _("Median per hour"),
                [(x, (f.median_per_hour_fen or 0) / 100) for x, (_m, f) in zip(labels, trend, strict=True)],
            ),
        ],
        title=_("Median earnings (yuan), last 12 months"),
        y_label=_("yuan"),
    )
    return [people, total, median]


def _context(sel: Selection, figures: Figures | None = None) -> dict[str, Any]:
    if figures is None:
        figures = services.city(sel.scope)
    return {
        "sel": sel,
        "figures": figures,
        "rows": figure_rows(figures),
        "span_label": span_label(sel.scope.span),
        "generated": local_today(),
    }


@bp.route("/reports/")
@allow("admin")
def dashboard() -> Any:
    sel = selection()
    figures, trend = services.city_and_trend(sel.scope)
    context = _context(sel, figures)
    return render_template(
        "reports/dashboard.html",
        **context,
        charts=_charts(trend),
        span_choices=_span_choices(sel.scope.span),
        districts=services.districts_with_stations(),
        stations=services.station_choices(sel.district.id if sel.district else None),
        definitions=definitions(),
    )


def _sort() -> tuple[str, bool]:
    sort = request.args.get("sort", "earners")
    if sort not in services.SORT_KEYS:
        sort = "earners"
    return sort, request.args.get("dir", "desc") != "asc"


@bp.route("/reports/stations")
@allow("admin")
def stations() -> Any:
    sel = selection()
    sort, descending = _sort()
    rows = services.stations(sel.scope, sort, descending)
    return render_template(
        "reports/stations.html",
        sel=sel,
        rows=rows,
        cells=[station_cells(r) for r in rows],
        columns=COLUMNS,
        sort=sort,
        descending=descending,
        span_label=span_label(sel.scope.span),
    )


def _filename(sel: Selection, ext: str) -> str:
    """employment-2026-11.xlsx for the city; with -district-3 or -station-12 when filtered."""
    where = ""
    if sel.station is not None:
        where = f"-station-{sel.station.id}"
    elif sel.district is not None:
        where = f"-district-{sel.district.id}"
    return f"employment-{sel.scope.span.key}{where}.{ext}"


@bp.route("/reports/report.pdf")
@allow("admin")
def report_pdf() -> Any:
    from factory.pdf import render_pdf

    sel = selection()
    with force_locale("zh_CN"):  # the bureau files the report in Chinese
        figures, trend = services.city_and_trend(sel.scope)
        context = _context(sel, figures)
        rows = services.stations(sel.scope, "name", False)
        charts = _charts(trend)
        pdf = render_pdf(
            "reports/report_pdf.html",
            **context,
            charts=charts,
            columns=COLUMNS,
            station_rows=[station_cells(r) for r in rows],
            definitions=definitions(),
        )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_filename(sel, "pdf")}"'},
    )


# The 12-month trend as the page's and the PDF's charts show it, one row a month.
TREND_COLUMNS: list[tuple[Any, str]] = [
    (_l("Residents who earned anything"), COUNT),
    (_l("of them hard to employ"), COUNT),
    (_l("First-time earners"), COUNT),
    (_l("Total earnings"), FEN),
    (_l("Median earnings"), FEN),
    (_l("Median earnings per hour worked"), FEN),
    (_l("Hours worked"), HOURS),
    (_l("Pieces accepted"), COUNT),
    (_l("Quality rate"), RATE),
]


def _trend_rows(trend: list[tuple[Span, Figures]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for month, f in trend:
        values = [
            f.earners,
            f.hard_to_employ,
            f.first_time,
            f.total_fen,
            f.median_fen,
            f.median_per_hour_fen,
            f.hours_text,
            f.accepted,
            f.quality,
        ]
        cells = [as_cell(v, kind) for v, (_label, kind) in zip(values, TREND_COLUMNS, strict=True)]
        rows.append([f"{month.start:%Y-%m}", *cells])
    return rows


@bp.route("/reports/report.xlsx")
@allow("admin")
def report_xlsx() -> Any:
    from factory.tabular import Sheet, write_xlsx_sheets

    sel = selection()
    figures, trend = services.city_and_trend(sel.scope)
    context = _context(sel, figures)
    rows: list[list[object]] = [
        [_("Period"), context["span_label"]],
        [_("Area"), sel.where],
        [],
    ]
    rows += [[label, as_cell(value, kind)] for label, value, kind in figure_values(context["figures"])]
    rows += [[], [str(label) for _key, label in COLUMNS]]
    rows += [
        [v if k == "text" else as_cell(v, k) for v, k in station_values(r)]
        for r in services.stations(sel.scope, "name", False)
    ]
    data = write_xlsx_sheets(
        [
            Sheet(_("Employment report"), [_("Employment report"), ""], rows),
            Sheet(
                _("Last 12 months"), [_("Month"), *(label for label, _k in TREND_COLUMNS)], _trend_rows(trend)
            ),
        ]
    )
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(sel, "xlsx")}"'},
    )


def definitions() -> list[tuple[str, str]]:
    """How each figure is counted (the page's notes and the PDF's last section)."""
    return [
        (
            _("Residents who earned anything"),
            _("Workers with accepted pieces, that is with pay, in the period."),
        ),
        (
            _("First-time earners"),
            _("Earned in this period and had no accepted piece anywhere before it began."),
        ),
        (
            _("Earnings"),
            _(
                "The pay of accepted pieces at the piece rates in force, before bonuses, deductions and "
                "top-ups: for days in a closed pay period, the frozen pay slips (a period counts in the "
                "month of its last day); for other days, each order and rate priced once, rounded half up "
                "to the fen, as payroll does."
            ),
        ),
        (
            _("Hours worked"),
            _(
                "Payroll's minimum-wage rule: accepted pieces at the pace the worker reported where minutes "
                "were given, otherwise at the order's standard minutes."
            ),
        ),
        (
            _("Medians"),
            _("Over the residents who earned anything; with an even count, the mean of the two middle ones."),
        ),
        (_("Quality rate"), _("Accepted pieces / (accepted + rejected pieces) inspected in the period.")),
        (
            _("On-time delivery rate"),
            _(
                "Counted in orders: orders due in the period that were delivered in full (delivery dates on or "
                "before the due date) among all orders due. With a district or station chosen, the part of "
                "each order those stations took on."
            ),
        ),
        (
            _("Residents who offered hours without work"),
            _(
                "Active workers with weekly hours above zero, registered by the end of the period, with no "
                "task planned in it and no piece inspected in it."
            ),
        ),
        (
            _("Stations"),
            _(
                "Work counts at the station where it was done; a resident who worked at two stations counts at both."
            ),
        ),
    ]


# --------------------------------------------------------------------------- the enterprise's view


@bp.route("/reports/enterprise")
@allow("coordinator", "admin")
def enterprise() -> Any:
    from factory.charts import bar_chart

    raw = request.args.get("span")
    span = domain.parse_span(raw) if raw else default_span()
    if span is None:
        abort(400)
    if current_user.role == Role.COORDINATOR:
        enterprise_id = current_user.enterprise_id
    else:
        enterprise_id = _int_arg("enterprise")
    enterprises = (
        db.session.scalars(db.select(Enterprise).order_by(Enterprise.name)).all()
        if current_user.role == Role.ADMIN
        else []
    )
    if enterprise_id is None and enterprises:
        enterprise_id = enterprises[0].id
    ent = db.session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    if ent is None:
        abort(404)
    view = services.enterprise_view(ent, span)
    chart = bar_chart(
        [(f"{m.start:%Y-%m}", pieces) for m, pieces in view.delivered_by_month],
        title=_("Pieces delivered per month"),
        y_label=_("pieces"),
    )
    return render_template(
        "reports/enterprise.html",
        view=view,
        chart=chart,
        span=span,
        span_label=span_label(span),
        span_choices=[
            (m.key, span_label(m)) for m in domain.last_months(max(local_today(), span.end), 24)[::-1]
        ],
        enterprises=enterprises,
        percent=domain.percent_text,
    )
