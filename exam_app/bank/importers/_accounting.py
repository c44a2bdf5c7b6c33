"""The report of a document import: where every line went, and whether the numbering holds.

The promise to a trainer is that every question in the file is imported right or reported with
its line and why. The scanner says which lines it used; ``_noise`` says which it took out as page
furniture; every other non-empty line is *unread* and listed with its number. Per section the
numbers read are checked for gaps, repeats and restarts, against the count the header declares,
and against the answer marks counted in the section's lines independently of the scanner, so a
question lost without a trace still shows as a difference.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from flask_babel import gettext as _

from exam_app.bank.importers._noise import Noise
from exam_app.bank.importers._scanner import Scanner, Section
from exam_app.bank.importers._segments import count_answer_marks
from exam_app.bank.parsed import (
    DocumentReport,
    ItemType,
    ParsedItem,
    ProblemCode,
    SectionReport,
    SkippedQuestion,
    UnreadLine,
)

#: Unread lines listed one by one; a file with more is summarised after these.
MAX_UNREAD_LISTED = 500
_NO_KEY = frozenset({ProblemCode.NO_ANSWER, ProblemCode.UNREADABLE_KEY})
_TEXT_SHOWN = 80


def type_name(kind: str | None) -> str:
    names = {
        ItemType.SINGLE: _("单选"),
        ItemType.MULTIPLE: _("多选"),
        ItemType.JUDGE: _("判断"),
    }
    return names.get(ItemType(kind), kind) if kind in set(ItemType) else _("未分类")


def build_report(
    lines: list[str],
    noise: Noise,
    scanner: Scanner,
    items: list[ParsedItem],
    skipped: list[SkippedQuestion],
) -> DocumentReport:
    """``lines``: the cleaned lines the scanner read (noise blanked); ``items`` validated."""
    counts = noise.counts()
    for kind in scanner.used.values():
        if kind == "page_header":
            counts["page_header"] = counts.get("page_header", 0) + 1
    unread_numbers = sorted(
        {n for n, line in enumerate(lines, 1) if line and n not in scanner.used}
        | set(scanner.stray)
    )
    unread = tuple(
        UnreadLine(n, lines[n - 1][:_TEXT_SHOWN]) for n in unread_numbers[:MAX_UNREAD_LISTED]
    )
    sections = tuple(_section_reports(lines, scanner.sections, items))
    by_type = _by_type(items)
    total = sum(1 for line in lines if line) + len(noise.lines)
    messages = [_overview(items, skipped, by_type, counts, len(unread_numbers))]
    messages += [section.message for section in sections if section.count or section.key_marks]
    if unread_numbers:
        messages.append(_unread_message(unread_numbers))
    return DocumentReport(
        lines=total,
        by_type=by_type,
        sections=sections,
        noise=dict(sorted(counts.items())),
        unread=unread,
        messages=tuple(messages),
    )


def _by_type(items: list[ParsedItem]) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for item in items:
        row = table.setdefault(str(item.type), Counter())
        row["total"] += 1
        row["duplicates" if item.is_duplicate else item.status] += 1
    keys = ("total", "ready", "needs_review", "duplicates")
    return {kind: {key: row[key] for key in keys} for kind, row in sorted(table.items())}


def _section_reports(
    lines: list[str], sections: list[Section], items: list[ParsedItem]
) -> list[SectionReport]:
    starts = [section.first_line for section in sections]
    by_section: dict[int, list[ParsedItem]] = {}
    for item in items:
        index = bisect_right(starts, item.line) - 1
        by_section.setdefault(max(index, 0), []).append(item)
    reports, expected = [], 1
    for index, section in enumerate(sections):
        own = by_section.get(index, [])
        report = _check(lines, section, own, expected)
        if report.last is not None:
            expected = report.last + 1
        if section.header or report.count or report.key_marks:
            reports.append(report)
    return reports


def _check(
    lines: list[str], section: Section, items: list[ParsedItem], expected: int
) -> SectionReport:
    numbers = [number for number, _line in section.numbers]
    missing, repeated, resets = _numbering(section.numbers, expected)
    no_key = tuple(i.number for i in items if any(p.code in _NO_KEY for p in i.problems))
    key_marks = sum(
        count_answer_marks(line)
        for line in lines[section.first_line - 1 : section.last_line]
        if "答案" in line or line[:1] in "(（【["  # every answer mark holds one or the other
    )
    kind = section.kind or _common_type(items)
    report = SectionReport(
        first_line=section.first_line,
        header=section.header,
        type=str(kind) if kind else None,
        source=section.source,
        count=len(numbers),
        first=numbers[0] if numbers else None,
        last=numbers[-1] if numbers else None,
        declared=section.declared,
        missing=missing,
        repeated=repeated,
        resets=resets,
        no_key=no_key,
        key_marks=key_marks,
        answered=section.answered,
        message="",
    )
    return replace(report, message=_section_message(report))


def _common_type(items: list[ParsedItem]) -> ItemType | None:
    kinds = {item.type for item in items}
    return kinds.pop() if len(kinds) == 1 else None


def _numbering(
    read: list[tuple[int, int]], expected: int
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Missing numbers (also before the first, when the section does not start where the
    numbering stood), numbers read twice, and the lines where it restarts at 1."""
    missing: list[int] = []
    repeated: list[int] = []
    resets: list[int] = []
    seen: set[int] = set()
    previous: int | None = None
    for number, line in read:
        if previous is None:
            if number != 1 and number > expected:
                missing.extend(range(expected, number))
        elif number == 1 and previous >= 1:
            resets.append(line)
            seen = set()
        elif number in seen or number <= previous:
            repeated.append(number)
        elif number > previous + 1:
            missing.extend(range(previous + 1, number))
        seen.add(number)
        previous = number
    return tuple(missing), tuple(sorted(set(repeated))), tuple(resets)


