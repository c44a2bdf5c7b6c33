"""Load test: candidates taking an exam through the real routes of the app under gunicorn.

Run: .venv/bin/python bench/load_bench.py [--database-url URL] [--workers N]
     [--worker-class sync|gthread] [--threads N]
     [--phases ping,wrk,storm,starts,save-max,save-levels,balanced,draw]

Needs ``make bench-deps``: the bench's own client is aiohttp (a dev tool, not an app
dependency); Debian's wrk is the second client and Debian's nginx the balancer. ``--help``
lists the knobs (durations, candidate counts, levels); the defaults are the brief's.

What it does, all on 127.0.0.1 and bounded in requests and time (15-20 minutes on the 2-core
machine, most of it the setup of 5,000-10,000 signed-in candidates with attempts):

* builds a fresh database (a SQLite file in a temporary folder by default; with
  ``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` a new PostgreSQL
  database, dropped at the end), loads the shipped bank, inserts the operators C00001… (one
  cheap hash for all, computed once) and S00001… (the storm's, hashed as production hashes,
  argon2id) and publishes a 30-item certification exam (20 single, 5 multiple, 5 judge);
* setup, not measured: on a gunicorn that keeps the cheap hash (PASSWORD_HASH_METHOD), every
  C candidate signs in through the real form and the savers start their attempt; all servers
  of a run share one SECRET_KEY, so those sessions hold on the measured server;
* then, on ``gunicorn wsgi:app`` with EXAM_APP_ENV=production (two sync workers; ``--workers
  4`` suits PostgreSQL, whose saves wait for the server and the WAL), one line per figure:
  1. ``GET /ping`` (no database), with the bench client (64 connections) and with wrk;
  4. the storm: 1,000 S candidates each at a random moment of one minute take a browser's
     path: the sign-in page, signing in (argon2id), the home page, 我的考试, the start page,
     开始答题, the paper. Served count, sign-in and start p50/p99, when the last paper opened;
     (``starts``: the older figure, 1,000 starts by candidates signed in before);
  2. ``POST /exams/attempts/<id>/answer``: the highest accepted-save rate, closed loop with
     2, 4 and 16 candidates for 5 s each, by the bench client and by wrk (``wrk_save.lua``:
     each connection its own candidate, cookie, CSRF header, question cycle and revision), and
     both ratios to (1): the bench client's own CPU limits its figures, wrk's barely;
  3. save latency p50/p99 at 1,000, 5,000 and 10,000 candidates each saving every 10 s for
     30 s (open loop: latency from the scheduled moment; saves unanswered 20 s after the end
     count as slower than every answered one);
  5. ``balanced`` (PostgreSQL by default): nginx round robin in front of one app server with
     one worker, then in front of two on two ports: saves by both clients and 5,000 candidates;
  6. every save acknowledged with HTTP 200, checked against the database at the end: a stored
     revision older than the one acknowledged is a lost save, and fails the run;
  7. ``draw``, in process, on a second fresh database holding 100,000 published items: median
     and p95 ms of ``attempts.start_attempt`` drawing a 100-item practice paper;
* after every phase, the CPU used by gunicorn, by PostgreSQL and by the bench client;
* stops every server (in ``finally``), drops the PostgreSQL databases, prints a summary block in
  which every figure that has a target is marked [met] or [MISSED].

Saves answered 409 right after a phase are counted apart: a save in flight when the phase
stopped moved that question's revision on (the reply carries the new one). Figures move by up
to ±25 % from run to run on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import platform
import random
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

try:
    import aiohttp
except ImportError:  # a dev tool, not an app dependency
    raise SystemExit("the load generator needs aiohttp: .venv/bin/pip install aiohttp") from None

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import balancer  # noqa: E402
import wrk_runner  # noqa: E402
from databases import fresh_database  # noqa: E402
from import_bench import make_items  # noqa: E402

from exam_app import create_app, migrate  # noqa: E402
from exam_app.accounts import passwords  # noqa: E402
from exam_app.accounts.models import Role, User, UserRole  # noqa: E402
from exam_app.bank import importing, shipped  # noqa: E402
from exam_app.bank.models import Level  # noqa: E402
from exam_app.bank.parsed import ParseResult  # noqa: E402
from exam_app.config import ProductionConfig  # noqa: E402
from exam_app.db import utcnow  # noqa: E402
from exam_app.exams import attempts  # noqa: E402
from exam_app.exams.definitions import publish_exam  # noqa: E402
from exam_app.exams.models import Answer, Exam, ExamMode, ExamRule, ReviewPolicy  # noqa: E402

PASSWORD = "bench-pass-2026"
HOST = "127.0.0.1"
PHASES = ("ping", "wrk", "storm", "starts", "save-max", "save-levels", "balanced", "draw")
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CARD = re.compile(r'data-position="(\d+)"\s+data-type="(\w+)" data-revision="(\d+)"')
OPTION = re.compile(r'name="q(\d+)" value="\d+"')
ATTEMPT_URL = re.compile(r"/exams/attempts/(\d+)$")
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: After an open-loop level, saves still in flight get this long to be answered, then are cancelled.
DRAIN_SECONDS = 20


# --- numbers -------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Figures:
    """Every printed figure, kept for the summary block."""

    lines: list[str] = field(default_factory=list)
    lost: int = 0  #: acknowledged saves not found in the database: the run fails

    def add(self, label: str, value: str, met: bool | None = None) -> None:
        """One figure on its own line; ``met`` marks a figure that has a target."""
        verdict = "" if met is None else ("  [met]" if met else "  [MISSED]")
        line = f"{label:<40} {value}{verdict}"
        self.lines.append(line)
        print(line, flush=True)


# --- the database --------------------------------------------------------------------------


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version} (WAL, BEGIN IMMEDIATE)"
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return f"PostgreSQL {version}"


#: the setup candidates' password hash: cheap, so 10,000 can sign in as setup
SETUP_HASH = "pbkdf2:sha256:1000"


def insert_operators(
    session: Session, prefix: str, count: int, method: str = SETUP_HASH
) -> list[int]:
    """``count`` operators PREFIX00001…, one hash computed once (real logins still check it):
    a cheap one for the candidates signed in as setup, production's (``method``) for those
    whose sign-in is measured; returns their ids."""
    if count == 0:
        return []  # an empty executemany would insert one row of defaults
    password_hash = passwords.hash_password(PASSWORD, method)
    numbers = [f"{prefix}{n:05d}" for n in range(1, count + 1)]
    session.execute(
        insert(User),
        [
            {"employee_no": no, "name": f"考生{no}", "password_hash": password_hash}
            for no in numbers
        ],
    )
    ids = list(session.scalars(select(User.id).where(User.employee_no.in_(numbers))))
    session.execute(insert(UserRole), [{"user_id": i, "role": Role.OPERATOR.value} for i in ids])
    return ids


def make_exam(session: Session, title: str, mode: ExamMode, rules: list[tuple[str, int]]) -> Exam:
    now = utcnow()
    exam = Exam(
        title=title,
        mode=mode.value,
        level=Level.INTERMEDIATE.value,
        duration_minutes=600,
        pass_percent=60,
        review_policy=ReviewPolicy.SCORE_ONLY.value,
    )
    if mode is ExamMode.CERTIFICATION:
        exam.opens_at, exam.closes_at = now - timedelta(hours=1), now + timedelta(days=1)
        exam.max_attempts = None
    exam.rules = [
        ExamRule(position=n, type=kind, count=count) for n, (kind, count) in enumerate(rules, 1)
    ]
    session.add(exam)
    session.flush()
    publish_exam(session, exam, actor_id=None)
    return exam


def prepare_server_database(url: str, candidates: int, stormers: int) -> int:
    """Schema, shipped bank, operators C00001… (signed in as setup) and S00001… (the storm's,
    hashed as production hashes), and the published certification exam's id."""
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    migrate.upgrade(app.extensions["db_engine"])
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        shipped.load(session, ROOT / "question_bank", now=utcnow())
        insert_operators(session, "C", candidates)
        if stormers:
            insert_operators(session, "S", stormers, ProductionConfig.PASSWORD_HASH_METHOD)
        exam = make_exam(
            session,
            "压测 认证考试",
            ExamMode.CERTIFICATION,
            [("single", 20), ("multiple", 5), ("judge", 5)],
        )
        session.commit()
        exam_id = exam.id
    app.extensions["db_engine"].dispose()
    return exam_id


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def pids(self) -> list[int]:
        """The master and its workers."""
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        except OSError:
            pass
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its live workers (workers are never recycled)."""
        return process_cpu_seconds(self.pids())


@contextmanager
def gunicorn(  # type: ignore[no-untyped-def]
    url: str,
    workdir: Path,
    worker_class: str,
    workers: int,
    threads: int,
    secret: str,
    name: str,
    extra_env: dict[str, str] | None = None,
):
    """``gunicorn wsgi:app`` on a free loopback port, stopped (and waited for) on the way out.
    Servers given the same ``secret`` accept each other's session cookies and CSRF tokens,
    as app servers behind one balancer do."""
    port = free_port()
    log = workdir / f"{name}.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "EXAM_APP_ENV": "production",
        "SECRET_KEY": secret,
        **(extra_env or {}),
    }
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--backlog",
        "4096",
        "--timeout",
        "60",
        "--error-logfile",
        str(log),
        "wsgi:app",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    server = Server(process, f"http://{HOST}:{port}", log)
    try:
        wait_until_booted(server, workers)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_until_booted(server: Server, workers: int, limit: float = 90.0) -> None:
    """Listening is not ready: each worker imports the app after the fork. Wait until every
    worker is up and the server's CPU use has settled, so no boot time lands in a figure."""
    deadline = time.monotonic() + limit
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn not ready in {limit:.0f} s:\n{server.log.read_text()}")
        booted = server.log.read_text().count("Booting worker")
        if booted >= workers and len(server.pids()) > workers:
            before = server.cpu_seconds()
            time.sleep(0.5)
            if server.cpu_seconds() - before < 0.02:
                return
        else:
            time.sleep(0.2)


