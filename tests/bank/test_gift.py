"""Moodle GIFT files: reading (bank.importers.gift.parse_gift), writing and the round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam_app.bank.importers.gift import export_gift, parse_gift
from exam_app.bank.parsed import JUDGE_OPTIONS, ItemType, OptionData, ParsedItem, ProblemCode

SAMPLE = Path(__file__).parent / "data" / "moodle" / "sample.gift"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SINGLE, MULTIPLE, JUDGE = ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE


def line_of(needle: str, text: str = SAMPLE_TEXT) -> int:
    """1-based number of the first line of ``text`` that holds ``needle``."""
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


def parse(text: str):
    return parse_gift(text.encode("utf-8"), "题库.gift")


def texts(item: ParsedItem) -> list[str]:
    return [option.text for option in item.options]


@pytest.fixture(scope="module")
def sample():
    return parse_gift(SAMPLE.read_bytes(), "sample.gift")


def _by_stem(result, start: str) -> ParsedItem:
    return next(item for item in result.items if item.stem.startswith(start))


# ---------------------------------------------------------------- the sample file

SERVICE = "客户服务/服务渠道"
TARIFF = "电费电价/电价政策"
# (stem start, line needle, type, options, answer, explanation, category, source)
SAMPLE_ITEMS = [
    (
        "南方电网统一客户服务热线",
        "::《供电服务规范》第5条::",
        SINGLE,
        ["95598", "12345", "96789"],
        ("A",),
        "客户可通过 95598 热线办理报修、咨询、投诉等业务。\n选项A的反馈：正确，这是全网统一号码。"
        "\n选项B的反馈：这是政务服务便民热线。",
        SERVICE,
        "《供电服务规范》第5条",
    ),
    (
        "居民客户申请新装用电时，\n应提供下列哪些资料？（ ）",
        "::业扩资料::",
        MULTIPLE,
        ["用电人有效身份证明", "用电地址物业权属证明", "营业执照正本", "上年度纳税证明"],
        ("A", "B"),
        "",
        SERVICE,
        "业扩资料",
    ),
    (
        "下列属于计量装置的有",
        "下列属于计量装置的有",
        MULTIPLE,
        ["电能表", "互感器", "断路器", "避雷器"],
        ("A", "B"),
        "",
        SERVICE,
        None,
    ),
    ("客户办理暂停用电", "客户办理暂停用电", JUDGE, ["正确", "错误"], ("A",), "", SERVICE, None),
    (
        "供电企业可以不经批准",
        "供电企业可以不经批准",
        JUDGE,
        ["正确", "错误"],
        ("B",),
        "依据《电力供应与使用条例》。\n选项A的反馈：停电须按规定程序提前通知。\n选项B的反馈：回答正确。",
        SERVICE,
        None,
    ),
    (
        "居民客户可以通过网上国网",
        "网上国网",
        JUDGE,
        ["正确", "错误"],
        ("A",),
        "线上渠道之一。",
        SERVICE,
        None,
    ),
    (
        "功率因数 cosφ 的公式是 P=S×cosφ，符号~表示约等于，#号与花括号{ }照原样显示，比例 1:1，"
        "路径 C\\电费。\n请选择正确说法（ ）。",
        "::转义::",
        SINGLE,
        ["公式 P=S×cosφ 成立", "符号~无意义", "花括号{}不能出现在题干中"],
        ("A",),
        "",
        SERVICE,
        "转义",
    ),
    (
        "低压居民客户的电价按 阶梯计价，下列说法正确的是（ ）。\n注意：<第二档> & 第三档",
        "::HTML::",
        SINGLE,
        ["第一档电价最低", "第三档电价最低"],
        ("A",),
        "",
        SERVICE,
        "HTML",
    ),
    (
        "**功率因数**考核标准一般为（ ）。",
        "[markdown]**",
        SINGLE,
        ["0.90", "0.50", "0.30"],
        ("A",),
        "",
        SERVICE,
        None,
    ),
    (
        "抄表例日变更后应通知客户（ ）。",
        "[moodle]抄表",
        SINGLE,
        ["是", "否"],
        ("A",),
        "",
        SERVICE,
        None,
    ),
    (
        "客户受电工程竣工检验合格后，应在（ ）个工作日内装表接电。",
        "客户受电工程竣工",
        SINGLE,
        ["5", "10", "15"],
        ("A",),
        "",
        SERVICE,
        None,
    ),
    (
        "峰谷分时电价中",
        "峰谷分时电价中",
        SINGLE,
        [
            "10:00—12:00",
            "0:00—8:00",
            "12:00—14:00",
            "22:00—24:00",
            "8:00—10:00",
            "14:00—19:00",
            "19:00—22:00",
            "全天",
        ],
        ("A",),
        "",
        TARIFF,
        None,
    ),
    (
        "电费违约金的计算起始日",
        "电费违约金",
        MULTIPLE,
        ["缴费期满次日", "抄表日"],
        (),
        "",
        TARIFF,
        None,
    ),
    (
        "客户可通过营业厅办理过户业务",
        "营业厅办理过户",
        JUDGE,
        ["正确", "错误"],
        ("A",),
        "",
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("stem", "needle", "type_", "options", "answer", "explanation", "category", "source"),
    SAMPLE_ITEMS,
    ids=[case[1] for case in SAMPLE_ITEMS],
)
def test_sample_items(sample, stem, needle, type_, options, answer, explanation, category, source):
    item = _by_stem(sample, stem)
    assert item.line == line_of(needle)
    assert item.type is type_
    assert texts(item) == options
    assert [option.label for option in item.options] == list("ABCDEFGH"[: len(options)])
    assert item.answer == answer
    assert item.explanation == explanation
    assert (item.category, item.source) == (category, source)


def test_sample_numbers_counts_and_metadata(sample):
    assert sample.file_problems == []
    assert [item.number for item in sample.items] == [*range(1, 14), 20]
    assert sample.summary() == {"total": 14, "ready": 13, "needs_review": 1, "duplicates": 0,
                                "problems": 1, "skipped": 6}  # fmt: skip
    first = sample.items[0]
    assert (first.tags, first.level, first.difficulty) == (("服务渠道",), "中级工", 2)
    no_key = _by_stem(sample, "电费违约金")
    assert [p.code for p in no_key.problems] == [ProblemCode.NO_ANSWER]
    judge = _by_stem(sample, "客户办理暂停用电")
    assert judge.options == tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)


SAMPLE_SKIPPED = [
    ("请简述受理客户投诉", "unsupported_type", "essay", "论述题"),
    ("请将业务与办理时限对应", "unsupported_type", "matching", "匹配题"),
    ("某客户本月用电 200 千瓦时", "unsupported_type", "numerical", "数值题"),
    ("客户服务热线的号码是{=95598", "unsupported_type", "shortanswer", "简答（填空）题"),
    ("以下为供电营业规则摘要", "unsupported_type", "description", "说明文字"),
    ("故障报修的到达现场时限", "malformed", None, "不成对"),
]


@pytest.mark.parametrize(("needle", "code", "kind", "words"), SAMPLE_SKIPPED)
def test_sample_skipped_questions_are_reported_with_their_line(sample, needle, code, kind, words):
    line = line_of(needle)
    skipped = next(q for q in sample.skipped if q.line == line)
    assert (skipped.code, skipped.kind) == (code, kind)
    assert f"第{line}行" in skipped.message and words in skipped.message
    assert skipped.number == 14 + SAMPLE_SKIPPED.index((needle, code, kind, words))


# ---------------------------------------------------------------- small files

# (GIFT text, type, options, answer)
MAPPINGS = [
    ("热线是（ ）。{=95598 ~12345 ~10086}", SINGLE, ["95598", "12345", "10086"], ("A",)),
    ("热线是（ ）。{~12345 =95598}", SINGLE, ["12345", "95598"], ("B",)),
    (
        "资料有（ ）。{~%50%身份证 ~%50%房产证 ~%-100%营业执照}",
        MULTIPLE,
        ["身份证", "房产证", "营业执照"],
        ("A", "B"),
    ),
    (
        "资料有（ ）。{~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁}",
        MULTIPLE,
        ["甲", "乙", "丙", "丁"],
        ("A", "B", "C"),
    ),
    (
        "计量装置有（ ）。{=电能表 =互感器 ~断路器}",
        MULTIPLE,
        ["电能表", "互感器", "断路器"],
        ("A", "B"),
    ),
    # one "=" makes Moodle's question single choice; the half-credit answer is no key
    (
        "热线是（ ）。{=95598 ~%50%九五五九八 ~12345}",
        SINGLE,
        ["95598", "九五五九八", "12345"],
        ("A",),
    ),
    # only "~": Moodle's multiple-answer question, even with one right answer (validation reports)
    ("热线是（ ）。{~%100%95598 ~12345}", MULTIPLE, ["95598", "12345"], ("A",)),
    ("可以报修。{T}", JUDGE, ["正确", "错误"], ("A",)),
    ("可以报修。{TRUE}", JUDGE, ["正确", "错误"], ("A",)),
    ("可以报修。{true}", JUDGE, ["正确", "错误"], ("A",)),
    ("可以停电。{F}", JUDGE, ["正确", "错误"], ("B",)),
    ("可以停电。{FALSE#错#对}", JUDGE, ["正确", "错误"], ("B",)),
    ("热线是（ ）。\n{\n  =95598\n  ~12345\n}", SINGLE, ["95598", "12345"], ("A",)),
]


@pytest.mark.parametrize(("text", "type_", "options", "answer"), MAPPINGS)
def test_question_types_map_to_ours(text, type_, options, answer):
    result = parse(text)
    assert result.skipped == [] and result.file_problems == []
    [item] = result.items
    assert (item.type, texts(item), item.answer) == (type_, options, answer)
    assert item.line == 1 and item.number == 1


@pytest.mark.parametrize(
    ("answers", "kind"),
    [
        ("{}", "essay"),
        ("{####参考答案：先致歉再登记。}", "essay"),
        ("{=居民 -> 3天 =非居民 -> 5天}", "matching"),
        ("{#120:0.5}", "numerical"),
        ("{#100..140}", "numerical"),
        ("{=95598 =九五五九八}", "shortanswer"),
        ("{=95598}", "shortanswer"),
        ("", "description"),
    ],
)
def test_unsupported_types_are_skipped_with_their_line(answers, kind):
    text = f"::好题::热线是（ ）。{{=95598 ~12345}}\n\n// 注释\n\n::坏题::题干在第5行{answers}\n"
    result = parse(text)
    assert len(result.items) == 1 and result.items[0].stem == "热线是（ ）。"
    [skipped] = result.skipped
    assert (skipped.line, skipped.number, skipped.code, skipped.kind) == (
        5,
        2,
        "unsupported_type",
        kind,
    )
    assert "第5行" in skipped.message and "第2题" in skipped.message
    assert "“坏题”" in skipped.message and f"（{kind}）" in skipped.message


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("热线是（ ）。{=95598 ~12345", "不成对"),
        ("热线是（ ）。=95598 ~12345}", "不成对"),
        ("热线是}（ ）。{=95598 ~12345", "不成对"),
        ("::没有结尾的名称 热线是（ ）。{=95598 ~12345}", "::"),
        ("热线是（ ）。{=95598 ~ ~12345}", "第2个选项是空的"),
    ],
)
def test_a_malformed_question_is_skipped_and_the_others_import(bad, words):
    result = parse(f"供电服务热线是（ ）。{{=95598 ~12345}}\n\n{bad}\n\n可以报修。{{T}}\n")
    assert [item.line for item in result.items] == [1, 5]
    assert [item.number for item in result.items] == [1, 3]
    [skipped] = result.skipped
    assert (skipped.code, skipped.line, skipped.number) == ("malformed", 3, 2)
    assert words in skipped.message and "第3行" in skipped.message


def test_categories_titles_comments_and_tags():
    text = (
        "// 文件说明\n\n$CATEGORY: $course$/top/业扩报装\n\n"
        "// [id:Q1] [tag:新装] [tag:level:技师] [tag:difficulty:5] [tag:含\\]括号]\n"
        "::供电营业规则第十条::新装需提供（ ）。{=身份证明 ~营业执照}\n\n"
        "::自动生成的名称...::自动生成的名称是题干的开头（ ）。{=是 ~否}\n\n"
        "$CATEGORY: $system$/top/电价\n可以报修。{T}\n\n"
        "// [tag:level:学徒] [tag:difficulty:9]\n电价有（ ）。{=a ~b}\n"
    )
    first, auto, judge, last = parse(text).items
    assert (first.category, first.source, first.tags) == ("业扩报装", "供电营业规则第十条",
                                                          ("新装", "含]括号"))  # fmt: skip
    assert (first.level, first.difficulty, first.line) == ("技师", 5, 6)
    assert (auto.source, auto.category, auto.tags) == (None, "业扩报装", ())
    assert (judge.category, judge.line) == ("电价", 11)
    # unknown level and difficulty out of 1–5 stay tags
    assert (last.tags, last.level, last.difficulty) == (("level:学徒", "difficulty:9"), None, None)


def test_format_markers_and_feedback():
    text = (
        "[html]<p>电价&lt;1元&gt;</p><p>第二行&nbsp;<br>第三行</p>{=<b>甲</b>#<i>好</i> "
        "~[plain]<b>乙</b> ####<p>解析&amp;说明</p>}"
    )
    [item] = parse(text).items
    assert item.stem == "电价<1元>\n第二行\n第三行"
    assert texts(item) == ["甲", "<b>乙</b>"]
    assert item.explanation == "解析&说明\n选项A的反馈：好"


def test_per_answer_feedback_of_true_false_goes_to_the_right_option():
    [true_item, false_item] = parse("甲。{T#答错了#答对了}\n\n乙。{F#答错了#答对了}").items
    assert true_item.explanation == "选项A的反馈：答对了\n选项B的反馈：答错了"
    assert false_item.explanation == "选项A的反馈：答错了\n选项B的反馈：答对了"


def test_validation_runs_on_the_items():
    result = parse(
        "热线是（ ）。{=95598 ~12345}\n\n热线是（　）。{=95598 ~12345}\n\n只有一个。{~%100%甲 ~乙}"
    )
    first, duplicate, one_key = result.items
    assert first.problems == ()
    assert duplicate.duplicate_of == {"source": "file", "number": 1, "line": 1}
    assert [p.code for p in one_key.problems] == [ProblemCode.ANSWER_COUNT]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "没有找到题目"),
        ("// 只有注释\n\n".encode(), "没有找到题目"),
        ("论述。{}".encode(), "1 道题都被跳过"),
    ],
)
def test_file_problems(data, problem):
    result = parse_gift(data, "题库.gift")
    assert result.items == []
    [message] = result.file_problems
    assert problem in message and "题库.gift" in message


def test_a_utf8_bom_and_windows_line_ends_are_fine():
    data = "\ufeff// 注释\r\n热线是（ ）。\r\n{=95598 ~12345}\r\n\r\n可以报修。{T}\r\n".encode()
    result = parse_gift(data, "题库.gift")
    assert [(item.line, item.stem) for item in result.items] == [
        (2, "热线是（ ）。"),
        (5, "可以报修。"),
    ]


# ---------------------------------------------------------------- writing and the round trip


def item(type_: ItemType, stem: str, options: list[str], answer: str, **meta) -> ParsedItem:
    if type_ is JUDGE:
        option_data = tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)
    else:
        option_data = tuple(OptionData("ABCDEFGH"[i], text) for i, text in enumerate(options))
    return ParsedItem(number=1, line=1, type=type_, stem=stem, options=option_data,
                      answer=tuple(answer), **meta)  # fmt: skip


TRICKY = [
    item(
        SINGLE,
        "南方电网统一客户服务热线是（ ）。",
        ["95598", "12345", "96789"],
        "A",
        explanation="统一号码：95598；“全天候”服务。",
        category="客户服务/服务渠道",
        source="《供电服务规范》第5条",
        tags=("热线", "服务渠道"),
        level="中级工",
        difficulty=2,
    ),
    item(
        SINGLE,
        "GIFT 特殊字符 ~ = # { } : 以及 \\ 反斜杠、\\n 字样都要原样保留（ ）。",
        ["a~b", "c=d", "e#f", "{g}", "h:i", "::j::", "->k", "%50%开头"],
        "A",
        explanation="####不是总评 ~=#{}:",
        source="来源::含冒号#",
        tags=("含]括号", "a:b"),
    ),
    item(
        MULTIPLE,
        "居民客户申请新装用电时，\n应提供下列哪些资料？\n\n（多选）",
        [
            "用电人有效身份证明",
            "用电地址物业权属证明",
            "营业执照正本",
            "上年度纳税证明",
            "户口簿",
            "房产证",
            "委托书",
            "其他",
        ],
        "ABEFG",
        explanation="第一行\n第二行",
        category="业扩报装/居民新装",
        level="初级工",
    ),
    item(MULTIPLE, "多选题只有一个答案时也保持多选（ ）。", ["甲", "乙", "丙"], "B", difficulty=5),
    item(
        SINGLE,
        "电压 < 220V & 电流 > 5A 时（ ）。",
        ["<b>不是标签</b>", "&amp; 不是实体"],
        "B",
        category="业扩报装/居民新装",
    ),
    item(
        JUDGE,
        "客户办理暂停用电，应提前 5 个工作日提出申请。",
        [],
        "A",
        explanation="见《供电营业规则》。",
        tags=("暂停",),
    ),
    item(JUDGE, "[html] 开头的题干不是格式标记。", [], "B", category="电费电价"),
    item(JUDGE, "// 开头的题干不是注释。", [], "A"),
    item(
        SINGLE,
        "::不是名称:: 题干以两个冒号开头（ ）。",
        ["[markdown] 开头的选项", "普通选项"],
        "A",
        explanation="[plain] 开头的解析",
    ),
    item(SINGLE, "$CATEGORY: 不是分类（ ）。", ["是", "否"], "B"),
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


def test_round_trip_keeps_every_field_gift_carries():
    result = parse_gift(export_gift(TRICKY), "export.gift")
    assert result.skipped == [] and result.file_problems == []
    assert len(result.items) == len(TRICKY)
    for original, read in zip(TRICKY, result.items, strict=True):
        assert same(original, read), (original, read)


@pytest.mark.parametrize("index", range(len(TRICKY)))
def test_round_trip_of_each_item_alone(index):
    [read] = parse_gift(export_gift([TRICKY[index]]), "one.gift").items
    assert same(TRICKY[index], read)


def test_export_accepts_as_dict_mappings_and_reads_back_the_same():
    data = export_gift([original.as_dict() for original in TRICKY])
    assert data == export_gift(TRICKY)


def test_export_text():
    text = export_gift(TRICKY[:2] + TRICKY[4:5]).decode("utf-8")
    assert text.startswith("$CATEGORY: $course$/top/客户服务/服务渠道\n")
    assert "// [tag:热线] [tag:服务渠道] [tag:level:中级工] [tag:difficulty:2]\n" in text
    assert (
        "::《供电服务规范》第5条::南方电网统一客户服务热线是（ ）。{\n\t=95598\n\t~12345\n" in text
    )
    assert "\t####统一号码：95598；“全天候”服务。\n}" in text
    assert "$CATEGORY: $course$/top\n" in text  # the second item has no category
    assert "\\\\ 反斜杠、\\\\n 字样" in text and "\t=a\\~b\n" in text and "\t~%0%%50%开头" in text
    assert "::[plain]电压 < 220V" not in text and "[plain]电压 < 220V & 电流 > 5A" in text


def test_multiple_choice_weights_share_100_percent():
    text = export_gift([TRICKY[2]]).decode("utf-8")
    assert text.count("~%20%") == 5 and text.count("~%-100%") == 3


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (item(SINGLE, "无答案（ ）。", ["甲", "乙"], ""), "没有答案"),
        (item(SINGLE, "两个答案（ ）。", ["甲", "乙"], "AB"), "2 个答案"),
        (item(SINGLE, "答案不在选项中（ ）。", ["甲", "乙"], "C"), "不在选项中"),
        (item(SINGLE, "一个选项（ ）。", ["甲"], "A"), "少于 2 个选项"),
        (item(SINGLE, "空选项（ ）。", ["甲", ""], "A"), "选项B为空"),
        (item(SINGLE, "", ["甲", "乙"], "A"), "题干为空"),
        (item(JUDGE, "判断。", [], "C"), "不在选项中"),
    ],
)
def test_export_refuses_what_does_not_read_back(bad, words):
    with pytest.raises(ValueError, match=words) as caught:
        export_gift([TRICKY[0], bad])
    assert "第2题" in str(caught.value)


def test_the_sample_reads_back_the_same_after_export(sample):
    complete = [item for item in sample.items if not item.problems]
    assert len(complete) == 13
    again = parse_gift(export_gift(complete), "again.gift")
    for original, read in zip(complete, again.items, strict=True):
        assert same(original, read)


def test_weights_moodle_refuses_refuse_the_whole_file_naming_each_question():
    text = (
        "::好题::热线是（ ）。{=95598 ~12345}\n\n"
        "::三分之一::资料有（ ）。{~%33%甲 ~%33%乙 ~%34%丙 ~%-100%丁}\n\n"
        "// Moodle checks the weights of the types the bank does not hold too\n"
        "::简答::热线号码？{=95598 =%45%九五五九八}\n\n"
        "// where Moodle reads no weight, there is none to check\n"
        "::等号::热线是？{=%33%95598 ~%abc%12345}\n\n"
        "::合规::资料有（ ）。{~%33.33333%甲 ~%33.333%乙 ~%33.3333%丙 ~%-100%丁}\n"
    )
    result = parse(text)
    assert result.items == [] and result.skipped == []
    header, first, second = result.file_problems
    assert "2 道题" in header
    assert "第3行" in first and "“三分之一”" in first and "Grades (33, 33, 34)" in first
    assert "第6行" in second and "“简答”" in second and "(45)" in second


@pytest.mark.parametrize("count", range(1, 21))
def test_exported_weights_are_moodle_grades_that_add_up_to_100(count):
    from exam_app.bank.importers._moodle_common import MOODLE_FRACTIONS, key_shares

    shares = key_shares(count)
    assert len(shares) == count and abs(sum(float(s) for s in shares) - 100) < 0.001
    assert all(min(abs(float(s) / 100 - f) for f in MOODLE_FRACTIONS) < 0.00001 for s in shares)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    many = ParsedItem(
        1, 1, MULTIPLE, "多选（ ）。",
        tuple(OptionData(letters[i], f"选项{i}") for i in range(count + 1)), tuple(letters[:count]),
    )  # fmt: skip
    if count == 1:
        return  # a multiple choice with one key does not read back the same: validation says so
    [read] = parse_gift(export_gift([many]), "many.gift").items
    assert (read.answer, read.problems) == (many.answer, ())
