"""Where an answer save's time goes, in process (no HTTP server, no client): the WSGI app
called directly for N saves of one signed-in candidate, each layer a save passes through timed
by a wrapper around it (wall time, µs per save; no profiler, whose own cost per call would
swell the layers made of many small calls).

Run: .venv/bin/python bench/save_profile.py [--database-url postgresql+psycopg://…] [-n 3000]
     [--top tottime [--callers NAME]]   and, separately, N saves under cProfile

The layers (a function's callees included):
  the whole request                   werkzeug's test client calling the app
  Flask: the request context           opening the session cookie (``signed_cookies``)
  the access rule (enforce_access)     who is signed in and the CSRF check, below
    Flask-Login: load the user         the user loader (one SELECT, ``db.read_lock_free``)
    Flask-WTF: check the CSRF token    ``RememberingCSRFProtect.protect``
  the view                             JSON in, the save, the commit, the receipt
    the save itself                    ``saving.save_answer`` (SQL)
    the commit                         ``Session.commit``
  the response                         headers, the session cookie when it changed
"""

from __future__ import annotations

import cProfile
import functools
import pstats
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import in_process  # noqa: E402
from flask import Flask  # noqa: E402
from load_bench import CSRF_INPUT, CSRF_META, PASSWORD  # noqa: E402


def _layers() -> dict[str, tuple[Any, str]]:
    """Label -> (owner, attribute) of each timed layer."""
    import flask
    import flask_login
    from sqlalchemy.engine import Connection

    from exam_app.accounts import permissions
    from exam_app.exams import saving
    from exam_app.signed_cookies import RememberingCSRFProtect

    return {
        "Flask: the request context (cookie)": (flask.ctx.RequestContext, "push"),
        "the access rule (enforce_access)": (permissions, "enforce_access"),
        # nothing here once the save's statement checks the session's claim (claims.py)
        "  Flask-Login: load the user": (flask_login.LoginManager, "_load_user"),
        "  Flask-WTF: check the CSRF token": (RememberingCSRFProtect, "protect"),
        "the view (exams.save_answer)": (None, "exams.save_answer"),
        "  the save itself (saving.save_claimed)": (saving, "save_claimed"),
        "  the commit (Connection.commit)": (Connection, "commit"),
        "the response (process_response)": (flask.Flask, "process_response"),
    }


def _timed(spent: dict[str, float], label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - t0

    return timed


def main() -> None:
    parser = in_process.parser(__doc__)
    parser.add_argument("-n", type=int, default=3000, help="saves profiled")
    parser.add_argument("--top", default="", help="also print the 30 top functions by this key")
    parser.add_argument("--callers", default="", help="and the callers of functions matching this")
    args = parser.parse_args()
    with in_process.production_app(args.database_url, "profile", 1, 0) as (
        app,
        exam_id,
        url,
    ):
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
        spent = _time_layers(app)
        for i in range(args.n):
            save(i)
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{database}, {args.n} saves of one candidate, WSGI called in process (wall µs)")
        print(f"{'a save (test client to response)':<44} {plain:8.0f} µs")
        for label, seconds in spent.items():
            print(f"  {label:<42} {seconds / args.n * 1e6:8.0f} µs")
        if args.top:
            # CPU time, not wall time: waiting for PostgreSQL is not this process's cost
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for i in range(args.n):
                save(i)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats(args.top).print_stats(30)
            if args.callers:
                stats.print_callers(args.callers)


def _time_layers(app: Flask) -> dict[str, float]:
    """Wrap every layer of ``_layers`` with a timer; the seconds each has taken so far."""
    spent = dict.fromkeys(_layers(), 0.0)
    for label, (owner, name) in _layers().items():
        if owner is None:  # a view, by endpoint
            app.view_functions[name] = _timed(spent, label, app.view_functions[name])
        elif name == "enforce_access":  # registered as a hook: replace it there
            hooks = app.before_request_funcs[None]
            hooks[:] = [_timed(spent, label, f) if f is owner.enforce_access else f for f in hooks]
        else:
            setattr(owner, name, _timed(spent, label, getattr(owner, name)))
    return spent


if __name__ == "__main__":
    main()
