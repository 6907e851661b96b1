# sdag_bench: the two commands of the README.
#   make demo   set up .venv (if needed) and run the embedded demo benchmark
#   make test   set up .venv (if needed) and run the test suite
PYTHON := .venv/bin/python
STAMP := .venv/.sdag_bench_installed

.PHONY: setup demo test test-all bench

setup:
	@bash tools/setup_env.sh

demo: setup
	$(PYTHON) tools/benchmark.py --enhancers all

test: setup
	$(PYTHON) -m pytest -q -m "not slow"

test-all: setup
	$(PYTHON) -m pytest -q
