"""Prepared pools, kept in each process while the bank is unchanged.

Starting an attempt on a 100,000-item bank must not read 100,000 rows: the candidates of every
rule are worked out once (``assembly.prepare``) and reused while the bank's token
(``BankState``, changed by database triggers on every relevant change to ``items``) is the one
read with them. Every app server keeps its own copy and checks the token in the database, so
several servers behind a load balancer never draw from a pool another one has changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.models import BankState
from exam_app.exams.assembly import PreparedPool, Rule, prepare
from exam_app.exams.definitions import pool_for
from exam_app.exams.models import Exam

#: Blueprints kept at once (each about 100 bytes per candidate item).
MAX_ENTRIES = 16

_cache: OrderedDict[tuple[Any, ...], PreparedPool] = OrderedDict()
_lock = threading.Lock()  # gthread workers share the cache


def bank_token(session: Session) -> str | None:
    """None if the row is missing (a hand-emptied database): then nothing may be cached."""
    return session.scalar(select(BankState.token).where(BankState.id == 1))


def prepared_pool(session: Session, exam: Exam, rules: Sequence[Rule]) -> PreparedPool:
    """The exam's pool prepared for ``rules``, from this process's cache when still current."""
    # The token is read before the pool: a change committed in between then files the fresh
    # pool under the old token, which no later reader will hold; the other order could file
    # an old pool under the new token.
    token = bank_token(session)
    if token is None:
        return prepare(rules, pool_for(session, exam))
    # The mode is part of the pool (what each mode may draw, definitions.EXPOSED_TO): a
    # practice and a certification exam with the same rules must never share candidates.
    key = (token, exam.mode, exam.level, tuple(rules))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    prepared = prepare(rules, pool_for(session, exam))
    with _lock:
        _cache[key] = prepared
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return prepared


def clear() -> None:
    with _lock:
        _cache.clear()
