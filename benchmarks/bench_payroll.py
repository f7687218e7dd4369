"""Benchmark of payroll: closing a big period, and printing 500 pay slips as one PDF.

    .venv/bin/python benchmarks/bench_payroll.py            # SQLite and PostgreSQL close, then the PDF
    .venv/bin/python benchmarks/bench_payroll.py --quick    # 2,000 workers / 100,000 inspections
    .venv/bin/python benchmarks/bench_payroll.py --no-pdf   # the close only

Close: one station, 20,000 workers, 40 orders (10 of them with a rate change in the middle of the period,
so their pieces split into two lines), one task per worker with 50 inspections each (1,000,000 inspection
rows in the half-month, about 40,000 of them sending rejected pieces back for rework), and reported minutes
on 10% of the tasks. The figure is `close_period` from start
to flush: the uninspected-lot check, the GROUP BY, the other look-ups, the pay rules, the bulk inserts.
It is compared with the floor: one SQL aggregate over the same rows
(``SELECT worker, SUM(accepted) … GROUP BY worker``), fetched in full. "writes" is the least the close's
writing can cost: the same slips, lines and top-ups put back inside the database (INSERT … SELECT from a copy,
no Python), with every index and foreign-key check a close meets.

PDF: a closed period of 500 workers with two lines each and an adjustment for some, printed with
`printing.period_pdf` in a child process (its peak resident memory is the child's ru_maxrss); the time is
split into building the HTML (queries and Jinja), WeasyPrint's layout, and writing the PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START, END = date(2024, 6, 1), date(2024, 6, 15)
NOW = datetime(2024, 6, 20, tzinfo=UTC).replace(tzinfo=None)


def make_app(url: str) -> Any:
    from factory import create_app

    instance = Path(tempfile.mkdtemp(prefix="bench-payroll-"))
    os.environ.setdefault("FACTORY_INSTANCE_PATH", str(instance))
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "HUEY_IMMEDIATE": True,
            "HUEY_PATH": str(instance / "huey.db"),
            "SECRET_KEY": "bench",
            "DATA_KEY_PATH": str(instance / "data_key"),
        }
    )


def _bulk(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows fast: COPY on PostgreSQL, executemany on SQLite (the DBAPI connection directly)."""
    from factory.extensions import db

    conn = db.session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608  (names are this script's constants)
        raw.cursor().executemany(sql, rows)


def _ids(table: str, where: str = "") -> list[int]:
    from sqlalchemy import text

    from factory.extensions import db

    sql = f"SELECT id FROM {table} {where} ORDER BY id"  # noqa: S608  (names are this script's constants)
    return [r[0] for r in db.session.execute(text(sql))]


def generate(
    workers: int, per_worker: int, seed: int = 7, *, station_name: str = "基准站点"
) -> dict[str, Any]:
    """Write the station, people, orders, lots, tasks, reports and inspections; return their ids."""
    from sqlalchemy import select

    from factory.accounts.models import Enterprise, Station, User
    from factory.extensions import db
    from factory.reference.models import District, Skill
    from factory.reference.services import load_reference_data

    rng = random.Random(seed)
    load_reference_data()
    district = db.session.scalar(select(District).where(District.name == "市北区"))
    skill = db.session.scalar(select(Skill).where(Skill.code == "remote_assembly"))
    station = Station(name=station_name, district=district)
    enterprise = Enterprise(name=station_name + "企业")
    db.session.add_all([station, enterprise])
    db.session.flush()
    organiser = User(
        mobile=f"1{station.id:02d}00000000"[:11], name="基准负责人", role="organiser", station_id=station.id
    )
    db.session.add(organiser)
    db.session.flush()
    base = 10_000_000 * station.id
    _bulk(
        "user_account",
        ["mobile", "name", "role", "station_id", "is_disabled", "created_at"],
        [
            (f"15{base + n:09d}"[:11], f"工人{n:05d}", "worker", station.id, False, NOW)
            for n in range(workers)
        ],
    )
    worker_ids = _ids("user_account", f"WHERE station_id = {station.id} AND role = 'worker'")
    orders = 40
    order_rows = [
        (
            enterprise.id,
            "",
            f"订单{k:02d}",
            "",
            skill.id,
            workers * 1000,
            1000,
            rng.choice([3000, 3550, 4000, 4500, 12345]),
            rng.choice(["0.8", "1", "1.5"]),
            0,
            END + timedelta(days=30),
            "",
            "",
            "in_production",
            True,
            NOW,
            NOW,
        )
        for k in range(orders)
    ]
    _bulk(
        "work_order",
        [
            "enterprise_id",
            "reference",
            "product",
            "description",
            "skill_id",
            "quantity",
            "lot_size",
            "piece_rate_units",
            "standard_minutes",
            "service_fee_fen",
            "due_date",
            "quality_standard",
            "note",
            "status",
            "open_to_all",
            "created_at",
            "updated_at",
        ],
        order_rows,
    )
    order_ids = _ids("work_order", f"WHERE enterprise_id = {enterprise.id}")
    # Ten orders change rate on the 8th: their pieces split into two lines.
    _bulk(
        "pay_order_rate",
        ["order_id", "effective_from", "rate_units", "reason", "created_at"],
        [(o, date(2000, 1, 1), 4000, "own", NOW) for o in order_ids[:10]]
        + [(o, date(2024, 6, 8), 4600, "change", NOW) for o in order_ids[:10]],
    )
    worker_order = [order_ids[n % orders] for n in range(workers)]
    _bulk(
        "order_lot",
        ["order_id", '"index"', "pieces", "station_id"],
        [(worker_order[n], n + 1, 5000, station.id) for n in range(workers)],
    )
    lot_ids = _ids("order_lot", f"WHERE station_id = {station.id}")
    counts = []
    inspections = []
    for _n in range(workers):
        acc = [rng.randint(5, 30) for _ in range(per_worker)]
        rej = [rng.choice((0, 0, 0, 1, 2)) for _ in range(per_worker)]
        counts.append((acc, rej))
    # One inspection with rejected pieces in ten sends them back for rework (its own random numbers, so
    # the pieces and the pay are those of the runs before rework was part of the data).
    rework_rng = random.Random(seed + 1)
    rework = [[r > 0 and rework_rng.random() < 0.1 for r in rej] for _acc, rej in counts]
    _bulk(
        "production_task",
        [
            "lot_id",
            "order_id",
            "worker_id",
            "station_id",
            "pieces",
            "status",
            "reported",
            "accepted",
            "scrapped",
            "rework",
            "created_at",
            "updated_at",
        ],
        [
            (
                lot_ids[n],
                worker_order[n],
                worker_ids[n],
                station.id,
                5000,
                "inspected",
                sum(counts[n][0]) + sum(counts[n][1]),
                sum(counts[n][0]),
                sum(r for r, back in zip(counts[n][1], rework[n], strict=True) if not back),
                sum(r for r, back in zip(counts[n][1], rework[n], strict=True) if back),
                NOW,
                NOW,
            )
            for n in range(workers)
        ],
    )
    task_ids = _ids("production_task", f"WHERE station_id = {station.id}")
    days = (END - START).days + 1
    for n, task_id in enumerate(task_ids):
        acc, rej = counts[n]
        for k in range(per_worker):
            inspections.append(
                (
                    task_id,
                    organiser.id,
                    acc[k],
                    rej[k],
                    "",
                    START + timedelta(days=(n + k) % days),
                    rework[n][k],
                    NOW,
                )
            )
    for chunk in range(0, len(inspections), 200_000):
        _bulk(
            "production_inspection",
            [
                "task_id",
                "organiser_id",
                "accepted",
                "rejected",
                "reason",
                "inspected_on",
                "rework",
                "created_at",
            ],
            inspections[chunk : chunk + 200_000],
        )
    _bulk(
        "production_report",
        [
            "task_id",
            "worker_id",
            "pieces",
            "minutes",
            "idempotency_key",
            "body_hash",
            "reported_after",
            "reported_on",
            "created_at",
        ],
        [
            (
                task_ids[n],
                worker_ids[n],
                sum(counts[n][0]) + sum(counts[n][1]),
                600,
                f"k{n}",
                "x",
                0,
                END,
                NOW,
            )
            for n in range(0, workers, 10)
        ],
    )
    db.session.flush()
    return {"station_id": station.id, "organiser_id": organiser.id, "inspections": len(inspections)}


def floor_query(station_id: int) -> float:
    """The single aggregate over the same rows: the least any close must do."""
    from sqlalchemy import func, select

    from factory.extensions import db
    from factory.production.models import Inspection, Task

    t0 = time.perf_counter()
    rows = db.session.execute(
        select(Task.worker_id, func.sum(Inspection.accepted))
        .join(Task, Task.id == Inspection.task_id)
        .where(
            Task.station_id == station_id, Inspection.inspected_on >= START, Inspection.inspected_on <= END
        )
        .group_by(Task.worker_id)
    ).all()
    assert rows  # noqa: S101
    return time.perf_counter() - t0


def write_floor() -> float:
    """Writing the close's rows again inside the database (INSERT … SELECT from copies, no Python): the writes' floor.

    The slips, lines and adjustments are copied aside, the three tables emptied and the rows put back
    with every key, index and foreign-key check a close meets; the transaction is then rolled back.
    """
    from sqlalchemy import text

    from factory.extensions import db

    tables = ("pay_slip", "pay_line", "pay_adjustment")
    for table in tables:  # the benchmark's database holds this one closed period
        db.session.execute(text(f"CREATE TEMP TABLE copy_{table} AS SELECT * FROM {table}"))  # noqa: S608
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)}"))
    else:
        for table in reversed(tables):
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608
    t0 = time.perf_counter()
    for table in tables:
        db.session.execute(text(f"INSERT INTO {table} SELECT * FROM copy_{table}"))  # noqa: S608
    spent = time.perf_counter() - t0
    db.session.rollback()
    return spent


def bench_close(url: str, workers: int, per_worker: int) -> dict[str, Any]:
    from factory.accounts.models import User
    from factory.extensions import db
    from factory.payroll import services

    app = make_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        made = generate(workers, per_worker)
        db.session.commit()
        generated = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        organiser = db.session.get(User, made["organiser_id"])
        period = services.create_period(made["station_id"], START, END, organiser)
        db.session.commit()
        floor_query(made["station_id"])  # warm the cache as the close will find it
        floor = min(floor_query(made["station_id"]) for _ in range(2))
        t0 = time.perf_counter()
        rows = services.inspection_totals(made["station_id"], START, END)
        grouped = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = services.close_period(
            period.id, organiser, top_up=True, leave_uninspected=True, today=date(2024, 7, 1)
        )
        closed = time.perf_counter() - t0
        db.session.commit()
        writes = min(write_floor() for _ in range(2))
        out = {
            "database": db.engine.dialect.name,
            "workers": workers,
            "inspections": made["inspections"],
            "slips": result.slips,
            "groups": len(rows),
            "total_fen": result.total_fen,
            "top_ups_made_at_close": result.top_ups_made_at_close,
            "generate_s": round(generated, 1),
            "floor_s": round(floor, 2),
            "group_by_s": round(grouped, 2),
            "close_s": round(closed, 2),
            "ratio": round(closed / floor, 2),
            "writes_s": round(writes, 2),
        }
        db.session.remove()
        db.engine.dispose()
    return out


def bench_pdf(url: str, slips: int) -> dict[str, Any]:
    """Make a closed period of `slips` workers, then print it; time the phases."""
    from flask import render_template
    from weasyprint import HTML

    from factory.accounts.models import User
    from factory.extensions import db
    from factory.payroll import printing, services
    from factory.pdf import _no_network

    app = make_app(url)
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        made = generate(slips, 6, seed=11, station_name="打印站点")
        db.session.commit()
        organiser = db.session.get(User, made["organiser_id"])
        period = services.create_period(made["station_id"], START, END, organiser)
        db.session.flush()
        for worker_id in _ids("user_account", f"WHERE station_id = {made['station_id']} AND role = 'worker'")[
            ::5
        ]:
            services.add_adjustment(period.id, worker_id, "bonus", 500, "加急订单奖励", organiser)
        services.close_period(
            period.id, organiser, top_up=True, leave_uninspected=True, today=date(2024, 7, 1)
        )
        db.session.commit()
        period_id = period.id
        db.session.expire_all()

        period = db.session.get(services.PayPeriod, period_id)
        all_slips = services.period_slips(period.id)
        html_s = layout_s = 0.0
        documents = []
        t_all = time.perf_counter()
        for n in range(0, len(all_slips), printing.CHUNK):
            t0 = time.perf_counter()
            html = render_template(
                "payroll/slips_pdf.html",
                views=printing.slip_views(all_slips[n : n + printing.CHUNK]),
                period=period,
            )
            t1 = time.perf_counter()
            documents.append(
                HTML(string=html, base_url=app.static_folder + "/", url_fetcher=_no_network).render()
            )
            layout_s += time.perf_counter() - t1
            html_s += t1 - t0
        t0 = time.perf_counter()
        pages = [p for d in documents for p in d.pages]
        pdf = documents[0].copy(pages).write_pdf()
        write_s = time.perf_counter() - t0
        total = time.perf_counter() - t_all
        # And once more through the job's own function, for the end-to-end time.
        documents = pages = None  # type: ignore[assignment]
        t0 = time.perf_counter()
        pdf2, count = printing.period_pdf(period)
        job_s = time.perf_counter() - t0
    return {
        "slips": count,
        "pages": len(pdf2) and count,
        "bytes": len(pdf2),
        "html_s": round(html_s, 1),
        "layout_s": round(layout_s, 1),
        "write_s": round(write_s, 1),
        "phases_total_s": round(total, 1),
        "period_pdf_s": round(job_s, 1),
        "first_pdf_bytes": len(pdf),
    }


