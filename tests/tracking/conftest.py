"""Tracking reads certificates: their settings (base URL, a signing key file of the test's own)
and an app context for services (the graded signal's subscriber reads the config)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask


@pytest.fixture(autouse=True)
def _cert_settings(app: Flask, tmp_path: Path) -> Iterator[None]:
    old = {k: app.config[k] for k in ("CERT_SIGNING_KEY_FILE", "CERT_BASE_URL")}
    app.config["CERT_SIGNING_KEY_FILE"] = str(tmp_path / "signing.pem")
    app.config["CERT_BASE_URL"] = "https://exam.example.test"
    yield
    app.config.update(old)


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    """For tests that call services directly (web tests must not: the client would reuse it)."""
    with app.app_context():
        yield
