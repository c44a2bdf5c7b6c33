"""The question bank: categories, items, and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from exam_app.bank.parsed import ItemType
from exam_app.db import Base, EnumText, UTCDateTime, in_check, utcnow

if TYPE_CHECKING:
    from exam_app.accounts.models import User


class ItemStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


STATUS_LABELS = {
    ItemStatus.DRAFT: _l("草稿"),
    ItemStatus.IN_REVIEW: _l("待审核"),
    ItemStatus.PUBLISHED: _l("已发布"),
    ItemStatus.RETIRED: _l("已停用"),
}

TYPE_LABELS = {
    ItemType.SINGLE: _l("单选"),
    ItemType.MULTIPLE: _l("多选"),
    ItemType.JUDGE: _l("判断"),
}


class Exposure(StrEnum):
    """Where an item may be shown: a certification-only item's key never reaches practice
    (its papers, feedback, the wrong-question book); a practice-only one never reaches a
    certification paper."""

    PRACTICE = "practice"
    CERTIFICATION = "certification"
    BOTH = "both"


EXPOSURE_LABELS = {
    Exposure.PRACTICE: _l("仅练习"),
    Exposure.CERTIFICATION: _l("仅认证考试（保密）"),
    Exposure.BOTH: _l("练习和认证考试"),
}


#: Exposures practice may show (with keys), and those certification papers may draw.
SHOWN_IN_PRACTICE = (Exposure.PRACTICE, Exposure.BOTH)
SHOWN_IN_CERTIFICATION = (Exposure.CERTIFICATION, Exposure.BOTH)


class Level(StrEnum):
    JUNIOR = "junior"  # 初级工
    INTERMEDIATE = "intermediate"  # 中级工
    SENIOR = "senior"  # 高级工
    TECHNICIAN = "technician"  # 技师
    SENIOR_TECHNICIAN = "senior_technician"  # 高级技师


LEVEL_LABELS = {
    Level.JUNIOR: _l("初级工"),
    Level.INTERMEDIATE: _l("中级工"),
    Level.SENIOR: _l("高级工"),
    Level.TECHNICIAN: _l("技师"),
    Level.SENIOR_TECHNICIAN: _l("高级技师"),
}

#: The Chinese names as they appear in documents and spreadsheets.
LEVEL_BY_NAME = {
    "初级工": Level.JUNIOR,
    "中级工": Level.INTERMEDIATE,
    "高级工": Level.SENIOR,
    "技师": Level.TECHNICIAN,
    "高级技师": Level.SENIOR_TECHNICIAN,
}
LEVEL_NAMES = {v: k for k, v in LEVEL_BY_NAME.items()}


class Category(Base):
    """A knowledge area (业扩报装, 电费电价 …); categories form a tree."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)

    parent: Mapped[Category | None] = relationship(
        back_populates="children", remote_side="Category.id"
    )
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.name"
    )

    @property
    def path(self) -> str:
        names: list[str] = []
        node: Category | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))


