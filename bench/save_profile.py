"""Where an answer save's time goes, in process (no HTTP server, no client): the WSGI app
called directly for N saves of one signed-in candidate, under cProfile, with the time spent
in each layer a save passes through per save.

Run: .venv/bin/python bench/save_profile.py [--database-url postgresql+psycopg://…] [-n 3000]

The layers (cumulative µs per save, a function's callees included):
  the whole request                 werkzeug's test client calling the app
  Flask-Login: load the user         the user loader (one SELECT, ``db.read_lock_free``)
  Flask-WTF: check the CSRF token    ``CSRFProtect.protect`` (an HMAC and the session lookup)
  session cookie: open and save      itsdangerous' signature check and, when sent, the re-sign
  the save itself                    ``saving.save_answer`` (SQL)
  the rest of Flask                  routing, the access rule, JSON in and out, headers
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from databases import fresh_database  # noqa: E402
from load_bench import CSRF_INPUT, CSRF_META, PASSWORD, prepare_server_database  # noqa: E402

from exam_app import create_app  # noqa: E402
from exam_app.config import ProductionConfig  # noqa: E402

LAYERS = {
    "Flask-Login: load the user": ("__init__.py", "_load_user"),
    "Flask-WTF: check the CSRF token": ("csrf.py", "protect"),
    "session cookie: open": ("sessions.py", "open_session"),
    "session cookie: save": ("sessions.py", "save_session"),
    "the save itself (saving.save_answer)": ("saving.py", "save_answer"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL")
    parser.add_argument("-n", type=int, default=3000, help="saves profiled")
    parser.add_argument("--top", default="", help="also print the 30 top functions by this key")
    parser.add_argument("--callers", default="", help="and the callers of functions matching this")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(args.database_url, Path(tmp), "profile") as url,
    ):
        exam_id = prepare_server_database(url, 1, 0)
        settings = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
        app = create_app({**settings, "DATABASE_URL": url, "SECRET_KEY": "x" * 48})
        app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain HTTP
        client = app.test_client()
        page = client.get("/accounts/login").get_data(as_text=True)
        form = {"employee_no": "C00001", "password": PASSWORD}
        form["csrf_token"] = CSRF_INPUT.search(page).group(1)  # type: ignore[union-attr]
        assert client.post("/accounts/login", data=form).status_code == 302
        landing = client.get("/exams/").get_data(as_text=True)
        token = CSRF_INPUT.search(landing).group(1)  # type: ignore[union-attr]
        started = client.post(f"/exams/{exam_id}/start", data={"csrf_token": token})
        attempt = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))  # type: ignore[union-attr]
        paper = client.get(f"/exams/attempts/{attempt}").get_data(as_text=True)
        csrf = CSRF_META.search(paper).group(1)  # type: ignore[union-attr]
        url_save = f"/exams/attempts/{attempt}/answer"
        revision = {}

        def save(i: int) -> None:
            pos = i % 30 + 1  # every type has options 0 and 1
            body = {"position": pos, "chosen": [i % 2], "base_revision": revision.get(pos, 0)}
            response = client.post(url_save, json=body, headers={"X-CSRFToken": csrf})
            assert response.status_code == 200, response.get_data(as_text=True)
            revision[pos] = response.get_json()["revision"]

        for i in range(200):  # warm: statements prepared, caches full
            save(i)
        t0 = time.perf_counter()
        for i in range(args.n):
            save(i)
        plain = (time.perf_counter() - t0) / args.n * 1e6
        # CPU time, not wall time: waiting for PostgreSQL is not this process's cost
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for i in range(args.n):
            save(i)
        profiler.disable()
        stats = pstats.Stats(profiler)
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{database}, {args.n} saves of one candidate, WSGI called in process")
        print(f"{'a save, unprofiled':<44} {plain:8.0f} µs")
        total = _cumulative(stats, ("app.py", "wsgi_app"))
        print(f"{'a save under the profiler (Flask wsgi_app)':<44} {total / args.n * 1e6:8.0f} µs")
        accounted = 0.0
        for label, key in LAYERS.items():
            spent = _cumulative(stats, key)
            accounted += spent if "save_answer" in label or "load" in label else 0.0
            share = 100 * spent / total if total else 0.0
            print(f"  {label:<42} {spent / args.n * 1e6:8.0f} µs  {share:4.0f} %")
        if args.top:
            stats.sort_stats(args.top).print_stats(30)
            if args.callers:
                stats.print_callers(args.callers)
        app.extensions["db_engine"].dispose()


def _cumulative(stats: pstats.Stats, key: tuple[str, str]) -> float:
    """Cumulative seconds of the functions named ``key[1]`` in files ending ``key[0]``."""
    found = 0.0
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if name == key[1] and filename.endswith(key[0]):
            found += row[3]
    return found


if __name__ == "__main__":
    main()
