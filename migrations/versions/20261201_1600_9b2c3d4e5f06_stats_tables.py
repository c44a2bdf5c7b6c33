"""stats_sheets, stats_pending, stats_figures, stats_item_figures, stats_cohorts and
stats_cohort_members: statistics' derived tables and HR's cohorts (issue 15)

Revision ID: 9b2c3d4e5f06
Revises: 9b2c3d4e5f05
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "9b2c3d4e5f06"
down_revision = "9b2c3d4e5f05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("regraded", sa.Boolean(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("queued_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_pending")),
    )
    with op.batch_alter_table("stats_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stats_pending_exam_id"), ["exam_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stats_pending_attempt_id"), ["attempt_id"], unique=False
        )

    op.create_table(
        "stats_cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('class', 'batch', 'list', 'filter')", name=op.f("ck_stats_cohorts_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_stats_cohorts_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_cohorts")),
        sa.UniqueConstraint("name", name=op.f("uq_stats_cohorts_name")),
    )
    op.create_table(
        "stats_cohort_members",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_stats_cohort_members_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["stats_cohorts.id"],
            name=op.f("fk_stats_cohort_members_cohort_id_stats_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_stats_cohort_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", name=op.f("pk_stats_cohort_members")),
    )
    with op.batch_alter_table("stats_cohort_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stats_cohort_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "stats_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("counting", sa.String(length=20), nullable=False),
        sa.Column("computed_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sheets", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("tally", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "counting IN ('first', 'all', 'best', 'last')",
            name=op.f("ck_stats_figures_counting_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"],
            ["exams.id"],
            name=op.f("fk_stats_figures_exam_id_exams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_figures")),
        sa.UniqueConstraint("exam_id", "counting", name=op.f("uq_stats_figures_exam_id")),
    )
    op.create_table(
        "stats_item_figures",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_stats_item_figures_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_stats_item_figures")),
    )
    op.create_table(
        "stats_sheets",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("graded_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("earned", sa.Double(), nullable=False),
        sa.Column("possible", sa.Double(), nullable=False),
        sa.Column("percent", sa.Double(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("items", sa.LargeBinary(), nullable=False),
        sa.Column("points", sa.LargeBinary(), nullable=False),
        sa.Column("scores", sa.LargeBinary(), nullable=False),
        sa.Column("chosen", sa.LargeBinary(), nullable=False),
        sa.Column("by_category", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_stats_sheets_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exams.id"], name=op.f("fk_stats_sheets_exam_id_exams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_stats_sheets_user_id_users")
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_stats_sheets")),
    )
    with op.batch_alter_table("stats_sheets", schema=None) as batch_op:
        batch_op.create_index("ix_stats_sheets_exam_user", ["exam_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stats_sheets", schema=None) as batch_op:
        batch_op.drop_index("ix_stats_sheets_exam_user")

    op.drop_table("stats_sheets")
    op.drop_table("stats_item_figures")
    op.drop_table("stats_figures")
    with op.batch_alter_table("stats_cohort_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stats_cohort_members_user_id"))

    op.drop_table("stats_cohort_members")
    op.drop_table("stats_cohorts")
    with op.batch_alter_table("stats_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stats_pending_exam_id"))
        batch_op.drop_index(batch_op.f("ix_stats_pending_attempt_id"))

    op.drop_table("stats_pending")
