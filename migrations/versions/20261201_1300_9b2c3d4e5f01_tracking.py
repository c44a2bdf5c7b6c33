"""tracking: people's dated history (hire, position and unit spells, absences), requirements
with their versions, exemptions and extensions (issue 14)

Revision ID: 9b2c3d4e5f01
Revises: 8a1e2b3c4d03
Create Date: 2026-12-01 13:00:00
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "9b2c3d4e5f01"
down_revision = "8a1e2b3c4d03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_tracking_absences_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_tracking_absences_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_absences_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_absences")),
    )
    op.create_index(
        op.f("ix_tracking_absences_user_id"), "tracking_absences", ["user_id"], unique=False
    )
    op.create_table(
        "tracking_people",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hired_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_tracking_people_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_people_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_tracking_people")),
    )
    op.create_table(
        "tracking_position_spells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_tracking_position_spells_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_tracking_position_spells_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_position_spells_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_position_spells")),
    )
    op.create_index(
        op.f("ix_tracking_position_spells_user_id"),
        "tracking_position_spells",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "tracking_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_tracking_requirements_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_requirements")),
        sa.UniqueConstraint("name", name=op.f("uq_tracking_requirements_name")),
    )
    op.create_table(
        "tracking_unit_spells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_tracking_unit_spells_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_tracking_unit_spells_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_tracking_unit_spells_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_unit_spells_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_unit_spells")),
    )
    op.create_index(
        op.f("ix_tracking_unit_spells_unit_id"), "tracking_unit_spells", ["unit_id"], unique=False
    )
    op.create_index(
        op.f("ix_tracking_unit_spells_user_id"), "tracking_unit_spells", ["user_id"], unique=False
    )
    op.create_table(
        "tracking_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "until >= starts_on", name=op.f("ck_tracking_exemptions_until_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_tracking_exemptions_granted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["tracking_requirements.id"],
            name=op.f("fk_tracking_exemptions_requirement_id_tracking_requirements"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_exemptions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_exemptions")),
    )
    op.create_index(
        "ix_tracking_exemptions_requirement_user",
        "tracking_exemptions",
        ["requirement_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "tracking_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_tracking_extensions_granted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["tracking_requirements.id"],
            name=op.f("fk_tracking_extensions_requirement_id_tracking_requirements"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tracking_extensions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_extensions")),
    )
    op.create_index(
        "ix_tracking_extensions_requirement_user",
        "tracking_extensions",
        ["requirement_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "tracking_requirement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=True),
        sa.Column("unit_ids", sa.JSON(), nullable=True),
        sa.Column("certificate", sa.Boolean(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("grace_from", sa.String(length=20), nullable=False),
        sa.Column("renewal_window_days", sa.Integer(), nullable=False),
        sa.Column("return_after_absence_days", sa.Integer(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "grace_from IN ('hire', 'joining')",
            name=op.f("ck_tracking_requirement_versions_grace_from_valid"),
        ),
        sa.CheckConstraint(
            "grace_days >= 0 AND renewal_window_days >= 0"
            " AND (return_after_absence_days IS NULL OR return_after_absence_days > 0)",
            name=op.f("ck_tracking_requirement_versions_days_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_tracking_requirement_versions_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["tracking_requirements.id"],
            name=op.f("fk_tracking_requirement_versions_requirement_id_tracking_requirements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_requirement_versions")),
    )
    op.create_index(
        op.f("ix_tracking_requirement_versions_requirement_id"),
        "tracking_requirement_versions",
        ["requirement_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_tracking_requirement_versions_requirement_id"),
        table_name="tracking_requirement_versions",
    )
    op.drop_table("tracking_requirement_versions")
    op.drop_index("ix_tracking_extensions_requirement_user", table_name="tracking_extensions")
    op.drop_table("tracking_extensions")
    op.drop_index("ix_tracking_exemptions_requirement_user", table_name="tracking_exemptions")
    op.drop_table("tracking_exemptions")
    op.drop_index(op.f("ix_tracking_unit_spells_user_id"), table_name="tracking_unit_spells")
    op.drop_index(op.f("ix_tracking_unit_spells_unit_id"), table_name="tracking_unit_spells")
    op.drop_table("tracking_unit_spells")
    op.drop_table("tracking_requirements")
    op.drop_index(
        op.f("ix_tracking_position_spells_user_id"), table_name="tracking_position_spells"
    )
    op.drop_table("tracking_position_spells")
    op.drop_table("tracking_people")
    op.drop_index(op.f("ix_tracking_absences_user_id"), table_name="tracking_absences")
    op.drop_table("tracking_absences")
