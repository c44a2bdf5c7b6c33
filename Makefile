# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app wsgi
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# Debian packages the browser tests and certificates need (a CJK font, HarfBuzz's subsetter so
# certificates embed only the glyphs they use, poppler to read PDFs back); once, as root.
SYSTEM_PACKAGES := chromium fonts-wqy-microhei libharfbuzz-subset0 poppler-utils

.PHONY: install translations system-deps bench-deps axe db run serve test test-pg lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d exam_app/translations

system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 \
	    || ! fc-list | grep -qi "wenquanyi" || ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  echo "installing Debian packages: $(SYSTEM_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

# The load bench's clients and balancer (bench/load_bench.py): Debian's wrk and nginx, and
# aiohttp, a dev tool rather than an app dependency.
bench-deps: install
	@command -v wrk >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null; }
	$(BIN)/pip install --quiet aiohttp

# axe-core, the accessibility checker the browser tests run: one pinned tarball from the npm
# registry (integrity checked), kept under .cache/ (ignored by git).
axe: $(STAMP)
	$(BIN)/python scripts/fetch_axe.py

db: install
	@# Certificates need the CJK font; without root this warns and certificates wait for it.
	-@$(MAKE) --no-print-directory system-deps
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) bank load-shipped
	$(FLASK) demo load
	@# A simulated year (300 operators, ~1,800 graded attempts; ~35 s once, then a no-op).
	$(FLASK) demo history

run: db
	@echo "Serving on http://127.0.0.1:5000  (demo accounts above; Ctrl-C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production-style: gunicorn, several workers; set SECRET_KEY, DATABASE_URL, EXAM_APP_ENV=production.
serve: install
	$(BIN)/gunicorn --workers 4 --bind 127.0.0.1:8000 --access-logfile - wsgi:app

test: install system-deps axe
	$(BIN)/python -m pytest

test-pg: install system-deps axe
	TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check exam_app tests bench migrations
	$(BIN)/ruff format --check exam_app tests bench
	$(BIN)/mypy exam_app

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache
