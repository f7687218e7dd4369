"""Benchmark the worker's "today" page and the report endpoint for a city of 20,000 workers.

    python benchmarks/bench_production.py [--workers 20000] [--duration 10]

Builds a fresh PostgreSQL database (the local cluster of scripts/pg.sh) with 200 stations, 20,000 workers,
an order per station, one 1,000-piece lot per worker and its task planned over three days; serves the app
with gunicorn as docs/deploy.md runs it (2 workers of 4 threads each, keep-alive), and a bare Flask endpoint
returning a fixed string on the same gunicorn settings;
drives each with wrk (-t2 -c50, --latency) from a second process on loopback. Two yardsticks inside the app
(benchmarks/bench_app.py) show the cost of the request's frame: a public "ok" and a worker-only "ok" (session
lookup and access check). Prints requests per second,
p99 latency, the ratio to the bare endpoint, and the queries each request runs.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pg_admin_url() -> str:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh")], capture_output=True, text=True, check=True
    )  # noqa: S603, S607
    return out.stdout.strip().splitlines()[-1]


def app_config(url: str, instance: Path) -> dict[str, str]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret",
        "HUEY_PATH": str(instance / "huey.db"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_city(
    url: str, instance: Path, workers: int, sample: int
) -> tuple[list[str], list[tuple[str, int]]]:
    """Create the schema and the city with bulk inserts; return session cookies and (token, task) pairs."""
    from sqlalchemy import insert, select

    from factory import create_app
    from factory.accounts.models import ApiToken, Enterprise, Station, User, UserSession
    from factory.accounts.services import sha256
    from factory.extensions import db
    from factory.orders.models import Acceptance, Lot, Order, OrderMaterial
    from factory.orders.services import local_today
    from factory.production.models import Task, TaskDay
    from factory.reference.models import District, Skill
    from factory.reference.services import load_reference_data

    app = create_app(app_config(url, instance))
    today = local_today()
    per_station = 100
    stations_n = workers // per_station
    with app.app_context():
        db.create_all()
        load_reference_data()
        district = db.session.scalar(select(District).limit(1))
        skill = db.session.scalar(select(Skill).where(Skill.code == "remote_assembly"))
        enterprise = Enterprise(name="基准企业")
        db.session.add(enterprise)
        db.session.flush()
        station_ids = list(
            db.session.scalars(
                insert(Station).returning(Station.id, sort_by_parameter_order=True),
                [
                    {"name": f"基准站{i:03d}", "district_id": district.id, "address": f"基准路{i}号"}
                    for i in range(stations_n)
                ],
            )
        )
        user_rows = [
            {
                "mobile": f"15{n:09d}",
                "name": f"工人{n}",
                "role": "worker",
                "station_id": station_ids[n // per_station],
                "password_hash": "x",
            }
            for n in range(workers)
        ]
        user_ids = list(
            db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), user_rows)
        )
        order_ids = list(
            db.session.scalars(
                insert(Order).returning(Order.id, sort_by_parameter_order=True),
                [
                    {
                        "enterprise_id": enterprise.id,
                        "product": "遥控器组装",
                        "skill_id": skill.id,
                        "quantity": per_station * 1000,
                        "lot_size": 1000,
                        "piece_rate_units": 4000,
                        "standard_minutes": Decimal(1),
                        "due_date": today + timedelta(days=20),
                        "status": "in_production",
                    }
                    for _ in station_ids
                ],
            )
        )
        db.session.execute(
            insert(OrderMaterial),
            [
                {"order_id": o, "position": 0, "item": "外壳", "quantity_per_piece": Decimal(1), "unit": "个"}
                for o in order_ids
            ],
        )
        acceptance_ids = list(
            db.session.scalars(
                insert(Acceptance).returning(Acceptance.id, sort_by_parameter_order=True),
                [
                    {"order_id": o, "station_id": s, "quantity": per_station * 1000}
                    for o, s in zip(order_ids, station_ids, strict=True)
                ],
            )
        )
        lot_ids = list(
            db.session.scalars(
                insert(Lot).returning(Lot.id, sort_by_parameter_order=True),
                [
                    {
                        "order_id": order_ids[n // per_station],
                        "index": n % per_station + 1,
                        "pieces": 1000,
                        "station_id": station_ids[n // per_station],
                        "acceptance_id": acceptance_ids[n // per_station],
                    }
                    for n in range(workers)
                ],
            )
        )
        task_ids = list(
            db.session.scalars(
                insert(Task).returning(Task.id, sort_by_parameter_order=True),
                [
                    {
                        "lot_id": lot_ids[n],
                        "order_id": order_ids[n // per_station],
                        "worker_id": user_ids[n],
                        "station_id": station_ids[n // per_station],
                        "pieces": 1000,
                        "status": "in_progress",
                        "reported": 0,
                    }
                    for n in range(workers)
                ],
            )
        )
        db.session.execute(
            insert(TaskDay),
            [
                {"task_id": t, "day": today + timedelta(days=d), "pieces": Decimal("333.33")}
                for t in task_ids
                for d in (-1, 0, 1)
            ],
        )
        keys = [uuid.uuid4().hex for _ in range(sample)]
        secrets_ = ["mf_" + uuid.uuid4().hex for _ in range(sample)]
        db.session.execute(
            insert(UserSession),
            [
                {"key_hash": sha256(k), "user_id": user_ids[i * (workers // sample)]}
                for i, k in enumerate(keys)
            ],
        )
        db.session.execute(
            insert(ApiToken),
            [
                {
                    "user_id": user_ids[i * (workers // sample)],
                    "name": "bench",
                    "prefix": s[:10],
                    "token_hash": sha256(s),
                }
                for i, s in enumerate(secrets_)
            ],
        )
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookies = [serializer.dumps({"sk": k, "_permanent": True}) for k in keys]
        pairs = [(s, task_ids[i * (workers // sample)]) for i, s in enumerate(secrets_)]
        # Settle the freshly loaded tables now, so PostgreSQL's autovacuum does not run in the middle of a
        # measurement (it moved single figures by half in earlier runs).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    return cookies, pairs


def query_counts(url: str, instance: Path, cookie: str, token: str, task_id: int) -> dict[str, int]:
    """The queries one request of each kind runs (counted in-process, with the test client)."""
    from sqlalchemy import event

    from factory import create_app
    from factory.extensions import db

    app = create_app(app_config(url, instance))
    counts: dict[str, int] = {}
    with app.app_context():
        client = app.test_client()
        client.set_cookie("mf_session", cookie)
        for name, call in (
            ("today", lambda: client.get("/today")),
            (
                "report",
                lambda: client.post(
                    f"/api/v1/tasks/{task_id}/reports",
                    json={"pieces": 1},
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
                ),
            ),
        ):
            statements: list[str] = []

            def listener(*a: object, _out: list[str] = statements) -> None:
                _out.append(str(a[2]))

            event.listen(db.engine, "before_cursor_execute", listener)
            response = call()
            event.remove(db.engine, "before_cursor_execute", listener)
            assert response.status_code in (200, 201), (name, response.status_code, response.data[:300])
            counts[name] = len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))])
        db.engine.dispose()
    return counts


# The production settings (docs/deploy.md), with two workers for two cores; the same for both apps.
GUNICORN = ["--workers", "2", "--threads", "4", "--keep-alive", "5"]


def serve(app_spec: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            *GUNICORN,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        env=env,
        cwd=str(ROOT),
        start_new_session=True,
    )
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)  # noqa: S310
            return proc
        except urllib.error.HTTPError:
            return proc  # it answers (a redirect to the login page, say)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app_spec} did not start")


def wrk(url: str, duration: int, script: str | None = None) -> tuple[float, float, int]:
    """Run wrk; return (requests per second, p99 in ms, non-2xx responses)."""
    cmd = ["wrk", "-t2", "-c50", f"-d{duration}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(bad.group(1)) if bad else 0


def lua_list(values: list[str]) -> str:
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument(
        "--sample", type=int, default=500, help="workers whose sessions and tokens drive the load"
    )
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    admin_url = pg_admin_url()
    name = f"mf_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    instance = Path(tempfile.mkdtemp(prefix="mf-bench-"))
    os.environ["FACTORY_INSTANCE_PATH"] = str(instance)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        started = time.perf_counter()
        cookies, pairs = build_city(url, instance, args.workers, args.sample)
        print(f"city: {args.workers} workers with their tasks built in {time.perf_counter() - started:.1f} s")
        counts = query_counts(url, instance, cookies[0], pairs[0][0], pairs[0][1])
        env = {
            **os.environ,
            "FACTORY_DATABASE_URL": url,
            "FACTORY_INSTANCE_PATH": str(instance),
            "FACTORY_SECRET_KEY": "bench-secret",
        }
        bare_port, app_port = free_port(), free_port()
        procs.append(serve("benchmarks.bare_flask:app", env, bare_port))
        procs.append(serve("benchmarks.bench_app:app", env, app_port))
        scripts = Path(tempfile.mkdtemp(prefix="mf-wrk-"))
        today_lua = scripts / "today.lua"
        today_lua.write_text(
            f"cookies = {lua_list(cookies)}\ncounter = 0\n"
            "request = function()\n  counter = counter + 1\n"
            '  return wrk.format("GET", "/today", {["Cookie"] = "mf_session=" .. cookies[(counter % #cookies) + 1]})\n'
            "end\n"
        )
        report_lua = scripts / "report.lua"
        report_lua.write_text(
            f"tokens = {lua_list([t for t, _ in pairs])}\ntasks = {lua_list([str(t) for _, t in pairs])}\n"
            "counter = 0\nlocal n = 0\n"
            "setup = function(thread) n = n + 1; thread:set('tid', n) end\n"
            "init = function(args) prefix = tostring(tid) .. '-' .. tostring(os.time()) end\n"
            "request = function()\n  counter = counter + 1\n  local i = (counter % #tokens) + 1\n"
            '  return wrk.format("POST", "/api/v1/tasks/" .. tasks[i] .. "/reports", '
            '{["Authorization"] = "Bearer " .. tokens[i], ["Idempotency-Key"] = prefix .. "-" .. counter, '
            '["Content-Type"] = "application/json"}, \'{"pieces": 1}\')\nend\n'
        )
        auth_lua = scripts / "auth.lua"
        auth_lua.write_text(today_lua.read_text().replace('"/today"', '"/bench/auth"'))
        results = {
            "bare Flask": wrk(f"http://127.0.0.1:{bare_port}/", args.duration),
            "app, public ok": wrk(f"http://127.0.0.1:{app_port}/bench/ok", args.duration),
            "app, worker ok": wrk(f"http://127.0.0.1:{app_port}", args.duration, str(auth_lua)),
            "today page": wrk(f"http://127.0.0.1:{app_port}", args.duration, str(today_lua)),
            "report endpoint": wrk(f"http://127.0.0.1:{app_port}", args.duration, str(report_lua)),
        }
        bare = results["bare Flask"][0]
        print(
            f"gunicorn {' '.join(GUNICORN)}, PostgreSQL, wrk -t2 -c50 -d{args.duration}s --latency on loopback"
        )
        for label, (rps, p99, bad) in results.items():
            ratio = f"{rps / bare:5.2f} of bare" if label != "bare Flask" else "          "
            print(f"  {label:16s} {rps:9.0f} req/s  {ratio}  p99 {p99:7.1f} ms  non-2xx {bad}")
        print(
            f"  queries per request: today page {counts['today']}, report {counts['report']} (fixed, no N+1)"
        )
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, 15)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
