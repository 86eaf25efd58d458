# The README's commands. Everything installs into .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1:8000
# make test runs the suite on every core (pytest-xdist); a test file stays on one worker,
# so its module fixtures are made once. XDIST= runs in one process (for -x, --pdb).
XDIST ?= -n auto --dist loadfile

.PHONY: install run serve test lint format messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Migrate the SQLite database, load the demo counties and serve on 127.0.0.1:8000.
# The demo users share one password: $DEMO_PASSWORD, or one generated once and kept
# in .demo-password.
run: install
	@pw="$${DEMO_PASSWORD:-$$(cat .demo-password 2>/dev/null)}"; \
	if [ -z "$$pw" ]; then \
		pw="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(9))')"; \
		echo "$$pw" > .demo-password; \
	fi; \
	DEBUG=1 $(BIN)/python manage.py migrate --noinput && \
	DEBUG=1 DEMO_PASSWORD="$$pw" $(BIN)/python manage.py load_demo && \
	echo "" && \
	echo "Rectify: http://$(HOST)/" && \
	echo "Demo password (every account above): $$pw" && \
	echo "" && \
	DEBUG=1 exec $(BIN)/python manage.py runserver $(HOST)

# Serve as in production: gunicorn, DEBUG off, static files collected and served by
# WhiteNoise, the database of DATABASE_URL (migrated first). SECRET_KEY is required.
# Bind: HOST (127.0.0.1) and PORT (8000), or HOST=addr:port as for `run`. Workers:
# WEB_CONCURRENCY (default 2 x cores + 1); GUNICORN_TIMEOUT (120 s, for big exports); the
# access log (who asked for what, from which address) goes to standard output;
# anything else through GUNICORN_CMD_ARGS.
PORT ?= $(or $(word 2,$(subst :, ,$(HOST))),8000)
BIND = $(firstword $(subst :, ,$(HOST))):$(PORT)

serve: install
	@test -n "$$SECRET_KEY" || { \
		echo 'make serve: set SECRET_KEY, e.g.' >&2; \
		echo '  export SECRET_KEY="$$(python3 -c "import secrets; print(secrets.token_urlsafe(50))")"' >&2; \
		exit 1; }
	@test "$${#SECRET_KEY}" -ge 50 || { \
		echo "make serve: SECRET_KEY is too short ($${#SECRET_KEY} characters); use at least 50." >&2; \
		exit 1; }
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 exec $(BIN)/gunicorn rectify.wsgi \
		--bind $(BIND) \
		--workers "$${WEB_CONCURRENCY:-$$(( 2 * $$(nproc) + 1 ))}" \
		--timeout "$${GUNICORN_TIMEOUT:-120}" \
		--access-logfile - \
		--no-control-socket

test: install
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Update the message catalogues after changing UI text (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --locale en --no-obsolete \
		--ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'test-artifacts/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
