"""Writing items in the browser: every save of changed content makes a new, immutable version.

The editor's fields become a ``ParsedItem`` and go through the same validation as imported files,
so an item written by hand meets exactly the rules an imported one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.importing import fingerprint_hash, item_fingerprint, version_values
from exam_app.bank.models import (
    CONTENT_FIELDS,
    Category,
    Exposure,
    Item,
    ItemEventKind,
    ItemStatus,
    ItemVersion,
    Level,
)
from exam_app.bank.parsed import (
    JUDGE_OPTION_DATA,
    ItemType,
    OptionData,
    ParsedItem,
    Problem,
    ProblemCode,
)
from exam_app.bank.review import record_event, set_exposure
from exam_app.bank.validation import validate_items
from exam_app.errors import DomainError

LABELS = "ABCDEFGH"


@dataclass(frozen=True)
class ItemDraft:
    """What the editor sends: options in display order, the key as positions in that order."""

    type: ItemType
    stem: str
    options: tuple[str, ...] = ()
    correct: frozenset[int] = frozenset()  #: positions in ``options`` (choice items)
    judge_true: bool | None = None  #: the key of a true/false item
    explanation: str = ""
    level: Level | None = None
    difficulty: int | None = None
    source: str = ""
    tags: tuple[str, ...] = ()
    category_id: int | None = None
    #: classification like the category: changing it alone makes no new version
    exposure: Exposure = Exposure.BOTH


class InvalidDraft(DomainError):
    """The draft breaks the bank's rules; ``problems`` holds one plain message per rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass
class SaveResult:
    item: Item
    version: ItemVersion | None  #: None when only the category changed
    warnings: list[str] = field(default_factory=list)


def to_parsed(draft: ItemDraft) -> ParsedItem:
    if draft.type is ItemType.JUDGE:
        options = JUDGE_OPTION_DATA
        answer: tuple[str, ...] = (
            () if draft.judge_true is None else (("A",) if draft.judge_true else ("B",))
        )
    else:
        options = tuple(OptionData(LABELS[i], t.strip()) for i, t in enumerate(draft.options))
        answer = tuple(LABELS[i] for i in sorted(draft.correct) if i < len(draft.options))
    return ParsedItem(
        number=1,
        line=1,
        type=draft.type,
        stem=draft.stem.strip(),
        options=options,
        answer=answer,
        explanation=draft.explanation.strip(),
        difficulty=draft.difficulty,
        source=draft.source.strip() or None,
        tags=draft.tags,
    )


def _plain(problem: Problem, draft: ItemDraft) -> str:
    """The importer's message, said the way an author at the editor needs to hear it."""
    code = problem.code
    if code is ProblemCode.EMPTY_STEM:
        return _("请填写题干。")
    if code in (ProblemCode.CUT_OFF, ProblemCode.TOO_FEW_OPTIONS):
        return _("选择题至少需要两个选项。")
    if code is ProblemCode.NO_ANSWER:
        return (
            _("请标出正确答案。")
            if draft.type is not ItemType.JUDGE
            else _("请选择这道判断题是“正确”还是“错误”。")
        )
    if code is ProblemCode.ANSWER_COUNT:
        return (
            _("单选题只能有一个正确答案。")
            if draft.type is ItemType.SINGLE
            else _("多选题至少要有两个正确答案；只有一个时请改为单选题。")
        )
    return problem.message


def check_draft(session: Session, draft: ItemDraft, own_item_id: int | None) -> list[str]:
    """Every rule the draft breaks, in plain words; empty when it may be saved."""
    messages = []
    if draft.type is ItemType.JUDGE and any(t.strip() for t in draft.options):
        messages.append(_("判断题不需要选项（固定为“正确/错误”）：请清空选项，或改为选择题。"))
    if any(not t.strip() for t in draft.options) and draft.type is not ItemType.JUDGE:
        messages.append(_("有空白选项：请填写或删除。"))
    parsed = validate_items([to_parsed(draft)])[0]
    messages += [_plain(p, draft) for p in parsed.problems]
    clash = _same_item(session, parsed, own_item_id)
    if clash is not None:
        messages.append(_("题库中已有相同的试题 #%(id)d（题干和选项都相同）。", id=clash))
    if draft.category_id is not None and session.get(Category, draft.category_id) is None:
        messages.append(_("所选分类不存在。"))
    return list(dict.fromkeys(messages))  # same words once


