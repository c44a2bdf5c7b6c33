"""Categories (knowledge areas): find, create, and reshape the tree without losing items."""

from __future__ import annotations

from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from exam_app.bank.models import Category, Item
from exam_app.core import audit
from exam_app.errors import DomainError
from exam_app.trees import depth_first


def _split(path: str) -> list[str]:
    return [p.strip() for p in path.replace("／", "/").split("/") if p.strip()]


def _child(session: Session, parent_id: int | None, name: str) -> Category | None:
    same_parent = (
        Category.parent_id.is_(None) if parent_id is None else (Category.parent_id == parent_id)
    )
    return session.scalar(select(Category).where(same_parent, Category.name == name))


def find_category(session: Session, text: str) -> Category | None:
    """A category by full path (a/b), by a path's tail, or by a name that is unique."""
    parts = _split(text)
    if not parts:
        return None
    candidates = session.scalars(select(Category).where(Category.name == parts[-1])).all()
    wanted = "/".join(parts)
    matches = [c for c in candidates if c.path == wanted or c.path.endswith("/" + wanted)]
    exact = [c for c in matches if c.path == wanted]
    if exact:
        return exact[0]
    return matches[0] if len(matches) == 1 else None


def ensure_category(session: Session, path: str) -> tuple[Category, bool]:
    """The category at ``path``, created with its parents when missing; True if created."""
    found = find_category(session, path)
    if found is not None:
        return found, False
    parent: Category | None = None
    for name in _split(path):
        node = _child(session, parent.id if parent else None, name)
        if node is None:
            node = Category(name=name, parent=parent)
            session.add(node)
            session.flush()
        parent = node
    if parent is None:
        raise DomainError(_("分类名称为空。"), field="category")
    return parent, True


def category_tree(session: Session) -> list[tuple[int, Category]]:
    """All categories depth-first with their depth."""
    rows = session.scalars(select(Category).order_by(Category.name)).all()
    return depth_first(rows, lambda c: c.id, lambda c: c.parent_id)


def descendant_ids(session: Session, category_id: int) -> list[int]:
    """The category and everything below it."""
    ids, frontier = [category_id], [category_id]
    while frontier:
        frontier = list(
            session.scalars(select(Category.id).where(Category.parent_id.in_(frontier)))
        )
        ids.extend(frontier)
    return ids


def item_counts(session: Session) -> dict[int, int]:
    """Items directly in each category."""
    rows = session.execute(select(Item.category_id, func.count()).group_by(Item.category_id))
    return {cid: n for cid, n in rows if cid is not None}


def get_category(session: Session, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise DomainError(_("分类不存在。"))
    return category


def _check_name_free(
    session: Session, parent_id: int | None, name: str, own: Category | None
) -> None:
    clash = _child(session, parent_id, name)
    if clash is not None and clash is not own:
        raise DomainError(_("同一上级下已有分类“%(name)s”。", name=name), field="name")


def create_category(
    session: Session, name: str, parent: Category | None, actor_id: int
) -> Category:
    name = name.strip()
    if not name or "/" in name:
        raise DomainError(_("分类名称不能为空，也不能包含“/”。"), field="name")
    _check_name_free(session, parent.id if parent else None, name, None)
    category = Category(name=name, parent=parent)
    session.add(category)
    session.flush()
    audit.record(
        session, actor_id, "category.create", f"category:{category.id}", path=category.path
    )
    return category


def rename_category(session: Session, category: Category, name: str, actor_id: int) -> None:
    name = name.strip()
    if not name or "/" in name:
        raise DomainError(_("分类名称不能为空，也不能包含“/”。"), field="name")
    _check_name_free(session, category.parent_id, name, category)
    old = category.path
    category.name = name
    session.flush()
    audit.record(
        session, actor_id, "category.rename", f"category:{category.id}", old=old, new=category.path
    )


def move_category(
    session: Session, category: Category, parent: Category | None, actor_id: int
) -> None:
    """Put ``category`` (with everything below it) under ``parent`` (None: the top level)."""
    if parent is not None and parent.id in descendant_ids(session, category.id):
        raise DomainError(_("不能把分类移到它自己或它的下级分类下。"), field="parent_id")
    _check_name_free(session, parent.id if parent else None, category.name, category)
    old = category.path
    category.parent = parent
    session.flush()
    audit.record(
        session, actor_id, "category.move", f"category:{category.id}", old=old, new=category.path
    )


def merge_category(session: Session, source: Category, target: Category, actor_id: int) -> int:
    """Move every item and sub-category of ``source`` into ``target``, then delete ``source``.

    Returns how many items moved. Sub-categories whose name already exists under the target are
    merged in turn, so no item is ever left without its category.
    """
    if source.id == target.id or target.id in descendant_ids(session, source.id):
        raise DomainError(_("不能合并到它自己或它的下级分类。"), field="target_id")
    moved_rows = cast(
        CursorResult[Any],
        session.execute(
            update(Item).where(Item.category_id == source.id).values(category_id=target.id)
        ),
    )
    moved = moved_rows.rowcount or 0
    for child in list(source.children):
        twin = _child(session, target.id, child.name)
        if twin is None:
            child.parent = target
        else:
            moved += merge_category(session, child, twin, actor_id)
    session.flush()
    audit.record(
        session, actor_id, "category.merge", f"category:{source.id}", into=target.path, items=moved
    )
    session.delete(source)
    session.flush()
    return moved
