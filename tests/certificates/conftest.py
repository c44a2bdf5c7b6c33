"""Every test here issues or reads certificates, signed with a key of its own."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _signing(cert_settings: None) -> None:
    """``cert_settings`` (tests/conftest.py) for each test of this folder."""
