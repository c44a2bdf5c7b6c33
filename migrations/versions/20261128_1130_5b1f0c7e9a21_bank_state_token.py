"""bank state token: changes whenever the pool exams draw from may have changed

Revision ID: 5b1f0c7e9a21
Revises: 1828a9c64f2d
Create Date: 2026-11-28 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5b1f0c7e9a21"
down_revision = "1828a9c64f2d"
branch_labels = None
depends_on = None

#: Columns of ``items`` whose change can change a draw (level, type, difficulty and options
#: live in immutable versions, reached through current_version_id).
WATCHED = "status, current_version_id, category_id"
SQLITE_EVENTS = {"insert": "INSERT", "update": f"UPDATE OF {WATCHED}", "delete": "DELETE"}


def upgrade() -> None:
    op.create_table(
        "bank_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_state")),
    )
    op.execute("INSERT INTO bank_state (id, token) VALUES (1, 'initial')")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite has row triggers only; an import of 10,000 items bumps 10,000 times (~20 ms).
        for name, when in SQLITE_EVENTS.items():
            op.execute(
                f"CREATE TRIGGER items_bank_state_{name} AFTER {when} ON items BEGIN "
                "UPDATE bank_state SET token = lower(hex(randomblob(16))) WHERE id = 1; END"
            )
    else:
        op.execute(
            "CREATE FUNCTION bump_bank_state() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE bank_state SET token = gen_random_uuid()::text WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER items_bank_state AFTER INSERT OR UPDATE OF {WATCHED} OR DELETE "
            "ON items FOR EACH STATEMENT EXECUTE FUNCTION bump_bank_state()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS items_bank_state_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS items_bank_state ON items")
        op.execute("DROP FUNCTION IF EXISTS bump_bank_state()")
    op.drop_table("bank_state")
