# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_OUT := out/demo

.PHONY: demo test lint clean

$(BIN)/loancheck: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Exit code 1 only means "the sample has breaches", which is the point of the demo.
demo: $(BIN)/loancheck
	$(BIN)/loancheck check sample_data --out $(DEMO_OUT); rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo "Open $(DEMO_OUT)/index.html"

test: $(BIN)/loancheck
	$(BIN)/python -m pytest -q

lint: $(BIN)/loancheck
	$(BIN)/ruff check checker tests bench
	$(BIN)/ruff format --check checker tests bench

clean:
	rm -rf $(VENV) out build dist
