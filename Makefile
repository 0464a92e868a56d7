# Two commands: `make demo` (the main job) and `make test` (every test).
# Both set up .venv on first use: the CPU torch wheel first, then the package.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
TORCH ?= torch==2.13.0
# Extra pip arguments for torch, e.g. TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_PIP_ARGS ?=
RUN ?= demo-$(shell date +%Y%m%d-%H%M%S)
DEMO_NB ?= nbs/train.ipynb
DEMO_ARGS ?= -f configs/demo.yaml

.PHONY: demo test setup clean-venv
.DEFAULT_GOAL := test

setup: $(VENV)/.installed

$(VENV)/.installed: settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q $(TORCH) $(TORCH_PIP_ARGS)
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

demo: setup
	mkdir -p runs/$(RUN)
	$(BIN)/papermill $(DEMO_NB) runs/$(RUN)/run.ipynb -p run_dir $(CURDIR)/runs/$(RUN) $(DEMO_ARGS)
	@echo "run folder: runs/$(RUN)"

test: setup
	@rm -rf $(VENV)/lib-before && cp -r timbrelab $(VENV)/lib-before
	$(BIN)/nbdev_export
	@diff -r -x __pycache__ $(VENV)/lib-before timbrelab \
	  || (echo "timbrelab/ was out of sync with nbs/: nbdev_export updated it; commit notebooks and library together" && exit 1)
	@# nbdev_test runs one notebook per core at once: one torch thread each (two per process stall on 2 cores)
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test
	$(BIN)/pytest -q tests/

clean-venv:
	rm -rf $(VENV)
