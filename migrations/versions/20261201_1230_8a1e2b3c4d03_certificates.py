"""certificates: issued certificates, yearly counters, issuer and seal, signing keys, bundles;
exams gain a certificate title, validity and renewal window

Revision ID: 8a1e2b3c4d03
Revises: 8a1e2b3c4d02
Create Date: 2026-12-01 12:30:00
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "8a1e2b3c4d03"
down_revision = "8a1e2b3c4d02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_certificate_counters")),
    )
    op.create_table(
        "certificate_issuer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seal_png", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_issuer")),
    )
    op.create_table(
        "certificate_lookup_throttles",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_certificate_lookup_throttles")),
    )
    op.create_table(
        "certificate_signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_certificate_signing_keys")),
    )
    op.create_table(
        "certificate_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("certificate_ids", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "status IN ('building', 'ready', 'failed')",
            name=op.f("ck_certificate_bundles_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_bundles_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_bundles")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("verification_code", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(length=100), nullable=False),
        sa.Column("holder_employee_no", sa.String(length=32), nullable=False),
        sa.Column("holder_unit", sa.String(length=500), nullable=False),
        sa.Column("holder_unit_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=False),
        sa.Column("level_name", sa.String(length=30), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("exam_title", sa.String(length=200), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("score_percent", sa.Double(), nullable=False),
        sa.Column("issued_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revoked_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=False),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", exam_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("credential_jwt", sa.Text(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('valid', 'revoked', 'superseded')",
            name=op.f("ck_certificates_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_certificates_attempt_id_attempts")
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exams.id"], name=op.f("fk_certificates_exam_id_exams")
        ),
        sa.ForeignKeyConstraint(
            ["holder_unit_id"],
            ["org_units.id"],
            name=op.f("fk_certificates_holder_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_certificates_revoked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["certificates.id"],
            name=op.f("fk_certificates_superseded_by_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
        sa.UniqueConstraint("status_index", name=op.f("uq_certificates_status_index")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_attempt_id"), ["attempt_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_expires_on"), ["expires_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_user_id"), ["user_id"], unique=False)

    # Plain ALTER TABLE (no batch copy): on SQLite a copy of ``exams`` would cascade-delete
    # its rules and attempts while foreign keys are on.
    op.add_column(
        "exams",
        sa.Column(
            "certificate_title",
            sa.String(length=100),
            nullable=False,
            server_default="用电客户受理员",
        ),
    )
    op.add_column("exams", sa.Column("certificate_months", sa.Integer(), nullable=True))
    op.add_column(
        "exams", sa.Column("renewal_window_days", sa.Integer(), nullable=False, server_default="90")
    )


def downgrade() -> None:
    for column in ("renewal_window_days", "certificate_months", "certificate_title"):
        op.drop_column("exams", column)

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_user_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_level"))
        batch_op.drop_index(batch_op.f("ix_certificates_expires_on"))
        batch_op.drop_index(batch_op.f("ix_certificates_attempt_id"))

    op.drop_table("certificates")
    op.drop_table("certificate_bundles")
    op.drop_table("certificate_signing_keys")
    op.drop_table("certificate_lookup_throttles")
    op.drop_table("certificate_issuer")
    op.drop_table("certificate_counters")
