"""tracking_status_spans and tracking_span_builds: everyone's status as dated spans, derived
from the facts, so the board for any date is one range query (issue 14, items 4 and 6)

Revision ID: 9b2c3d4e5f05
Revises: 9b2c3d4e5f04
Create Date: 2026-12-01 15:10:00
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "9b2c3d4e5f05"
down_revision = "9b2c3d4e5f04"
branch_labels = None
depends_on = None

STATES = "'compliant', 'due_soon', 'overdue', 'exempt', 'not_required'"
CAUSES = "'new_staff', 'missing', 'renewal', 'expired', 'revoked', 'return'"


def upgrade() -> None:
    op.create_table(
        "tracking_status_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("cause", sa.String(length=20), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            f"state IN ({STATES})", name=op.f("ck_tracking_status_spans_state_valid")
        ),
        sa.CheckConstraint(
            f"cause IN ({CAUSES})", name=op.f("ck_tracking_status_spans_cause_valid")
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["tracking_requirements.id"],
            name=op.f("fk_tracking_status_spans_requirement_id_tracking_requirements"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_status_spans_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_status_spans")),
    )
    op.create_index(
        "ix_tracking_status_spans_days",
        "tracking_status_spans",
        ["ends_on", "starts_on", "requirement_id"],
    )
    op.create_index(
        "ix_tracking_status_spans_person", "tracking_status_spans", ["user_id", "requirement_id"]
    )
    op.create_table(
        "tracking_span_builds",
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("built_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["tracking_requirements.id"],
            name=op.f("fk_tracking_span_builds_requirement_id_tracking_requirements"),
        ),
        sa.PrimaryKeyConstraint("requirement_id", name=op.f("pk_tracking_span_builds")),
    )


def downgrade() -> None:
    op.drop_table("tracking_span_builds")
    op.drop_index("ix_tracking_status_spans_person", table_name="tracking_status_spans")
    op.drop_index("ix_tracking_status_spans_days", table_name="tracking_status_spans")
    op.drop_table("tracking_status_spans")
