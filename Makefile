# aioserve developer tasks. `make serve` and `make test` work on a fresh machine:
# they create the venv and install the system packages they need.

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# apt-get needs root; use sudo only when we are not root already.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y

# Apps for `make serve`: the example scripts and notebooks, and each example folder that
# is an app (has a main.py or main.ipynb); helper folders such as examples/embed/ are not.
EXAMPLE_APPS := $(sort $(wildcard examples/*.py examples/*.ipynb) \
	$(dir $(wildcard examples/*/main.py examples/*/main.ipynb)))
SERVE_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install browser nginx serve test certs bench bench-quick bench-bokeh lint clean distclean

install: $(STAMP)

# The venv gets a package.json of its own: Bokeh compiles custom models
# (`__implementation__`) by running its CommonJS compiler.js with Node, which would
# otherwise take this repository's package.json ("type": "module") for its scope.
NODE_SCOPE := {"type": "commonjs", "private": true}

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	echo '$(NODE_SCOPE)' > $(VENV)/package.json
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,notebook,examples,bokeh]'
	touch $@

# Debian's Chromium for the browser tests (playwright drives it; never `playwright install`).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing chromium"; \
		$(SUDO) apt-get update && $(APT_INSTALL) chromium; \
	fi

# nginx (load-balancer tests) and wrk (HTTP load).
nginx:
	@if [ ! -x /usr/sbin/nginx ] || ! command -v wrk >/dev/null 2>&1; then \
		echo "installing nginx and wrk"; \
		$(SUDO) apt-get update && $(APT_INSTALL) nginx wrk; \
	fi

serve: install
	$(BIN)/aioserve serve $(EXAMPLE_APPS) $(SERVE_ARGS)

# The browser client's pure modules run under node's own test runner first.
test: install browser nginx
	node --test tests/js/
	AIOSERVE_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Dev CA, server certificate and password-protected key (password: $AIOSERVE_SSL_PASSWORD,
# default aioserve-dev) under certs/.
certs: install
	$(BIN)/python scripts/make_certs.py certs

# The benchmark (bench/RESULTS.md): aioserve against `bokeh serve` and bare aiohttp.
# Bokeh goes into its own venv, never into aioserve's; wrk comes from Debian.
BOKEH_VENV := bench/.venv-bokeh
BOKEH_VERSION ?= 3.9.2
BENCH_ARGS ?=

$(BOKEH_VENV)/.installed:
	test -x $(BOKEH_VENV)/bin/python || $(PY) -m venv $(BOKEH_VENV)
	echo '$(NODE_SCOPE)' > $(BOKEH_VENV)/package.json
	$(BOKEH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'bokeh==$(BOKEH_VERSION)'
	touch $@

bench: install nginx $(BOKEH_VENV)/.installed
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.measure_table
	$(BIN)/python -m bench.measure_table --bokeh --repeat 3 --timeout 120

bench-quick: install nginx $(BOKEH_VENV)/.installed
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

# Just the bokeh engine against `bokeh serve` (bench/measure_bokeh.py); `make bench` runs it too.
bench-bokeh: install nginx $(BOKEH_VENV)/.installed
	$(BIN)/python -m bench --only bokeh $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check aioserve tests scripts
	$(BIN)/mypy

clean:
	rm -rf build dist *.egg-info test-artifacts .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
