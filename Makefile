# sendpb: `make run` starts the whole platform on http://127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench fuzz faults clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/sendpb serve --target all

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check kit services gateway sendpb tests bench

fuzz: $(STAMP)  ## the long fuzz run: many more examples per operation than the suite's short form
	SENDPB_FUZZ_EVERY=1 SENDPB_FUZZ_EXAMPLES=$${SENDPB_FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/fuzz $(PYTEST_ARGS)

faults: $(STAMP)  ## the long fault loops on PostgreSQL and RabbitMQ: more rounds than the suite's short form
	SENDPB_FAULT_ROUNDS=$${SENDPB_FAULT_ROUNDS:-20} SENDPB_REQUIRE_SERVICES=1 $(BIN)/python -m pytest tests/faults $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/gateway.py

clean:
	rm -rf $(VENV) var
