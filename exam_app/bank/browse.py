"""Reading the bank: filtered lists, one item, export rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from exam_app.bank import item_flags, search
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
    exposure: str = ""
    flagged: bool = False  #: only items statistics flag (``item_flags``)


def filtered_items(session: Session, filters: ItemFilters) -> Select[Item]:
    """Items matching ``filters``, newest wording first (ordered; add paging as needed)."""
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
    if filters.exposure:
        stmt = stmt.where(Item.exposure == filters.exposure)
    if filters.source:
        stmt = stmt.where(ItemVersion.source == filters.source)
    if filters.flagged:
        stmt = stmt.where(Item.id.in_(sorted(item_flags.flagged_items(session) or ())))
    order = ItemVersion.id.desc()
    if filters.q:
        stmt, order = search.restrict(stmt, filters.q, session.get_bind().dialect.name)
    return stmt.order_by(order)


#: A text search stops counting here: "more than 1,000 items" is all a trainer needs to know,
#: and counting 50,000 matches of a common word would cost half a second.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Page:
    items: list[Item]
    total: int
    exact: bool  #: False when ``total`` stopped at COUNT_CAP


def page_of_items(session: Session, filters: ItemFilters, page: int, per_page: int) -> Page:
    stmt = filtered_items(session, filters)
    counted = stmt.with_only_columns(Item.id).order_by(None)
    if filters.q:
        counted = counted.limit(COUNT_CAP + 1)
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    items = session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)).all()
    exact = not filters.q or total <= COUNT_CAP
    return Page(list(items), min(total, COUNT_CAP) if not exact else total, exact)


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
    """An item's current version in the shape the exporters take (``ParsedItem.as_dict``),
    with the item's ``id`` (what an export report names)."""
    version = item.current
    assert version is not None
    return {
        "id": item.id,
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
