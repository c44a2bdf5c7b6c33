"""The database a bench runs in: a new SQLite file, or a new PostgreSQL database on the server
given that is dropped afterwards (its connections ended first), so runs leave nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def fresh_database(admin_url: str | None, workdir: Path, tag: str) -> Iterator[str]:
    """The URL of a new database named for ``tag``: an SQLite file in ``workdir`` without
    ``admin_url``, else a database on that PostgreSQL server, dropped when the block ends."""
    if not admin_url:
        yield f"sqlite:///{workdir / f'{tag}.sqlite3'}"
        return
    url = make_url(admin_url)
    name = f"exam_{tag}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
