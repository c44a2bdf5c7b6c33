"""job_runs: scheduled jobs' next due time, lease and last outcome (issue 14, item 6)

Revision ID: 9b2c3d4e5f02
Revises: 9b2c3d4e5f01
Create Date: 2026-12-01 14:00:00
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "9b2c3d4e5f02"
down_revision = "9b2c3d4e5f01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("next_due_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_holder", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_ok", sa.Boolean(), nullable=True),
        sa.Column("last_result", sa.Text(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