def process_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (from /proc; gone ones count 0)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / CLK_TCK


def postgres_cpu_seconds() -> float:
    """The local PostgreSQL server's processes (it runs on the same 2 cores)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return process_cpu_seconds(pids)


@contextmanager
def cpu_note(server: Server, label: str) -> Iterator[None]:
    """Print the app server's, PostgreSQL's and this client's CPU use over the block (2 cores =
    200 %): on a shared 2-core machine that shows what the figure is limited by."""
    # The client's own pauses must not count as the server's latency. What the bench set up
    # (thousands of candidates, their cookies and tokens) lives for the whole run, yet each
    # full collection walked it again: ~250 ms with this client stopped, and every save due
    # meanwhile counted against the server. So that is frozen, and within the phase the
    # collector is off (the 5,000 candidates' tasks, made in the phase, cost the same again).
    gc.collect()
    gc.freeze()
    gc.disable()
    s0, d0, c0 = server.cpu_seconds(), postgres_cpu_seconds(), time.process_time()
    t0 = time.perf_counter()
    try:
        yield
    finally:
        gc.enable()
    wall = max(time.perf_counter() - t0, 1e-9)
    s, c = server.cpu_seconds() - s0, time.process_time() - c0
    d = postgres_cpu_seconds() - d0
    db = f", postgres {d:.1f} s ({100 * d / wall:.0f} %)" if d > 0.05 else ""
    print(
        f"    [{label}: {wall:.1f} s wall; CPU gunicorn {s:.1f} s ({100 * s / wall:.0f} %){db}, "
        f"load client {c:.1f} s ({100 * c / wall:.0f} %)]",
        flush=True,
    )


# --- one simulated candidate ---------------------------------------------------------------


@dataclass
class Candidate:
    employee_no: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    attempt_id: int | None = None
    #: position -> (number of options, multiple choice?)
    questions: dict[int, tuple[int, bool]] = field(default_factory=dict)
    revisions: dict[int, int] = field(default_factory=dict)
    #: the highest revision acknowledged with HTTP 200, per position: checked at the end
    acked: dict[int, int] = field(default_factory=dict)
    next_index: int = 0
    rng: random.Random = field(default_factory=random.Random)


class Client:
    """One aiohttp session for all candidates; each candidate's cookies are sent by hand."""

    def __init__(self, base: str, connections: int) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections, force_close=False),
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def close(self) -> None:
        await self.http.close()

    async def call(
        self, cand: Candidate | None, method: str, path: str, **kwargs: object
    ) -> tuple[int, str, dict[str, str]]:
        """(status, body, headers); the candidate's cookie jar is kept up to date."""
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        if cand is not None and cand.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cand.cookies.items())
        async with self.http.request(
            method, self.base + path, headers=headers, allow_redirects=False, **kwargs
        ) as resp:
            body = await resp.text()
            if cand is not None:
                for name, morsel in resp.cookies.items():
                    cand.cookies[name] = morsel.value
            return resp.status, body, dict(resp.headers)


