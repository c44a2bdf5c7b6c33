"""question bank

Revision ID: d62b939fb8a2
Revises: cfb9a3febb8c
Create Date: 2026-11-28 04:33:39.394073
"""

import sqlalchemy as sa
from alembic import op

import exam_app.db

revision = "d62b939fb8a2"
down_revision = "cfb9a3febb8c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_import_batches_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batches_sha256"), ["sha256"], unique=False)

    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'published', 'retired')",
            name=op.f("ck_items_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_items_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_items_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("current_version_id", name=op.f("uq_items_current_version_id")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_category_id"), ["category_id"], unique=False)
        batch_op.create_index(
            "ix_items_status_current", ["status", "current_version_id"], unique=False
        )

    op.create_table(
        "item_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=True),
        sa.Column("difficulty", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("fingerprint_hash", sa.String(length=64), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_grams", sa.Text(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level IS NULL OR level IN "
            "('junior', 'intermediate', 'senior', 'technician', 'senior_technician')",
            name=op.f("ck_item_versions_level_valid"),
        ),
        sa.CheckConstraint(
            "type IN ('single', 'multiple', 'judge')", name=op.f("ck_item_versions_type_valid")
        ),
        sa.CheckConstraint(
            "difficulty IS NULL OR (difficulty BETWEEN 1 AND 5)",
            name=op.f("ck_item_versions_difficulty_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_item_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_item_versions_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_versions_item_id_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_versions")),
        sa.UniqueConstraint("item_id", "number", name="uq_item_versions_item_number"),
    )
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_versions_fingerprint_hash"), ["fingerprint_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_item_versions_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_versions_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_versions_source"), ["source"], unique=False)

    # items and item_versions point at each other: the second link is added once both exist.
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_items_current_version_id", "item_versions", ["current_version_id"], ["id"]
        )

    op.create_table(
        "item_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", exam_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('create', 'edit', 'submit', 'approve', 'send_back', 'retire', "
            "'restore', 'recategorize')",
            name=op.f("ck_item_events_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_item_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_events_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["item_versions.id"],
            name=op.f("fk_item_events_version_id_item_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_events")),
    )
    with op.batch_alter_table("item_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_events_item_id"), ["item_id"], unique=False)

    _create_search_index()


def _create_search_index() -> None:
    """Bigram full-text index for Chinese substring search (bank/search.py)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE item_versions_fts USING fts5("
            "search_grams, content='item_versions', content_rowid='id')"
        )
        # Versions are insert-only (never updated), so one trigger keeps the index complete.
        op.execute(
            "CREATE TRIGGER item_versions_fts_insert AFTER INSERT ON item_versions BEGIN "
            "INSERT INTO item_versions_fts(rowid, search_grams) "
            "VALUES (new.id, new.search_grams); END"
        )
    else:
        # A stored tsvector (PostgreSQL only, so not in the models): the planner can walk the
        # newest versions and test each row cheaply, or use the GIN index, whichever is faster.
        op.execute(
            "ALTER TABLE item_versions ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_grams)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_item_versions_search_gin ON item_versions USING gin (search_vector)"
        )


def _drop_search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS item_versions_fts_insert")
        op.execute("DROP TABLE IF EXISTS item_versions_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_item_versions_search_gin")
        op.execute("ALTER TABLE item_versions DROP COLUMN IF EXISTS search_vector")


def downgrade() -> None:
    _drop_search_index()
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_constraint("fk_items_current_version_id", type_="foreignkey")

    with op.batch_alter_table("item_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_events_item_id"))

    op.drop_table("item_events")
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_versions_source"))
        batch_op.drop_index(batch_op.f("ix_item_versions_level"))
        batch_op.drop_index(batch_op.f("ix_item_versions_item_id"))
        batch_op.drop_index(batch_op.f("ix_item_versions_fingerprint_hash"))

    op.drop_table("item_versions")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_status_current")
        batch_op.drop_index(batch_op.f("ix_items_category_id"))

    op.drop_table("items")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_sha256"))

    op.drop_table("import_batches")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_parent_id"))

    op.drop_table("categories")
