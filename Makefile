# policykit — two entry points: `make demo` and `make test`. Both work on a fresh Debian machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
OUT     := out
DB      := $(OUT)/demo/policykit.db
APT_PKGS := libreoffice-writer-nogui texlive-lang-chinese fonts-liberation2 fonts-noto-cjk fonts-arphic-uming fonts-arphic-ukai \
            fonts-lxgw-wenkai tesseract-ocr tesseract-ocr-chi-sim poppler-utils \
            postgresql chromium
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps system venv lint bench clean serve

# The demo's own store; a previous one is removed only if its 发文登记簿 holds nothing but the
# demo's numbers (else it is moved aside): real numbers are never wiped.
demo: deps
	@$(BIN)/python -m toolkit.demo reset $(DB)
	$(BIN)/policykit --db $(DB) ingest corpus/
	$(BIN)/policykit --db $(DB) demo --out $(OUT)

# The browser face on its own embedded store (the demo's is reset by every `make demo`): a fresh
# store gets the corpus and a local admin (all roles, every office) whose random password is
# printed once. Real keys: SIGN="--sign-p12 key.p12" (passphrase in $$POLICYKIT_SIGN_PASSPHRASE).
WEB_DB  := $(OUT)/web/policykit.db
HOST    ?= 127.0.0.1
PORT    ?= 8000
SIGN    ?= --test-cert $(OUT)/web/test-cert
serve: deps
	@mkdir -p $(OUT)/web
	@$(BIN)/policykit --db $(WEB_DB) list --json 2>/dev/null | grep -q '"id"' || $(BIN)/policykit --db $(WEB_DB) ingest corpus/
	@$(BIN)/policykit --db $(WEB_DB) user add admin --role admin,drafter,clerk --all-offices --random --if-none
	$(BIN)/policykit --db $(WEB_DB) serve --host $(HOST) --port $(PORT) $(SIGN)

test: deps
	$(BIN)/python -m pytest -n 2 tests

deps: system venv

# Debian packages: LibreOffice (DOCX → PDF), CJK fonts, Tesseract (scans). Installed only if missing.
system:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

lint: venv
	$(BIN)/ruff check .

bench: deps
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ingest_scale.py
	$(BIN)/python bench/ingest_process.py
	$(BIN)/python bench/layers.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/compare_quality.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/notices.py
	$(BIN)/python bench/issue.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/register.py
	$(BIN)/python bench/web.py

# Generated reports, drafts and decisions only: every store (out/demo/policykit.db, stores set
# aside as policykit-*.db), every file a 发文登记簿 records and the TEST certificate's keys stay
# (toolkit/cleanup.py); a store it cannot read stops it, nothing removed.
clean:
	@PYTHONPATH=. $(PY) -m toolkit.cleanup $(OUT) --store policykit.db $${POLICYKIT_DB:+--store "$$POLICYKIT_DB"}
	rm -rf .pytest_cache
