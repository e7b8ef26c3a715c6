# stablecheck — two commands on a fresh machine:
#   make demo   run the main job on the shipped data
#   make test   install everything the tests need and run them
# Both create (or reuse) the virtual environment $(VENV) and install only what they need.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
TORCH  := torch==2.13.0
PYTEST_ARGS ?=

.PHONY: demo test test-slow bench bench-quick lint clean venv

$(PY):
	@echo ">> creating virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)

# Runtime + report + torch (the demo collects noise with a small PyTorch model).
$(VENV)/.stamp-demo: pyproject.toml | $(PY)
	@echo ">> installing stablecheck with the [report,torch] extras (CPU torch; first time ~2 min)"
	$(PIP) install --progress-bar on "$(TORCH)"
	$(PIP) install --progress-bar on -e ".[report,torch]"
	@touch $@

# Everything the tests need: the demo set plus [dev] and [dask].
$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-demo
	@echo ">> installing the [dev,dask] extras for the tests"
	$(PIP) install --progress-bar on -e ".[report,torch,dev,dask]"
	@touch $@

# Debian's Chromium for the report's browser test (CI runs as root); skipped where impossible.
$(VENV)/.stamp-browser: | $(PY)
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo ">> installing Debian's chromium for the report browser test"; \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
			|| echo ">> chromium install failed: the browser test will be skipped"; \
	else echo ">> no chromium and no root apt-get: the browser test will be skipped"; fi
	@touch $@

venv: $(VENV)/.stamp-test

demo: $(VENV)/.stamp-demo
	$(VENV)/bin/stablecheck demo --out demo-out

# The default run skips @pytest.mark.slow (calibration runs of minutes each; `make test-slow`).
test: $(VENV)/.stamp-test $(VENV)/.stamp-browser
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-slow: $(VENV)/.stamp-test
	$(PY) -m pytest --runslow $(PYTEST_ARGS)

bench: $(VENV)/.stamp-test
	$(PY) -m benchmarks

bench-quick: $(VENV)/.stamp-test
	$(PY) -m benchmarks --quick

lint: $(VENV)/.stamp-test
	$(PY) -m ruff check stablecheck tests benchmarks

clean:
	rm -rf $(VENV) demo-out .pytest_cache .hypothesis
