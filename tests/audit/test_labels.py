"""Every action the code records, and every field it writes, has words in the audit log's label tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import force_locale

from factory.audit.labels import ACTIONS, FIELDS
from tests.audit.recorded import recorded


def test_every_recorded_action_has_a_label() -> None:
    found = recorded()
    assert not found.problems, "\n".join(found.problems)
    # The reader follows helpers (_move, _cancel), f-strings over an enum and `a if c else b`; a reader
    # that silently found nothing would pass every label check, so it must find these.
    assert found.calls > 50
    assert {"order.post", "order.close_short", "task.cancel", "material.loss", "user.enable"} <= set(
        found.actions
    )
    missing = {code: where for code, where in found.actions.items() if code not in ACTIONS}
    assert not missing, f"add these actions to factory/audit/labels.py ACTIONS: {missing}"


def test_every_recorded_field_has_a_label() -> None:
    found = recorded()
    assert not found.problems, "\n".join(found.problems)
    # Keys from a helper's return (order snapshot), key-by-key dicts (worker update) and **kwargs (_move).
    assert {"piece_rate_units", "notes", "reach", "pay_per_hour_fen", "below_minimum_reason"} <= set(
        found.keys
    )
    assert not {"in_production", "settled_short"} & set(found.keys)  # popped before they are recorded
    missing = {key: where for key, where in found.keys.items() if key not in FIELDS}
    assert not missing, f"add these fields to factory/audit/labels.py FIELDS: {missing}"


def test_the_reader_reports_a_new_action_and_what_it_cannot_follow(tmp_path: Path) -> None:
    package = tmp_path / "factory"
    package.mkdir()
    (package / "widgets.py").write_text(
        "from factory.audit.services import record\n"
        "def make(actor, obj, ok):\n"
        "    record(actor, 'widget.make' if ok else 'widget.break', obj, after={'colour': 1})\n"
        "def _helper(actor, obj, action):\n"
        "    record(actor, action, obj, before={'size': 2})\n"
        "def use(actor, obj):\n"
        "    _helper(actor, obj, 'widget.help')\n"
        "def guess(actor, obj, code):\n"
        "    name = code + 'x'\n"
        "    record(actor, name, obj)\n",
        encoding="utf-8",
    )
    found = recorded(package)
    assert set(found.actions) == {"widget.make", "widget.break", "widget.help"}
    assert set(found.keys) == {"colour", "size"}
    assert len(found.problems) == 1 and "pass a literal" in found.problems[0]
    assert not set(found.actions) & set(ACTIONS)  # so the label check above would fail on them


def test_action_labels_are_distinct_in_chinese(app: Any) -> None:
    with app.test_request_context(), force_locale("zh_CN"):
        words = [str(label) for label in ACTIONS.values()]
    assert len(set(words)) == len(words)
    assert not [w for w in words if w.isascii()]  # each one translated
