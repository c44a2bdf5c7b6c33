"""LSAT section 6 (Bock & Lieberman 1970): 1000 persons, 5 items; the frequency of each of the
32 response patterns in lexicographic order 00000, 00001, ... 11111 (R ltm's ``LSAT``, mirt's
``LSAT6``; the OpenBUGS "LSAT" example lists the same counts cumulated)."""

from __future__ import annotations

from itertools import product

import numpy as np

FREQUENCIES = (
    3, 6, 2, 11, 1, 1, 3, 4, 1, 8, 0, 16, 0, 3, 2, 15,
    10, 29, 14, 81, 3, 28, 15, 80, 16, 56, 21, 173, 11, 61, 28, 298,
)  # fmt: skip
PATTERNS = tuple(product((0, 1), repeat=5))


def matrix() -> np.ndarray:
    """The 1000 x 5 matrix of 0/1."""
    return np.repeat(np.array(PATTERNS, dtype=np.float64), FREQUENCIES, axis=0)
