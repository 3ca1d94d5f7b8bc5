# The assistant's everyday commands. `make run` and `make test` are all a newcomer needs.

PYTHON ?= python3.10
VENV   := .venv
PY     := $(VENV)/bin/python

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.DEFAULT_GOAL := help
.PHONY: help install install-prod browser nginx run run-prod migrate use-model chat handoffs topic review merge train validate evaluate lint test bench bench-startup bench-console bench-load bench-live lock clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

# axe-core, for the widget's accessibility test, pinned in widget/package-lock.json
widget/node_modules/.installed: widget/package-lock.json
	npm ci --prefix widget --no-audit --no-fund --silent
	@touch $@

install: $(VENV)/.installed widget/node_modules/.installed  ## create .venv with the runtime and development packages

install-prod: $(VENV)/.runtime  ## create .venv with the runtime packages only (a production machine)

browser:  ## install Debian's Chromium for the browser tests (needs root; once per machine)
	@test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

nginx:  ## install Debian's nginx for make run-prod and its tests (needs root; once per machine)
	@test -x /usr/sbin/nginx || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx)

run: install  ## train if needed, then start everything in the Procfile (Ctrl-C stops it)
	@model=$$($(PY) -m training.model) && $(PY) -m records migrate && \
	  RASA_MODEL=$$model \
	  ACTION_SERVER_TOKEN=$${ACTION_SERVER_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')} \
	  RASA_API_TOKEN=$${RASA_API_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')} \
	  PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/honcho start --no-colour -f Procfile

run-prod: install-prod  ## production: supervisord runs Rasa processes, actions, console, nginx (docs/OPERATIONS.md)
	$(PY) -m serving.production

migrate: install-prod  ## bring the database's tables up to date (production runs it before run-prod)
	$(PY) -m records migrate

use-model: install-prod  ## serve a model in production: make use-model [MODEL=models/rj-….tar.gz]
	$(PY) -m serving.production use-model $(MODEL)

chat: install  ## chat with the running assistant in this terminal
	$(PY) -m devtools.chat

handoffs: install  ## advisors' callback requests: ARGS="list" | "show RJ-…" | "mark-contacted RJ-… --by NAME"
	$(PY) -m records handoffs $(or $(ARGS),list)

train: install  ## train a model unless one matches the current data and config
	$(PY) -m training.model

topic: install  ## add a new FAQ topic everywhere it belongs: make topic NAME=support_dogs
	$(PY) -m training.topic $(NAME)

review: install  ## messages not understood (console export) -> a review sheet: make review FILE=to_label.yml
	$(PY) -m training.review import $(FILE)

merge: install  ## labelled review sheet -> training data: make merge SHEET=reports/review/review-….csv
	$(PY) -m training.review merge $(SHEET)

validate: install  ## Rasa's validator, then our content rules (each error names file and line)
	$(PY) -m rasa data validate --fail-on-warnings
	$(PY) -m training.content_rules

evaluate: install  ## train, then held-out, 5-fold cross-validation, stories, dev set -> reports/latest/
	$(PY) -m training.evaluate $(ARGS)

lint: install  ## ruff: the linter's rules are in ruff.toml
	$(VENV)/bin/ruff check .

test: install lint  ## the linter, then the whole test suite
	$(PY) -m pytest

bench: install  ## benchmark against Rasa's stock config; writes docs/benchmarks.md
	$(PY) -m bench.benchmark $(ARGS)

bench-startup: install  ## the Rasa server's start-up step by step, and seconds until REST answers (ARGS=--write)
	$(PY) -m bench.startup $(ARGS)

bench-console: install  ## time the console's pages at 50,000 and 500,000 conversations in PostgreSQL
	$(PY) -m bench.console_benchmark $(ARGS)

bench-load: install  ## 100 conversations x 20 turns on the production profile, 1 vs 2 Rasa processes; nothing lost
	$(PY) -m bench.load_test $(ARGS)

bench-live: install  ## 20 live chats with 5 advisors on the production profile: delivery times; nothing lost
	$(PY) -m bench.live_chat_load $(ARGS)

lock:  ## re-resolve requirements.in and requirements-dev.in into the two lock files
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	.lock-venv/bin/pip freeze --all --exclude pip > requirements.lock
	.lock-venv/bin/pip install --quiet -c requirements.lock -r requirements-dev.in
	.lock-venv/bin/pip freeze --all --exclude pip | grep -vxFf requirements.lock > requirements-dev.lock
	rm -rf .lock-venv

clean:  ## remove trained models, build output and test results (keeps conversations)
	rm -rf models/*.tar.gz build results .rasa
