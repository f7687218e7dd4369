"""The merged catalogues are read once per process and locale, not on every request."""

from __future__ import annotations

from flask_babel import get_translations


def test_translations_are_merged_once_per_locale(app):
    seen = []
    for _ in range(2):
        with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
            seen.append(get_translations())
    assert seen[0] is seen[1]
    assert seen[0].gettext("Today") == "今天"  # the production catalogue is merged into the one object
