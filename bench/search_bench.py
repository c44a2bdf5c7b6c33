"""Bank text search over 100,000 items: median and p95 of the query the bank page runs.

Run: .venv/bin/python bench/search_bench.py [--items 100000] [--database-url URL]
Fills a fresh database (SQLite file by default; pass a PostgreSQL admin URL to measure that),
then times ``browse.page_of_items`` with a text filter — the count and the first page, exactly
what /bank/?q=… does — for Chinese queries of 2 to 6 characters, common and rare.
Target on the project's 2-core machine: p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
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
from exam_app.bank import browse, importing  # noqa: E402
from exam_app.bank.parsed import ItemType, OptionData, ParsedItem, ParseResult  # noqa: E402
from exam_app.db import utcnow  # noqa: E402

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_d6e8e5b060737bd3.txt"

#: Queries a trainer types: two-character words (most common in Chinese), longer phrases,
#: phrases that match nothing, and a number that appears in one item only.
QUERIES = [
    "电费",
    "客户",
    "抢修",
    "过户",
    "考核",
    "电能表",
    "故障停电",
    "计量装置",
    "违约金",
    "营业厅",
    "用电检查",
    "不存在的词语",
    "第12345题",
    "分界点",
    "减容",
    "服务品牌",
]


def corpus_text() -> str:
    """Real Chinese of the domain: the seed regulations and banks, so that common words are as
    common as in a real bank (客户 in many items, 违约金 in a few)."""
    if SEED.exists():
        return "".join(SEED.read_text("utf-8").split())
    return "供电企业客户服务营业厅电费电价计量装置故障停电抢修业扩报装减容暂停过户违约金" * 50


def make_corpus_items(count: int, seed: int = 3) -> list[ParsedItem]:
    text = corpus_text()
    rng = random.Random(seed)

    def piece(low: int, high: int) -> str:
        size = rng.randint(low, high)
        start = rng.randrange(0, len(text) - size)
        return text[start : start + size]

    items = []
    for n in range(1, count + 1):
        stem = f"{piece(12, 40)}（ ）{piece(0, 10)}。第{n}题"
        options = tuple(OptionData(label, piece(2, 12)) for label in "ABCD")
        items.append(
            ParsedItem(
                number=n,
                line=n,
                type=ItemType.SINGLE,
                stem=stem,
                options=options,
                answer=("A",),
                explanation=piece(0, 40),
                level="中级工",
                source="基准测试",
            )
        )
    return items


def fill(app, count: int) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    items = make_corpus_items(count)
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        for start in range(0, count, 10_000):
            chunk = ParseResult(filename="bench", items=items[start : start + 10_000])
            importing.import_result(
                session,
                chunk,
                importing.ImportOptions(publish=importing.BENCH_DATA),
                data=str(start).encode(),
                user_id=None,
                now=utcnow(),
            )
        session.commit()
    with app.extensions["db_engine"].connect() as conn:  # what autovacuum would soon do
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return time.perf_counter() - t0


def measure(app, rounds: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    timings: dict[str, list[float]] = {q: [] for q in QUERIES}
    rng = random.Random(1)
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        for _ in range(rounds):
            for q in rng.sample(QUERIES, len(QUERIES)):
                t0 = time.perf_counter()
                browse.page_of_items(session, browse.ItemFilters(q=q), 1, 30)
                timings[q].append((time.perf_counter() - t0) * 1000)
                session.rollback()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(args.database_url, Path(tmp), "search") as url,
    ):
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        migrate.upgrade(app.extensions["db_engine"])
        print(
            f"{make_url(url).get_backend_name()}: filling {args.items} items "
            f"took {fill(app, args.items):.1f} s"
        )
        timings = measure(app, args.rounds)
        everything = sorted(t for ts in timings.values() for t in ts)
        for q, ts in timings.items():
            with app.app_context(), Session(app.extensions["db_engine"]) as session:
                page = browse.page_of_items(session, browse.ItemFilters(q=q), 1, 30)
            hits = f"{page.total}{'' if page.exact else '+'}"
            print(
                f"  {q:<8} hits {hits:>6}  median {statistics.median(ts):6.1f} ms  "
                f"max {max(ts):6.1f} ms"
            )
        p95 = everything[int(len(everything) * 0.95) - 1]
        print(
            f"all queries: median {statistics.median(everything):.1f} ms, p95 {p95:.1f} ms "
            f"({len(everything)} queries)"
        )
        app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
