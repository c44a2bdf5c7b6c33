"""Checks shared by every importer: what is wrong with each parsed item, in the trainer's words.

``validate_items`` never repairs an item: an item without an answer keeps an empty answer (an
invented key would be stored as truth), a cut-off item keeps its missing options. It only adds
``Problem`` values, so a person reviews the item before it is stored. Running it twice adds
nothing new, so both an importer and its caller may call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from exam_app.bank.parsed import (
    JUDGE_OPTION_DATA,
    JUDGE_OPTIONS,
    ItemType,
    ParsedItem,
    Problem,
    ProblemCode,
    fingerprint,
)

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_JUDGE_KEYS = frozenset(label for label, _text in JUDGE_OPTIONS)


def validate_items(items: Iterable[ParsedItem]) -> list[ParsedItem]:
    """The same items, in order, each with the problems found added to ``problems``."""
    first_seen: dict[str, ParsedItem] = {}
    checked: list[ParsedItem] = []
    for item in items:
        item = _with_problems(item, _item_problems(item))
        if item.stem.strip():  # an empty stem is reported as such, not as a duplicate
            key = fingerprint(item.stem, [option.text for option in item.options])
            earlier = first_seen.setdefault(key, item)
            if earlier is not item:
                item = _mark_duplicate(item, earlier)
        checked.append(item)
    return checked


def _with_problems(item: ParsedItem, problems: Iterable[Problem]) -> ParsedItem:
    for problem in problems:
        if problem not in item.problems:  # keeps a second run from doubling the list
            item = item.with_problem(problem)
    return item


def _mark_duplicate(item: ParsedItem, earlier: ParsedItem) -> ParsedItem:
    if item.duplicate_of is not None:  # already matched (this run or a bank check): keep it
        return item
    message = _(
        "第%(number)s题与第%(other)s题（第%(line)s行）重复",
        number=item.number,
        other=earlier.number,
        line=earlier.line,
    )
    duplicate_of = {"source": "file", "number": earlier.number, "line": earlier.line}
    return item.with_problem(
        Problem(ProblemCode.DUPLICATE_IN_FILE, message), duplicate_of=duplicate_of
    )


def _item_problems(item: ParsedItem) -> Iterator[Problem]:
    if not item.stem.strip():
        yield Problem(ProblemCode.EMPTY_STEM, _("第%(number)s题题干为空", number=item.number))
    if item.type is ItemType.JUDGE:
        yield from _judgement_problems(item)
    else:
        yield from _choice_problems(item)


def _choice_problems(item: ParsedItem) -> Iterator[Problem]:
    if not item.options:
        # Nothing about options or keys can be judged: the question stops before them.
        message = _("第%(number)s题缺少选项（题目在选项前被截断）", number=item.number)
        yield Problem(ProblemCode.CUT_OFF, message)
        return
    yield from _sequence_problems(item)
    if len(item.options) < 2:
        message = _(
            "第%(number)s题只有 %(count)s 个选项（至少需要 2 个）",
            number=item.number,
            count=len(item.options),
        )
        yield Problem(ProblemCode.TOO_FEW_OPTIONS, message)
    yield from _empty_option_problems(item)
    if not item.answer:
        if not _has(item, ProblemCode.UNREADABLE_KEY):
            yield _no_answer(item)
        return
    yield from _answer_label_problems(item)
    yield from _answer_count_problems(item)


def _has(item: ParsedItem, code: ProblemCode) -> bool:
    return any(problem.code is code for problem in item.problems)


def _empty_option_problems(item: ParsedItem) -> Iterator[Problem]:
    empty = [option.label for option in item.options if not option.text.strip()]
    if empty:
        message = _(
            "第%(number)s题选项 %(labels)s 没有内容", number=item.number, labels="、".join(empty)
        )
        yield Problem(ProblemCode.EMPTY_OPTION, message)


def _no_answer(item: ParsedItem) -> Problem:
    message = _("第%(number)s题没有答案（原文未给出，需人工补充）", number=item.number)
    return Problem(ProblemCode.NO_ANSWER, message)


def _answer_label_problems(item: ParsedItem) -> Iterator[Problem]:
    labels = [option.label for option in item.options]
    strangers = [key for key in item.answer if key not in labels]
    if strangers:
        message = _(
            "第%(number)s题答案“%(key)s”不在选项 %(labels)s 中",
            number=item.number,
            key="、".join(strangers),
            labels=describe_labels(labels),
        )
        yield Problem(ProblemCode.ANSWER_NOT_IN_OPTIONS, message)


def _answer_count_problems(item: ParsedItem) -> Iterator[Problem]:
    count = len(item.answer)
    values = {"number": item.number, "count": count, "key": "".join(item.answer)}
    if item.type is ItemType.SINGLE and count != 1:
        message = _("第%(number)s题是单选题，却有 %(count)s 个答案：%(key)s", **values)
    elif item.type is ItemType.MULTIPLE and count < 2:
        message = _("第%(number)s题是多选题，却只有 %(count)s 个答案：%(key)s", **values)
    else:
        return
    yield Problem(ProblemCode.ANSWER_COUNT, message)


def _sequence_problems(item: ParsedItem) -> Iterator[Problem]:
    labels = [option.label for option in item.options]
    fault = _sequence_fault(labels)
    if fault is None:
        return
    kind, detail = fault
    values = {"number": item.number, "labels": "、".join(labels)}
    if kind == "unknown":
        message = _("第%(number)s题选项标签不是字母：%(labels)s", **values)
    elif kind == "repeated":
        message = _(
            "第%(number)s题选项字母重复：%(labels)s（%(repeated)s 出现不止一次）",
            repeated=detail,
            **values,
        )
    elif kind == "missing":
        message = _(
            "第%(number)s题选项字母不连续：%(labels)s（缺少 %(missing)s）", missing=detail, **values
        )
    else:
        message = _("第%(number)s题选项字母顺序错乱：%(labels)s", **values)
    yield Problem(ProblemCode.OPTION_SEQUENCE, message)


def _sequence_fault(labels: list[str]) -> tuple[str, str] | None:
    """``None`` for A, B, C …; otherwise what is wrong and the letters concerned."""
    if any(len(label) != 1 or label not in _LETTERS for label in labels):
        return "unknown", ""
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        return "repeated", "、".join(repeated)
    expected = _LETTERS[: _LETTERS.index(max(labels)) + 1]
    missing = [letter for letter in expected if letter not in labels]
    if missing:
        return "missing", "、".join(missing)
    if labels != sorted(labels):
        return "order", ""
    return None


def _judgement_problems(item: ParsedItem) -> Iterator[Problem]:
    expected = JUDGE_OPTION_DATA
    if item.options != expected:
        message = _(
            "第%(number)s题是判断题，选项却是：%(options)s（应为 A、正确 B、错误）",
            number=item.number,
            options=" ".join(f"{o.label}、{o.text}" for o in item.options) or _("无"),
        )
        yield Problem(ProblemCode.NOT_A_JUDGEMENT, message)
    if not item.answer:
        if not _has(item, ProblemCode.UNREADABLE_KEY):
            yield _no_answer(item)
    elif len(item.answer) != 1 or item.answer[0] not in _JUDGE_KEYS:
        message = _(
            "第%(number)s题是判断题，答案“%(key)s”却不是对/错",
            number=item.number,
            key="".join(item.answer),
        )
        yield Problem(ProblemCode.NOT_A_JUDGEMENT, message)


def describe_labels(labels: Iterable[str]) -> str:
    """``A–D`` for a run of letters from A, otherwise the letters themselves: ``A、C、D``."""
    labels = list(labels)
    run = _LETTERS[: len(labels)]
    if len(labels) >= 2 and "".join(labels) == run:
        return f"{labels[0]}–{labels[-1]}"
    return "、".join(labels)