async def login(client: Client, cand: Candidate) -> None:
    status, body, _ = await client.call(cand, "GET", "/accounts/login")
    match = CSRF_INPUT.search(body)
    if status != 200 or match is None:
        raise RuntimeError(f"login page for {cand.employee_no}: HTTP {status}")
    form = {"employee_no": cand.employee_no, "password": PASSWORD, "csrf_token": match.group(1)}
    status, _, headers = await client.call(cand, "POST", "/accounts/login", data=form)
    if status != 302 or "/accounts/login" in headers.get("Location", ""):
        raise RuntimeError(f"login of {cand.employee_no} failed: HTTP {status}")
    # Signing in starts a new session (no fixation), so its token comes from the page the
    # sign-in lands on, as in a browser: the home page.
    status, body, _ = await client.call(cand, "GET", headers.get("Location", "/"))
    match = CSRF_INPUT.search(body)
    if status != 200 or match is None:
        raise RuntimeError(f"no home page after the login of {cand.employee_no}: HTTP {status}")
    cand.csrf = match.group(1)


async def start_exam(client: Client, cand: Candidate, exam_id: int) -> bool:
    """POST /exams/<id>/start; True when it answered with the new attempt's page."""
    status, _, headers = await client.call(
        cand, "POST", f"/exams/{exam_id}/start", data={"csrf_token": cand.csrf}
    )
    match = ATTEMPT_URL.search(headers.get("Location", ""))
    if status != 302 or match is None:
        return False
    cand.attempt_id = int(match.group(1))
    return True


async def open_attempt(client: Client, cand: Candidate) -> bool:
    """The attempt page: its CSRF token, the questions, their option counts and revisions."""
    status, body, _ = await client.call(cand, "GET", f"/exams/attempts/{cand.attempt_id}")
    meta = CSRF_META.search(body)
    if status != 200 or meta is None:
        return False
    cand.csrf = meta.group(1)
    options: dict[int, int] = {}
    for pos in OPTION.findall(body):
        options[int(pos)] = options.get(int(pos), 0) + 1
    for pos, kind, revision in CARD.findall(body):
        cand.questions[int(pos)] = (options[int(pos)], kind == "multiple")
        cand.revisions[int(pos)] = int(revision)
    return bool(cand.questions)


async def save_one(client: Client, cand: Candidate) -> int:
    """Answer the candidate's next question (cycling through the paper); the HTTP status."""
    positions = sorted(cand.questions)
    pos = positions[cand.next_index % len(positions)]
    cand.next_index += 1
    n, multiple = cand.questions[pos]
    chosen = sorted(cand.rng.sample(range(n), 2)) if multiple else [cand.rng.randrange(n)]
    payload = {
        "position": pos,
        "chosen": chosen,
        "flagged": False,
        "base_revision": cand.revisions[pos],
    }
    status, body, _ = await client.call(
        cand,
        "POST",
        f"/exams/attempts/{cand.attempt_id}/answer",
        json=payload,
        headers={"X-CSRFToken": cand.csrf},
    )
    if status in (200, 409):
        match = re.search(r'"revision":\s*(\d+)', body)
        if match:
            cand.revisions[pos] = int(match.group(1))
            if status == 200:
                cand.acked[pos] = max(cand.acked.get(pos, 0), int(match.group(1)))
    return status


