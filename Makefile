# Two commands for a fresh machine: `make demo` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
LOCKED := $(VENV)/.locked
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/*.po))
PYTEST_ARGS ?=

.PHONY: demo test install lint translations extract-messages bench lock clean

# Every package, pip and the build tools included, comes from requirements.lock at its pinned version with its hash
# checked, so a fresh machine installs today what it installs next month. The locked pip is installed first and does
# the rest; livesell itself is built by the locked setuptools (no build isolation, so nothing unpinned is fetched).
$(LOCKED): $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	awk '/^pip==/ {found = 1} found {print} found && !/\\$$/ {exit}' $(LOCK) > $(VENV)/pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --only-binary :all: -r $(VENV)/pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary :all: -r $(LOCK)
	touch $(LOCKED)

# `pip check` fails when pyproject.toml asks for something the lock does not hold.
$(STAMP): pyproject.toml $(LOCKED)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	$(BIN)/python -m pip check || { echo "$(LOCK) does not satisfy pyproject.toml: run make lock" >&2; exit 1; }
	touch $(STAMP)

install: $(STAMP)

locales/%.mo: locales/%.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(MO_FILES)

demo: $(STAMP) translations
	$(BIN)/livesell db upgrade
	$(BIN)/livesell catalog import examples/catalog.csv
	$(BIN)/livesell demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) translations lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-extract UI strings into the template; translators then update each catalogue.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -k _ -k __ -k N_ -k lazy_gettext -o locales/messages.pot bot handlers
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date -i locales/messages.pot -d locales -D messages

bench: $(STAMP) translations
	$(BIN)/python bench/flash_sale.py
	$(BIN)/python bench/catalog_import.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/broadcast.py
	$(BIN)/python bench/answers.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/throughput.py

# Maintainers: refresh requirements.lock on purpose, after changing dependencies in pyproject.toml (pins that still
# fit are kept), or with UPGRADE=1 to take the newest release of everything. Then `make test`, and commit both files.
# uv (locked in the dev extra) rather than pip-tools: it resolves once for every platform and Python >= 3.11 (pip-tools
# only for the machine it runs on) and hashes every file of each pinned release; pip installs from the result. pip, setuptools and wheel are locked too: the first installs, the
# others build livesell (the build-system requirements of pyproject.toml).
lock: $(LOCKED)
	$(BIN)/python -c 'import tomllib; print("pip", *tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
		> $(VENV)/build-tools.in
	$(BIN)/uv pip compile pyproject.toml $(VENV)/build-tools.in --extra dev --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) --quiet --output-file $(LOCK)

clean:
	rm -rf $(VENV) livesell.db $(MO_FILES)
