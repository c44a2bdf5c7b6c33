"""The regulations the platform ships, loaded once per process, and the items that cite them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.models import SHOWN_IN_PRACTICE, Item, ItemStatus, ItemVersion
from exam_app.study.regulations import (
    Clause,
    Regulation,
    load_regulations,
    parse_clause_ref,
    resolve_clause_ref,
)


@lru_cache(maxsize=4)
def regulations(folder: str) -> tuple[Regulation, ...]:
    """Shipped data, read-only: every app server reads the same files, so a cache is safe."""
    return tuple(load_regulations(Path(folder)))


def slug(regulation: Regulation) -> str:
    return PurePath(regulation.filename).stem


def by_slug(folder: str, name: str) -> Regulation | None:
    return next((r for r in regulations(folder) if slug(r) == name), None)


def cited_clause(folder: str, source: str | None) -> tuple[Regulation, Clause] | None:
    """The clause an item's source cites (``客户服务管理办法 §2.4.7``), if it cites one."""
    return resolve_clause_ref(regulations(folder), source or "") if source else None


def items_by_clause(
    session: Session, regulation: Regulation, practice_only: bool = False
) -> dict[str, list[Item]]:
    """Items (not retired) whose current version cites a clause of ``regulation``; with
    ``practice_only``, only published items practice may show (what an operator may learn
    about: a certification-only item does not even count)."""
    prefix = f"{regulation.short_title} §"
    stmt = (
        select(Item, ItemVersion.source)
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(ItemVersion.source.startswith(prefix), Item.status != ItemStatus.RETIRED.value)
        .order_by(Item.id)
    )
    if practice_only:
        stmt = stmt.where(
            Item.status == ItemStatus.PUBLISHED.value,
            Item.exposure.in_(SHOWN_IN_PRACTICE),
        )
    out: dict[str, list[Item]] = {}
    for item, source in session.execute(stmt).all():
        ref = parse_clause_ref(source)
        if ref is not None:
            out.setdefault(ref[1], []).append(item)
    return out
