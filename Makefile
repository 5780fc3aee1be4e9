# The single entry point. `make run` serves the portal, `make test` proves it; both install
# everything they need first (make install) and reuse what is already installed.
SHELL := /bin/bash
PY := .venv/bin/python
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: install install-test install-bench run test bench lint format messages clean help fuzz audit soak

help:
	@echo "make run      install, migrate, load demo data, start Redis + Celery + web on http://127.0.0.1:8000"
	@echo "make test     install with test extras, start throwaway PostgreSQL + Redis, run the whole suite"
	@echo "make bench    build the county profile once (cached in var/bench), print one JSON line per measurement"
	@echo "make install  the installation part alone (apt packages, .venv, npm assets, translations)"
	@echo "make fuzz     schemathesis against the API schema as every role, 100 examples per operation"
	@echo "make soak     50 simulated cadres post for 60 s on loopback; Redis stopped and PostgreSQL restarted mid-run"
	@echo "make audit    pip-audit of the installed Python packages (asks PyPI's advisory data; fails when it cannot)"
	@echo "make lint     ruff check + format check"
	@echo "make messages re-extract translatable strings into locale/zh_Hans"

install:
	@scripts/install.sh run

install-test:
	@scripts/install.sh test

install-bench:
	@scripts/install.sh bench

run: install
	@scripts/run.sh

test: install-test
	@scripts/test.sh $(ARGS)

bench: install-bench
	@scripts/bench.sh $(ARGS)

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install-test
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) manage.py makemessages -d djangojs -l zh_Hans --no-obsolete --ignore=.venv --ignore=node_modules --ignore=var --ignore=static/vendor

clean:
	rm -rf var/static var/test static/vendor

fuzz: install-test
	@FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} scripts/test.sh tests/test_api_fuzz.py -q $(ARGS)

# --strict: a package whose advisories cannot be fetched fails the audit (without it, pip-audit
# says "No known vulnerabilities found" and exits 0 having audited nothing).
audit: install-test
	.venv/bin/python -m pip_audit --strict --skip-editable --progress-spinner off $(ARGS)

soak: install-test
	@scripts/soak.sh
