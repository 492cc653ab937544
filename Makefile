# Fil rouge — developer entry points. `make run` opens the demo; `make test` runs every check.
# Everything lives in .venv (created with python3.11); stamp files in .venv make re-runs quick.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := $(VENV)/.stamps
DEMO_PROFILE := demo
DEMO_PASSPHRASE := demo-fil-rouge
PYTEST_ARGS ?=
RESULTS := out
# Installs come from the lock files (requirements/*.txt, hashes for Linux, Windows and macOS; `make lock` rewrites
# them from pyproject.toml) through uv, itself pinned here and installed by pip into the venv.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
UV_INSTALL := $(UV) pip install --python $(PY) --quiet
PIP := $(PY) -m pip --disable-pip-version-check
PIP_FILTER := 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2 || true)
LOCKS := requirements/app.txt requirements/server.txt requirements/dev.txt

# CI (CI=true): tests that need PostgreSQL or a Secret Service fail instead of skipping.
ifneq ($(filter true 1 yes,$(CI)),)
export REQUIRE_POSTGRES := 1
export REQUIRE_SECRET_SERVICE := 1
endif

.PHONY: help run demo test pytest check lint format bench package tarball lock clean system-deps-run \
        system-deps-test system-deps-package install-run install-dev

help:
	@echo "make run      crée .venv, installe, crée le profil « $(DEMO_PROFILE) » et ouvre l'application"
	@echo "make test     ruff, mypy, import-linter puis toute la suite pytest (PostgreSQL, Secret Service)"
	@echo "make pytest   la suite seule (PYTEST_ARGS='tests/x.py -k nom' pour un test)"
	@echo "make lint     ruff check + ruff format --check + mypy + import-linter"
	@echo "make format   ruff format + ruff check --fix"
	@echo "make bench    lance chaque benchmarks/*.py"
	@echo "make package  construit dist/fil-rouge (PyInstaller, onedir), le teste, puis teste la roue (wheel)"
	@echo "make tarball  archive dist/fil-rouge-VERSION-linux-x86_64.tar.gz (après make package)"
	@echo "make lock     recalcule les fichiers de verrouillage requirements/*.txt depuis pyproject.toml"
	@echo "make clean    supprime build/, dist/, out/ et les caches (garde .venv)"

# ---------------------------------------------------------------- environment

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) est introuvable : installez Python 3.11 (ou PYTHON=...)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q "uv==$(UV_VERSION)" $(PIP_FILTER)

# uv in the venv (a venv made before the lock files has pip only)
$(VENV)/bin/uv: | $(PY)
	$(PIP) install -q "uv==$(UV_VERSION)" $(PIP_FILTER)

$(STAMPS)/run: requirements/server.txt pyproject.toml setup.py | $(PY) $(VENV)/bin/uv
	$(UV_INSTALL) --require-hashes -r requirements/server.txt
	$(UV_INSTALL) --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dev: requirements/dev.txt pyproject.toml setup.py | $(PY) $(VENV)/bin/uv
	$(UV_INSTALL) --require-hashes -r requirements/dev.txt
	$(UV_INSTALL) --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/run

install-run: $(STAMPS)/run
install-dev: $(STAMPS)/dev

# The lock files, from pyproject.toml: one set for every system (--universal), with hashes.
lock: | $(PY)
	@for set in app server dev; do \
	    extra=$$([[ $$set == app ]] || echo "--extra $$set"); \
	    $(UV) pip compile pyproject.toml $$extra --universal --python-version 3.11 --generate-hashes --quiet \
	        --custom-compile-command "make lock" -o requirements/$$set.txt; \
	    echo "requirements/$$set.txt: $$(grep -c '==' requirements/$$set.txt) paquets"; \
	done

system-deps-run:
	@PYTHON=$(PYTHON) scripts/system-deps.sh run
system-deps-test:
	@PYTHON=$(PYTHON) scripts/system-deps.sh test
system-deps-package:
	@PYTHON=$(PYTHON) scripts/system-deps.sh package

# ---------------------------------------------------------------- run

demo: system-deps-run install-run
	@data_dir="$$($(PY) -c 'from app.__main__ import default_data_dir; print(default_data_dir())')"; \
	if [ -f "$$data_dir/profiles/$(DEMO_PROFILE)/profile.json" ]; then \
	    echo "Profil « $(DEMO_PROFILE) » déjà présent dans $$data_dir."; \
	elif $(PY) -c 'import sys; from app.services.storage.keystore import secure_backend_available as ok; sys.exit(0 if ok() else 1)' 2>/dev/null; then \
	    echo "Trousseau sécurisé disponible : profil « $(DEMO_PROFILE) » en mode trousseau."; \
	    $(PY) -m app --profile $(DEMO_PROFILE) init --demo --mode keyring \
	        || { rm -rf "$$data_dir/profiles/$(DEMO_PROFILE)"; exit 1; }; \
	else \
	    echo "Pas de trousseau sécurisé : profil « $(DEMO_PROFILE) » en mode phrase secrète (« $(DEMO_PASSPHRASE) »)."; \
	    printf '%s\n' '$(DEMO_PASSPHRASE)' | $(PY) -m app --profile $(DEMO_PROFILE) --passphrase-stdin init --demo \
	        || { rm -rf "$$data_dir/profiles/$(DEMO_PROFILE)"; exit 1; }; \
	fi

run: demo
	@echo "Ouverture de Fil rouge sur le profil « $(DEMO_PROFILE) » (phrase secrète éventuelle : « $(DEMO_PASSPHRASE) »)."
	$(PY) -m app --profile $(DEMO_PROFILE)

# ---------------------------------------------------------------- checks

check: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

lint: check
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The whole suite inside a private D-Bus session with an unlocked gnome-keyring (real Secret Service).
# One file or test: make pytest PYTEST_ARGS='tests/services/test_vault.py -k wrong'
pytest: install-dev
	@mkdir -p $(RESULTS)
	scripts/with-secret-service.sh scripts/run-pytest.sh $(PY) --junitxml=$(RESULTS)/pytest-junit.xml $(PYTEST_ARGS)

# Static checks, then the tests even if a check failed (to see everything in one run); fails if either did.
test: system-deps-test install-dev
	@rc=0; \
	$(MAKE) --no-print-directory check || { rc=$$?; echo "*** static checks failed (ruff/mypy/import-linter)" >&2; }; \
	$(MAKE) --no-print-directory pytest || { rc=$$?; echo "*** pytest failed" >&2; }; \
	exit $$rc

bench: install-dev
	@set -e; for b in benchmarks/*.py; do echo "== $$b"; $(PY) "$$b"; done

# ---------------------------------------------------------------- packaging

# The onedir bundle (two executables: the window and fil-rouge-cli), its smoke test, its size; then the wheel,
# installed in a fresh venv from the lock file, runs every command. `make tarball` packs the Linux bundle.
package: system-deps-package install-dev
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN build.spec
	scripts/check-bundle.sh dist/fil-rouge $(PY)
	$(PY) scripts/bundle-size.py dist/fil-rouge
	PYTHON=$(PYTHON) scripts/check-wheel.sh

tarball:
	@test -x dist/fil-rouge/fil-rouge-cli || { echo "Lancez d'abord make package." >&2; exit 1; }
	version="$$($(PY) -c 'import app; print(app.__version__)')"; \
	tar -C dist -czf "dist/fil-rouge-$$version-linux-x86_64.tar.gz" fil-rouge && ls -l dist/*.tar.gz

clean:
	rm -rf build dist $(RESULTS) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
