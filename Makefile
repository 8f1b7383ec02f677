# The README's two commands: `make run` serves the shop, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app shop
PORT ?= 5000
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/3

.PHONY: run dev test lint db seed clean

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

test: $(VENV)/.installed
	@if [ -x /usr/bin/chromium ]; then echo "Browser tests: Chromium found at /usr/bin/chromium."; \
	else echo "Browser tests: /usr/bin/chromium is missing, so the browser tests will be SKIPPED (apt-get install -y chromium)."; fi
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' TEST_REDIS_URL='$(TEST_REDIS_URL)' $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check shop blog tests bench scripts

clean:
	rm -rf $(VENV) instance/shop.sqlite3*
