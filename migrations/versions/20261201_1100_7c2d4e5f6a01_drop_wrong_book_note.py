"""wrong-question book: drop the never-used note column

Revision ID: 7c2d4e5f6a01
Revises: 5b1f0c7e9a21
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7c2d4e5f6a01"
down_revision = "5b1f0c7e9a21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wrong_book") as batch:
        batch.drop_column("note")


def downgrade() -> None:
    with op.batch_alter_table("wrong_book") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
