"""Reading the bank: filtered lists, one item, export rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from exam_app.bank import search
from exam_app.bank.categories import descendant_ids
from exam_app.bank.models import LEVEL_NAMES, Item, ItemVersion, Level
from exam_app.errors import DomainError


@dataclass(frozen=True)
class ItemFilters:
    level: str = ""
    category_id: int | None = None
    type: str = ""
    status: str = ""
    source: str = ""
    q: str = ""
    needs_review: bool = False


def filtered_items(session: Session, filters: ItemFilters) -> Select[tuple[Item]]:
    stmt = select(Item).join(ItemVersion, Item.current_version_id == ItemVersion.id)
    if filters.level:
        stmt = stmt.where(ItemVersion.level == filters.level)
    if filters.category_id:
        stmt = stmt.where(Item.category_id.in_(descendant_ids(session, filters.category_id)))
    if filters.type:
        stmt = stmt.where(ItemVersion.type == filters.type)
    if filters.status:
        stmt = stmt.where(Item.status == filters.status)
    if filters.needs_review:
        stmt = stmt.where(Item.needs_review.is_(True))
    if filters.source:
        stmt = stmt.where(ItemVersion.source == filters.source)
    if filters.q:
        stmt = stmt.where(search.condition(filters.q, session.get_bind().dialect.name))
    return stmt


def page_of_items(
    session: Session, filters: ItemFilters, page: int, per_page: int
) -> tuple[list[Item], int]:
    stmt = filtered_items(session, filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.order_by(Item.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(items), total


def sources(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(ItemVersion.source)
            .join(Item, Item.current_version_id == ItemVersion.id)
            .where(ItemVersion.source != "")
            .distinct()
            .order_by(ItemVersion.source)
        )
    )


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise DomainError(_("试题不存在。"))
    return item


def as_parsed(item: Item, number: int) -> dict[str, Any]:
    """An item's current version in the shape the exporters take (``ParsedItem.as_dict``)."""
    version = item.current
    assert version is not None
    return {
        "number": number,
        "type": version.type,
        "stem": version.stem,
        "options": version.options,
        "answer": version.answer,
        "explanation": version.explanation,
        "category": item.category.path if item.category else None,
        "level": LEVEL_NAMES.get(Level(version.level)) if version.level else None,
        "difficulty": version.difficulty,
        "source": version.source or None,
        "tags": version.tags,
    }
