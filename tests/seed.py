"""The seed exam document the importer must read faithfully (issue 3).

It lives in ``../shared/seeds/`` beside the project; a copy is kept in ``tests/data/`` so the
tests that read it also run where the project is checked out alone (CI). ``test_seed_copy``
fails if the two ever differ.
"""

from __future__ import annotations

from pathlib import Path

NAME = "000_d6e8e5b060737bd3.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / NAME
COPY = Path(__file__).resolve().parent / "data" / NAME
SEED = SHARED if SHARED.is_file() else COPY
