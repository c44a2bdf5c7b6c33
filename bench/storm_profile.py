"""Where a sitting's arrival spends its CPU, in process (no HTTP server, no client): N
candidates each take the storm's path (``load_bench.measure_storm``) through the WSGI app
called directly, and the CPU time of each step is printed per candidate.

Run: .venv/bin/python bench/storm_profile.py [--database-url postgresql+psycopg://…] [-n 100]
     [--top cumulative]   the 40 top functions over all steps, under cProfile
     [--dump FILE]        the cProfile stats written to FILE (for pstats or snakeviz)

CPU time, not wall time: waiting for PostgreSQL is not this process's cost (the database's own
CPU comes on top, and the load bench measures it).
"""

from __future__ import annotations

import cProfile
import pstats
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import in_process  # noqa: E402
from load_bench import CSRF_INPUT, PASSWORD  # noqa: E402

STEPS = (
    "GET  /accounts/login",
    "POST /accounts/login",
    "GET  / (home)",
    "GET  /exams/",
    "GET  /exams/<id>/start",
    "POST /exams/<id>/start",
    "GET  /exams/attempts/<id>",
)


def main() -> None:
    parser = in_process.parser(__doc__)
    parser.add_argument("-n", type=int, default=100, help="candidates arriving")
    parser.add_argument("--top", default="", help="also print the 40 top functions by this key")
    parser.add_argument("--statements", action="store_true", help="print the last arrival's SQL")
    parser.add_argument("--dump", default="", help="also write the cProfile stats to this file")
    args = parser.parse_args()
    with in_process.production_app(args.database_url, "storm", 0, args.n + 5) as (
        app,
        exam_id,
        url,
    ):
        spent = dict.fromkeys(STEPS, 0.0)
        statements = dict.fromkeys(STEPS, 0)
        sent: list[str] = []
        event.listen(
            app.extensions["db_engine"], "before_cursor_execute", lambda *a: sent.append(a[2])
        )
        profiler = cProfile.Profile(time.process_time) if args.top or args.dump else None

        def timed(step: str, call: Callable[[], object]) -> object:
            if profiler:
                profiler.enable()
            t0, before = time.process_time(), len(sent)
            result = call()
            spent[step] += time.process_time() - t0
            statements[step] += len(sent) - before
            if profiler:
                profiler.disable()
            return result

        def arrive(number: int, measured: bool) -> None:
            client = app.test_client()
            run = timed if measured else (lambda _step, call: call())
            page = run(STEPS[0], lambda: client.get("/accounts/login"))
            form = {"employee_no": f"S{number:05d}", "password": PASSWORD}
            form["csrf_token"] = _token(page)
            signed = run(STEPS[1], lambda: client.post("/accounts/login", data=form))
            assert signed.status_code == 302, signed.status_code
            run(STEPS[2], lambda: client.get(signed.headers["Location"]))
            run(STEPS[3], lambda: client.get("/exams/"))
            start_page = run(STEPS[4], lambda: client.get(f"/exams/{exam_id}/start"))
            token = _token(start_page)
            started = run(
                STEPS[5], lambda: client.post(f"/exams/{exam_id}/start", data={"csrf_token": token})
            )
            location = started.headers["Location"]
            assert re.search(r"/attempts/\d+$", location), location
            paper = run(STEPS[6], lambda: client.get(location))
            assert paper.status_code == 200

        for number in range(args.n + 1, args.n + 6):  # warm: templates compiled, caches full
            arrive(number, measured=False)
        for number in range(1, args.n + 1):
            mark = len(sent)
            arrive(number, measured=True)
        if args.statements:
            for sql in sent[mark:]:
                print(" ".join(sql.split())[:300])
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{database}, {args.n} candidates arriving, WSGI called in process, each:")
        print(f"  {'':<28} {'CPU':>7}    statements")
        for step, seconds in spent.items():
            count = statements[step] / args.n
            print(f"  {step:<28} {seconds / args.n * 1000:7.1f} ms {count:6.1f}")
        total, count = sum(spent.values()) / args.n * 1000, sum(statements.values()) / args.n
        print(f"  {'the whole arrival':<28} {total:7.1f} ms {count:6.1f}")
        if profiler and args.dump:
            profiler.dump_stats(args.dump)
        if profiler and args.top:
            pstats.Stats(profiler).sort_stats(args.top).print_stats(40)


def _token(response: object) -> str:
    match = CSRF_INPUT.search(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


if __name__ == "__main__":
    main()
