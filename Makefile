# FASTAPILLM: `make run` starts the platform, `make test` runs every test.
# Both install what is missing first (Python venv, the embedded model, web app, Chromium).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
WHEELS := $(HOME)/.cache/fastapillm/wheels
LLAMA_VERSION := $(shell sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p' requirements-llama.txt)
UV ?= uv
WEB := frontendReact
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/index.html $(WEB)/vite.config.ts -type f 2>/dev/null)

.PHONY: run test install lock lint test-backend test-web test-e2e check-client check-deploy client bench chromium clean

run: install $(WEB)/dist/index.html
	$(PY) -m backend

test: install $(WEB)/dist/index.html chromium lint check-client check-deploy test-backend test-web test-e2e

install: $(STAMPS)/python $(STAMPS)/web

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# llama-cpp-python compiles from source (minutes): build its wheel once and keep it. The sdist
# is checked against the hash in requirements-llama.txt.
$(WHEELS)/.llama-$(LLAMA_VERSION): requirements-llama.txt
	@mkdir -p $(WHEELS)
	@if ! ls $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "Building llama-cpp-python $(LLAMA_VERSION) once (several minutes)..."; \
		CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PYTHON) -m pip wheel -q --no-deps --require-hashes \
			-r requirements-llama.txt -w $(WHEELS); \
	fi
	@touch $@

# The runtime lock and the development lock, both hash-checked, then llama-cpp-python from the
# wheel built above (it is not in the hashed locks: see requirements-llama.txt).
$(STAMPS)/python: requirements.txt requirements-dev.txt $(WHEELS)/.llama-$(LLAMA_VERSION) | $(PY)
	$(PY) -m pip install -q --no-deps --require-hashes -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps --no-index --find-links $(WHEELS) \
		llama-cpp-python==$(LLAMA_VERSION)
	@mkdir -p $(STAMPS) && touch $@

# Regenerate the locks with hashes from requirements.in and requirements-dev.in (needs uv).
# Versions already locked are kept; add `--upgrade-package NAME` to UV_FLAGS to move one.
# llama-cpp-python's metadata comes from the wheel built above.
lock: $(WHEELS)/.llama-$(LLAMA_VERSION)
	$(UV) pip compile -q --python-version 3.11 --generate-hashes --custom-compile-command "make lock" \
		--index-url https://pypi.org/simple --find-links $(WHEELS) --no-emit-package llama-cpp-python \
		--overrides requirements-overrides.txt --excludes requirements-exclude.txt $(UV_FLAGS) \
		requirements.in -o requirements.txt
	$(UV) pip compile -q --python-version 3.11 --generate-hashes --custom-compile-command "make lock" \
		--index-url https://pypi.org/simple $(UV_FLAGS) requirements-dev.in -o requirements-dev.txt

# `npm install`, not `npm ci`: it installs the locked versions too, but does not insist on lock
# entries for other platforms' optional binaries, which some registry mirrors do not carry.
$(STAMPS)/web: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm install --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

$(WEB)/dist/index.html: $(STAMPS)/web $(WEB_SOURCES)
	cd $(WEB) && npm run --silent build

# From Debian: Chromium for the end-to-end tests (never a browser downloaded by a test tool),
# nginx and docker-compose for the deployment checks (tests/deploy).
DEBIAN_TOOLS := /usr/bin/chromium /usr/sbin/nginx /usr/bin/docker-compose
chromium:
	@if ! ls $(DEBIAN_TOOLS) >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
			chromium nginx docker-compose; \
	fi

# The deployment files: the compose file must resolve (with the example settings, and not
# without its secrets) and the Dockerfiles must pass hadolint. tests/deploy runs the same
# topology as processes.
check-deploy: $(STAMPS)/python chromium
	docker-compose --env-file deploy.env.example -f docker-compose.separated.yml config -q
	@empty=$$(mktemp); ! env -i PATH="$$PATH" docker-compose --env-file $$empty \
		-f docker-compose.separated.yml config -q 2>/dev/null \
		|| (rm -f $$empty; echo "the compose file resolves without its secrets"; exit 1); rm -f $$empty
	$(VENV)/bin/hadolint Dockerfile.backend Dockerfile.mcp frontendReact/Dockerfile
	@echo "Compose file and Dockerfiles are valid"

lint: $(STAMPS)/python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The committed OpenAPI document and generated client must match the backend.
client: $(STAMPS)/python $(STAMPS)/web
	$(PY) -m backend.openapi $(WEB)/openapi.json
	cd $(WEB) && npx --no-install openapi-ts

check-client: $(STAMPS)/python $(STAMPS)/web
	@rm -rf $(WEB)/.client-check
	$(PY) -m backend.openapi $(WEB)/.openapi-check.json
	@cmp -s $(WEB)/.openapi-check.json $(WEB)/openapi.json || \
		(echo "openapi.json is stale: run 'make client'"; rm -f $(WEB)/.openapi-check.json; exit 1)
	@cd $(WEB) && npx --no-install openapi-ts -o .client-check >/dev/null
	@diff -r $(WEB)/.client-check $(WEB)/src/client >/dev/null || \
		(echo "src/client is stale: run 'make client'"; rm -rf $(WEB)/.client-check; exit 1)
	@rm -rf $(WEB)/.client-check $(WEB)/.openapi-check.json
	@echo "OpenAPI document and generated client are up to date"

# The official MCP TypeScript SDK, for the Node client tests (tests/api/test_mcp_node.py).
$(STAMPS)/mcp-node: tests/mcp_node/package.json tests/mcp_node/package-lock.json
	cd tests/mcp_node && npm install --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# With the coverage of backend/ (in this process: not the servers tests start as subprocesses).
test-backend: $(STAMPS)/python $(STAMPS)/mcp-node
	$(PY) -m pytest --cov=backend --cov-report=term:skip-covered

test-web: $(STAMPS)/web
	cd $(WEB) && npm run --silent typecheck && npm run --silent lint && npm run --silent test

test-e2e: $(STAMPS)/python $(WEB)/dist/index.html chromium
	cd $(WEB) && FASTAPILLM_PYTHON=$(abspath $(PY)) npm run --silent e2e

bench: $(STAMPS)/python
	$(PY) -m bench.overhead

clean:
	rm -rf $(STAMPS) $(WEB)/dist $(WEB)/node_modules $(VENV) data
