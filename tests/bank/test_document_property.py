"""Property: random items rendered as a real bank's document, in any style, with page noise,
come back exactly; and damage done to the document is reported exactly.

Strategy: ``items`` draws single, multiple and true/false questions (2-8 options) whose stems
hold digits (``20～50mm``, ``1.5倍``, ``110V``), brackets and ``A相``/``mA、``-like text. A
``Style`` draws how a source lays them out: numbering continuous or restarting per section,
option label form, options one per line / on the stem line / several per line (TAB or spaces),
key form (answer line in any wording, glued to the last option, in the stem's brackets, after
the candidate's own answer), true/false key form (对/错, （正确）line, (√) in the stem, A/B
against ``A.正确 B.错误``), lines wrapped as PDF extraction wraps them, CRLF, and the encoding.
Noise is injected at random line positions: a running header (the bank title) and page
counters. The importer must return the items as drawn, with no problem, no unread line, and
the noise counted by kind. A second property removes a key line, a whole question, or inserts
a stray line, and checks that the report names exactly that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from exam_app.bank.importers import read_file
from exam_app.bank.parsed import ItemType, ParseResult, normalize_text

LETTERS = "ABCDEFGH"
WORDS = ["供电企业", "客户", "电能表", "计量装置", "故障", "抢修", "电价", "违约金", "报装",
         "营业厅", "投诉", "工作日", "答复", "用电检查", "变压器", "容量", "线路", "分界点",
         "暂停", "减容", "过户", "销户", "巡视", "接地", "停电", "复电"]  # fmt: skip
#: Text in stems that looks like marks but is not: digits, units, A相 and mA、.
STEM_BITS = ["20～50mm", "1.5倍", "110V", "15 日前，", "A相电流", "30mA、", "（不含）", "第3.3条"]
OPTION_BITS = ["5", "30", "10kV", "2.5%", "1．2m"]
TITLE = "某供电公司营销服务技能考试题库"
TYPES = {ItemType.SINGLE: "单选题", ItemType.MULTIPLE: "多选题", ItemType.JUDGE: "判断题"}


@dataclass(frozen=True)
class Item:
    type: ItemType
    stem: str  # holds one "（ ）" for choices
    options: tuple[str, ...]
    key: tuple[str, ...]


def _text(draw: st.DrawFn, bits: list[str], words: int) -> str:
    parts = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=words))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(bits)))
    return "".join(parts)


@st.composite
def an_item(draw: st.DrawFn) -> Item:
    kind = draw(st.sampled_from(list(TYPES)))
    head, tail = _text(draw, STEM_BITS, 4), _text(draw, STEM_BITS, 3)
    if kind is ItemType.JUDGE:
        return Item(kind, f"{head}{tail}。", (), (draw(st.sampled_from("AB")),))
    count = draw(st.integers(2, 8))
    options = tuple(
        draw(st.lists(_option_text(), min_size=count, max_size=count, unique_by=normalize_text))
    )
    size = 1 if kind is ItemType.SINGLE else draw(st.integers(2, count))
    key = tuple(sorted(draw(st.permutations(LETTERS[:count]))[:size]))
    return Item(kind, f"{head}（ ）{tail}。", options, key)


def _option_text() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).flatmap(
        lambda words: st.sampled_from(["", *OPTION_BITS]).map(lambda bit: "".join(words) + bit)
    )


@dataclass(frozen=True)
class Style:
    restart: bool  # numbering restarts at 1 in each section
    label: str  # "{}、" "{}." "{}．" "{})" "({})"
    layout: str  # lines, stem_line, one_line, tabs
    key: str  # line, glued, bracket, own_answer
    key_word: str  # 答案：, 正确答案:, 参考答案： …
    judge: str  # word, paren_line, tick, options
    wrap: bool
    crlf: bool
    encoding: str


STYLES = st.builds(
    Style,
    restart=st.booleans(),
    label=st.sampled_from(["{}、", "{}.", "{}．", "{})", "({})", "{} 、"]),
    layout=st.sampled_from(["lines", "stem_line", "one_line", "tabs", "spaces"]),
    key=st.sampled_from(["line", "glued", "bracket", "own_answer"]),
    key_word=st.sampled_from(["答案：", "正确答案:", "参考答案：", "答案:", "正确答案："]),
    judge=st.sampled_from(["word", "paren_line", "tick", "options"]),
    wrap=st.booleans(),
    crlf=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]),
)


@dataclass
class Rendered:
    lines: list[str]
    numbers: list[int]  # per item, its number in the document
    first_lines: list[int]  # per item, the index of its first line in ``lines``
    key_lines: list[int | None]  # per item, the index of its answer line (None: no such line)
    stem_ends: list[int | None]  # per choice item on lines of its own: the line after its stem
    ends: list[int]  # per item, the index after its last line


def render(items: list[Item], style: Style, draw: st.DrawFn) -> Rendered:
    lines = [TITLE]
    numbers: list[int] = []
    firsts: list[int] = []
    keys: list[int | None] = []
    stem_ends: list[int | None] = []
    ends: list[int] = []
    number = 0
    chinese = "一二三"
    for section, kind in enumerate(TYPES):
        own = [item for item in items if item.type is kind]
        if not own:
            continue
        lines.append(f"{chinese[section]}、{TYPES[kind]}")
        number = 0 if style.restart else number
        for item in own:
            number += 1
            numbers.append(number)
            firsts.append(len(lines))
            block, key_at, stem_end = _question(item, number, style, draw)
            keys.append(None if key_at is None else len(lines) + key_at)
            stem_ends.append(None if stem_end is None else len(lines) + stem_end)
            lines.extend(block)
            ends.append(len(lines))
    return Rendered(lines, numbers, firsts, keys, stem_ends, ends)


def grouped(items: list[Item]) -> list[Item]:
    return [item for kind in TYPES for item in items if item.type is kind]


Block = tuple[list[str], int | None, int | None]  # lines, key line, line after the stem


def _question(item: Item, number: int, style: Style, draw: st.DrawFn) -> Block:
    if item.type is ItemType.JUDGE:
        return (*_judgement(item, number, style), None)
    stem = item.stem
    letters = "".join(item.key)
    if style.key == "bracket":
        stem = stem.replace("（ ）", f"（{letters}）")
    head = f"{number}.{stem}"
    options = [style.label.format(LETTERS[i]) + text for i, text in enumerate(item.options)]
    stem = [] if style.layout == "stem_line" else _wrap(head, style, draw)
    stem_end = len(stem) or None
    if style.layout == "lines":
        block = [*stem, *options]
    elif style.layout == "stem_line":
        block = [head + options[0], *options[1:]]
    elif style.layout == "one_line":
        block = [*stem, " ".join(options)]
    else:
        sep = "\t" if style.layout == "tabs" else "    "
        block = [*stem, *(sep.join(options[i : i + 2]) for i in range(0, len(options), 2))]
    if style.key == "bracket":
        return block, None, stem_end
    if style.key == "glued":
        block[-1] += f"{style.key_word}{letters}"
        return block, len(block) - 1, stem_end
    own = ""
    if style.key == "own_answer":
        own = f"我的答案:{draw(st.sampled_from(LETTERS[: len(item.options)]))}"
    block.append(f"{own}{style.key_word}{letters}")
    return block, len(block) - 1, stem_end


def _judgement(item: Item, number: int, style: Style) -> tuple[list[str], int | None]:
    true = item.key == ("A",)
    head = f"{number}.{item.stem}"
    if style.judge == "word":
        return [head, f"{style.key_word}{'对' if true else '错'}"], 1
    if style.judge == "paren_line":
        return [head, "（正确）" if true else "（错误）"], 1
    if style.judge == "tick":
        return [f"{head}（{'√' if true else '×'}）"], None
    return [head, "A.正确 B.错误", f"{style.key_word}{item.key[0]}"], 2


def _wrap(line: str, style: Style, draw: st.DrawFn) -> list[str]:
    """Cut a stem line as PDF extraction does, anywhere but inside a mark-like bit."""
    if not style.wrap or len(line) < 12:
        return [line]
    cut = draw(st.integers(6, len(line) - 4))
    first, rest = line[:cut], line[cut:]
    if rest[:1].isascii() and rest[:1].isalnum() and rest[1:2] in "、.．:)":
        return [line]  # "A、…" opening a line would be an option in any reader
    if first[-1:] in "0123456789.．" and rest[:1] in "0123456789.．":
        return [line]  # nor inside a number: "1.5倍" is never "1" and ".5倍"
    if first.endswith(" ") or rest.startswith(" "):
        return [line]  # the space at a line break is lost in extraction: "15 日" stays whole
    if rest[:1] in "(（" and rest[1:2].isalpha():
        return [line]  # "（B）…" opening a line is an option in "(A) … (B) …" sources
    if first.endswith("（") or rest.startswith(("）", " ）")):
        return [line]  # the blank stays whole
    if first[-1:].isascii() and first[-1:].isalnum() and rest[:1].isascii() and rest[:1].isalnum():
        return [line]  # PDF lines break between Latin words, not inside "50mm"
    return [first, rest]


def inject_noise(lines: list[str], draw: st.DrawFn) -> tuple[list[str], dict[str, int]]:
    """A running header (the title again) and page counters at random places."""
    headers = draw(st.integers(2, 6))
    counters = draw(st.integers(0, 4))
    out = list(lines)
    positions = sorted(draw(st.lists(st.integers(2, len(out)), min_size=headers + counters,
                                     max_size=headers + counters)), reverse=True)  # fmt: skip
    kinds = draw(st.permutations(["header"] * headers + ["counter"] * counters))
    page = len(positions)
    for position, kind in zip(positions, kinds, strict=True):
        out.insert(position, TITLE if kind == "header" else f"第 {page} 页 共 {len(positions)} 页")
        page -= 1
    noise = {"page_header": headers}
    if counters:
        noise["page_counter"] = counters
    return out, noise


def encode(lines: list[str], style: Style) -> bytes:
    text = ("\r\n" if style.crlf else "\n").join(lines) + "\n"
    return text.encode(style.encoding)


def expected(items: list[Item], rendered: Rendered, style: Style) -> list[tuple[object, ...]]:
    briefs = []
    for item, number in zip(grouped(items), rendered.numbers, strict=True):
        if item.type is ItemType.JUDGE:
            stem = item.stem + ("（ ）" if style.judge == "tick" else "")
            briefs.append((number, "judge", stem, "A=正确 B=错误", "".join(item.key)))
        else:
            options = " ".join(f"{LETTERS[i]}={text}" for i, text in enumerate(item.options))
            briefs.append((number, str(item.type), item.stem, options, "".join(item.key)))
    return briefs


def brief(result: ParseResult) -> list[tuple[object, ...]]:
    return [
        (i.number, str(i.type), i.stem, " ".join(f"{o.label}={o.text}" for o in i.options),
         "".join(i.answer))
        for i in result.items
    ]  # fmt: skip


ITEMS = st.lists(an_item(), min_size=1, max_size=12, unique_by=lambda i: normalize_text(i.stem))
#: Derandomised, so that a commit's test run is the same every time. To explore further when
#: the importer changes, set DOCUMENT_PROPERTY_EXAMPLES=2000 (and the examples are random).
_EXPLORE = int(os.environ.get("DOCUMENT_PROPERTY_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=_EXPLORE or 150,
    deadline=None,
    derandomize=not _EXPLORE,
    database=None,  # no example files written into the working tree
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(items=ITEMS, style=STYLES, data=st.data())
def test_items_come_back_exactly_through_any_style_and_noise(
    items: list[Item], style: Style, data: st.DataObject
) -> None:
    rendered = render(items, style, data.draw)
    lines, noise = inject_noise(rendered.lines, data.draw)
    result = read_file(encode(lines, style), "bank.txt")
    assert result.file_problems == []
    assert brief(result) == expected(items, rendered, style)
    assert [p.code for i in result.items for p in i.problems] == []
    report = result.report
    assert report is not None
    assert report.unread == ()
    if style.key == "own_answer":
        noise["own_answer"] = sum(item.type is not ItemType.JUDGE for item in items)
    assert report.noise == {kind: count for kind, count in noise.items() if count}
    assert report.clean, report.messages


@SETTINGS
@given(items=ITEMS, style=STYLES, data=st.data())
def test_damage_is_reported_exactly(items: list[Item], style: Style, data: st.DataObject) -> None:
    rendered = render(items, style, data.draw)
    lines = list(rendered.lines)
    target = data.draw(st.integers(0, len(items) - 1))
    damage = data.draw(st.sampled_from(["drop_key", "drop_question", "stray_line"]))
    ordered = grouped(items)
    start = rendered.first_lines[target]
    end = rendered.ends[target]
    if damage == "drop_key":
        key_line = rendered.key_lines[target]
        if key_line is None or ordered[target].type is ItemType.JUDGE or style.key == "glued":
            damage = "drop_question"  # no key line of its own to drop
        else:
            del lines[key_line]
    if damage == "stray_line":
        stray_at = rendered.stem_ends[target]
        if stray_at is None:
            damage = "drop_question"  # no line between its stem and its options
        else:
            lines.insert(stray_at, "www.example-wenku.com")
    if damage == "drop_question":
        # Without a section's first question, its second opens the section: "2.20～50mm…"
        # right after a header is a decimal or question 2, and with numbering restarting per
        # section "2, 3 …" may as well carry on from the section before. Left out: see the
        # fixtures for excerpts that start late.
        assume(not _first_in_section(ordered, target))
        del lines[start:end]
    result = read_file(encode(lines, style), "bank.txt")
    report = result.report
    assert report is not None
    number = rendered.numbers[target]
    if damage == "drop_key":
        item = next(i for i in result.items if i.line == start + 1)
        assert [p.code for p in item.problems] == ["no_answer"]
        assert item.answer == ()
        assert [s.no_key for s in report.sections if s.no_key] == [(number,)]
        assert len(result.items) == len(items)
    elif damage == "stray_line":
        assert [u.line for u in report.unread] == [stray_at + 1]
        assert len(result.items) == len(items)
        assert [p.code for i in result.items for p in i.problems] == []
    else:
        assert len(result.items) == len(items) - 1
        missing = [s.missing for s in report.sections if s.missing]
        if _gap_visible(ordered, target, style):
            assert missing == [(number,)]
        else:  # the last of its section, and the next section starts again at 1
            assert missing == []
    if damage != "drop_question" or _gap_visible(ordered, target, style):
        assert not report.clean


def _first_in_section(items: list[Item], index: int) -> bool:
    return index == 0 or items[index - 1].type is not items[index].type


def _gap_visible(items: list[Item], index: int, style: Style) -> bool:
    """A dropped question leaves a gap unless nothing after it carries the numbering on."""
    if index + 1 == len(items):
        return False
    return items[index + 1].type is items[index].type or not style.restart
