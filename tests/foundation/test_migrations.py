"""The migration history builds the schema from empty, and matches the models exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from factory.extensions import db
from tests.conftest import app_config, fresh_database


@pytest.fixture
def empty_database(tmp_path: Path, own_queue: None) -> Iterator[str]:
    """A new, empty database of the kind this run tests (SQLite, or PostgreSQL next to the test one)."""
    with fresh_database(tmp_path, "migrate") as url:
        yield url


def test_migrations_apply_from_empty_and_match_the_models(empty_database: str, tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    from factory import create_app
    from factory.reference.models import District, MinimumWage, Skill

    app = create_app(app_config(tmp_path, url=empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
        # the reference data comes with the schema
        codes = set(db.session.scalars(select(Skill.code)))
        assert {"remote_assembly", "knitting", "steamed_buns"} <= codes
        assert db.session.scalar(select(District.tier).where(District.name == "平度市")) == 2
        assert db.session.scalar(select(MinimumWage.hourly_fen).where(MinimumWage.tier == 1)) == 2200
        db.session.remove()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


def test_the_drift_check_notices_a_model_the_migrations_lack(empty_database: str, tmp_path: Path) -> None:
    """The comparison above can fail: a table known to the models but missing from the history shows up."""
    from flask_migrate import upgrade
    from sqlalchemy import Column, Integer, MetaData, Table

    from factory import create_app

    app = create_app(app_config(tmp_path, url=empty_database))
    with app.app_context():
        upgrade()
        extra = MetaData()
        for table in db.metadata.tables.values():
            table.to_metadata(extra)
        Table("not_migrated", extra, Column("id", Integer, primary_key=True))
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), extra)
        assert [d[0] for d in diff] == ["add_table"]
        assert diff[0][1].name == "not_migrated"
        db.session.remove()
        db.engine.dispose()
