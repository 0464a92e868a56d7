# Two commands: `make demo` (the main job) and `make test` (every test); `make compare` runs the leaderboard.
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

.PHONY: demo test compare pretrained setup lab clean-venv
.DEFAULT_GOAL := test

setup: $(VENV)/.installed

HOOK := jupyter-config/jupyter_server_config.json

$(VENV)/.installed: settings.ini setup.py $(HOOK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q $(TORCH) $(TORCH_PIP_ARGS)
	$(BIN)/pip install -q -e ".[dev]"
	@# an editable install skips data_files: register the notebooks' pre-save hook with this environment's Jupyter
	install -D -m 644 $(HOOK) $(VENV)/etc/jupyter/jupyter_server_config.json
	touch $@

demo: setup
	mkdir -p runs/$(RUN)
	@# signed whether it passes or fails, so that JupyterLab opens it with its audio and widgets
	$(BIN)/papermill $(DEMO_NB) runs/$(RUN)/run.ipynb -p run_dir $(CURDIR)/runs/$(RUN) $(DEMO_ARGS); \
	  status=$$?; $(BIN)/jupyter trust -y runs/$(RUN)/run.ipynb >/dev/null; exit $$status
	@echo "run folder: runs/$(RUN)"

# every registered model on both built-in corpora (configs/compare.yaml; about 8.5 hours of training on 2 cores)
COMPARE_ARGS ?=
compare:
	$(MAKE) demo RUN=$(if $(filter command line,$(origin RUN)),$(RUN),compare-$(shell date +%Y%m%d-%H%M%S)) \
	  DEMO_NB=nbs/compare.ipynb DEMO_ARGS="-f configs/compare.yaml $(COMPARE_ARGS)"

# the models that ship in timbrelab/pretrained/ (configs/pretrained.yaml), trained, scored and exported again
pretrained: setup
	$(BIN)/timbrelab-pretrained --spec configs/pretrained.yaml

lab: setup
	$(BIN)/jupyter lab

test: setup
	@rm -rf $(VENV)/lib-before && cp -r timbrelab $(VENV)/lib-before
	$(BIN)/nbdev_export
	@diff -r -x __pycache__ $(VENV)/lib-before timbrelab \
	  || (echo "timbrelab/ was out of sync with nbs/: nbdev_export updated it; commit notebooks and library together" && exit 1)
	@# nbdev_test runs one notebook per core at once: one torch thread each (two per process stall on 2 cores);
	@# the tour and the transfer notebook need a trained model: tests/test_browser.py runs them in JupyterLab
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test --skip_file_re '^(tour|transfer)\.'
	$(BIN)/pytest -q tests/

clean-venv:
	rm -rf $(VENV)