async def bounded_gather(limit: int, coros: list) -> list:  # type: ignore[type-arg]
    """Run coroutines with at most ``limit`` at once; results (or exceptions) in order."""
    gate = asyncio.Semaphore(limit)

    async def run(coro):  # type: ignore[no-untyped-def]
        async with gate:
            return await coro

    return await asyncio.gather(*(run(c) for c in coros), return_exceptions=True)


# --- measurements --------------------------------------------------------------------------


async def measure_ping(client: Client, seconds: float, connections: int) -> tuple[float, int]:
    """GET /ping back to back on ``connections`` connections: (requests/s, errors)."""
    done = errors = 0
    stop = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done, errors
        while time.perf_counter() < stop:
            try:
                status, _, _ = await client.call(None, "GET", "/ping")
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            done += status == 200
            errors += status != 200

    t0 = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(connections)))
    return done / (time.perf_counter() - t0), errors


async def login_all(client: Client, cands: list[Candidate], limit: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    results = await bounded_gather(limit, [login(client, c) for c in cands])
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)} logins failed, first: {failures[0]!r}")
    return time.perf_counter() - t0, len(cands)


@dataclass
class StartResult:
    served: int
    start_ms: list[float]
    page_ms: list[float]
    wall: float


async def measure_starts(
    client: Client, cands: list[Candidate], exam_id: int, window: float
) -> StartResult:
    """Each candidate starts at a random moment of ``window`` seconds, then opens the page."""
    rng = random.Random(11)
    offsets = sorted(rng.uniform(0, window) for _ in cands)
    start_ms: list[float] = []
    page_ms: list[float] = []
    served = 0
    t0 = time.perf_counter()

    async def one(cand: Candidate, offset: float) -> None:
        nonlocal served
        await asyncio.sleep(max(0.0, t0 + offset - time.perf_counter()))
        sent = time.perf_counter()
        try:
            ok = await start_exam(client, cand, exam_id)
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        start_ms.append((time.perf_counter() - sent) * 1000)
        if not ok:
            return
        served += 1
        sent = time.perf_counter()
        with_page = await open_attempt(client, cand)
        if with_page:
            page_ms.append((time.perf_counter() - sent) * 1000)

    await asyncio.gather(*(one(c, o) for c, o in zip(cands, offsets, strict=True)))
    return StartResult(served, start_ms, page_ms, time.perf_counter() - t0)


async def start_remaining(client: Client, cands: list[Candidate], exam_id: int) -> float:
    """Setup, not a figure: the other candidates start the exam and open its page."""

    async def one(cand: Candidate) -> None:
        if not await start_exam(client, cand, exam_id) or not await open_attempt(client, cand):
            raise RuntimeError(f"{cand.employee_no} could not start the exam")

    t0 = time.perf_counter()
    results = await bounded_gather(16, [one(c) for c in cands])
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)} starts failed, first: {failures[0]!r}")
    return time.perf_counter() - t0


async def measure_save_max(
    client: Client, cands: list[Candidate], seconds: float
) -> tuple[float, int, list[float]]:
    """Closed loop: each candidate saves again as soon as the last save returned.

    Returns (accepted saves/s, errors, latencies in ms)."""
    ok = errors = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def loop(cand: Candidate) -> None:
        nonlocal ok, errors
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            try:
                status = await save_one(client, cand)
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            latencies.append((time.perf_counter() - sent) * 1000)
            ok += status == 200
            # 409: a save still in flight when the previous phase stopped moved the revision
            # on; the reply carries it and the candidate goes on (the receipts say nothing
            # was lost). Anything else is an error.
            errors += status not in (200, 409)

    t0 = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in cands))
    return ok / (time.perf_counter() - t0), errors, latencies


@dataclass
class LevelResult:
    candidates: int
    offered: float  #: saves/s
    achieved: float  #: accepted saves/s
    scheduled: int  #: saves due within the run
    latencies: list[float]  #: ms, of the saves that got an answer
    errors: int  #: answers other than 200, and failed connections
    unanswered: int  #: due saves with no answer by the end of the drain (cancelled)

    def percentile(self, q: float) -> str:
        """Over every scheduled save, an unanswered one counting as slower than all others."""
        if self.unanswered and len(self.latencies) < q / 100 * self.scheduled:
            return f"> {max(self.latencies, default=0):.0f}"
        padded = self.latencies + [float("inf")] * self.unanswered
        return f"{pct(padded, q):.0f}"

    def meets(self, q: float, limit_ms: float) -> bool:
        padded = self.latencies + [float("inf")] * self.unanswered
        return self.errors == 0 and pct(padded, q) < limit_ms


async def measure_save_level(
    client: Client, cands: list[Candidate], interval: float, seconds: float
) -> LevelResult:
    """Open loop: every candidate saves every ``interval`` s from a random phase, for ``seconds``.

    Latency runs from the scheduled moment (a late send counts against the server), so a server
    that falls behind shows it instead of slowing the senders down."""
    rng = random.Random(5)
    ok = errors = 0
    latencies: list[float] = []
    t0 = time.perf_counter() + 0.5
    phases = [rng.uniform(0, interval) for _ in cands]
    scheduled = sum(max(0, math.ceil((seconds - phase) / interval)) for phase in phases)

    async def candidate(cand: Candidate, phase: float) -> None:
        nonlocal ok, errors
        due = t0 + phase
        while due < t0 + seconds:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                status = await save_one(client, cand)
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            latencies.append((time.perf_counter() - due) * 1000)
            ok += status == 200
            # 409: a save still in flight when the previous phase stopped moved the revision
            # on; the reply carries it and the candidate goes on (the receipts say nothing
            # was lost). Anything else is an error.
            errors += status not in (200, 409)
            due += interval

    tasks = [asyncio.ensure_future(candidate(c, p)) for c, p in zip(cands, phases, strict=True)]
    _, pending = await asyncio.wait(tasks, timeout=seconds + DRAIN_SECONDS)  # bounded drain
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.perf_counter() - t0
    unanswered = scheduled - len(latencies)
    return LevelResult(
        len(cands), len(cands) / interval, ok / elapsed, scheduled, latencies, errors, unanswered
    )