def _numbers(numbers: Sequence[object], limit: int = 20) -> str:
    shown = "、".join(map(str, numbers[:limit]))
    return shown + ("…" if len(numbers) > limit else "")


def _section_message(section: SectionReport) -> str:
    label = section.header or type_name(section.type)
    first, last = section.first or "-", section.last or "-"
    parts = [_("%(label)s：%(first)s–%(last)s，读到 %(count)s 题", label=label, count=section.count,
               first=first, last=last)]  # fmt: skip
    if section.no_key:
        parts.append(_("第%(numbers)s题没有可用答案", numbers=_numbers(section.no_key)))
    if section.missing:
        parts.append(_("缺少第%(numbers)s题", numbers=_numbers(_runs(list(section.missing)))))
    else:
        parts.append(_("没有缺号"))
    if section.repeated:
        parts.append(_("编号重复：%(numbers)s", numbers=_numbers(section.repeated)))
    if section.resets:
        parts.append(_("编号在第%(lines)s行重新从 1 开始", lines=_numbers(section.resets)))
    if section.declared is not None and section.declared != section.count:
        parts.append(
            _("标题写明 %(declared)s 题，读到 %(count)s 题", declared=section.declared,
              count=section.count)
        )  # fmt: skip
    if section.key_marks != section.answered:
        parts.append(
            _("答案标记 %(keys)s 处，带答案标记的题目 %(count)s 道", keys=section.key_marks,
              count=section.answered)
        )  # fmt: skip
    return "；".join(parts)


def _overview(
    items: list[ParsedItem],
    skipped: list[SkippedQuestion],
    by_type: dict[str, dict[str, int]],
    noise: dict[str, int],
    unread: int,
) -> str:
    kinds = "，".join(f"{type_name(kind)} {row['total']}" for kind, row in by_type.items())
    ready = sum(row["ready"] for row in by_type.values())
    review = sum(row["needs_review"] for row in by_type.values())
    text = _(
        "读到 %(total)s 题（%(kinds)s）：可导入 %(ready)s，需复核 %(review)s，未导入 %(skipped)s；"
        "未读 %(unread)s 行；页面杂项 %(noise)s 处",
        total=len(items),
        kinds=kinds or "-",
        ready=ready,
        review=review,
        skipped=len(skipped),
        unread=unread,
        noise=sum(noise.values()),
    )
    return text


def _unread_message(numbers: list[int]) -> str:
    return _(
        "%(count)s 行既不是题目也不是可识别的页面杂项，未读取：第%(lines)s行",
        count=len(numbers),
        lines=_numbers(_runs(numbers), 30),
    )


def _runs(numbers: list[int]) -> tuple[str, ...]:
    """``3–7``, ``12``: consecutive line numbers as runs."""
    runs: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return tuple(runs)
