"""The regulation files in ``question_bank/regulations`` and their parser (pure: no app, no DB)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from exam_app.study.regulations import (
    Regulation,
    RegulationError,
    clause_anchor,
    load_regulations,
    parse_clause_ref,
    parse_regulation,
    resolve_clause_ref,
    search_clauses,
)
from tests.seed import SEED

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "question_bank" / "regulations"

SHORT_TITLES = {
    "客户服务管理办法", "客户资产移交管理办法", "服务品牌建设管理办法", "物资管理规定",
    "管理制度管理规定", "公司客服管理制度", "公司管理制度客服", "客服管理制度标准",
    "客服责任管理制度", "客服标准管理制度", "客服管理制度明细", "客服部管理规章制度",
}  # fmt: skip

GOOD = """# 示例办法
简称: 示例
来源: 测试

## 1 总则
1.1 第一句。
## 2 职责
> 正文段落。
### 2.1 市场营销部门
2.1.1 负责甲。
2.1.2 负责乙。
"""


@pytest.fixture(scope="module")
def regulations() -> list[Regulation]:
    return load_regulations(FOLDER)


def _by_short(regulations: list[Regulation]) -> dict[str, Regulation]:
    return {r.short_title: r for r in regulations}


# ---------------------------------------------------------------- the shipped files


def test_every_file_parses_with_its_own_short_title(regulations: list[Regulation]) -> None:
    assert len(regulations) == len(list(FOLDER.glob("*.txt"))) == len(SHORT_TITLES)
    assert {r.short_title for r in regulations} == SHORT_TITLES
    assert all(r.title and r.source.startswith("种子文档") and r.clauses for r in regulations)


def test_codes_are_the_documents_own(regulations: list[Regulation]) -> None:
    codes = {r.short_title: r.code for r in regulations if r.code}
    assert codes == {
        "客户资产移交管理办法": "Q/CSG214028-2014",
        "服务品牌建设管理办法": "Q/CSG214030-2014",
        "管理制度管理规定": "Q/CSG222016-2011",
    }


def test_anchors_are_unique_and_url_safe(regulations: list[Regulation]) -> None:
    for regulation in regulations:
        anchors = [c.anchor for c in regulation.clauses]
        assert len(anchors) == len(set(anchors)), regulation.filename
        for anchor in anchors:
            assert re.fullmatch(r"c-[0-9\u4e00-\u9fff]+(?:-[0-9\u4e00-\u9fff]+)*", anchor)
            assert unquote(quote(anchor)) == anchor


def test_clause_numbers_are_unique_and_parents_exist(regulations: list[Regulation]) -> None:
    for regulation in regulations:
        numbers = [c.number for c in regulation.clauses]
        assert len(numbers) == len(set(numbers)), regulation.filename
        for clause in regulation.clauses:
            if clause.parent_number is not None:
                parent = regulation.clause(clause.parent_number)
                assert parent is not None and parent.depth == clause.depth - 1
            else:
                assert clause.depth == 1


def test_every_clause_cites_and_resolves(regulations: list[Regulation]) -> None:
    for regulation in regulations:
        for clause in regulation.clauses:
            ref = regulation.citation(clause)
            assert parse_clause_ref(ref) == (regulation.short_title, clause.number)
            assert resolve_clause_ref(regulations, ref) == (regulation, clause)


@pytest.mark.parametrize(
    ("short", "number", "words"),
    [
        ("客户服务管理办法", "2.1.7", "每月20日前编制客户服务信息简报"),
        ("客户服务管理办法", "2.4.7", "负责每月15日前上报客户服务信息简报"),
        ("客户服务管理办法", "1.1", "“优质、方便、规范、快捷”的供电服务方针"),
        ("客户服务管理办法", "4.3", "次年一月底前公布上年执行情况"),
        ("客户服务管理办法", "5.1", "本办法由南方电网公司市场交易部负责解释。"),
        ("客户资产移交管理办法", "4.1.1", "是客户资产移交工作的牵头管理部门"),
        (
            "客户资产移交管理办法",
            "3",
            "所称用户,包括政府、机关、军队、企业事业单位、社会团体、居民",
        ),
        ("服务品牌建设管理办法", "1.3", "一体化与本地化相结合的原则"),
        ("物资管理规定", "第七条", "“三级管理、五级服务”"),
        ("物资管理规定", "第八条.(十二)", "负责公司的评标专家库管理;"),
        ("管理制度管理规定", "第五条", "办公厅负责制度的呈递、发文登记、归档等工作。"),
        ("管理制度管理规定", "第九条.(二)", "适用范围分为网公司、分子公司、地区局/厂三个层级"),
        ("公司客服管理制度", "三.(一).3", "并设定处理时限"),
        ("客服管理制度标准", "四.1", "“接听-记录-处理”"),
        ("客服部管理规章制度", "第七条", "并按照公司规定的流程进行处理。"),
        ("客服部管理规章制度", "第三条", "每天8:00-17:00,中午12:00-13:00为午休时间"),
    ],
)
def test_known_clauses_hold_their_words(
    regulations: list[Regulation], short: str, number: str, words: str
) -> None:
    clause = _by_short(regulations)[short].clause(number)
    assert clause is not None and words in clause.text


def test_structure_of_the_customer_service_rules(regulations: list[Regulation]) -> None:
    rules = _by_short(regulations)["客户服务管理办法"]
    headings = [(c.number, c.heading) for c in rules.clauses if c.is_heading]
    assert headings == [
        ("1", "总则"), ("2", "职责分工"), ("3", "客户服务管理内容"), ("4", "检查与考核"),
        ("5", "附则"),
    ]  # fmt: skip
    assert [c.number for c in rules.children("2.4")] == [f"2.4.{n}" for n in range(1, 12)]
    clause = rules.clause("2.4.7")
    assert clause is not None
    assert (clause.anchor, clause.depth, clause.parent_number) == ("c-2-4-7", 3, "2.4")


def test_article_documents_hang_articles_under_their_chapter(
    regulations: list[Regulation],
) -> None:
    materials = _by_short(regulations)["物资管理规定"]
    article = materials.clause("第八条")
    item = materials.clause("第八条.(三)")
    assert article is not None and item is not None
    assert (article.parent_number, article.depth, article.anchor) == ("第二章", 2, "c-第八条")
    assert (item.parent_number, item.depth, item.anchor) == ("第八条", 3, "c-第八条-三")
    flat = _by_short(regulations)["客服部管理规章制度"]
    assert all(c.parent_number is None and c.depth == 1 for c in flat.clauses)


def test_heading_bodies_are_kept_as_paragraphs(regulations: list[Regulation]) -> None:
    terms = _by_short(regulations)["客户资产移交管理办法"].clause("3")
    assert terms is not None and terms.heading == "术语和定义"
    assert terms.text.count("\n") == 2 and terms.text.startswith("用户资产是指由用户出资建设的")


def test_every_word_is_copied_from_the_seed(regulations: list[Regulation]) -> None:
    seed = SEED.read_text("utf-8").replace("\n", "")  # the files may only rejoin broken lines
    for regulation in regulations:
        for clause in regulation.clauses:
            for part in [clause.heading or "", *clause.text.split("\n")]:
                assert part in seed, f"{regulation.filename}:{clause.line}: {part}"


# ---------------------------------------------------------------- the parser


def test_a_small_file_parses_into_a_tree() -> None:
    regulation = parse_regulation(GOOD, "good.txt")
    assert (regulation.title, regulation.short_title, regulation.code) == ("示例办法", "示例", None)
    shape = [(c.number, c.heading, c.text, c.depth, c.parent_number, c.line)
             for c in regulation.clauses]  # fmt: skip
    assert shape == [
        ("1", "总则", "", 1, None, 5),
        ("1.1", None, "第一句。", 2, "1", 6),
        ("2", "职责", "正文段落。", 1, None, 7),
        ("2.1", "市场营销部门", "", 2, "2", 9),
        ("2.1.1", None, "负责甲。", 3, "2.1", 10),
        ("2.1.2", None, "负责乙。", 3, "2.1", 11),
    ]


@pytest.mark.parametrize(
    ("number", "anchor"),
    [("2.4.7", "c-2-4-7"), ("第八条", "c-第八条"), ("第八条.(十四)", "c-第八条-十四"),
     ("三.(二).1", "c-三-二-1"), ("一", "c-一")],
)  # fmt: skip
def test_clause_anchor(number: str, anchor: str) -> None:
    assert clause_anchor(number) == anchor


@pytest.mark.parametrize(
    ("ref", "parsed"),
    [
        ("客户服务管理办法 §2.4.7", ("客户服务管理办法", "2.4.7")),
        ("物资管理规定 §第八条", ("物资管理规定", "第八条")),
        ("物资管理规定§第八条.(一)", ("物资管理规定", "第八条.(一)")),
        ("公司客服管理制度 §三.(一).2", ("公司客服管理制度", "三.(一).2")),
        ("物资管理规定 §第八条．（一）", ("物资管理规定", "第八条.(一)")),  # full width
        ("客户服务管理办法 §２．４．７", ("客户服务管理办法", "2.4.7")),
        ("  客户服务管理办法 § 2.1  ", ("客户服务管理办法", "2.1")),
    ],
)
def test_parse_clause_ref(ref: str, parsed: tuple[str, str]) -> None:
    assert parse_clause_ref(ref) == parsed


@pytest.mark.parametrize(
    "ref", ["客户服务管理办法 2.4.7", "§2.4.7", "客户服务管理办法 §", "客户服务管理办法 §第八", ""]
)
def test_parse_clause_ref_refuses_what_is_no_citation(ref: str) -> None:
    assert parse_clause_ref(ref) is None


def test_resolve_clause_ref_names_nothing_for_unknown_parts(
    regulations: list[Regulation],
) -> None:
    assert resolve_clause_ref(regulations, "客户服务管理办法 §9.9") is None
    assert resolve_clause_ref(regulations, "不存在的办法 §1.1") is None
    assert resolve_clause_ref(regulations, "随便写写") is None


def test_search_folds_width_and_punctuation(regulations: list[Regulation]) -> None:
    found = [(r.short_title, c.number) for r, c in search_clauses(regulations, "信息简报")]
    assert found == [("客户服务管理办法", "2.1.7"), ("客户服务管理办法", "2.4.7")]
    # the file writes a half-width comma; a full-width one and spaces still find it
    folded = search_clauses(regulations, "保障电网安全，为广大客户")
    assert [(r.short_title, c.number) for r, c in folded] == [("客户资产移交管理办法", "1.1")]
    both = search_clauses(regulations, "简报  １５日")
    assert [c.number for _r, c in both] == ["2.4.7"]
    headings = search_clauses(regulations, "术语和定义")
    assert {r.short_title for r, _c in headings} == {"客户资产移交管理办法", "服务品牌建设管理办法"}
    assert search_clauses(regulations, "   ") == []


# ---------------------------------------------------------------- mistakes, with file and line


def _replace_line(number: int, new: str) -> str:
    lines = GOOD.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (_replace_line(11, "2.1.1 重复的条款号。"), 11, "重复"),
        (_replace_line(2, "编号: X"), 5, "简称"),
        (_replace_line(3, "简称: 又一个"), 3, "不止一次"),
        (_replace_line(2, "缩写: 示例"), 2, "未知的字段"),
        (_replace_line(10, "2.1.1负责甲。"), 10, "无法识别"),
        (_replace_line(10, "一段没有条款号的文字。"), 10, "无法识别"),
        (_replace_line(10, "2.3.1 上级不存在。"), 10, "上级条款"),
        (_replace_line(9, "## 2.1 市场营销部门"), 9, "###"),
        (_replace_line(1, "示例办法"), 1, "标题"),
        ("", 1, "空"),
        ("# 只有标题\n简称: 甲\n来源: 乙\n", 3, "没有任何条款"),
        ("# 甲\n简称: 甲\n来源: 乙\n> 悬空段落\n", 4, "前面没有"),
        ("# 甲\n简称: 甲\n来源: 乙\n一 甲\n一.(一) 乙\n一.一 丙\n", 6, "锚点"),
    ],
    ids=[
        "duplicate number", "no short title", "field twice", "unknown field", "no space",
        "no number", "no parent", "wrong heading level", "no title", "empty", "no clauses",
        "stray paragraph", "anchor clash",
    ],
)  # fmt: skip
def test_mistakes_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(RegulationError, match=f"^bad.txt:{line}: .*{words}") as caught:
        parse_regulation(text, "bad.txt")
    assert (caught.value.filename, caught.value.line) == ("bad.txt", line)


def test_load_refuses_a_short_title_used_twice(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD, "utf-8")
    (tmp_path / "b.txt").write_text(GOOD.replace("# 示例办法", "# 另一办法"), "utf-8")
    with pytest.raises(RegulationError, match=r"^b.txt:2: .*a.txt"):
        load_regulations(tmp_path)


def test_load_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "gbk.txt").write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(RegulationError, match=r"^gbk.txt:1: .*UTF-8"):
        load_regulations(tmp_path)
