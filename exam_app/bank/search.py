"""Chinese substring search over items' current versions.

Chinese has no spaces between words, so search is by substring, not by word. Each version stores
``search_text`` (stem, options and explanation, width- and case-folded) and ``search_grams``: the
same text as overlapping two-character tokens ("供电企业" → "供电 电企 企业"), the way CJK search
engines index it. A query becomes phrases of its own bigrams, which a full-text index answers in
milliseconds on either database — SQLite FTS5 (table ``item_versions_fts``) or a PostgreSQL GIN
index on ``to_tsvector('simple', search_grams)`` — and an exact substring test on ``search_text``
then confirms each candidate. A query with a one-character run cannot use bigrams and scans.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import ColumnClause, Select, bindparam, column, func, literal_column, table

from exam_app.bank.models import ItemVersion

_FTS = table("item_versions_fts", column("rowid"))
_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script; punctuation splits runs


def fold(text: str) -> str:
    """Width- and case-folded text: what search compares."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    return _RUN.findall(fold(text))


def bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]


def grams(text: str) -> str:
    """The ``search_grams`` of a text; runs are kept apart so phrases never span punctuation."""
    return " | ".join(" ".join(bigrams(run)) for run in runs(text))


def restrict(stmt: Select[Any], query: str, dialect: str) -> tuple[Select[Any], Any]:
    """``stmt`` (items joined to ItemVersion) narrowed to versions containing ``query``, and the
    order to list them in: newest version first, in the order the index can stream it."""
    needle = fold(query.strip())
    instr = func.instr if dialect == "sqlite" else func.strpos
    exact = instr(ItemVersion.search_text, bindparam("q_exact", needle)) > 0
    phrases = [" ".join(bigrams(run)) for run in runs(needle)]
    if not phrases or any(len(run) < 2 for run in runs(needle)):
        return stmt.where(exact), ItemVersion.id.desc()
    if dialect == "sqlite":
        # Driving the query from FTS5 in rowid order lets SQLite stop after one page even
        # when half the bank matches (客户); an IN (subquery) would collect every match first.
        match = " AND ".join('"' + p + '"' for p in phrases)
        stmt = stmt.join(_FTS, _FTS.c.rowid == ItemVersion.id).where(
            literal_column("item_versions_fts").op("MATCH")(bindparam("q_fts", match)), exact
        )
        return stmt, _FTS.c.rowid.desc()
    # PostgreSQL: all bigrams ANDed. The GIN index answers that exactly (a phrase query would
    # make it recompute every candidate's tsvector); the substring test restores the order.
    # a generated column, see migrations
    vector: ColumnClause[Any] = literal_column("item_versions.search_vector")
    tsquery = func.plainto_tsquery(
        literal_column("'simple'"), bindparam("q_grams", " ".join(phrases))
    )
    return stmt.where(vector.op("@@")(tsquery), exact), ItemVersion.id.desc()
