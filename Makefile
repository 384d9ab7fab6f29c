# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test test-fast bench bench-messages screenshots lint format messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core for the browser tests' accessibility checks; without npm those checks skip.
node_modules/.installed: package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

setup: $(VENV)/.installed node_modules/.installed

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddata fixtures/charter.json fixtures/rangpur_network.json
	$(PY) manage.py runserver $(HOST):$(PORT)

# Every test, the browser ones included, spread over every core (pytest-xdist).
test: setup
	$(PY) -m pytest -n auto

# Everything but the browser tests, on every core: the loop to run while working.
test-fast: setup
	$(PY) -m pytest -m "not browser" -n auto

# Not part of `make test`: needs PostgreSQL, Redis and wrk; writes bench/RESULTS.md.
bench: setup
	command -v wrk >/dev/null || apt-get install -y wrk
	$(PY) bench/run.py

# Not part of `make test`: receipt SMS delay with the real worker, a killed worker and a
# refusing gateway (bench/messages.py, 7–8 minutes); needs PostgreSQL and Redis.
bench-messages: setup
	$(PY) bench/messages.py

# Not part of `make test`: the fault and abuse suite of issue 16 (bench/faults.py, about
# 2 minutes): Redis and PostgreSQL lost, heavy uploads, lock-out and spoofing attacks, each
# against gunicorn with production settings. Needs PostgreSQL and Redis; prints the table.
.PHONY: bench-faults
bench-faults: setup
	$(PY) bench/faults.py

screenshots: setup
	$(PY) manage.py take_screenshots

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: setup
	$(PY) manage.py makemessages --locale bn --locale en --add-location file --ignore '.venv/*' --ignore 'node_modules/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
