"""wrk (Debian's, C with LuaJIT) as the load client beside the bench's own aiohttp one, so a
ratio is the server's and not the Python client's: ``ping`` for the bare route, ``saves``
for the answer save with ``wrk_save.lua`` giving every connection a signed-in candidate of
its own (cookie, CSRF header, attempt, question cycle, the revision last returned).

wrk runs as many threads as connections (one candidate per thread: wrk's Lua state is per
thread), so the save runs use the small closed-loop concurrencies the bench uses (2-16).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

SCRIPT = Path(__file__).with_name("wrk_save.lua")
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")


class Saver(Protocol):
    """What wrk needs of a bench candidate (load_bench.Candidate)."""

    cookies: dict[str, str]
    csrf: str
    attempt_id: int | None
    questions: dict[int, tuple[int, bool]]
    revisions: dict[int, int]
    acked: dict[int, int]


@dataclass
class WrkSaves:
    rate: float  #: accepted saves/s
    requests: int
    accepted: int
    conflicts: int
    other: int  #: HTTP statuses other than 200 and 409
    socket_errors: int
    p50_ms: float
    p99_ms: float
    receipts: dict[int, dict[int, int]] = field(default_factory=dict)  #: attempt -> pos -> rev


def available() -> bool:
    return shutil.which("wrk") is not None


def ping(base: str, seconds: float, connections: int = 64, threads: int = 2) -> float:
    """GET /ping back to back: requests/s."""
    out = _run(["-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", f"{base}/ping"])
    match = _RPS.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    return float(match.group(1))


def saves(base: str, cands: list[Saver], seconds: float) -> WrkSaves:
    """Closed loop, one connection per candidate; the candidates' revisions and receipts
    are brought up to date from what wrk was told."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        for cand in cands:
            cookie = "; ".join(f"{k}={v}" for k, v in cand.cookies.items())
            questions = ",".join(
                f"{pos}:{n}:{int(multi)}" for pos, (n, multi) in sorted(cand.questions.items())
            )
            revisions = ",".join(f"{pos}:{rev}" for pos, rev in sorted(cand.revisions.items()))
            f.write(f"{cookie}\t{cand.csrf}\t{cand.attempt_id}\t{questions}\t{revisions}\n")
        data = f.name
    try:
        n = str(len(cands))
        out = _run(
            ["-t", n, "-c", n, "-d", f"{seconds:g}s", "-s", str(SCRIPT), base],
            env={**os.environ, "WRK_CANDIDATES": data},
        )
    finally:
        os.unlink(data)
    result = None
    for line in out.splitlines():
        parts = line.split("\t")
        if parts[0] == "RECEIPTS":
            cand = cands[int(parts[1]) - 1]
            for pair in filter(None, parts[2].split(",") if len(parts) > 2 else []):
                pos, rev = (int(x) for x in pair.split(":"))
                cand.revisions[pos] = rev
                cand.acked[pos] = max(cand.acked.get(pos, 0), rev)
        elif parts[0] == "RESULT":
            requests, ok, conflicts, other, sock = (int(x) for x in parts[1:6])
            duration, p50, p99 = (float(x) for x in parts[6:9])
            result = WrkSaves(ok / duration, requests, ok, conflicts, other, sock, p50, p99)
    if result is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    return result


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["wrk", "--latency", *args], capture_output=True, text=True, env=env, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout
