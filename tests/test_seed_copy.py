"""The copy of the seed document in tests/data is the seed itself, byte for byte."""

from __future__ import annotations

import pytest

from tests.seed import COPY, SHARED


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared seeds are not beside this checkout")
def test_the_copy_equals_the_shared_seed() -> None:
    assert COPY.read_bytes() == SHARED.read_bytes()
