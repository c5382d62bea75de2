# FastTriage: every command sets itself up (virtualenv, dependencies, broker) on a fresh machine.
SHELL := /bin/bash
# Python 3.12, the Lambda runtime's and the worker image's version (scripts/python312.sh says how it is found).
PY ?= $(shell bash scripts/python312.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-py312
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.12 \
	--python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" --quiet
AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/%2F
export AMQP_URL

.PHONY: help venv pth lock tools broker lint test unit test-unit demo eval bench chaos events serve clean

help:
	@echo "make demo    - the whole flow locally on the events/ samples (no AWS, no Docker)"
	@echo "make test    - lint, type check and the whole test suite (starts RabbitMQ if stopped)"
	@echo "make unit    - the unit tests alone, offline (sockets disabled), in seconds"
	@echo "make eval    - red-flag engine: emergency recall and false-emergency rate on the vignettes"
	@echo "make bench   - benchmarks beside their floors; figures written into docs/"
	@echo "make serve   - keep the local stack running on :3000"
	@echo "make lock    - after editing pyproject.toml's dependencies: requirements/lock.txt and the generated files"
	@echo "make chaos   - 500 messages per fault (broker stopped, MongoDB down, spool down) on a private RabbitMQ node"

$(STAMP): requirements/lock.txt pyproject.toml
	@test -n "$(PY)" || { echo "No Python 3.12: see the message above (scripts/python312.sh)"; exit 1; }
	$(PY) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/lock.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(MAKE) --no-print-directory pth
	touch $(STAMP)

# The three folders of the fasttriage namespace package (layer, worker image, development) on the venv's path.
pth:
	@site="$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" && \
	printf '%s\n' "$(CURDIR)/layers/common" "$(CURDIR)/worker" "$(CURDIR)/dev" > "$$site/fasttriage-parts.pth"

venv: $(STAMP)

# After editing pyproject.toml's extras: re-resolve the lock (PyPI), sync the venv, regenerate the layer's and the
# worker image's requirement files from it. UPGRADE=1 lets every unpinned transitive package move to its newest.
lock: venv
	$(UV_COMPILE) $(if $(UPGRADE),--upgrade) -o requirements/lock.txt
	$(BIN)/pip install --quiet -r requirements/lock.txt
	$(BIN)/python scripts/requirements_lock.py
	touch $(STAMP)

tools:
	bash scripts/install-tools.sh

broker:
	@bash scripts/ensure-rabbitmq.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: venv tools broker lint
	$(BIN)/python -m pytest

# Suites: tests/unit runs offline (sockets disabled) in well under 30 s; markers broker, infra, browser and e2e
# select the rest (tests/conftest.py refuses a test that needs one and lacks it).
unit test-unit: venv
	$(BIN)/python -m pytest tests/unit -q

demo: venv
	@bash scripts/ensure-rabbitmq.sh --optional
	$(BIN)/fasttriage demo --events events --out out

serve: venv
	@bash scripts/ensure-rabbitmq.sh --optional
	$(BIN)/fasttriage local serve --port 3000 --seed

eval: venv
	$(BIN)/python -m fasttriage.evaluation

bench: venv broker
	$(BIN)/python -m benchmarks.run

chaos: venv
	$(BIN)/python -m benchmarks.chaos --messages 500

events: venv
	$(BIN)/fasttriage local make-events --dir events

clean:
	rm -rf $(VENV) .tools .aws-sam out .pytest_cache .mypy_cache .ruff_cache
