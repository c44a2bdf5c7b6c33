"""What statistics say about an item, shown where the item is edited: in the trainers' bank
list and on the item's page (where it is reviewed).

The bank knows nothing of statistics; a higher domain registers a ``Source`` with
``flagged_by`` (stats: an item whose discrimination is low or negative, whose distractor draws
the upper group, that nobody's distractor draws, or that is too easy or too hard). The pages
ask ``flags_for`` the items they show, in one call per page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ItemFlag:
    code: str  #: stable, for styling and tests ("negative_discrimination" …)
    label: str  #: a word or two, for the bank's list
    text: str  #: what a trainer reads, with the figure and its n
    url: str | None = None  #: where the figures behind it are shown


#: (session, item ids) -> each flagged item's flags
Source = Callable[[Session, Sequence[int]], dict[int, list[ItemFlag]]]
#: (session) -> the ids of every flagged item (the bank's "flagged only" filter)
Flagged = Callable[[Session], set[int]]

_sources: list[Source] = []
_flagged: list[Flagged] = []


def flagged_by(source: Source, every: Flagged | None = None) -> Source:
    """Register ``source`` (once), and optionally the function listing every flagged item."""
    if source not in _sources:
        _sources.append(source)
    if every is not None and every not in _flagged:
        _flagged.append(every)
    return source


def flags_for(session: Session, item_ids: Sequence[int]) -> dict[int, list[ItemFlag]]:
    found: dict[int, list[ItemFlag]] = {}
    if not item_ids:
        return found
    for source in _sources:
        for item_id, flags in source(session, item_ids).items():
            found.setdefault(item_id, []).extend(flags)
    return found


def flagged_items(session: Session) -> set[int] | None:
    """Every flagged item, or None when no source can list them."""
    if not _flagged:
        return None
    ids: set[int] = set()
    for every in _flagged:
        ids |= every(session)
    return ids
