"""tracking: reminders sent once (a UNIQUE key), in-app notices; users' e-mail address
(issue 14 item 5)

Revision ID: 9b2c3d4e5f03
Revises: 9b2c3d4e5f02
Create Date: 2026-12-01 13:20:00
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "9b2c3d4e5f03"
down_revision = "9b2c3d4e5f02"
branch_labels = None
depends_on = None

KINDS = "'before', 'due_day', 'overdue', 'escalation'"


def upgrade() -> None:
    # A plain nullable ADD COLUMN on both databases: a batch copy of users on SQLite would lose
    # the expression index on lower(employee_no).
    op.add_column("users", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "tracking_sent_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("sent_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("emails", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"kind IN ({KINDS})", name=op.f("ck_tracking_sent_reminders_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["tracking_requirements.id"],
            name=op.f("fk_tracking_sent_reminders_requirement_id_tracking_requirements"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_sent_reminders_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_sent_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_tracking_sent_reminders_key")),
    )
    op.create_index(
        "ix_tracking_sent_reminders_user_sent",
        "tracking_sent_reminders",
        ["user_id", "sent_at"],
        unique=False,
    )
    op.create_table(
        "tracking_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["tracking_sent_reminders.id"],
            name=op.f("fk_tracking_notices_reminder_id_tracking_sent_reminders"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_notices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_notices")),
    )
    op.create_index(
        "ix_tracking_notices_user_read", "tracking_notices", ["user_id", "read_at"], unique=False
    )
    op.create_index(
        op.f("ix_tracking_notices_reminder_id"), "tracking_notices", ["reminder_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_tracking_notices_reminder_id"), table_name="tracking_notices")
    op.drop_index("ix_tracking_notices_user_read", table_name="tracking_notices")
    op.drop_table("tracking_notices")
    op.drop_index("ix_tracking_sent_reminders_user_sent", table_name="tracking_sent_reminders")
    op.drop_table("tracking_sent_reminders")
    op.execute("ALTER TABLE users DROP COLUMN email")  # SQLite 3.35+ and PostgreSQL
