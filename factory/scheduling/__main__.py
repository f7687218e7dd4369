"""Command line: ``python -m factory.scheduling solve|check|greedy ...``.

    python -m factory.scheduling solve INSTANCE.json --out PLAN.json [--time-limit S] [--previous PLAN.json]
    python -m factory.scheduling check INSTANCE.json PLAN.json
    python -m factory.scheduling greedy INSTANCE.json --out PLAN.json

Exit status: 0 done (check: plan valid), 1 plan invalid, 2 bad input (message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from factory.scheduling.check import check_plan
from factory.scheduling.engine import greedy_plan, solve
from factory.scheduling.instance import InstanceError, parse_instance


def _load(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstanceError(f"{what} {path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InstanceError(f"{what} {path}: not valid JSON ({e})") from None


def _write(path: str, plan: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(plan, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    ap = argparse.ArgumentParser(prog="python -m factory.scheduling", description="Allocate lots to workers.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("solve", help="solve an instance and write a plan")
    s.add_argument("instance")
    s.add_argument("--out", required=True)
    s.add_argument("--time-limit", type=float, default=60.0)
    s.add_argument("--previous", help="a previous plan to stay close to")
    s.add_argument("--workers", type=int, default=2, help="CPU cores to use")
    s.add_argument("--quiet", action="store_true", help="no progress on stderr")
    c = sub.add_parser("check", help="check a plan against its instance and print its figures")
    c.add_argument("instance")
    c.add_argument("plan")
    g = sub.add_parser("greedy", help="write the greedy baseline's plan")
    g.add_argument("instance")
    g.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    try:
        inst = parse_instance(_load(args.instance, "instance"))
        if args.cmd == "solve":
            previous = _load(args.previous, "previous plan") if args.previous else None

            def progress(pct: int, msg: str) -> None:
                if not args.quiet:
                    print(f"[{pct:3d}%] {msg}", file=sys.stderr, flush=True)

            plan = solve(
                inst,
                time_limit=args.time_limit,
                progress=progress,
                previous_plan=previous,
                workers=args.workers,
            )
            _write(args.out, plan)
            print(json.dumps({k: v for k, v in plan["stats"].items() if k != "layers"}, ensure_ascii=False))
            return 0
        if args.cmd == "greedy":
            plan = greedy_plan(inst)
            _write(args.out, plan)
            print(json.dumps(plan["stats"], ensure_ascii=False))
            return 0
        result = check_plan(inst, _load(args.plan, "plan"))
        print(
            json.dumps(
                {"valid": result.valid, "errors": result.errors, "figures": result.figures},
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0 if result.valid else 1
    except InstanceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