@dataclass
class StormResult:
    served: int  #: signed in, started and opened their paper
    sign_in_ms: list[float]  #: the sign-in page, its POST (the password check), the home page
    start_ms: list[float]
    page_ms: list[float]
    last_done: float  #: s after the window opened when the last candidate had their paper
    failures: list[str]


async def measure_storm(
    client: Client, cands: list[Candidate], exam_id: int, window: float
) -> StormResult:
    """A sitting arriving: each candidate, at a random moment of ``window`` seconds, takes the
    path a browser does: the sign-in page, signing in (production's password hash), the home
    page it lands on, 我的考试, the exam's start page, 开始答题, and the paper."""
    rng = random.Random(13)
    offsets = sorted(rng.uniform(0, window) for _ in cands)
    sign_in_ms: list[float] = []
    start_ms: list[float] = []
    page_ms: list[float] = []
    failures: list[str] = []
    served = 0
    last = 0.0
    t0 = time.perf_counter()

    async def one(cand: Candidate, offset: float) -> None:
        nonlocal served, last
        await asyncio.sleep(max(0.0, t0 + offset - time.perf_counter()))
        try:
            sent = time.perf_counter()
            await login(client, cand)  # the sign-in page, its POST, the home page
            sign_in_ms.append((time.perf_counter() - sent) * 1000)
            for path in ("/exams/", f"/exams/{exam_id}/start"):  # 我的考试, then 开始
                status, body, _ = await client.call(cand, "GET", path)
                match = CSRF_INPUT.search(body)
                if status != 200 or match is None:
                    raise RuntimeError(f"{path}: HTTP {status}")
                cand.csrf = match.group(1)
            sent = time.perf_counter()
            started = await start_exam(client, cand, exam_id)  # 开始答题
            start_ms.append((time.perf_counter() - sent) * 1000)
            if not started:
                raise RuntimeError("start refused")
            sent = time.perf_counter()
            if not await open_attempt(client, cand):
                raise RuntimeError("no paper")
            page_ms.append((time.perf_counter() - sent) * 1000)
        except (RuntimeError, aiohttp.ClientError, TimeoutError) as exc:
            failures.append(f"{cand.employee_no}: {exc!r}")
            return
        served += 1
        last = max(last, time.perf_counter() - t0)

    await asyncio.gather(*(one(c, o) for c, o in zip(cands, offsets, strict=True)))
    return StormResult(served, sign_in_ms, start_ms, page_ms, last, failures)


def check_receipts(url: str, cands: list[Candidate]) -> tuple[int, int]:
    """Every save acknowledged with HTTP 200, against the database: (receipts checked, lost).
    A receipt is lost when the stored answer's revision is older than the one acknowledged
    (each candidate is their answers' only writer, so it can only be equal or newer)."""
    engine = create_engine(url)
    wanted = {c.attempt_id: c.acked for c in cands if c.attempt_id is not None and c.acked}
    stored: dict[tuple[int, int], int] = {}
    ids = sorted(wanted)
    with engine.connect() as conn:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            rows = conn.execute(
                select(Answer.attempt_id, Answer.position, Answer.revision).where(
                    Answer.attempt_id.in_(chunk)
                )
            )
            stored.update({(a, p): r for a, p, r in rows})
    engine.dispose()
    checked = lost = 0
    for attempt_id, acked in wanted.items():
        for pos, revision in acked.items():
            checked += 1
            lost += stored.get((attempt_id, pos), 0) < revision
    return checked, lost


# --- the in-process draw on a 100,000-item bank -------------------------------------------


