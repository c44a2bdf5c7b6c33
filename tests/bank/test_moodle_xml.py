"""Moodle XML files (bank.importers.moodle_xml), and the helpers the Moodle formats share."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam_app.bank.importers._moodle_common import (
    category_from_moodle,
    category_to_moodle,
    html_to_text,
    read_tags,
    source_from_name,
)
from exam_app.bank.importers.moodle_xml import export_moodle_xml, parse_moodle_xml
from exam_app.bank.parsed import JUDGE_OPTIONS, ItemType, OptionData, ParsedItem, ProblemCode

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "moodle" / "sample.xml"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SINGLE, MULTIPLE, JUDGE = ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE
SERVICE, TARIFF = "客户服务/服务渠道", "电费电价/电价政策"


def line_of(needle: str, text: str = SAMPLE_TEXT) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


def question_line(name: str) -> int:
    """Line of the ``<question>`` element whose ``<name>`` text is ``name``."""
    lines = SAMPLE_TEXT.split("\n")
    name_line = line_of(f"<text>{name}</text>")
    return max(n for n in range(1, name_line + 1) if "<question " in lines[n - 1])


def texts(item: ParsedItem) -> list[str]:
    return [option.text for option in item.options]


def quiz(*questions: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"
    ).encode()


def question(kind: str, text: str, *answers: str, extra: str = "", fmt: str = "html") -> str:
    body = "".join(
        f'<answer fraction="{a.split("|")[0]}"><text>{a.split("|")[1]}</text></answer>'
        for a in answers
    )
    return (
        f'<question type="{kind}"><name><text>题</text></name>'
        f'<questiontext format="{fmt}"><text>{text}</text></questiontext>{extra}{body}</question>'
    )


@pytest.fixture(scope="module")
def sample():
    return parse_moodle_xml(SAMPLE.read_bytes(), "sample.xml")


# ---------------------------------------------------------------- the sample file

# (name, type, stem, options, answer, explanation, category, source, tags, level, difficulty)
SAMPLE_ITEMS = [
    (
        "《供电服务规范》第5条",
        SINGLE,
        "南方电网统一客户服务热线是（ ）。",
        ["95598", "12345", "96789"],
        ("A",),
        "客户可通过 95598 热线办理报修、咨询、投诉等业务。\n选项A的反馈：正确，这是全网统一号码。",
        SERVICE,
        "《供电服务规范》第5条",
        ("服务渠道",),
        "中级工",
        2,
    ),
    (
        "居民客户申请新装用电时，应提供...",
        MULTIPLE,
        "居民客户申请新装用电时，\n应提供下列哪些资料？（ ）\n[图片：申请表]",
        ["用电人有效身份证明", "用电地址物业权属证明", "营业执照正本"],
        ("A", "B"),
        "选项C的反馈：居民客户无需提供。",
        SERVICE,
        None,  # the name is only the start of the question text
        (),
        None,
        None,
    ),
    (
        "计量装置",
        MULTIPLE,
        "下列属于计量装置的有（ ）。\n请全部选出，少选、错选均不得分。",
        ["电能表", "互感器", "断路器 <开关> & 刀闸"],
        ("A", "B"),
        "电能计量装置包括电能表、互感器及二次回路。",
        SERVICE,
        "计量装置",
        (),
        None,
        None,
    ),
    (
        "暂停用电",
        JUDGE,
        "客户办理暂停用电，应提前 5 个工作日提出申请。",
        ["正确", "错误"],
        ("A",),
        "",
        SERVICE,
        "暂停用电",
        (),
        None,
        None,
    ),
    (
        "欠费停电",
        JUDGE,
        "供电企业可以不经批准对欠费客户立即停电。",
        ["正确", "错误"],
        ("B",),
        "依据《电力供应与使用条例》。\n选项A的反馈：停电须按规定程序提前通知。\n选项B的反馈：回答正确。",
        SERVICE,
        "欠费停电",
        ("电费回收",),
        None,
        None,
    ),
    (
        "峰谷分时",
        SINGLE,
        "峰谷分时电价中，下列哪个时段属于高峰时段（ ）。",
        ["10:00—12:00", "0:00—8:00", "12:00—14:00", "22:00—24:00", "8:00—10:00", "14:00—19:00"]
        + ["19:00—22:00", "全天"],
        ("A",),
        "",
        TARIFF,
        None,  # "峰谷分时" is how the question text starts
        (),
        None,
        None,
    ),
    (
        "违约金",
        SINGLE,
        "电费违约金的计算起始日是（ ）。",
        ["缴费期满次日", "抄表日"],
        (),
        "",
        TARIFF,
        "违约金",
        (),
        None,
        None,
    ),
    (
        "客户可通过营业厅办理过户业务。",
        JUDGE,
        "客户可通过营业厅办理过户业务。",
        ["正确", "错误"],
        ("A",),
        "",
        None,
        None,
        (),
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "type_", "stem", "options", "answer", "explanation", "category", "source", "tags")
    + ("level", "difficulty"),
    SAMPLE_ITEMS,
    ids=[case[0] for case in SAMPLE_ITEMS],
)
def test_sample_items(
    sample,
    name,
    type_,
    stem,
    options,
    answer,
    explanation,
    category,
    source,
    tags,
    level,
    difficulty,
):
    item = next(i for i in sample.items if i.stem == stem)
    assert item.line == question_line(name)
    assert (item.type, texts(item), item.answer) == (type_, options, answer)
    assert [option.label for option in item.options] == list("ABCDEFGH"[: len(options)])
    assert item.explanation == explanation
    assert (item.category, item.source, item.tags) == (category, source, tags)
    assert (item.level, item.difficulty) == (level, difficulty)


def test_sample_numbers_and_summary(sample):
    assert sample.file_problems == []
    assert [item.number for item in sample.items] == [1, 2, 3, 4, 5, 6, 7, 17]
    assert sample.summary() == {
        "total": 8,
        "ready": 7,
        "needs_review": 1,
        "duplicates": 0,
        "problems": 1,
        "skipped": 9,
    }
    no_key = next(i for i in sample.items if i.stem.startswith("电费违约金"))
    assert [p.code for p in no_key.problems] == [ProblemCode.NO_ANSWER]
    judge = next(i for i in sample.items if i.type is JUDGE)
    assert judge.options == tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)


SAMPLE_SKIPPED = [
    ("投诉流程", "unsupported_type", "essay", "论述题"),
    ("办理时限", "unsupported_type", "matching", "匹配题"),
    ("热线号码", "unsupported_type", "shortanswer", "简答（填空）题"),
    ("电费计算", "unsupported_type", "numerical", "数值题"),
    ("完形填空", "unsupported_type", "multianswer", "嵌入式答案（完形填空）题"),
    ("说明", "unsupported_type", "description", "说明文字"),
    ("功率计算", "unsupported_type", "calculated", "计算题"),
    ("拖放", "unsupported_type", "ddwtos", "拖放文字题"),
    ("空题", "malformed", None, "缺少题干"),
]


@pytest.mark.parametrize(("name", "code", "kind", "words"), SAMPLE_SKIPPED)
def test_sample_skipped_questions_are_reported_with_their_line(sample, name, code, kind, words):
    line = question_line(name)
    skipped = next(q for q in sample.skipped if q.line == line)
    assert (skipped.code, skipped.kind) == (code, kind)
    assert skipped.number == 8 + [case[0] for case in SAMPLE_SKIPPED].index(name)
    assert f"第{line}行" in skipped.message and words in skipped.message


# ---------------------------------------------------------------- small files


@pytest.mark.parametrize(
    ("xml", "type_", "answer"),
    [
        (
            question("multichoice", "单选", "100|甲", "0|乙", extra="<single>true</single>"),
            SINGLE,
            ("A",),
        ),
        (question("multichoice", "默认单选", "0|甲", "100|乙"), SINGLE, ("B",)),
        # partial credit in a single choice: only the best answer is the key
        (
            question(
                "multichoice", "部分分", "50|甲", "100|乙", "0|丙", extra="<single>1</single>"
            ),
            SINGLE,
            ("B",),
        ),
        # two full-credit answers in a single choice: both are kept, validation reports it
        (
            question("multichoice", "两个满分", "100|甲", "100|乙", extra="<single>true</single>"),
            SINGLE,
            ("A", "B"),
        ),
        (
            question(
                "multichoice", "多选", "50|甲", "50|乙", "-100|丙", extra="<single>false</single>"
            ),
            MULTIPLE,
            ("A", "B"),
        ),
        (
            question("multichoice", "多选一答", "100|甲", "0|乙", extra="<single>0</single>"),
            MULTIPLE,
            ("A",),
        ),
        (
            question("multichoiceset", "全对才得分", "100|甲", "100|乙", "0|丙"),
            MULTIPLE,
            ("A", "B"),
        ),
        (question("truefalse", "对", "100|true", "0|false"), JUDGE, ("A",)),
        (question("truefalse", "错", "0|true", "100|false"), JUDGE, ("B",)),
        (question("truefalse", "顺序颠倒", "100|false", "0|true"), JUDGE, ("B",)),
        (question("truefalse", "中文", "0|正确", "100|错误"), JUDGE, ("B",)),
        (question("truefalse", "无答案", "0|true", "0|false"), JUDGE, ()),
    ],
)
def test_question_types_map_to_ours(xml, type_, answer):
    result = parse_moodle_xml(quiz(xml), "q.xml")
    [item] = result.items
    assert (item.type, item.answer, item.line, item.number) == (type_, answer, 3, 1)


def test_blank_answers_are_dropped():
    xml = question(
        "multichoice",
        "题",
        "50|甲",
        "0|",
        "0|乙",
        "50.0000000|丙",
        extra="<single>false</single>",
    )
    [item] = parse_moodle_xml(quiz(xml), "q.xml").items
    assert (texts(item), item.answer) == (["甲", "乙", "丙"], ("A", "C"))


MOODLE_GRADES = ["100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40"]
MOODLE_GRADES += ["33.33333", "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10"]
MOODLE_GRADES += ["5", "0"]


@pytest.mark.parametrize(
    "grade",
    MOODLE_GRADES
    + ["-" + grade for grade in MOODLE_GRADES if grade != "0"]
    + ["100.0000000", "33.333", "33.3333", "-83.333333", "14.2857", " 50 ", "1e2"],
)
def test_every_grade_moodle_accepts_is_read(grade):
    xml = question(
        "multichoice", "题", f"{grade}|甲", "0|乙", "0|丙", extra="<single>false</single>"
    )
    result = parse_moodle_xml(quiz(xml), "q.xml")
    assert result.file_problems == [] and len(result.items) == 1


@pytest.mark.parametrize(
    "grade", ["33", "33.33", "12", "15", "45", "99", "101", "-33", "-110", "abc", "", "nan", "inf"]
)
def test_a_grade_moodle_refuses_refuses_the_whole_file(grade):
    good = question("multichoice", "好题", "100|甲", "0|乙", extra="<single>true</single>")
    bad = question("multichoice", "坏题", f"{grade}|甲", "0|乙", extra="<single>false</single>")
    result = parse_moodle_xml(quiz(good, bad), "题库.xml")
    assert result.items == [] and result.skipped == []
    header, detail = result.file_problems
    assert "题库.xml" in header and "1 道题" in header
    assert "第4行" in detail and "“题”" in detail and f"Grades ({grade})" in detail


def test_the_invalid_grades_file_names_each_question_and_grade():
    result = parse_moodle_xml((DATA / "moodle_invalid_grades.xml").read_bytes(), "bad.xml")
    assert result.items == []
    header, first, second = result.file_problems
    assert "2 道题" in header
    assert "第10行" in first and "“得分不合规的题 x > 1 & x < 2”" in first and "(33)" in first
    assert "第19行" in second and "“简答题的得分”" in second and "(45)" in second


def test_true_false_grades_are_not_checked_but_only_100_percent_is_the_key():
    """Moodle reads a true/false answer as right only at 100 %, and checks no other grade."""
    [odd] = parse_moodle_xml(
        quiz(question("truefalse", "判断", "50|true", "0|false")), "q.xml"
    ).items
    assert odd.answer == () and [p.code for p in odd.problems] == [ProblemCode.NO_ANSWER]


def test_a_single_choice_without_a_full_credit_answer_gets_no_key():
    xml = question("multichoice", "单选", "50|甲", "0|乙", extra="<single>true</single>")
    [item] = parse_moodle_xml(quiz(xml), "q.xml").items
    assert item.answer == ()
    assert [p.code for p in item.problems] == [ProblemCode.ANSWER_COUNT, ProblemCode.NO_ANSWER]
    assert "最高 50%" in item.problems[0].message


@pytest.mark.parametrize(
    "kind",
    ["essay", "matching", "shortanswer", "numerical", "multianswer", "description", "calculated"]
    + ["calculatedsimple", "calculatedmulti", "ddwtos", "ddimageortext", "ddmarker", "gapselect"]
    + ["randomsamatch", "ordering", "someplugin"],
)
def test_every_other_type_is_skipped_with_its_line(kind):
    good = question("truefalse", "客户可以报修。", "100|true", "0|false")
    result = parse_moodle_xml(quiz(good, question(kind, "其他题型", "100|甲")), "q.xml")
    assert [item.stem for item in result.items] == ["客户可以报修。"]
    [skipped] = result.skipped
    assert (skipped.line, skipped.number, skipped.code, skipped.kind) == (
        4,
        2,
        "unsupported_type",
        kind,
    )
    assert "第4行" in skipped.message and "第2题" in skipped.message
    assert "“题”" in skipped.message and f"（{kind}）" in skipped.message  # its name, Moodle's type


@pytest.mark.parametrize(
    "bad",
    [
        question("multichoice", "", "100|甲", "0|乙"),
        question("multichoice", "&lt;p&gt;&amp;nbsp;&lt;/p&gt;", "100|甲", "0|乙"),
        '<question type="truefalse"><answer fraction="100"><text>true</text></answer></question>',
    ],
)
def test_a_question_without_text_is_skipped_and_the_others_import(bad):
    good = question("truefalse", "客户可以报修。", "100|true", "0|false")
    result = parse_moodle_xml(quiz(good, bad, good.replace("报修", "缴费")), "q.xml")
    assert [(item.number, item.line) for item in result.items] == [(1, 3), (3, 5)]
    [skipped] = result.skipped
    assert (skipped.code, skipped.line, skipped.number) == ("malformed", 4, 2)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (quiz("<question>").replace(b"</quiz>", b""), "第5行"),
        (b'<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>', "第4行"),
        (b"not xml at all", "第1行"),
        (b"", "第1行"),
        (b'<?xml version="1.0"?>\n<items/>', "根元素是 <items>"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]>\n<quiz>&b;</quiz>',
            "DOCTYPE",
        ),
        (b'<?xml version="1.0"?>\n<!DOCTYPE quiz SYSTEM "file:///etc/passwd">\n<quiz/>', "DOCTYPE"),
        (quiz(), "没有找到题目"),
        (quiz(question("essay", "论述")), "1 道题都被跳过"),
    ],
)
def test_file_problems(data, words):
    result = parse_moodle_xml(data, "题库.xml")
    assert result.items == []
    [message] = result.file_problems
    assert words in message and "题库.xml" in message


def test_a_declared_encoding_does_not_matter_when_the_bytes_are_utf8():
    data = (
        b'\xef\xbb\xbf<?xml version="1.0" encoding="GB2312"?>\r\n<quiz>\r\n'
        + question("truefalse", "客户可以报修。", "100|true", "0|false").encode()
        + b"\r\n</quiz>"
    )
    [item] = parse_moodle_xml(data, "q.xml").items
    assert (item.stem, item.line) == ("客户可以报修。", 3)


# ---------------------------------------------------------------- shared helpers


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>客户服务热线</p>", "客户服务热线"),
        ("<p>第一段</p><p>第二段</p>", "第一段\n第二段"),
        ("第一行<br>第二行<br/>第三行", "第一行\n第二行\n第三行"),
        ("&lt;b&gt; &amp; &quot;引号&quot; &#20013;&#x6587;", '<b> & "引号" 中文'),
        ("（&nbsp;&nbsp;）", "（ ）"),
        ("<p>  多个\n  空白   合并 </p>", "多个 空白 合并"),
        (
            '<p>见图<img src="x.png" alt="接线图"></p><img src="y.png">',
            "见图[图片：接线图]\n[图片]",
        ),
        ("<ul><li>甲</li><li>乙</li></ul>", "甲\n乙"),
        ("<style>p {color: red}</style><script>alert(1)</script>正文", "正文"),
        ("<p><span style='x'>电</span><b>价</b></p>", "电价"),
        ("纯文本 a<b 不是标签", "纯文本 a<b 不是标签"),
    ],
)
def test_html_to_text(markup, text):
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    ("path", "category"),
    [
        ("$course$/top/电费电价/电价政策", "电费电价/电价政策"),
        ("$system$/top/业扩报装", "业扩报装"),
        ("$module$/top/Default for 测验", "Default for 测验"),
        ("$coursecategory$/top/a/b/c", "a/b/c"),
        ("$course$/电费电价", "电费电价"),
        ("top/电费", "电费"),
        ("电费/电价", "电费/电价"),
        ("$course$/top", None),
        ("$course$/top/", None),
        ("  ", None),
        ("$course$/top/A//B/C", "A/B/C"),
    ],
)
def test_category_from_moodle(path, category):
    assert category_from_moodle(path) == category


@pytest.mark.parametrize(
    ("category", "path"),
    [
        ("电费电价/电价政策", "$course$/top/电费电价/电价政策"),
        (None, "$course$/top"),
        ("甲／乙", "$course$/top/甲/乙"),
    ],
)
def test_category_to_moodle(category, path):
    assert category_to_moodle(category) == path


@pytest.mark.parametrize(
    ("name", "stem", "source"),
    [
        ("《供电营业规则》第十条", "居民新装需提供（ ）。", "《供电营业规则》第十条"),
        ("居民新装需提供", "居民新装需提供（ ）。", None),
        ("居民新装需...", "居民新装需提供（ ）。", None),
        ("居民 新装", "居民新装需提供（ ）。", None),
        ("", "居民新装需提供（ ）。", None),
        ("  Q1  ", "居民新装需提供（ ）。", "Q1"),
    ],
)
def test_source_from_name(name, stem, source):
    assert source_from_name(name, stem) == source


@pytest.mark.parametrize(
    ("raw", "tags", "level", "difficulty"),
    [
        (["服务", "level:中级工", "difficulty:3"], ("服务",), "中级工", 3),
        (["Level：技师", "DIFFICULTY: 1"], (), "技师", 1),
        (
            ["level:学徒", "difficulty:6", "difficulty:x"],
            ("level:学徒", "difficulty:6", "difficulty:x"),
            None,
            None,
        ),
        (["甲", "甲", " ", "乙"], ("甲", "乙"), None, None),
    ],
)
def test_read_tags(raw, tags, level, difficulty):
    assert read_tags(raw) == (tags, level, difficulty)


# ---------------------------------------------------------------- writing and the round trip


def item(type_: ItemType, stem: str, options: list[str], answer: str, **meta) -> ParsedItem:
    if type_ is JUDGE:
        option_data = tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)
    else:
        option_data = tuple(OptionData("ABCDEFGH"[i], text) for i, text in enumerate(options))
    return ParsedItem(
        number=1, line=1, type=type_, stem=stem, options=option_data, answer=tuple(answer), **meta
    )


EIGHT = [
    "用电人身份证明",
    "物业权属证明",
    "营业执照",
    "纳税证明",
    "户口簿",
    "房产证",
    "委托书",
    "其他",
]
TRICKY = [
    item(
        SINGLE,
        "南方电网统一客户服务热线是（ ）。",
        ["95598", "12345", "96789"],
        "A",
        explanation="统一号码：95598；“全天候”服务。",
        category=SERVICE,
        source="《供电服务规范》第5条",
        tags=("热线", "服务渠道"),
        level="中级工",
        difficulty=2,
    ),
    item(
        SINGLE,
        "电压 < 220V && 电流 > 5A 时，<b>不是标签</b>，&amp; 不是实体，]]> 不是 CDATA 结尾（ ）。",
        ["<p>甲</p>", "a & b", "\"引号\" 'x'"],
        "C",
        explanation="<br> 原样 & 保留",
        source="<来源>",
    ),
    item(
        MULTIPLE,
        "居民客户申请新装用电时，\n  应提供下列哪些资料？\n\n（多选）",
        EIGHT,
        "ABEFG",
        explanation="第一行\n第二行",
        category="业扩报装/居民新装",
        level="初级工",
        tags=("新装",),
    ),
    item(MULTIPLE, "多选题只有一个答案时也保持多选（ ）。", ["甲", "乙", "丙"], "B", difficulty=5),
    item(MULTIPLE, "三个答案（ ）。", ["甲", "乙", "丙", "丁"], "ABD", category=TARIFF),
    item(
        JUDGE,
        "客户办理暂停用电，应提前 5 个工作日提出申请。",
        [],
        "A",
        explanation="见规则。",
        tags=("暂停",),
    ),
    item(
        JUDGE,
        "供电企业可以不经批准对欠费客户立即停电。",
        [],
        "B",
        category="电费电价",
        source="《电力供应与使用条例》",
    ),
    item(SINGLE, "GIFT 字符 ~ = # { } : \\ 在 XML 中无须转义（ ）。", ["~", "="], "A"),
]


ROUND_TRIP_FIELDS: tuple[str, ...] = (
    "type",
    "stem",
    "options",
    "answer",
    "explanation",
    "category",
    "tags",
)
ROUND_TRIP_FIELDS += ("level", "difficulty", "source")


def same(a: ParsedItem, b: ParsedItem) -> bool:
    """Same in every field the format carries (labels and texts of the options included)."""
    return all(getattr(a, name) == getattr(b, name) for name in ROUND_TRIP_FIELDS)


def test_round_trip_keeps_every_field():
    result = parse_moodle_xml(export_moodle_xml(TRICKY), "export.xml")
    assert result.skipped == [] and result.file_problems == []
    assert len(result.items) == len(TRICKY)
    for original, read in zip(TRICKY, result.items, strict=True):
        assert same(original, read), (original, read)
    assert [i.problems for i in result.items if i.answer != ("B",) or i.type is not MULTIPLE] == [
        ()
    ] * 7


@pytest.mark.parametrize("index", range(len(TRICKY)))
def test_round_trip_of_each_item_alone(index):
    [read] = parse_moodle_xml(export_moodle_xml([TRICKY[index]]), "one.xml").items
    assert same(TRICKY[index], read)


def test_the_sample_reads_back_the_same_after_export(sample):
    complete = [item for item in sample.items if not item.problems]
    again = parse_moodle_xml(export_moodle_xml(complete), "again.xml")
    assert len(complete) == 7
    for original, read in zip(complete, again.items, strict=True):
        assert same(original, read)


def test_export_text():
    text = export_moodle_xml([TRICKY[0], TRICKY[1], TRICKY[2]]).decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    assert "<category><text>$course$/top/客户服务/服务渠道</text></category>" in text
    assert "<category><text>$course$/top</text></category>" in text
    assert "<name><text>《供电服务规范》第5条</text></name>" in text
    assert "<name><text>居民客户申请新装用电时，</text></name>" in text  # no source: the stem
    assert "电压 &lt; 220V &amp;&amp; 电流 &gt; 5A" in text and "]]&gt; 不是 CDATA" in text
    assert "<single>true</single>" in text and "<shuffleanswers>false</shuffleanswers>" in text
    assert '<answer fraction="20" format="plain_text">' in text
    assert '<answer fraction="-100" format="plain_text">' in text
    assert (
        "<tag><text>level:中级工</text></tag>" in text
        and "<tag><text>difficulty:2</text></tag>" in text
    )
    assert export_moodle_xml([i.as_dict() for i in TRICKY]) == export_moodle_xml(TRICKY)


def test_export_refuses_items_without_a_usable_key():
    with pytest.raises(ValueError, match="第2题没有答案"):
        export_moodle_xml([TRICKY[0], item(SINGLE, "无答案（ ）。", ["甲", "乙"], "")])
    with pytest.raises(ValueError, match="unknown item type"):
        export_moodle_xml([{"type": "essay", "stem": "论述"}])


@pytest.mark.parametrize("count", [2, 7, 11, 13, 19, 20])
def test_many_right_answers_export_as_grades_moodle_accepts(count):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    many = ParsedItem(
        1, 1, MULTIPLE, "多选（ ）。",
        tuple(OptionData(letters[i], f"选项{i}") for i in range(count + 1)), tuple(letters[:count]),
    )  # fmt: skip
    result = parse_moodle_xml(export_moodle_xml([many]), "many.xml")
    [read] = result.items
    assert (read.answer, read.problems) == (many.answer, ())


def test_more_right_answers_than_moodle_can_grade_are_not_exported():
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    many = ParsedItem(
        1, 1, MULTIPLE, "多选（ ）。",
        tuple(OptionData(letters[i], f"选项{i}") for i in range(22)), tuple(letters[:21]),
    )  # fmt: skip
    with pytest.raises(ValueError, match="21 个正确选项"):
        export_moodle_xml([many])
