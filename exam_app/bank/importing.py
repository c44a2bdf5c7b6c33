"""Importing a parsed file into the bank: duplicate check, then all items or none, in bulk.

The caller (view or CLI) commits once; a failure anywhere leaves the bank as it was. The caller
also says what time it is (``now``): the batch, its items and their versions are stamped with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, String, Text, insert, literal, select, update
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.bank import search
from exam_app.bank.categories import ensure_category, find_category
from exam_app.bank.models import (
    LEVEL_BY_NAME,
    Category,
    ImportBatch,
    Item,
    ItemEvent,
    ItemEventKind,
    ItemStatus,
    ItemVersion,
    Level,
)
from exam_app.bank.parsed import ParsedItem, ParseResult, Problem, ProblemCode, fingerprint
from exam_app.core import audit
from exam_app.db import UTCDateTime
from exam_app.errors import DomainError


@dataclass(frozen=True)
class PublishException:
    """Why imported items may be published with no second trainer's review.

    Publishing takes a trainer other than the author (``review.approve``); the only other way
    is this exception, stated in code or on the command line, never on a web page, and always
    written to the audit log (``bank.publish_without_review``: who, why, which batch) and to
    each item's history (an approval event carrying the reason). Who may state one:

    - an active administrator, named by ``granted_by_id`` (``flask bank import --publish
      --by <工号> --reason …``);
    - the deployment itself (``granted_by_id`` None), for data it ships already reviewed:
      ``bank load-shipped`` (``source="shipped_bank"``: the vendor's reviewed bank), and the
      test and benchmark data (``source="test_data"`` / ``"bench"``).
    """

    reason: str
    source: str  #: "cli", "shipped_bank", "test_data", "bench"
    granted_by_id: int | None = None


@dataclass(frozen=True)
class ImportOptions:
    #: send complete items to review (待审核), where a trainer other than the importer approves
    #: them, instead of keeping them as drafts
    review: bool = False
    level: str | None = None  #: level for items whose source names none (中级工 or a code)
    category: str | None = None  #: category (name or path) for items that carry none
    #: publish complete items at once, with no second review: only as a recorded exception
    publish: PublishException | None = None


#: Benchmark data (bench/): generated items published to measure the bank, never real ones.
BENCH_DATA = PublishException(reason="基准测试生成的数据", source="bench")


def check_publish_exception(session: Session, exception: PublishException) -> None:
    """:raises DomainError: when the exception gives no reason, or names someone who is not an
    active administrator"""
    if not exception.reason.strip():
        raise DomainError(_("未经审核直接发布属于例外，须写明原因。"), field="reason")
    if exception.granted_by_id is None:
        return
    granter = session.get(User, exception.granted_by_id)
    if granter is None or not granter.active or Role.ADMIN not in granter.roles:
        raise DomainError(_("只有在职的管理员可以批准未经审核直接发布的例外。"), field="granted_by")


def fingerprint_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_fingerprint(item: ParsedItem) -> str:
    return fingerprint(item.stem, [o.text for o in item.options])


def searchable(item: ParsedItem) -> str:
    """What text search looks in: stem, option texts and explanation."""
    return "\n".join([item.stem, *(o.text for o in item.options), item.explanation])


def parse_level(value: str | None) -> Level | None:
    """A level from its Chinese name (中级工) or code (intermediate); None when blank."""
    if not value:
        return None
    value = value.strip()
    if value in LEVEL_BY_NAME:
        return LEVEL_BY_NAME[value]
    try:
        return Level(value)
    except ValueError:
        raise DomainError(
            _("未知等级“%(v)s”（可用：初级工、中级工、高级工、技师、高级技师）。", v=value),
            field="level",
        ) from None


def check_against_bank(session: Session, result: ParseResult) -> ParseResult:
    """Mark items the bank already holds (same stem, same option texts in any order)."""
    hashes = {fingerprint_hash(item_fingerprint(i)) for i in result.items}
    existing: dict[str, int] = {}
    for chunk in _chunks(sorted(hashes), 500):
        rows = session.execute(
            select(ItemVersion.fingerprint_hash, Item.id)
            .join(Item, Item.current_version_id == ItemVersion.id)
            .where(ItemVersion.fingerprint_hash.in_(chunk))
        ).all()
        existing.update({h: item_id for h, item_id in rows})
    checked = []
    for item in result.items:
        bank_id = existing.get(fingerprint_hash(item_fingerprint(item)))
        if bank_id is not None and item.duplicate_of is None:
            item = item.with_problem(
                Problem(
                    ProblemCode.DUPLICATE_IN_BANK,
                    _("第%(n)d题与题库中的试题 #%(id)d 重复", n=item.number, id=bank_id),
                ),
                duplicate_of={"source": "bank", "id": bank_id},
            )
        checked.append(item)
    return replace(result, items=checked)


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def import_result(
    session: Session,
    result: ParseResult,
    options: ImportOptions,
    *,
    data: bytes,
    user_id: int | None,
    now: datetime,
) -> ImportBatch:
    """Store every new item of a checked file, all or nothing (the caller commits once).

    Duplicates (in the file or in the bank) are skipped, so importing the same file again
    changes nothing. Items with problems are kept as drafts marked "needs review", never
    published and never given an answer. Complete items stay drafts, go to review
    (``options.review``: the importer is their author, so another trainer approves them), or
    are published at once only under ``options.publish``, a recorded ``PublishException``.
    """
    if result.file_problems:
        raise DomainError("；".join(result.file_problems))
    if options.publish is not None:
        check_publish_exception(session, options.publish)
    result = check_against_bank(session, result)
    default_level = parse_level(options.level)
    default_category = None
    if options.category:
        default_category = find_category(session, options.category)
        if default_category is None:
            raise DomainError(_("分类“%(c)s”不存在。", c=options.category), field="category")
    batch = ImportBatch(
        filename=result.filename,
        sha256=hashlib.sha256(data).hexdigest(),
        imported_by_id=user_id,
        imported_at=now,
        summary={},
    )
    session.add(batch)
    session.flush()
    categories: dict[str, tuple[Category, bool]] = {}
    items: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    for parsed in result.items:
        if parsed.is_duplicate:
            continue
        category = default_category
        if parsed.category:
            if parsed.category not in categories:
                categories[parsed.category] = ensure_category(session, parsed.category)
            category = categories[parsed.category][0]
        status = _status(parsed, options)
        items.append(
            {
                "status": status.value,
                "needs_review": parsed.status != "ready",
                "created_by_id": user_id,
                "category_id": category.id if category else None,
            }
        )
        versions.append(
            version_values(
                parsed,
                number=1,
                level=parse_level(parsed.level) or default_level,
                user_id=user_id,
                import_batch_id=batch.id,
            )
        )
    _insert_new_items(session, items, versions, batch.id, now)
    new_categories = sorted(c.path for c, created in categories.values() if created)
    batch.summary = {**result.summary(), "created": len(items), "new_categories": new_categories}
    audit.record(session, user_id, "bank.import", f"import_batch:{batch.id}", **batch.summary)
    if options.publish is not None:
        published = sum(row["status"] == ItemStatus.PUBLISHED.value for row in items)
        _record_publish_exception(session, options.publish, batch, result.filename, published, now)
    session.flush()
    return batch


def _status(parsed: ParsedItem, options: ImportOptions) -> ItemStatus:
    """Complete items are published only by a recorded exception, sent to review when asked,
    else kept as drafts; incomplete ones are always drafts (marked "needs review")."""
    if parsed.status != "ready":
        return ItemStatus.DRAFT
    if options.publish is not None:
        return ItemStatus.PUBLISHED
    return ItemStatus.IN_REVIEW if options.review else ItemStatus.DRAFT


def _record_publish_exception(
    session: Session,
    exception: PublishException,
    batch: ImportBatch,
    filename: str,
    published: int,
    now: datetime,
) -> None:
    """The audit log's line for the batch, and an approval event in each published item's
    history, both naming the exception's source, reason and who stated it."""
    comment = _(
        "未经第二位培训师审核发布（例外：%(source)s；原因：%(reason)s）",
        source=exception.source,
        reason=exception.reason.strip(),
    )
    rows = (
        select(
            Item.id,
            Item.current_version_id,
            literal(exception.granted_by_id, Integer),
            literal(ItemEventKind.APPROVE.value, String),
            literal(comment, Text),
            literal(now, UTCDateTime()),
        )
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(ItemVersion.import_batch_id == batch.id, Item.status == ItemStatus.PUBLISHED.value)
    )
    columns = ["item_id", "version_id", "actor_id", "kind", "comment", "at"]
    session.execute(insert(ItemEvent).from_select(columns, rows))
    audit.record(
        session,
        exception.granted_by_id,
        "bank.publish_without_review",
        f"import_batch:{batch.id}",
        source=exception.source,
        reason=exception.reason.strip(),
        file=filename,
        published=published,
    )


def _insert_new_items(
    session: Session,
    items: list[dict[str, Any]],
    versions: list[dict[str, Any]],
    batch_id: int,
    now: datetime,
) -> None:
    """Bulk-insert items, their first versions, then link each item to its version.

    Three set-based statements for a whole file instead of an ORM round trip per item.
    """
    if not items:
        return
    for row in items:
        row.update(created_at=now, updated_at=now)
    item_ids = session.scalars(
        insert(Item).returning(Item.id, sort_by_parameter_order=True), items
    ).all()
    for item_id, row in zip(item_ids, versions, strict=True):
        row.update(item_id=item_id, created_at=now)
    session.execute(insert(ItemVersion), versions)
    # One UPDATE … FROM for the whole batch (both databases support it).
    session.execute(
        update(Item)
        .where(
            Item.id == ItemVersion.item_id,
            ItemVersion.import_batch_id == batch_id,
            Item.current_version_id.is_(None),
        )
        .values(current_version_id=ItemVersion.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def version_values(
    parsed: ParsedItem,
    *,
    number: int,
    level: Level | None,
    user_id: int | None,
    import_batch_id: int | None = None,
) -> dict[str, Any]:
    """Column values of a version holding ``parsed``'s content (``item_id`` left to the caller)."""
    fp = item_fingerprint(parsed)
    return {
        "number": number,
        "type": parsed.type.value,
        "stem": parsed.stem,
        "options": [{"label": o.label, "text": o.text} for o in parsed.options],
        "answer": list(parsed.answer),
        "explanation": parsed.explanation,
        "level": level.value if level else None,
        "difficulty": parsed.difficulty,
        "source": (parsed.source or "")[:500],
        "tags": list(parsed.tags),
        "problems": [p.as_dict() for p in parsed.problems],
        "fingerprint": fp,
        "fingerprint_hash": fingerprint_hash(fp),
        "search_text": search.fold(searchable(parsed)),
        "search_grams": search.grams(searchable(parsed)),
        "import_batch_id": import_batch_id,
        "created_by_id": user_id,
    }
