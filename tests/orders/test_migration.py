"""The migration that links an order to the order it was made from finds the orders made before it for the
missing pieces of another, by the note the form wrote for them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from factory.extensions import db
from tests.conftest import app_config, fresh_database

REVISION = "f72b23aa5207"


def test_orders_made_for_missing_pieces_before_the_migration_are_linked(
    tmp_path: Path, own_queue: None
) -> None:
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from factory import create_app

    with fresh_database(tmp_path, "follows") as url:
        app = create_app(app_config(tmp_path, url=url))
        with app.app_context():
            script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
            before = script.get_revision(REVISION).down_revision
            for revision in before if isinstance(before, tuple) else (before,):
                upgrade(revision=revision)
            skill = db.session.scalar(text("SELECT id FROM skill WHERE code = 'remote_assembly'"))
            db.session.execute(
                text(
                    "INSERT INTO enterprise (id, name, contact, created_at) VALUES "
                    "(901, '甲企业', '', CURRENT_TIMESTAMP), (902, '乙企业', '', CURRENT_TIMESTAMP)"
                )
            )
            rows = [
                (1, 901, "遥控器组装", "", "closed"),
                (7, 901, "遥控器组装", "订单 #1 缺少的 20 件。", "draft"),  # made for #1's missing pieces
                (8, 902, "遥控器组装", "订单 #1 缺少的 20 件。", "draft"),  # another enterprise: not linked
                (9, 901, "遥控器组装", "The 5 pieces missing from order #7.", "posted"),
                (10, 901, "手工编花", "订单 #1 缺少的 3 件。", "draft"),  # another product: not linked
                (11, 901, "遥控器组装", "请尽快交货", "draft"),
                (12, 901, "遥控器组装", "订单 #99 缺少的 3 件。", "draft"),  # no such order
            ]
            for order_id, enterprise_id, product, note, status in rows:
                db.session.execute(
                    text(
                        "INSERT INTO work_order (id, enterprise_id, reference, product, description, skill_id,"
                        " quantity, lot_size, piece_rate_units, standard_minutes, service_fee_fen, due_date,"
                        " quality_standard, note, status, open_to_all, created_at, updated_at) VALUES"
                        " (:id, :e, '', :p, '', :s, 20, 20, 4000, 1, 0, '2026-12-01', '', :n, :st, :t,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": order_id,
                        "e": enterprise_id,
                        "p": product,
                        "s": skill,
                        "n": note,
                        "st": status,
                        "t": True,
                    },
                )
            db.session.commit()
            upgrade(revision=REVISION)
            linked = db.session.execute(
                text("SELECT id, follows_order_id, for_missing_pieces FROM work_order ORDER BY id")
            ).all()
            assert [tuple(r) for r in linked] == [
                (1, None, False),
                (7, 1, True),
                (8, None, False),
                (9, 7, True),
                (10, None, False),
                (11, None, False),
                (12, None, False),
            ]
            db.session.remove()
            db.engine.dispose()