class ImportBatch(Base):
    """One real (not dry) import of one file: who, what, and what came of it."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Item(Base):
    """A question. Its content lives in versions; the item carries status and the current one."""

    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(in_check("status", ItemStatus), name="status_valid"),
        CheckConstraint(in_check("exposure", Exposure), name="exposure_valid"),
        Index("ix_items_status_current", "status", "current_version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.DRAFT.value)
    #: Problems found on import (cut off, no answer …): such an item stays a draft until a
    #: trainer fixes it; it can never be published while this is set.
    needs_review: Mapped[bool] = mapped_column(default=False)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_versions.id", use_alter=True, name="fk_items_current_version_id"),
        unique=True,
    )
    #: Practice, certification or both: classification like the category (no new version), and
    #: part of what exams draw from (the bank token's triggers watch it).
    exposure: Mapped[Exposure] = mapped_column(
        EnumText(Exposure), default=Exposure.BOTH, server_default=Exposure.BOTH.value
    )
    #: Classification, not content: moving an item to another category makes no new version.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
    current: Mapped[ItemVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True, lazy="joined"
    )
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", foreign_keys="ItemVersion.item_id", order_by="ItemVersion.number"
    )
    events: Mapped[list[ItemEvent]] = relationship(back_populates="item", order_by="ItemEvent.id")


#: A version's content: what an edit may change (another value makes a new version), in the order
#: a diff shows it.
CONTENT_FIELDS = (
    "type",
    "stem",
    "options",
    "answer",
    "explanation",
    "level",
    "difficulty",
    "source",
    "tags",
)


class ItemVersion(Base):
    """The content of an item at one point in time. Never changed once written: an edit makes
    a new version, and whatever used an old version (an exam paper) keeps pointing at it."""

    __tablename__ = "item_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "number", name="uq_item_versions_item_number"),
        CheckConstraint(in_check("type", ItemType), name="type_valid"),
        CheckConstraint(
            "difficulty IS NULL OR (difficulty BETWEEN 1 AND 5)", name="difficulty_range"
        ),
        CheckConstraint(f"level IS NULL OR {in_check('level', Level)}", name="level_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)  #: 1, 2, 3 … within the item
    type: Mapped[str] = mapped_column(String(20))
    stem: Mapped[str] = mapped_column(Text)
    #: [{"label": "A", "text": "…"}, …] in the author's order
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    answer: Mapped[list[str]] = mapped_column(JSON, default=list)  #: option labels
    explanation: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str | None] = mapped_column(String(30), index=True)
    difficulty: Mapped[int | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(500), default="", index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Problems the importer found, as [{"code", "message"}].
    problems: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: normalized stem + option texts: the identity used to find duplicates
    fingerprint: Mapped[str] = mapped_column(Text)
    fingerprint_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: stem, option texts and explanation, folded: what text search looks in (bank/search.py)
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: the same as overlapping two-character tokens, for the full-text index
    search_grams: Mapped[str] = mapped_column(Text, default="")
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[Item] = relationship(back_populates="versions", foreign_keys=[item_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class ItemEventKind(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"  # draft -> in review
    APPROVE = "approve"  # in review -> published
    SEND_BACK = "send_back"  # in review -> draft, with a comment
    RETIRE = "retire"
    RESTORE = "restore"  # retired -> draft
    RECATEGORIZE = "recategorize"
    EXPOSE = "expose"  # exposure changed (practice / certification / both)


EVENT_LABELS = {
    ItemEventKind.CREATE: _l("新建"),
    ItemEventKind.EDIT: _l("修改"),
    ItemEventKind.SUBMIT: _l("送审"),
    ItemEventKind.APPROVE: _l("审核通过"),
    ItemEventKind.SEND_BACK: _l("退回"),
    ItemEventKind.RETIRE: _l("停用"),
    ItemEventKind.RESTORE: _l("恢复"),
    ItemEventKind.RECATEGORIZE: _l("改分类"),
    ItemEventKind.EXPOSE: _l("改适用范围"),
}


class ItemEvent(Base):
    """The history of an item: who wrote, submitted, approved, sent back or retired it, and why."""

    __tablename__ = "item_events"
    __table_args__ = (CheckConstraint(in_check("kind", ItemEventKind), name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("item_versions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[Item] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    version: Mapped[ItemVersion | None] = relationship(foreign_keys=[version_id])


@event.listens_for(Session, "before_flush")
def _versions_are_immutable(session: Session, _ctx: Any, _instances: Any) -> None:
    """Guard the rule in code as well as in docs: a stored version is never edited."""
    for obj in session.dirty:
        if isinstance(obj, ItemVersion) and session.is_modified(obj, include_collections=False):
            raise ValueError(f"item version {obj.id} is immutable; create a new version instead")


class BankState(Base):
    """One row whose token changes, by database trigger, whenever an item is inserted, deleted
    or changes status, current version, category or exposure: whatever can change the pool
    exams draw from. A process may keep work derived from the pool (exams/pool_cache.py) for
    as long as the token it read with it is current; a random token, not a counter, so a
    rolled-back change can never make an old token current again."""

    __tablename__ = "bank_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40))
