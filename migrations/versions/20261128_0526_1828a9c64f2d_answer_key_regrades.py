"""answer key regrades

Revision ID: 1828a9c64f2d
Revises: 2efe3644f90a
Create Date: 2026-11-28 05:26:14.190392
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "1828a9c64f2d"
down_revision = "2efe3644f90a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regrades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reverted_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reverted_by_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_regrades_actor_id_users")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_regrades_item_id_items")),
        sa.ForeignKeyConstraint(
            ["reverted_by_id"], ["users.id"], name=op.f("fk_regrades_reverted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["item_versions.id"], name=op.f("fk_regrades_version_id_item_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrades")),
    )
    with op.batch_alter_table("regrades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regrades_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_override", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.drop_column("key_override")

    with op.batch_alter_table("regrades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regrades_item_id"))

    op.drop_table("regrades")
