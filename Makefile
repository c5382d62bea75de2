# FastTriage: every command sets itself up (virtualenv, dependencies, broker) on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/%2F
export AMQP_URL

.PHONY: help venv tools broker lint test test-unit demo eval bench chaos events serve clean

help:
	@echo "make demo    - the whole flow locally on the events/ samples (no AWS, no Docker)"
	@echo "make test    - lint, type check and the whole test suite (starts RabbitMQ if stopped)"
	@echo "make eval    - red-flag engine: emergency recall and false-emergency rate on the vignettes"
	@echo "make bench   - benchmarks beside their floors; figures written into docs/"
	@echo "make serve   - keep the local stack running on :3000"
	@echo "make chaos   - 500 messages per fault (broker stopped, MongoDB down, spool down) on a private RabbitMQ node"

$(STAMP): requirements/dev.txt worker/requirements.txt layers/common/requirements.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

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

test-unit: venv
	$(BIN)/python -m pytest tests/unit

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