def _same_item(session: Session, parsed: ParsedItem, own_item_id: int | None) -> int | None:
    digest = fingerprint_hash(item_fingerprint(parsed))
    stmt = (
        select(Item.id)
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(ItemVersion.fingerprint_hash == digest)
    )
    if own_item_id is not None:
        stmt = stmt.where(Item.id != own_item_id)
    return session.scalars(stmt).first()


def _new_version(
    session: Session, item: Item, draft: ItemDraft, number: int, user_id: int
) -> ItemVersion:
    values = version_values(to_parsed(draft), number=number, level=draft.level, user_id=user_id)
    version = ItemVersion(item=item, **values)
    session.add(version)
    session.flush()
    item.current = version
    return version


def create_item(session: Session, draft: ItemDraft, user_id: int) -> SaveResult:
    """A new draft item with its first version.

    :raises InvalidDraft: with every problem, when the draft breaks a rule
    """
    problems = check_draft(session, draft, None)
    if problems:
        raise InvalidDraft(problems)
    item = Item(
        status=ItemStatus.DRAFT.value,
        needs_review=False,
        created_by_id=user_id,
        category_id=draft.category_id,
        exposure=draft.exposure,
    )
    session.add(item)
    session.flush()
    version = _new_version(session, item, draft, 1, user_id)
    record_event(session, item, ItemEventKind.CREATE, user_id, version=version)
    session.flush()
    return SaveResult(item, version)


def _same_content(version: ItemVersion, draft: ItemDraft) -> bool:
    parsed = to_parsed(draft)
    fresh = version_values(
        parsed, number=version.number, level=draft.level, user_id=version.created_by_id
    )
    return all(getattr(version, k) == fresh[k] for k in CONTENT_FIELDS)


def edit_item(session: Session, item: Item, draft: ItemDraft, user_id: int) -> SaveResult:
    """Save the editor's content as the item's next version (nothing, if nothing changed).

    A published or in-review item whose content changes goes back to draft: the new wording must
    be reviewed again before exams may draw it. Older versions stay as they were, so papers that
    used them are untouched.

    :raises InvalidDraft: with every problem, when the draft breaks a rule
    """
    if item.status == ItemStatus.RETIRED:
        raise DomainError(_("已停用的试题不能编辑，请先恢复。"))
    problems = check_draft(session, draft, item.id)
    if problems:
        raise InvalidDraft(problems)
    result = SaveResult(item, None)
    if draft.category_id != item.category_id:
        item.category_id = draft.category_id
        record_event(session, item, ItemEventKind.RECATEGORIZE, user_id)
    if draft.exposure != item.exposure:
        set_exposure(session, item, user_id, draft.exposure)
    assert item.current is not None
    if not _same_content(item.current, draft):
        if item.status in (ItemStatus.PUBLISHED, ItemStatus.IN_REVIEW):
            result.warnings.append(_("内容已修改，试题回到草稿状态，需要重新审核后才能发布。"))
            item.status = ItemStatus.DRAFT.value
        result.version = _new_version(session, item, draft, item.current.number + 1, user_id)
        item.needs_review = False  # it now passes every rule
        record_event(session, item, ItemEventKind.EDIT, user_id, version=result.version)
    session.flush()
    return result


def draft_from_version(item: Item) -> ItemDraft:
    """The editor's starting point for an existing item."""
    version = item.current
    assert version is not None
    item_type = ItemType(version.type)
    labels = [o["label"] for o in version.options]
    return ItemDraft(
        type=item_type,
        stem=version.stem,
        options=() if item_type is ItemType.JUDGE else tuple(o["text"] for o in version.options),
        correct=frozenset(labels.index(a) for a in version.answer if a in labels),
        judge_true=(version.answer == ["A"])
        if item_type is ItemType.JUDGE and version.answer
        else None,
        explanation=version.explanation,
        level=Level(version.level) if version.level else None,
        difficulty=version.difficulty,
        source=version.source,
        tags=tuple(version.tags),
        category_id=item.category_id,
        exposure=Exposure(item.exposure),
    )
