# The assistant's everyday commands. `make run` and `make test` are all a newcomer needs.

PYTHON ?= python3.10
VENV   := .venv
PY     := $(VENV)/bin/python

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.DEFAULT_GOAL := help
.PHONY: help install browser run run-prod chat handoffs topic review merge train validate evaluate test bench bench-console bench-load lock clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

# axe-core, for the widget's accessibility test, pinned in widget/package-lock.json
widget/node_modules/.installed: widget/package-lock.json
	npm ci --prefix widget --no-audit --no-fund --silent
	@touch $@

install: $(VENV)/.installed widget/node_modules/.installed  ## create .venv and install the pinned packages

browser:  ## install Debian's Chromium for the browser tests (needs root; once per machine)
	@test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

run: install  ## train if needed, then start the assistant (Ctrl-C stops it)
	$(PY) -m devtools.run

run-prod: install  ## production profile: PostgreSQL, Redis, 2+ Rasa workers (docs/OPERATIONS.md)
	$(PY) -m devtools.run --production

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

test: install  ## the whole test suite
	$(PY) -m pytest

bench: install  ## benchmark against Rasa's stock config; writes docs/benchmarks.md
	$(PY) -m bench.benchmark $(ARGS)

bench-console: install  ## time the console's pages on 50,000 conversations in PostgreSQL
	$(PY) -m bench.console_benchmark $(ARGS)

bench-load: install  ## 100 conversations x 20 turns on the production profile, 1 vs 2 workers; nothing lost
	$(PY) -m bench.load_test $(ARGS)

lock:  ## re-resolve requirements.in into requirements.lock in a scratch venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	.lock-venv/bin/pip freeze --all --exclude pip > requirements.lock
	rm -rf .lock-venv

clean:  ## remove trained models, build output and test results (keeps conversations)
	rm -rf models/*.tar.gz build results .rasa