def measure_draw(
    admin_url: str | None, workdir: Path, bank_items: int, starts: int, figures: Figures
) -> tuple[float, float]:
    """Median and p95 ms of start_attempt (100-item practice paper) on a big bank."""
    with fresh_database(admin_url, workdir, "draw") as url:
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        engine = app.extensions["db_engine"]
        try:
            migrate.upgrade(engine)
            t0 = time.perf_counter()
            items = make_items(bank_items)
            with app.app_context(), Session(engine) as session:
                for start in range(0, bank_items, 10_000):
                    chunk = ParseResult(filename="bench", items=items[start : start + 10_000])
                    importing.import_result(
                        session,
                        chunk,
                        importing.ImportOptions(publish=importing.BENCH_DATA),
                        data=f"load-bench-{start}".encode(),
                        user_id=None,
                        now=utcnow(),
                    )
                    session.commit()
            with engine.connect() as conn:  # what autovacuum / a DBA would soon do
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            print(f"    [filled {bank_items} items in {time.perf_counter() - t0:.1f} s]")
            del items
            with app.app_context(), Session(engine, expire_on_commit=False) as session:
                user_ids = insert_operators(session, "D", starts)
                exam = make_exam(
                    session,
                    "压测 练习 100 题",
                    ExamMode.PRACTICE,
                    [("single", 60), ("multiple", 20), ("judge", 20)],
                )
                session.commit()
                exam_id = exam.id
            draw_ms: list[float] = []
            with_commit_ms: list[float] = []
            with app.test_request_context():  # gettext and friends, as in a request
                for user_id in user_ids:
                    with Session(engine, expire_on_commit=False) as session:
                        user = session.get(User, user_id)
                        exam = session.get(Exam, exam_id)
                        assert user is not None and exam is not None
                        _ = exam.rules, user.role_rows  # loaded by the request before the start
                        t0 = time.perf_counter()
                        attempt = attempts.start_attempt(session, exam, user, utcnow())
                        t1 = time.perf_counter()
                        session.commit()
                        t2 = time.perf_counter()
                        assert len(attempt.items) == 100
                        draw_ms.append((t1 - t0) * 1000)
                        with_commit_ms.append((t2 - t0) * 1000)
        finally:
            engine.dispose()
    figures.add(
        f"5. start_attempt, 100 of {bank_items:,} items",
        f"median {statistics.median(draw_ms):.1f} ms, p95 {pct(draw_ms, 95):.1f} ms "
        f"({len(draw_ms)} starts; with commit: median "
        f"{statistics.median(with_commit_ms):.1f} ms)  target median < 20 ms",
        statistics.median(draw_ms) < 20,
    )
    return statistics.median(draw_ms), pct(draw_ms, 95)


# --- the run -------------------------------------------------------------------------------


async def sign_in_candidates(
    server: Server, exam_id: int, args: argparse.Namespace
) -> list[Candidate]:
    """Setup, not a figure, on a server that checks the setup's cheap hash without replacing
    it: every candidate signs in, and those not measured starting start their attempt."""
    client = Client(server.base, connections=args.connections)
    cands = [Candidate(f"C{n:05d}", rng=random.Random(n)) for n in range(1, args.candidates + 1)]
    try:
        with cpu_note(server, "setup sign-ins"):
            took, count = await login_all(client, cands, 32)
        print(f"    signed in {count} candidates in {took:.1f} s ({count / took:.0f}/s)")
        rest = cands[args.starters : args.savers]
        if rest:
            with cpu_note(server, "setup starts"):
                took = await start_remaining(client, rest, exam_id)
            print(f"    {len(rest)} candidates started their attempt in {took:.1f} s")
    finally:
        await client.close()
    return cands


async def http_phases(
    server: Server, exam_id: int, cands: list[Candidate], args: argparse.Namespace, figures: Figures
) -> None:
    """Every measured phase against the server running production's settings."""
    client = Client(server.base, connections=args.connections)
    sqlite = args.database_url is None
    try:
        ping_rps = wrk_ping = None
        if "ping" in args.phases:
            with cpu_note(server, "ping"):
                ping_rps, ping_err = await measure_ping(client, args.ping_seconds, 64)
            figures.add("1. GET /ping, 64 connections", f"{ping_rps:.0f} req/s ({ping_err} errors)")
        if "wrk" in args.phases:
            with cpu_note(server, "wrk ping"):
                wrk_ping = wrk_runner.ping(server.base, args.ping_seconds)
            figures.add("1. GET /ping, wrk 2 threads x 64", f"{wrk_ping:.0f} req/s")

        if args.stormers:
            stormers = [Candidate(f"S{n:05d}") for n in range(1, args.stormers + 1)]
            with cpu_note(server, "storm"):
                storm = await measure_storm(client, stormers, exam_id, args.start_window)
            p99 = pct(storm.start_ms, 99) if storm.start_ms else float("inf")
            figures.add(
                f"4. storm: {len(stormers)} sign in + start within {args.start_window:.0f} s",
                f"served {storm.served}/{len(stormers)}, start p50 "
                f"{pct(storm.start_ms, 50):.0f} ms p99 {p99:.0f} ms; last paper open at "
                f"{storm.last_done:.1f} s  target all served, p99 start < 1000 ms",
                storm.served == len(stormers) and p99 < 1000,
            )
            figures.add(
                "   sign-in (page, POST, home page)",
                f"p50 {pct(storm.sign_in_ms, 50):.0f} ms, p99 {pct(storm.sign_in_ms, 99):.0f} ms; "
                f"paper page p50 {pct(storm.page_ms, 50):.0f} ms, "
                f"p99 {pct(storm.page_ms, 99):.0f} ms",
            )
            for failure in storm.failures[:5]:
                print(f"    storm failure: {failure}")

        starters, savers = args.starters, args.savers

        if starters:
            first = cands[:starters]
            with cpu_note(server, "starts"):
                res = await measure_starts(client, first, exam_id, args.start_window)
            p99 = pct(res.start_ms, 99)
            figures.add(
                f"4. {len(first)} starts within {args.start_window:.0f} s (signed in before)",
                f"served {res.served}/{len(first)}, p50 {pct(res.start_ms, 50):.0f} ms, "
                f"p99 {p99:.0f} ms, max {max(res.start_ms):.0f} ms, "
                f"wall {res.wall:.1f} s  target all served, p99 < 1000 ms",
                res.served == len(first) and p99 < 1000,
            )
            figures.add(
                "   then the attempt page (GET)",
                f"p50 {pct(res.page_ms, 50):.0f} ms, p99 {pct(res.page_ms, 99):.0f} ms",
            )
        rest = [c for c in cands[:savers] if c.attempt_id is None]
        if rest:
            with cpu_note(server, "setup starts"):
                took = await start_remaining(client, rest, exam_id)
            print(f"    {len(rest)} more candidates started their attempt in {took:.1f} s")

        target = 0.45 if sqlite else 0.35
        if "save-max" in args.phases:
            rate, conc, errors, p50 = await save_max(server, client, cands, args)
            figures.add(
                "2. max accepted saves/s (bench client)",
                f"{rate:.0f} saves/s with {conc} clients ({errors} errors, p50 {p50:.0f} ms)",
            )
            if ping_rps:
                figures.add(
                    "2. save/ping ratio (bench client)",
                    f"{rate / ping_rps:.2f}  target >= {target:.2f}",
                    rate / ping_rps >= target,
                )
        if "wrk" in args.phases and "save-max" in args.phases:
            best = None
            for conc in args.save_concurrency:
                with cpu_note(server, f"wrk saves {conc}"):
                    run = wrk_runner.saves(server.base, cands[:conc], args.save_seconds)
                print(
                    f"    wrk {conc:>3} connections: {run.rate:.0f} saves/s, p50 "
                    f"{run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, {run.conflicts} conflicts, "
                    f"{run.other + run.socket_errors} errors",
                    flush=True,
                )
                if best is None or run.rate > best[0].rate:
                    best = (run, conc)
            assert best is not None
            run, conc = best
            figures.add(
                "2. max accepted saves/s (wrk)",
                f"{run.rate:.0f} saves/s with {conc} connections "
                f"({run.other + run.socket_errors} errors, {run.conflicts} conflicts)",
            )
            if wrk_ping:
                figures.add("2. save/ping ratio (wrk)", f"{run.rate / wrk_ping:.2f}")

        if "save-levels" in args.phases:
            limit = 50 if sqlite else 100
            for level in args.levels:
                with cpu_note(server, f"{level} candidates"):
                    res_l = await measure_save_level(
                        client, cands[:level], args.save_interval, args.level_seconds
                    )
                graded = level == 5000
                figures.add(
                    f"3. {level} candidates, 1 save/{args.save_interval:.0f} s",
                    f"p50 {res_l.percentile(50)} ms, p99 {res_l.percentile(99)} ms "
                    f"(offered {res_l.offered:.0f}/s, accepted {res_l.achieved:.0f}/s; "
                    f"{res_l.scheduled} due, {res_l.errors} errors, "
                    f"{res_l.unanswered} unanswered)"
                    + (f"  target p99 < {limit} ms" if graded else ""),
                    res_l.meets(99, limit) if graded else None,
                )
    finally:
        await client.close()


