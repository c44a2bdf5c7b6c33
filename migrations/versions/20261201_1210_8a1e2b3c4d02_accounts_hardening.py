"""accounts hardening: 工号 unique regardless of case

Revision ID: 8a1e2b3c4d02
Revises: 7c2d4e5f6a01
Create Date: 2026-12-01 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8a1e2b3c4d02"
down_revision = "7c2d4e5f6a01"
branch_labels = None
depends_on = None

#: An expression index: SQLite's reflection skips it, so a later batch_alter_table("users") on
#: SQLite (which copies the table) must create it again.
CASELESS_INDEX = "uq_users_employee_no_lower"


def upgrade() -> None:
    bind = op.get_bind()
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
    op.create_index(CASELESS_INDEX, "users", [sa.text("lower(employee_no)")], unique=True)


def downgrade() -> None:
    op.drop_index(CASELESS_INDEX, table_name="users")
