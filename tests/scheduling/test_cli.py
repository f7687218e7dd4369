"""The command line: solve, check, and clear messages for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from factory.scheduling.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def test_solve_then_check(tiny: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inst = tmp_path / "tiny.json"
    inst.write_text(json.dumps(tiny), encoding="utf-8")
    out = tmp_path / "plan.json"
    assert main(["solve", str(inst), "--out", str(out), "--time-limit", "5", "--quiet"]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["format"] == "microfactory-plan/1"
    assert plan["stats"]["weighted_on_time"] == 68
    capsys.readouterr()
    assert main(["check", str(inst), str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True
    assert report["figures"]["weighted_on_time"] == 68


def test_check_reports_invalid_plan(
    tiny: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inst = tmp_path / "tiny.json"
    inst.write_text(json.dumps(tiny), encoding="utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"assignments": [], "unassigned": []}), encoding="utf-8")
    assert main(["check", str(inst), str(plan)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "order O1 lot 0: neither assigned nor listed as unassigned" in report["errors"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (
            json.dumps({"format": "microfactory-instance/1", "horizon": {"start": "2026-12-01", "days": 2}}),
            "missing required key 'stations'",
        ),
    ],
)
def test_malformed_instance_gets_a_message_not_a_traceback(
    tmp_path: Path, content: str, message: str
) -> None:
    inst = tmp_path / "bad.json"
    inst.write_text(content, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "factory.scheduling", "solve", str(inst), "--out", str(tmp_path / "p.json")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "p.json").exists()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.json"), str(tmp_path / "p.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_engine_imports_neither_flask_nor_sqlalchemy() -> None:
    code = "import sys, factory.scheduling; print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert proc.stdout.strip() == "[]"
