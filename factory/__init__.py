"""Microfactory: community micro-factories, from an enterprise's order to a resident's pay slip.

`create_app` is imported lazily so that the pure packages (`factory.scheduling`, `factory.payroll.domain`)
can be imported without Flask or SQLAlchemy.
"""

from __future__ import annotations

from typing import Any


def create_app(config: dict[str, Any] | None = None) -> Any:
    """Build the Flask application (see factory.app)."""
    from factory.app import create_app as _create_app

    return _create_app(config)
