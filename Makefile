# Vitrine's everyday commands. `make run` to try it, `make test` before you push.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --quiet --disable-pip-version-check
FLASK := $(VENV)/bin/flask --app app
PYBABEL := $(VENV)/bin/pybabel
PYTEST := $(VENV)/bin/pytest
RUFF := $(VENV)/bin/ruff
# apt-get needs root; anyone else goes through sudo when there is one.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
# The port `make run` serves on (`PORT=8080 make run`); without VITRINE_BASE_URL the app's own address follows it.
PORT ?= 5000

.PHONY: run serve test test-all lint translations bench compile-translations system-packages postgresql-server nginx vendor

$(PY):
	python3 -m venv $(VENV)

# Stamp files: pip runs again only when a requirements file changed.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed compile-translations vendor
	$(FLASK) db upgrade
	$(FLASK) refdata load
	$(FLASK) demo load
	$(FLASK) oai rebuild
	$(FLASK) search check > /dev/null || $(FLASK) search reindex  # e.g. a new engine's empty index
	PORT=$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production: gunicorn on PostgreSQL with the background workers until Ctrl-C (deploy/serve.py, README
# "Deployment"): WORKERS, PORT (8000), BIND_HOST (127.0.0.1), DATABASE_URL (else a server of its own in the data
# folder), DEMO=1.
serve: $(VENV)/.installed compile-translations vendor
	[ -n "$${DATABASE_URL:-}" ] || $(MAKE) --no-print-directory postgresql-server
	$(PY) -m deploy.serve

# Debian's PostgreSQL server, installed only when missing: `make serve` without DATABASE_URL runs one.
postgresql-server:
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { $(APT_GET) update; $(APT_GET) install -y --no-install-recommends postgresql; }

# nginx from Debian (installed only when missing) and its site for Vitrine, written from deploy/nginx/vitrine.conf
# with this environment (README "Deployment"), checked, and loaded if nginx runs.
nginx: $(VENV)/.installed
	command -v nginx >/dev/null 2>&1 || { $(APT_GET) update; $(APT_GET) install -y --no-install-recommends nginx ssl-cert; }
	$(PY) -m deploy.nginx | $(SUDO) tee /etc/nginx/sites-available/vitrine >/dev/null
	$(SUDO) ln -sf /etc/nginx/sites-available/vitrine /etc/nginx/sites-enabled/vitrine
	$(SUDO) nginx -t
	! pidof nginx >/dev/null || $(SUDO) nginx -s reload

# SQLite and PostgreSQL side by side, two processes each, all to the end even when one fails; pytest's exit 5 (no
# test ran) is a failure too. `test` leaves out the checks marked `long` (each has a short form
# that runs here) and runs those marked `one_database` on one database; `test-all` runs everything on both.
test: $(VENV)/.installed-dev system-packages compile-translations vendor
	tests/both_databases.sh $(PYTEST) -m "not long"

test-all: $(VENV)/.installed-dev system-packages compile-translations vendor
	VITRINE_TEST_EVERY_DATABASE=1 tests/both_databases.sh $(PYTEST)

# Debian packages the tests need, installed only when missing.
system-packages:
	missing=""; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v zbarimg >/dev/null 2>&1 || missing="$$missing zbar-tools"; \
	command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	[ -e /usr/share/java/epubcheck.jar ] || missing="$$missing epubcheck"; \
	command -v javac >/dev/null 2>&1 || missing="$$missing default-jdk-headless"; \
	command -v tesseract >/dev/null 2>&1 || missing="$$missing tesseract-ocr"; \
	ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata >/dev/null 2>&1 || missing="$$missing tesseract-ocr-vie"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(APT_GET) update; \
		$(APT_GET) install -y --no-install-recommends $$missing; \
	fi

# npm packages pinned in tools/package-lock.json: installed into tools/node_modules when the lock changed,
# the site's and the browser tests' files copied into static/vendor/ (neither committed: static/vendor/README.md).
vendor:
	tools/vendor.sh

lint: $(VENV)/.installed-dev
	$(RUFF) check .
	$(RUFF) format --check .

# The .mo files are built, not committed; the guard lets a tree without catalogs run.
compile-translations: $(VENV)/.installed
	if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(PYBABEL) compile -d translations; \
	else \
		echo "no catalogs under translations/ yet: nothing to compile"; \
	fi

translations: $(VENV)/.installed
	$(PYBABEL) extract -F babel.cfg -k _l --no-location --sort-output -o translations/messages.pot .
	$(PYBABEL) update -i translations/messages.pot -d translations
	$(PYBABEL) compile -d translations

bench: $(VENV)/.installed-dev
	for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; \
		$(PY) "$$script"; \
	done
