"""The shipped bank in ``question_bank/``: a category tree and item files, loaded by `make run`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank import browse, importing
from exam_app.bank.categories import ensure_category
from exam_app.bank.importers import read_file
from exam_app.bank.models import Item
from exam_app.errors import DomainError


def read_category_paths(text: str) -> list[str]:
    """Paths (a/b) from an indented list: two spaces per level, ``#`` starts a comment."""
    paths: list[str] = []
    stack: list[str] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        depth = indent // 2
        if indent % 2 or depth > len(stack):
            raise DomainError(f"categories.txt:{n}: indent by two spaces, one level at a time")
        stack = [*stack[:depth], line.strip()]
        paths.append("/".join(stack))
    return paths


#: The shipped bank is the vendor's, reviewed before it ships: its complete items are published
#: on loading, an exception to the second-trainer rule recorded in the audit log.
SHIPPED_BANK_EXCEPTION = importing.PublishException(
    reason="question_bank/ 是厂商审核过的题库", source="shipped_bank"
)


def load(session: Session, bank_dir: Path, *, now: datetime) -> dict[str, Any]:
    """Create the categories, then import every item file, complete items published (at
    ``now``) under ``SHIPPED_BANK_EXCEPTION``; idempotent."""
    created_categories = 0
    for path in read_category_paths((bank_dir / "categories.txt").read_text("utf-8")):
        created_categories += ensure_category(session, path)[1]
    files: dict[str, Any] = {}
    for item_file in sorted((bank_dir / "items").glob("*.csv")):
        data = item_file.read_bytes()
        result = read_file(data, item_file.name)
        if result.file_problems:
            raise DomainError(f"{item_file.name}: {'; '.join(result.file_problems)}")
        batch = importing.import_result(
            session,
            result,
            importing.ImportOptions(publish=SHIPPED_BANK_EXCEPTION),
            data=data,
            user_id=None,
            now=now,
        )
        files[item_file.name] = batch.summary
    return {"categories_created": created_categories, "files": files}


def export_rows(session: Session) -> list[dict[str, Any]]:
    items = session.scalars(
        select(Item).where(Item.current_version_id.is_not(None)).order_by(Item.id)
    ).all()
    return [browse.as_parsed(i, n) for n, i in enumerate(items, start=1)]
