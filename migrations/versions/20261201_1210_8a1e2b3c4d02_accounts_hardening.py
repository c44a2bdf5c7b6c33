"""accounts hardening: demo accounts flagged, 工号 unique regardless of case

Revision ID: 8a1e2b3c4d02
Revises: 8a1e2b3c4d01
Create Date: 2026-12-01 12:10:00
"""

import sqlalchemy as sa
from alembic import op
from werkzeug.security import check_password_hash

revision = "8a1e2b3c4d02"
down_revision = "8a1e2b3c4d01"
branch_labels = None
depends_on = None

#: An expression index: SQLite's reflection skips it, so a later batch_alter_table("users") on
#: SQLite (which copies the table) must create it again.
CASELESS_INDEX = "uq_users_employee_no_lower"

#: What ``flask demo load`` made before accounts carried the flag (exam_app/demo.py, frozen
#: here): one of these numbers that still has the public demo password is a demo account.
DEMO_NUMBERS = ("A0001", "H0001", "T0001", "T0002", "O0001", "O0002", "O0003")
DEMO_PASSWORD = "demo2026"


def upgrade() -> None:
    bind = op.get_bind()
    # First, before changing anything (SQLite cannot roll back the table copy below):
    clashes = bind.execute(
        sa.text(
            "SELECT employee_no FROM users WHERE lower(employee_no) IN ("
            " SELECT lower(employee_no) FROM users GROUP BY lower(employee_no)"
            " HAVING count(*) > 1) ORDER BY lower(employee_no), employee_no"
        )
    ).scalars()
    found = list(clashes)
    if found:  # two people cannot be merged by a migration: an admin decides who is who
        raise RuntimeError(
            "these 工号 differ only in case; rename or remove one of each before upgrading: "
            + ", ".join(found)
        )
    # A literal default keeps SQLite's batch to a plain ADD COLUMN: copying the table would drop
    # the old one, and with foreign keys on that deletes every user's roles (ON DELETE CASCADE).
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("is_demo", sa.Boolean(), nullable=False, server_default="0"))
    users = sa.table(
        "users",
        sa.column("id"),
        sa.column("employee_no"),
        sa.column("password_hash"),
        sa.column("is_demo", sa.Boolean()),
    )
    candidates = bind.execute(
        sa.select(users.c.id, users.c.password_hash).where(users.c.employee_no.in_(DEMO_NUMBERS))
    ).all()
    demo_ids = [id_ for id_, hash_ in candidates if check_password_hash(hash_, DEMO_PASSWORD)]
    if demo_ids:
        bind.execute(users.update().where(users.c.id.in_(demo_ids)).values(is_demo=True))
    op.create_index(CASELESS_INDEX, "users", [sa.text("lower(employee_no)")], unique=True)


def downgrade() -> None:
    op.drop_index(CASELESS_INDEX, table_name="users")
    # Not batch: on SQLite that copies the table (see upgrade); SQLite 3.35+ drops a column itself.
    op.drop_column("users", "is_demo")
