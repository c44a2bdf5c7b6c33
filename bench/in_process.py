"""The app as production configures it, called in process on a fresh database: what the
in-process benches (``save_profile.py``, ``storm_profile.py``) stand on."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from databases import fresh_database
from flask import Flask
from load_bench import prepare_server_database

from exam_app import create_app
from exam_app.config import ProductionConfig


def parser(doc: str) -> argparse.ArgumentParser:
    """The benches' common options: the database."""
    made = argparse.ArgumentParser(description=doc.splitlines()[0])
    made.add_argument("--database-url", default=None, help="PostgreSQL admin URL")
    return made


@contextmanager
def production_app(
    admin_url: str | None, tag: str, candidates: int, stormers: int
) -> Iterator[tuple[Flask, int, str]]:
    """The app with production's settings (plain HTTP: the test client has no TLS), its
    database prepared as the load bench prepares it, the exam's id and the database URL."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database(admin_url, Path(tmp), tag) as url:
        exam_id = prepare_server_database(url, candidates, stormers)
        settings = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
        app = create_app({**settings, "DATABASE_URL": url, "SECRET_KEY": "x" * 48})
        app.config["SESSION_COOKIE_SECURE"] = False
        try:
            yield app, exam_id, url
        finally:
            app.extensions["db_engine"].dispose()
