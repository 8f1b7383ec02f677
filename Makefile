# The README's two commands: `make run` serves the shop, `make test` runs every test.
# `make check` runs the fast tiers only, for the edit-and-test loop.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app shop
PORT ?= 5000
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/3

.PHONY: run dev test check lint db seed clean bench lock

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

db: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo

run: db
	PORT=$(PORT) ./scripts/serve.sh

dev: db
	$(FLASK) run --debug --port $(PORT)

# The browser audits' tools (Lighthouse, vnu-jar, axe CLI), pinned by package-lock.json.
# --ignore-scripts: nothing is downloaded at install time; the axe CLI drives Debian's
# chromedriver and vnu.jar runs on the machine's Java.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "Audits: npm is missing, so the audit tests will be SKIPPED (install Node.js 20+)."; fi

test: $(VENV)/.installed node_modules/.installed
	@if [ -x /usr/bin/chromium ]; then echo "Browser tests: Chromium found at /usr/bin/chromium."; \
	else echo "Browser tests: /usr/bin/chromium is missing, so the browser tests will be SKIPPED (apt-get install -y chromium)."; fi
	@command -v java >/dev/null && [ -x /usr/bin/chromedriver ] || echo "Audits: java or /usr/bin/chromedriver is missing, so some audit tests will be SKIPPED (apt-get install -y default-jre-headless chromium-driver)."
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' TEST_REDIS_URL='$(TEST_REDIS_URL)' $(BIN)/pytest $(PYTEST_ARGS)

# The fast tiers: pure rules (tests/unit) and services against fakes (tests/services, when
# present), on one database, in well under a minute. `make test` stays the full gate.
CHECK_TESTS := $(wildcard tests/unit tests/services)

check: $(VENV)/.installed
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' TEST_REDIS_URL='$(TEST_REDIS_URL)' $(BIN)/pytest -q $(CHECK_TESTS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check shop blog tests bench scripts

# Times the shop's pages under gunicorn against a minimal Flask page; see README, "Benchmark".
bench: $(VENV)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules instance/shop.sqlite3*

# The hashed locks the Docker image (requirements.lock) and CI (requirements-dev.lock) install
# from; remake them after changing a pin in pyproject.toml. uv comes from PyPI.
lock: $(VENV)/.installed
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
	  --no-header --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
	  --python-version 3.11 --no-header --quiet -o requirements-dev.lock
