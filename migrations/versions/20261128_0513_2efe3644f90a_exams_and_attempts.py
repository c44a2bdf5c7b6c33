"""exams and attempts

Revision ID: 2efe3644f90a
Revises: d62b939fb8a2
Create Date: 2026-11-28 05:13:43.333427
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "2efe3644f90a"
down_revision = "d62b939fb8a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("pass_percent", sa.Double(), nullable=False),
        sa.Column("points_single", sa.Double(), nullable=False),
        sa.Column("points_multiple", sa.Double(), nullable=False),
        sa.Column("points_judge", sa.Double(), nullable=False),
        sa.Column("partial_credit", sa.Boolean(), nullable=False),
        sa.Column("shuffle_questions", sa.Boolean(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("opens_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closes_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("wait_minutes", sa.Integer(), nullable=False),
        sa.Column("review_policy", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mode IN ('practice', 'certification')", name=op.f("ck_exams_mode_valid")
        ),
        sa.CheckConstraint(
            "review_policy IN ('score', 'category', 'full')", name=op.f("ck_exams_review_valid")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'closed')", name=op.f("ck_exams_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_exams_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exams")),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("extra_seconds", sa.Integer(), nullable=False),
        sa.Column("submitted_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("auto_submitted", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("earned", sa.Double(), nullable=True),
        sa.Column("possible", sa.Double(), nullable=True),
        sa.Column("percent", sa.Double(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("by_category", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('in_progress', 'submitted')", name=op.f("ck_attempts_status_valid")
        ),
        sa.ForeignKeyConstraint(["exam_id"], ["exams.id"], name=op.f("fk_attempts_exam_id_exams")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_attempts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempts_status_deadline", ["status", "deadline_at"], unique=False
        )
        batch_op.create_index("ix_attempts_user_exam", ["user_id", "exam_id"], unique=False)

    op.create_table(
        "exam_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(org_unit_id IS NULL) <> (user_id IS NULL)",
            name=op.f("ck_exam_assignments_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"],
            ["exams.id"],
            name=op.f("fk_exam_assignments_exam_id_exams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_exam_assignments_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_exam_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_assignments")),
    )
    with op.batch_alter_table("exam_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_assignments_exam_id"), ["exam_id"], unique=False)

    op.create_table(
        "exam_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=True),
        sa.Column("difficulty_min", sa.Integer(), nullable=False),
        sa.Column("difficulty_max", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_exam_rules_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exams.id"], name=op.f("fk_exam_rules_exam_id_exams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_rules")),
    )
    with op.batch_alter_table("exam_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_rules_exam_id"), ["exam_id"], unique=False)

    op.create_table(
        "wrong_book",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("right_streak", sa.Integer(), nullable=False),
        sa.Column("last_missed_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_wrong_book_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wrong_book_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrong_book")),
        sa.UniqueConstraint("user_id", "item_id", name="uq_wrong_book_user_item"),
    )
    with op.batch_alter_table("wrong_book", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wrong_book_user_id"), ["user_id"], unique=False)

    op.create_table(
        "answers",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("saved_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_answers_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", "position", name=op.f("pk_answers")),
    )
    op.create_table(
        "attempt_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_attempt_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_attempt_events_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_events")),
    )
    with op.batch_alter_table("attempt_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attempt_events_attempt_id"), ["attempt_id"], unique=False
        )

    op.create_table(
        "attempt_items",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("rule_key", sa.String(length=20), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("earned", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_attempt_items_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_attempt_items_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["item_versions.id"],
            name=op.f("fk_attempt_items_version_id_item_versions"),
        ),
        sa.PrimaryKeyConstraint("attempt_id", "position", name=op.f("pk_attempt_items")),
    )
    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_items_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_items_item_id"))

    op.drop_table("attempt_items")
    with op.batch_alter_table("attempt_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_events_attempt_id"))

    op.drop_table("attempt_events")
    op.drop_table("answers")
    with op.batch_alter_table("wrong_book", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wrong_book_user_id"))

    op.drop_table("wrong_book")
    with op.batch_alter_table("exam_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_rules_exam_id"))

    op.drop_table("exam_rules")
    with op.batch_alter_table("exam_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_assignments_exam_id"))

    op.drop_table("exam_assignments")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_attempts_user_exam")
        batch_op.drop_index("ix_attempts_status_deadline")

    op.drop_table("attempts")
    op.drop_table("exams")
