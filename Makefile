# Each target creates the environment it needs: `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Tests and benchmarks read the real datasets from here (the quickstart needs none).
export HARNESS_DATA_DIR ?= $(abspath ../shared/data)

# Extra pip arguments, e.g. a CPU-only torch on a machine without a GPU:
#   make install PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PIP_ARGS ?=

.PHONY: install run test test-all test-slurm lint typecheck bench boards site gpu-check clean

# The host and every built-in family (each its own distribution under plugins/), editable. The
# plugins/ folder is a prerequisite too: adding or removing a family changes its mtime.
FAMILIES := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))

$(BIN)/spectral-harness: pyproject.toml plugins $(addsuffix pyproject.toml,$(FAMILIES))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_ARGS) -e ".[dev]" $(addprefix -e ,$(FAMILIES))
	touch $@

install: $(BIN)/spectral-harness

## run: the main job — three INR initialisations fit an image bundled with scikit-image, then the board
run: install
	$(BIN)/spectral-harness run -m experiment=quickstart
	@echo "next (activate the environment first: source $(VENV)/bin/activate):"
	@echo "  spectral-harness report --out results/report    # a static results site: every task, curves, ranks"
	@echo "  spectral-harness run -m task=inr_image method=siren,winner,fourier_features seed=0,1,2    # scale=cpu: 128x128, 800 steps"
	@echo "  spectral-harness tasks    # every family's tasks and the methods that fit them"

## test: the default suite (slow tests excluded), as CI runs it
test: install
	$(BIN)/python -m pytest

test-all: install
	$(BIN)/python -m pytest -m "not slurm"

## test-slurm: the opt-in SLURM integration test (root; starts a one-node cluster, scripts/slurm/)
test-slurm: install
	$(BIN)/python -m pytest -m slurm

lint: install typecheck
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## typecheck: mypy over harness/ (configured in pyproject.toml, [tool.mypy])
typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/harness_overhead.py
	$(BIN)/python benchmarks/leaderboard_scale.py
	$(BIN)/python benchmarks/cli_latency.py
	$(BIN)/python benchmarks/main_job.py

## boards: rebuild every committed board and its claims from the committed records
## (results/records/<board>/runs/ -> results/leaderboards/<board>/{board.md,board.csv,claims.md,
## convergence.md});
## the cross-family probe board (diag_probes) shows its diagnostics
BOARDS := $(notdir $(patsubst %/,%,$(dir $(wildcard results/records/*/runs))))
boards: install
	@for board in $(BOARDS); do \
		out=results/leaderboards/$$board; mkdir -p $$out; \
		echo "board $$board"; \
		metrics=costs; [ $$board = diag_probes ] && metrics=diagnostics; \
		HARNESS_RESULTS_DIR=results/records/$$board $(BIN)/spectral-harness leaderboard --format md --metrics $$metrics --out $$out/board.md && \
		HARNESS_RESULTS_DIR=results/records/$$board $(BIN)/spectral-harness leaderboard --format csv --out $$out/board.csv && \
		HARNESS_RESULTS_DIR=results/records/$$board $(BIN)/spectral-harness claims --format md --out $$out/claims.md && \
		HARNESS_RESULTS_DIR=results/records/$$board $(BIN)/spectral-harness curves --format md > $$out/convergence.md \
		|| exit 1; \
		grep -q '^| ' $$out/convergence.md || rm $$out/convergence.md; \
	done

## site: the static results site of every committed board (results/records/*) -> results/site
site: install
	$(BIN)/spectral-harness report --out results/site $(addprefix --results ,$(wildcard results/records/*))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
