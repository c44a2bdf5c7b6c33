"""Password hashes: what one sign-in's check costs, and how many sign-ins one core can check.

Run: .venv/bin/python bench/hash_bench.py [--repeat 30]

Verifies the right password against one stored hash of each method, ``--repeat`` times (after
one warm-up check), through ``accounts/passwords.py`` as sign-in does, and prints the median
milliseconds per check and the sign-ins per minute one core could check at that rate. The
methods: argon2id as configured (``Config.PASSWORD_HASH_METHOD``), werkzeug's scrypt (the
default before it) and PBKDF2-SHA256 at 600,000 iterations (OWASP's figure for PBKDF2).
A sitting of 1,000 operators signing in within a minute on 2 cores needs < 120 ms a check;
argon2id measures ~30 ms on the project's machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exam_app.accounts import passwords  # noqa: E402
from exam_app.config import Config  # noqa: E402

PASSWORD = "bench-password-58"


def median_ms(method: str, repeat: int) -> float:
    stored = passwords.hash_password(PASSWORD, method)
    assert passwords.verify_password(stored, PASSWORD)  # warm-up, and the hash is right
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        passwords.verify_password(stored, PASSWORD)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="checks per method (median)")
    args = parser.parse_args()
    configured = Config.PASSWORD_HASH_METHOD
    parameters = passwords.argon2_parameters(configured)
    if parameters is not None:
        m, t, p = parameters
        configured_note = f"configured: m={m} KiB, t={t}, p={p}"
    else:
        configured_note = "configured"
    methods = [
        (configured, configured_note),
        ("scrypt", "werkzeug: n=2^15, r=8, p=1"),
        ("pbkdf2:sha256:600000", "werkzeug"),
    ]
    print(f"{'method':<22} {'ms/verify':>10} {'sign-ins/min/core':>18}  note")
    for method, note in methods:
        ms = median_ms(method, args.repeat)
        per_minute = 60_000 / ms
        print(f"{method:<22} {ms:>10.1f} {per_minute:>18,.0f}  {note}")


if __name__ == "__main__":
    main()
