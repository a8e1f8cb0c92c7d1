# The README's two commands: `make demo` and `make test`. Both create or refresh
# .venv and install the project (editable) when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest system-deps clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/warroom demo

# tmux drives the end-to-end test in a real terminal, the Alertmanager tests run a real
# Prometheus Alertmanager and the replica tests a real NATS JetStream cluster; install
# them when missing (CI is root).
system-deps:
	@command -v tmux >/dev/null 2>&1 || { \
	  echo "installing tmux for the end-to-end test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; }
	@command -v prometheus-alertmanager >/dev/null 2>&1 || { \
	  echo "installing prometheus-alertmanager for the Alertmanager tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    prometheus-alertmanager >/dev/null; }
	@command -v nats-server >/dev/null 2>&1 || test -x /usr/sbin/nats-server || { \
	  echo "installing nats-server for the hub replica tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null; }

# ruff, then the architecture's import contracts ([tool.importlinter] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	$(BIN)/pytest -q

test: lint typecheck pytest

# Measurements for docs/performance.md: each prints a table (loopback only, bounded).
bench: $(STAMP)
	$(BIN)/python benchmarks/hub_ingest.py
	$(BIN)/python benchmarks/keypress_to_confirmed.py
	$(BIN)/python benchmarks/ssh_budget.py
	$(BIN)/python benchmarks/fleet.py
	$(BIN)/python benchmarks/storm.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
