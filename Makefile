# Two commands, as the README says: `make demo` and `make test`. Both set up .venv when needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean system-packages

# bubblewrap, chromium and postgresql: installed with apt-get when root and missing, else one
# message says what to run (silent when all are there).
system-packages:
	@sh scripts/system_packages.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: system-packages $(STAMP)
	$(BIN)/autograder demo

# The linter first (ruff, configured in pyproject.toml): a finding fails the run before any test.
test: system-packages $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2

clean:
	rm -rf demo build source release submitted autograded feedback gradebook.db nbgrader_config.py
