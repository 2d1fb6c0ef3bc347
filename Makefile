# The two commands in the README: `make run` (web chat) and `make test` (whole suite). Both set everything up.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test install chromium eval bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	# CPU torch first: a bare torch requirement would pull several GB of CUDA wheels
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev,llm]'
	# the default embedder's ONNX export of the bundled weights, made once (the first use would make it otherwise)
	$(PY) -m assistant.onnx_embedding
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (CI runs as root on a fresh machine)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium; }

run: install
	$(PY) app.py

test: install chromium
	$(PY) -m pytest -q

eval: install
	$(VENV)/bin/assistant eval evals/core.yaml

bench: install
	$(PY) -m assistant.bench

clean:
	rm -rf $(VENV) index/* .pytest_cache
