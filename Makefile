# sdag_bench: the two commands of the README.
#   make demo   set up .venv (if needed) and run the embedded demo benchmark
#   make test   set up .venv (if needed) and run the test suite
# and the longer ones behind the committed demo results:
#   make zoo    retrain the demo zoo (tools/train_demo_zoo.sh, 1.5-2 h on 2 cores)
#   make seeds  SDAG vs plain over the training seeds (tools/seed_study.py)
#   make bench  the performance benchmarks (bench/pipeline.py)
PYTHON := .venv/bin/python
STAMP := .venv/.sdag_bench_installed

.PHONY: setup demo test test-all zoo seeds bench

setup:
	@bash tools/setup_env.sh

demo: setup
	@# official weights become extra rows when the third-party assets are beside the project
	@if [ -d ../shared/assets ]; then $(PYTHON) tools/convert_official.py > /dev/null; fi
	$(PYTHON) tools/benchmark.py --enhancers all

test: setup
	$(PYTHON) -m pytest -q -m "not slow"

test-all: setup
	$(PYTHON) -m pytest -q

zoo: setup
	bash tools/train_demo_zoo.sh

seeds: setup
	$(PYTHON) tools/seed_study.py

bench: setup
	$(PYTHON) bench/pipeline.py
