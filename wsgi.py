"""WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask --app wsgi ...`` for commands."""

import gc

from exam_app import create_app

app = create_app()

# What importing the app built (about 270,000 objects: the libraries, the app, its templates'
# machinery) lives as long as the process, yet every full collection walked all of it again:
# 120-170 ms with the worker stopped, on this 2-core machine, and it landed on whichever answer
# save was being served (the 5,000-candidate bench's p99 was that pause). Frozen, a full
# collection walks only what was made since (`bench/load_bench.py`, docs/architecture.md).
gc.freeze()