def child(args: list[str]) -> dict[str, Any]:
    """Run one part in a child process; return its JSON and its peak resident memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["close", "pdf"])
    parser.add_argument("--url")
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument("--per-worker", type=int, default=50)
    parser.add_argument("--slips", type=int, default=500)
    parser.add_argument("--no-pdf", action="store_true", help="measure the close only")
    args = parser.parse_args()
    if args.quick:
        args.workers, args.slips = 2_000, 100
    if args.part == "close":
        url = args.url or os.environ["FACTORY_TEST_DATABASE_URL"]
        print(json.dumps(bench_close(url, args.workers, args.per_worker)))
        return
    if args.part == "pdf":
        print(json.dumps(bench_pdf(args.url, args.slips)))
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-payroll-"))
    sizes = ["--workers", str(args.workers), "--per-worker", str(args.per_worker)]
    results = [child(["--part", "close", "--url", f"sqlite:///{tmp / 'close.db'}", *sizes])]
    pg = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh"), "run", sys.executable, __file__, "--part", "close", *sizes],
        capture_output=True,
        text=True,
        check=False,
    )
    if pg.returncode == 0:
        results.append(json.loads(pg.stdout.strip().splitlines()[-1]))
    else:
        print("PostgreSQL run failed:", pg.stderr[-2000:], file=sys.stderr)
    print("Closing a half-month (one station):")
    print(
        f"{'db':<11}{'workers':>8}{'inspections':>12}{'groups':>8}{'floor s':>9}{'GROUP BY s':>11}{'close s':>9}{'x floor':>9}{'writes s':>10}"
    )
    for r in results:
        print(
            f"{r['database']:<11}{r['workers']:>8}{r['inspections']:>12}{r['groups']:>8}{r['floor_s']:>9}"
            f"{r['group_by_s']:>11}{r['close_s']:>9}{r['ratio']:>9}{r['writes_s']:>10}"
        )
    if args.no_pdf:
        return
    pdf = child(["--part", "pdf", "--url", f"sqlite:///{tmp / 'pdf.db'}", "--slips", str(args.slips)])
    print(
        f"\n{pdf['slips']} pay slips as one PDF ({pdf['bytes'] // 1024} KB), peak memory {pdf['peak_rss_mb']} MB:"
    )
    print(
        f"  period_pdf {pdf['period_pdf_s']} s; phases: HTML (queries + Jinja) {pdf['html_s']} s, "
        f"WeasyPrint layout {pdf['layout_s']} s, writing the PDF {pdf['write_s']} s"
    )


if __name__ == "__main__":
    main()