async def save_max(
    server: Server, client: Client, cands: list[Candidate], args: argparse.Namespace
) -> tuple[float, int, int, float]:
    """The best closed-loop save rate over the concurrencies: (rate, clients, errors, p50)."""
    best = (0.0, 0, 0, 0.0)
    for conc in args.save_concurrency:
        with cpu_note(server, f"save-max {conc}"):
            rate, errors, lat = await measure_save_max(client, cands[:conc], args.save_seconds)
        print(
            f"    {conc:>3} clients: {rate:.0f} saves/s, p50 {pct(lat, 50):.0f} ms, "
            f"p99 {pct(lat, 99):.0f} ms, {errors} errors",
            flush=True,
        )
        if rate > best[0]:
            best = (rate, conc, errors, pct(lat, 50))
    return best


async def balanced_phases(
    base: str, cands: list[Candidate], args: argparse.Namespace, figures: Figures, label: str
) -> None:
    """Saves through the balancer, by the candidates signed in before (their cookies hold on
    every server: one secret, all state in the database)."""
    client = Client(base, connections=args.connections)
    try:
        rate, conc, errors, p50 = 0.0, 0, 0, 0.0
        for n in args.save_concurrency:
            r, e, lat = await measure_save_max(client, cands[:n], args.save_seconds)
            if r > rate:
                rate, conc, errors, p50 = r, n, e, pct(lat, 50)
        run = max(
            (wrk_runner.saves(base, cands[:n], args.save_seconds) for n in args.save_concurrency),
            key=lambda w: w.rate,
        )
        figures.add(
            f"5. {label}",
            f"bench client {rate:.0f} saves/s ({conc} clients, {errors} errors, p50 {p50:.0f} ms)"
            f"; wrk {run.rate:.0f} saves/s ({run.other + run.socket_errors} errors)",
        )
        level = min(args.levels[-1], len(cands))
        res = await measure_save_level(client, cands[:level], args.save_interval, 20.0)
        figures.add(
            f"   {label}: {level} candidates",
            f"p50 {res.percentile(50)} ms, p99 {res.percentile(99)} ms "
            f"({res.errors} errors, {res.unanswered} unanswered)",
        )
    finally:
        await client.close()


