# Set-up is idempotent: each step is a file target that is redone only when its inputs change.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements-installed
DATA   := data/MNIST/raw/t10k-labels-idx1-ubyte

# Material prints a banner about MkDocs 2 on every build; it is not about this site.
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup browser-setup serve build test benchmark clean

setup: $(STAMP) $(DATA)

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	# Make the build helpers (snippet_runner) importable from the venv, wherever the clone is.
	$(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'], 'lightning_pick_up.pth').write_text('$(CURDIR)\n')"
	touch $@

$(DATA): $(STAMP) snippet_runner/mnist.py
	$(PY) -c "from snippet_runner import mnist; mnist.provide('data')"
	touch $@

# The browser tests (tests/test_browser.py) drive Debian's Chromium with Playwright (never
# `playwright install`: it downloads a browser of its own) and inject axe-core from the npm
# registry. Each is installed only when missing or changed, so a second run installs nothing.
CHROMIUM := /usr/bin/chromium
AXE      := node_modules/.installed
SUDO     := $(shell test "$$(id -u)" = 0 || echo sudo)

browser-setup: $(CHROMIUM) $(AXE)

$(CHROMIUM):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium fonts-liberation fonts-dejavu-core

$(AXE): package.json package-lock.json
	command -v npm >/dev/null || { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: setup
	$(VENV)/bin/mkdocs serve --strict --dev-addr 127.0.0.1:8000

# Build into a scratch folder and move it into place only when the strict build passed,
# so site/ never holds a page with an error on it.
build: setup
	rm -rf site.partial
	$(VENV)/bin/mkdocs build --strict --site-dir site.partial
	rm -rf site && mv site.partial site

test: setup browser-setup
	$(PY) -m pytest

benchmark: setup
	$(PY) benchmarks/build_speed.py

clean:
	rm -rf site site.partial .cache
