# The two commands a user needs: `make demo` and `make test` (both set up on a fresh machine).
# Set-up: a virtual environment (.venv) unless one is active, the CPU build of torch 2.13.0 where no
# torch is installed (any other torch pulls a CUDA build of several GB), then `pip install -e ".[dev]"`.

ifdef VIRTUAL_ENV
VENV := $(VIRTUAL_ENV)
else
VENV := .venv
endif
PY := $(VENV)/bin/python
STAMP := $(VENV)/.scigen-installed
DEMO_OUT ?= demo-output

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(PY) -m scigen.cli demo --out $(DEMO_OUT)

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) -m benchmarks $(BENCH)

clean:
	rm -rf $(DEMO_OUT) .pytest_cache build *.egg-info
