# hubbub: `make run` starts the whole system on the embedded default; `make test` runs the suite.
# Both create the virtualenv and install pinned dependencies (constraints.txt) on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run test test-browser screenshots lint format migrate bench clean check train-mood

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hubbub serve --host $(HOST) --port $(PORT)

# The OpenAI adapter's tests talk to a real local model server (llama-cpp-python + SmolLM2),
# built once per machine into a cache outside the checkout (see the script).
test: $(STAMP)
	bash scripts/install-model-server.sh > $(VENV)/model-server-python
	HUBBUB_MODEL_SERVER_PYTHON=$$(tail -n 1 $(VENV)/model-server-python) $(BIN)/python -m pytest

test-browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser

screenshots: $(STAMP)
	HUBBUB_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

check: test lint

migrate: $(STAMP)
	$(BIN)/hubbub db upgrade

# The mood model's head: trained on data/mood/ (train split only), written into the package.
train-mood: $(STAMP)
	$(BIN)/python scripts/train_mood.py

bench: $(STAMP)
	bash bench/run.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
