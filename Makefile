# Two commands for a fresh machine: `make demo` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/*.po))
PYTEST_ARGS ?=

.PHONY: demo test install lint translations extract-messages bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-pot-creation-date -i locales/messages.pot -d locales -D messages

bench: $(STAMP) translations
	$(BIN)/python bench/flash_sale.py

clean:
	rm -rf $(VENV) livesell.db $(MO_FILES)
