# Each target creates .venv when it is missing and installs what it needs: the pinned,
# hash-checked versions of requirements/lock*.txt (tested together), then prepbot itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck pytest bench fuzz lock clean schema-snapshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml requirements/lock.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/lock.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/lock-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/lock-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/prepbot demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# Two workers (pytest-xdist): most tests wait on sockets and timers, so two processes
# halve the wall time on two cores. `.venv/bin/pytest tests/test_x.py` runs one file alone.
pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -n 2

test: lint typecheck pytest

# The randomized search, separate from `make test`: thousands of examples per target
# with a new seed each run (FUZZ_SEED=N repeats a run). Pin what it finds as an @example.
fuzz: $(VENV)/.installed-dev
	@seed=$${FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "fuzz seed: $$seed (repeat this run with: make fuzz FUZZ_SEED=$$seed)"; \
	$(BIN)/pytest -m fuzz --hypothesis-profile=fuzz --hypothesis-seed=$$seed \
		--hypothesis-show-statistics --timeout=3600 $(FUZZ_ARGS)

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

# Re-resolve the pins after changing dependencies in pyproject.toml (Python 3.11, as the image).
LOCK := $(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(VENV)/.installed-dev
	$(LOCK) --output-file requirements/lock.txt pyproject.toml
	$(LOCK) --extra dev --output-file requirements/lock-dev.txt pyproject.toml

# After adding or changing a migration (and setting HEAD in bot/store/schema.py): the schema
# a new SQLite file is created from, rebuilt through every migration.
schema-snapshot: $(VENV)/.installed
	$(BIN)/python -m bot.store.snapshot

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
