"""item exposure (practice / certification / both); final practice answers

Items get ``exposure`` (every existing item: both), watched by the bank token's triggers like
status and category, since it changes what an exam may draw; the item history learns the
event "expose". Answers get ``final``: a practice answer whose feedback was shown.

Revision ID: 8a1e2b3c4d01
Revises: 7c2d4e5f6a01
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8a1e2b3c4d01"
down_revision = "7c2d4e5f6a01"
branch_labels = None
depends_on = None

EXPOSURES = "'practice', 'certification', 'both'"
OLD_KINDS = (
    "'create', 'edit', 'submit', 'approve', 'send_back', 'retire', 'restore', 'recategorize'"
)
NEW_KINDS = f"{OLD_KINDS}, 'expose'"

OLD_WATCHED = "status, current_version_id, category_id"
NEW_WATCHED = f"{OLD_WATCHED}, exposure"


def _watch(columns: str) -> None:
    """(Re)create the bank token's update trigger on ``columns`` of items (see 5b1f0c7e9a21)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS items_bank_state_update")
        op.execute(
            f"CREATE TRIGGER items_bank_state_update AFTER UPDATE OF {columns} ON items BEGIN "
            "UPDATE bank_state SET token = lower(hex(randomblob(16))) WHERE id = 1; END"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS items_bank_state ON items")
        op.execute(
            f"CREATE TRIGGER items_bank_state AFTER INSERT OR UPDATE OF {columns} OR DELETE "
            "ON items FOR EACH STATEMENT EXECUTE FUNCTION bump_bank_state()"
        )


def _event_kinds(kinds: str) -> None:
    with op.batch_alter_table("item_events") as batch:
        batch.drop_constraint(op.f("ck_item_events_kind_valid"), type_="check")
        batch.create_check_constraint(op.f("ck_item_events_kind_valid"), f"kind IN ({kinds})")


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (SQLite takes a column CHECK there): a batch copy of
    # items would drop its triggers and rewrite every row for nothing.
    op.execute(
        "ALTER TABLE items ADD COLUMN exposure VARCHAR(20) DEFAULT 'both' NOT NULL "
        f"CONSTRAINT ck_items_exposure_valid CHECK (exposure IN ({EXPOSURES}))"
    )
    _watch(NEW_WATCHED)
    _event_kinds(NEW_KINDS)
    op.add_column(
        "answers", sa.Column("final", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # Practice answers given so far all had their feedback shown: they stay final.
    op.execute(
        "UPDATE answers SET final = TRUE WHERE CAST(response AS TEXT) <> '[]' AND attempt_id IN "
        "(SELECT a.id FROM attempts a JOIN exams e ON e.id = a.exam_id "
        "WHERE e.mode = 'practice' AND a.status = 'in_progress')"
    )


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("final")
    op.execute("DELETE FROM item_events WHERE kind = 'expose'")
    _event_kinds(OLD_KINDS)
    _watch(OLD_WATCHED)  # before the column goes: SQLite refuses to drop a watched column
    op.execute("ALTER TABLE items DROP COLUMN exposure")
