"""Import speed: a 10,000-item Excel file and a 10,000-item exam document, each imported for real.

Run: .venv/bin/python bench/import_bench.py [--items 10000] [--database-url URL]
Prints the seconds for parsing alone and for the full import (parse + duplicate check + store +
commit) into a fresh database (SQLite file by default; pass a PostgreSQL URL to measure that).
Target on the project's 2-core machine: each full import under 10 s. A third file is a
3,000-question bank as extracted from PDF (the running header and a page counter on every page,
anywhere, wrapped stems, CRLF: ``--pdf-items``): target under 3 s on SQLite.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from databases import fresh_database  # noqa: E402

from exam_app import create_app, migrate  # noqa: E402
from exam_app.bank import importing  # noqa: E402
from exam_app.bank.importers import read_file  # noqa: E402
from exam_app.bank.importers.spreadsheet import export_spreadsheet  # noqa: E402
from exam_app.bank.parsed import ItemType, OptionData, ParsedItem  # noqa: E402
from exam_app.db import utcnow  # noqa: E402

TOPICS = ["业扩报装", "电费电价", "电能计量", "停电与抢修", "供电服务规范", "安全规程"]
WORDS = [
    "供电企业",
    "客户",
    "电能表",
    "计量装置",
    "故障停电",
    "抢修",
    "电价",
    "电费",
    "违约金",
    "业扩",
    "报装",
    "减容",
    "暂停",
    "过户",
    "销户",
    "营业厅",
    "投诉",
    "工作日",
    "答复",
    "服务",
    "规范",
    "用电检查",
    "变压器",
    "容量",
    "线路",
    "分界点",
]


def _sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n))


def make_items(count: int, seed: int = 7) -> list[ParsedItem]:
    rng = random.Random(seed)
    items = []
    for n in range(1, count + 1):
        kind = (ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE)[n % 3]
        stem = f"第{n}题：{_sentence(rng, 8)}应当（）。"
        if kind is ItemType.JUDGE:
            options = (OptionData("A", "正确"), OptionData("B", "错误"))
            answer: tuple[str, ...] = (rng.choice("AB"),)
        else:
            options = tuple(OptionData(lab, f"{_sentence(rng, 3)}{n}{lab}") for lab in "ABCD")
            answer = ("B",) if kind is ItemType.SINGLE else ("A", "C")
        items.append(
            ParsedItem(
                number=n,
                line=n + 1,
                type=kind,
                stem=stem,
                options=options,
                answer=answer,
                explanation=_sentence(rng, 6),
                category=rng.choice(TOPICS),
                level="中级工",
                difficulty=rng.randint(1, 5),
                source="基准测试",
                tags=("bench",),
            )
        )
    return items


def make_document(items: list[ParsedItem]) -> str:
    """The same items as an exam document, in the seed's glued style, sections per type."""
    out = ["用电客户受理员-中级工基准测试题"]
    headers = {
        ItemType.SINGLE: "一、单选题",
        ItemType.MULTIPLE: "二、多选题",
        ItemType.JUDGE: "三、判断题",
    }
    for kind, header in headers.items():
        out.append(f"{header}(共{sum(i.type is kind for i in items)}题)")
        for n, item in enumerate((i for i in items if i.type is kind), start=1):
            if kind is ItemType.JUDGE:
                key = "对" if item.answer == ("A",) else "错"
                out.append(f"{n}.{item.stem}\n正确答案:{key}")
            else:
                opts = "".join(f"{o.label}、{o.text}" for o in item.options)
                out.append(f"{n}.{item.stem}\n{opts}正确答案:{''.join(item.answer)}")
    return "\n".join(out) + "\n"


PDF_TITLE = "国网某供电公司营销服务技能等级评价题库（2023版）"


def make_pdf_document(items: list[ParsedItem], lines_per_page: int = 40) -> str:
    """The items as a bank extracted from PDF: the running header and a page counter on every
    page, wherever the page breaks (between a stem and its options, between options, before
    the key), stems wrapped mid-sentence, CRLF line ends."""
    body: list[str] = []
    headers = {
        ItemType.SINGLE: "一、单选题",
        ItemType.MULTIPLE: "二、多选题",
        ItemType.JUDGE: "三、判断题",
    }
    for kind, header in headers.items():
        body.append(header)
        for n, item in enumerate((i for i in items if i.type is kind), start=1):
            stem = f"{n}.{item.stem}"
            body.extend([stem[: len(stem) // 2], stem[len(stem) // 2 :]])
            if kind is ItemType.JUDGE:
                body.append("（正确）" if item.answer == ("A",) else "（错误）")
            else:
                body.extend(f"{o.label}、{o.text}" for o in item.options)
                body.append(f"正确答案：{''.join(item.answer)}")
    pages = (len(body) + lines_per_page - 1) // lines_per_page
    out = []
    for page in range(pages):
        out.append(PDF_TITLE)
        out.extend(body[page * lines_per_page : (page + 1) * lines_per_page])
        out.append(f"第 {page + 1} 页 共 {pages} 页")
    return "\r\n".join(out) + "\r\n"


def timed_import(app, data: bytes, filename: str) -> tuple[float, float, dict]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    parsed = read_file(data, filename)
    t1 = time.perf_counter()
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        batch = importing.import_result(
            session,
            parsed,
            importing.ImportOptions(publish=importing.BENCH_DATA),
            data=data,
            user_id=None,
            now=utcnow(),
        )
        session.commit()
        summary = dict(batch.summary)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t0, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--pdf-items", type=int, default=3_000, help="PDF-style document size")
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL; default SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        items = make_items(args.items)
        xlsx = export_spreadsheet(items, "xlsx")
        # Different stems for the document, so it is not a duplicate of the Excel file.
        doc_items = [
            i.__class__(**{**i.__dict__, "stem": i.stem.replace("第", "文档第", 1)}) for i in items
        ]
        document = make_document(doc_items).encode("utf-8")
        pdf_items = [
            i.__class__(**{**i.__dict__, "stem": i.stem.replace("第", "PDF第", 1)})
            for i in make_items(args.pdf_items, seed=11)
        ]
        pdf_document = make_pdf_document(pdf_items).encode("utf-8")
        print(
            f"generated {args.items} items: xlsx {len(xlsx) / 1e6:.1f} MB, "
            f"document {len(document) / 1e6:.1f} MB"
        )
        with fresh_database(args.database_url, workdir, "import") as url:
            app = create_app({"DATABASE_URL": url, "TESTING": True})
            migrate.upgrade(app.extensions["db_engine"])
            print(f"database: {make_url(url).get_backend_name()}")
            files = (("bench.xlsx", xlsx), ("bench.txt", document), ("pdf.txt", pdf_document))
            for name, data in files:
                parse_s, total_s, summary = timed_import(app, data, name)
                print(
                    f"{name:<10} parse {parse_s:6.2f} s   full import {total_s:6.2f} s   "
                    f"created {summary['created']}  problems {summary['problems']}"
                )
            report = read_file(pdf_document, "pdf.txt").report
            assert report is not None
            print(f"pdf.txt    noise {report.noise}  unread {len(report.unread)}")
            app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
