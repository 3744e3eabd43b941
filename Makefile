# The two commands a newcomer needs: `make demo` and `make test`. Both build on `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOL_PORT ?= 5000
PLATFORM_PORT ?= 5001
MAIL_PORT ?= 8025
export FLASK_APP := app
# Access logs without query strings: session tokens travel in URLs and must not land in logs.
ACCESS_LOG := --access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
# Threads, not sync workers: a browser's idle pre-opened connections would each hold a whole
# sync worker until its timeout, and every other request would wait (tests/ui/test_demo_serving.py).
SERVE := --worker-class gthread --threads 4

.PHONY: install demo test test-fast test-postgres test-deploy lint browser translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs only when pyproject.toml changes; catalogues are compiled every time (cheap).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,lint]'
	touch $@

install: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations >/dev/null 2>&1

# Headless Chromium for the browser tests, from Debian's packages (needs root or sudo).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need /usr/bin/chromium: sudo apt-get install -y chromium"; exit 1; fi; \
	fi

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# No browser and no real servers: the quick loop while editing.
test-fast: install
	$(BIN)/python -m pytest -m "not browser and not live" $(PYTEST_ARGS)

# Style, types, and the import layers of ARCHITECTURE.md (the contract lives in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-postgres: install browser
	TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

# Production as it runs (tests/deploy): nginx with TLS in front of two gunicorn nodes on one
# PostgreSQL database, workers as their own processes. Needs nginx (Debian's package) and PostgreSQL.
test-deploy: install
	DEPLOY_TESTS=1 TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
	  $(BIN)/python -m pytest tests/deploy $(PYTEST_ARGS)

demo: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	@echo
	@echo "  Development platform (a stand-in for Moodle): http://127.0.0.1:$(PLATFORM_PORT)/"
	@echo "  Open it and press a 'Käynnistä käyttäjänä' (launch as) button. The tool runs on http://localhost:$(TOOL_PORT)/."
	@echo "  Mail the tool sends arrives on the platform's Mail page: http://127.0.0.1:$(PLATFORM_PORT)/mail"
	@echo "  Stop with Ctrl-C."
	@echo
	@trap 'kill 0' INT TERM EXIT; \
	DEVPLATFORM_URL=http://127.0.0.1:$(PLATFORM_PORT) TOOL_URL=http://localhost:$(TOOL_PORT) \
	  $(BIN)/gunicorn --workers 1 $(SERVE) --bind 127.0.0.1:$(PLATFORM_PORT) $(ACCESS_LOG) 'app.devplatform:create_app()' & \
	$(BIN)/python -m app.devplatform.mailsink --port $(MAIL_PORT) --folder instance/devplatform/mail & \
	TOOL_URL=http://localhost:$(TOOL_PORT) MAIL_URL=smtp://127.0.0.1:$(MAIL_PORT) \
	  $(BIN)/gunicorn --workers 2 $(SERVE) --bind localhost:$(TOOL_PORT) $(ACCESS_LOG) 'app:create_app()' & \
	wait

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header -o app/translations/messages.pot app
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --ignore-obsolete --width 100

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/launch.py

clean:
	rm -rf $(VENV) instance .pytest_cache
