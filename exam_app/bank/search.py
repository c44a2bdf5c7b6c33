"""Chinese substring search over items' current versions.

Chinese has no spaces between words, so search is by substring, not by word. Each version stores
``search_text`` (stem, options, explanation). Queries of three or more characters use a trigram
index: SQLite's FTS5 ``trigram`` tokenizer (table ``item_versions_fts``, filled by a trigger on
insert; versions are never updated) or PostgreSQL's ``pg_trgm`` GIN index, which serves
``ILIKE '%…%'``. Shorter queries (two characters are a whole word in Chinese: 电费) cannot use
trigrams and scan ``search_text``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, literal_column, select, table

from exam_app.bank.models import ItemVersion

_FTS = table("item_versions_fts", literal_column("rowid"))


def _escape_like(query: str) -> str:
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(query: str) -> str:
    """The query as one FTS5 phrase: matched as a substring by the trigram tokenizer."""
    return '"' + query.replace('"', '""') + '"'


def condition(query: str, dialect: str) -> ColumnElement[Any]:
    """Rows whose ``ItemVersion`` contains ``query``, using the fastest means the database has."""
    query = query.strip()
    if dialect == "sqlite" and len(query) >= 3:
        fts = (
            select(literal_column("rowid"))
            .select_from(_FTS)
            .where(
                literal_column("item_versions_fts").op("MATCH")(
                    bindparam("fts_query", _fts_phrase(query))
                )
            )
        )
        return ItemVersion.id.in_(fts)
    return ItemVersion.search_text.ilike(f"%{_escape_like(query)}%", escape="\\")
