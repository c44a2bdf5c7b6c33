"""Where other pages link into the study material (a template helper; no view of its own)."""

from __future__ import annotations

from flask import current_app, url_for

from exam_app.study import library


def clause_url(source: str | None) -> str | None:
    """Where an item's cited clause can be read, if its source cites one."""
    found = library.cited_clause(current_app.config["REGULATIONS_DIR"], source)
    if found is None:
        return None
    regulation, clause = found
    return url_for("study.show", name=library.slug(regulation), _anchor=clause.anchor)
