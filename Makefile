# The README's two commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app survey
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
export FLASK_SKIP_DOTENV := 1

.PHONY: run test bench evaluate lint install assets system clean services

$(BIN)/activate:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# setup.py compiles the tagger's evidence pass (nlp/_evidence.pyx) in place; editing it re-runs this.
$(VENV)/.installed: pyproject.toml setup.py nlp/_evidence.pyx | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

# Debian packages the tests and the look-at-it checks need (Chromium for Playwright, pdftoppm, pdffonts), and the
# fonts the PDFs embed (DejaVu Sans: Latin, Greek, Cyrillic, Arabic, symbols).
system:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils fonts-dejavu-core >/dev/null; }

# The demo makes its own SECRET_KEY in instance/ (PLEDGE_DEMO=1); production sets SECRET_KEY instead.
run: export PLEDGE_DEMO ?= 1
run: install assets
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# Fails in CI (CI=true) when PostgreSQL or Redis does not answer; locally it says what it skips.
services: install
	@$(BIN)/python -m survey.checks services

test: install assets system services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -m "not browser" -p no:cacheprovider
	PLEDGE_TEST_HTTPS=1 TEST_DATABASE_URL=$$($(BIN)/python -m survey.checks pg-url $(PG_URL)) \
	  TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/python -m pytest -q -p no:cacheprovider

bench: install assets
	$(BIN)/python -m bench

# Tagging quality: the real set's test and tune parts, our own sets, the two codings' kappa, themes per answer
# against length; the real passages are read from ../shared/realtext (or PLEDGE_REALTEXT).
evaluate: install
	$(BIN)/python -m nlp evaluate --suite
	$(BIN)/python -m nlp.suggest_eval

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules instance
