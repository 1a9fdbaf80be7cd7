# sovcloud — the two commands: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TSTAMP  := $(VENV)/.installed-test
export SOVCLOUD_PORT ?= 8000

.PHONY: run test install install-test lint typecheck unit migrate seed clean assets screenshots devcloud devcloud-down \
	test-openstack

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TSTAMP): $(STAMP) pyproject.toml tests/peers/oidc/package-lock.json
	$(BIN)/python -m pip install -q -e '.[test]'
	# the ProConnect-like OpenID provider the identity tests start (npm oidc-provider, pinned by its lockfile)
	command -v npm >/dev/null && (cd tests/peers/oidc && npm ci --no-audit --no-fund --silent) \
		|| echo "npm missing: the ProConnect tests will skip (fail under CI=true)"
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "chromium could not be installed: browser tests will skip (fail under CI=true)"
	command -v pg_dump >/dev/null || (apt-get update -qq && apt-get install -y -qq postgresql-client) \
		|| echo "postgresql-client could not be installed: sovcloud backup on PostgreSQL needs pg_dump"
	command -v pdftotext >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils) \
		|| echo "pdftotext could not be installed: the invoice PDF test will skip (fail under CI=true)"
	# Debian's prometheus (and promtool) for the scrape tests; the tests start their own: the packaged
	# service is stopped and disabled where systemd started it
	command -v prometheus >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		prometheus && (! command -v systemctl >/dev/null || systemctl disable --now prometheus 2>/dev/null || true)) \
		|| echo "prometheus could not be installed: the scrape and promtool tests will skip (fail under CI=true)"
	touch $@

install: $(STAMP)

install-test: $(TSTAMP)

## make run: install, migrate, seed demo data, serve on http://127.0.0.1:$(SOVCLOUD_PORT)
run: install assets
	$(BIN)/sovcloud db upgrade
	$(BIN)/sovcloud demo seed
	@echo ""
	@echo "  Portail et API : http://127.0.0.1:$(SOVCLOUD_PORT)   (API : /api/v1/docs)"
	@echo "  Connexion : un identifiant ci-dessus, mot de passe Demo-Sovcloud-2026!"
	@echo "  Code TOTP des administrateurs : $(BIN)/sovcloud demo totp <identifiant>"
	@echo ""
	$(BIN)/sovcloud serve --port $(SOVCLOUD_PORT)

## make test: install test needs, lint, type-check, run every test (SQLite and PostgreSQL)
test: install-test assets lint typecheck unit

## make assets: npm packages (DSFR, htmx, axe-core) placed under sovcloud/web/static/vendor/ (idempotent)
assets:
	$(BIN)/python tools/fetch_dsfr.py

## make screenshots: PNGs of the main portal pages under docs/screenshots/ (needs /usr/bin/chromium)
screenshots: install-test assets
	$(BIN)/python tools/screenshots.py

lint:
	$(BIN)/ruff check sovcloud tests bench

typecheck:
	$(BIN)/mypy

unit:
	$(BIN)/pytest -q -n 2 --dist loadgroup -p no:cacheprovider --durations=25

## make devcloud: a real OpenStack (Keystone, Placement, Glance, Nova fake, Neutron, Cinder fake) on 127.0.0.1,
## from PyPI into .devcloud/venv pinned by devcloud/constraints.txt; clouds.yaml in .devcloud/ (cloud "sovdc")
devcloud:
	$(PY) -m devcloud up

devcloud-down:
	$(PY) -m devcloud down

## make test-openstack: the provider contract and the OpenStack tests against the devcloud (started if needed)
test-openstack: install-test
	SOVCLOUD_TEST_OPENSTACK=1 $(BIN)/pytest -q -p no:cacheprovider tests/providers/test_openstack_contract.py \
		tests/openstack

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