def balanced(
    url: str,
    workdir: Path,
    secret: str,
    cands: list[Candidate],
    args: argparse.Namespace,
    figures: Figures,
) -> None:
    """The same candidates through nginx (round robin): in front of one app server with one
    worker, then of two such servers on two ports; the second adds up where the CPU allows."""
    kind = ("sync", 1, 1)
    with gunicorn(url, workdir, *kind, secret, "solo") as solo:
        port = int(solo.base.rsplit(":", 1)[1])
        with balancer.nginx([port], workdir / "nginx-1") as base:
            label = "nginx -> 1 server x 1 worker"
            asyncio.run(balanced_phases(base, cands, args, figures, label))
    with (
        gunicorn(url, workdir, *kind, secret, "one") as one,
        gunicorn(url, workdir, *kind, secret, "two") as two,
    ):
        ports = [int(server.base.rsplit(":", 1)[1]) for server in (one, two)]
        with balancer.nginx(ports, workdir / "nginx-2") as base:
            label = "nginx -> 2 servers x 1 worker"
            asyncio.run(balanced_phases(base, cands, args, figures, label))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL; default SQLite")
    parser.add_argument("--worker-class", default=None, help="sync (default) or gthread")
    parser.add_argument("--workers", type=int, default=None, help="default: 2")
    parser.add_argument("--threads", type=int, default=None, help="gthread only; default 4")
    parser.add_argument(
        "--phases",
        default=None,
        help=f"any of {','.join(PHASES)}; default all (balanced: PostgreSQL only)",
    )
    parser.add_argument("--starters", type=int, default=1000)
    parser.add_argument("--stormers", type=int, default=1000, help="the storm's candidates")
    parser.add_argument("--start-window", type=float, default=60.0, help="0 = one burst")
    parser.add_argument("--ping-seconds", type=float, default=10.0)
    parser.add_argument("--save-seconds", type=float, default=5.0, help="per concurrency")
    parser.add_argument("--save-concurrency", default="2,4,16", help="clients, comma-separated")
    parser.add_argument("--levels", default="1000,5000,10000", help="candidates, comma-separated")
    parser.add_argument("--save-interval", type=float, default=10.0)
    parser.add_argument("--level-seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=256, help="client connection pool")
    parser.add_argument("--bank-items", type=int, default=100_000)
    parser.add_argument("--draw-starts", type=int, default=50)
    args = parser.parse_args()
    if args.phases is None:
        skip = {"balanced"} if args.database_url is None else set()
        args.phases = ",".join(p for p in PHASES if p not in skip)
    args.phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if "wrk" in args.phases and not wrk_runner.available():
        parser.error("the wrk phase needs Debian's wrk: apt-get install wrk (make bench-deps)")
    if "balanced" in args.phases and not balancer.available():
        parser.error("the balanced phase needs Debian's nginx (make bench-deps)")
    unknown = args.phases - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    args.save_concurrency = [int(c) for c in args.save_concurrency.split(",")]
    args.levels = [int(n) for n in args.levels.split(",")]
    # Candidates: the starters start through the measured route, the savers' attempts (the
    # starters' included) are started beforehand.
    args.starters = args.starters if "starts" in args.phases else 0
    args.stormers = args.stormers if "storm" in args.phases else 0
    args.savers = max(
        [0]
        + (args.levels if "save-levels" in args.phases else [])
        + (args.save_concurrency if "save-max" in args.phases else [])
    )
    if "balanced" in args.phases:
        args.savers = max(args.savers, *args.save_concurrency, args.levels[-1])
    args.candidates = max(args.starters, args.savers)
    # The best settings found on the 2-core machine, for both databases.
    args.worker_class = args.worker_class or "sync"
    args.workers = args.workers or 2
    args.threads = args.threads or (4 if args.worker_class == "gthread" else 1)
    return args


def main() -> None:
    args = parse_args()
    figures = Figures()
    started = time.perf_counter()
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load client aiohttp {aiohttp.__version__} (same machine)",
        flush=True,
    )
    secret = secrets.token_urlsafe(48)  # one for every server of the run, as behind a balancer
    with tempfile.TemporaryDirectory(prefix="load_bench_") as tmp:
        workdir = Path(tmp)
        http = {"ping", "wrk", "storm", "starts", "save-max", "save-levels", "balanced"}
        if args.phases & http:
            with fresh_database(args.database_url, workdir, "http") as url:
                t0 = time.perf_counter()
                exam_id = prepare_server_database(url, args.candidates, args.stormers)
                print(
                    f"database: {database_version(url)}; shipped bank, "
                    f"{args.candidates + args.stormers} operators and a 30-item certification "
                    f"exam in {time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
                setup = (
                    f"gunicorn {args.workers} x {args.worker_class}"
                    + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
                    + f", EXAM_APP_ENV=production, {make_url(url).get_backend_name()}"
                )
                figures.add("server", setup)
                kind = (args.worker_class, args.workers, args.threads)
                cands: list[Candidate] = []
                if args.candidates:  # signed in on a server that keeps the setup's cheap hash
                    setup_env = {"PASSWORD_HASH_METHOD": SETUP_HASH}
                    with gunicorn(url, workdir, *kind, secret, "setup", setup_env) as server:
                        cands = asyncio.run(sign_in_candidates(server, exam_id, args))
                with gunicorn(url, workdir, *kind, secret, "gunicorn") as server:
                    asyncio.run(http_phases(server, exam_id, cands, args, figures))
                if "balanced" in args.phases:
                    balanced(url, workdir, secret, cands, args, figures)
                checked, lost = check_receipts(url, cands)
                figures.add(
                    "6. acknowledged saves lost",
                    f"{lost} of {checked} receipts (each candidate's last 200 per question, "
                    f"against the database)  target 0",
                    lost == 0,
                )
                figures.lost = lost
        if "draw" in args.phases:
            measure_draw(args.database_url, workdir, args.bank_items, args.draw_starts, figures)
    print("\n=== summary ===")
    for line in figures.lines:
        print(line)
    print(f"total run {time.perf_counter() - started:.0f} s")
    if figures.lost:
        raise SystemExit(f"{figures.lost} acknowledged saves are not in the database")


if __name__ == "__main__":
    main()
