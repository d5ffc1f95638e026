# The two commands of the README. Both set up everything they need on a fresh Debian 12.
#   make run   install deps, build (release), init state if missing, start the main job
#   make test  install deps, build (dev + asan), run every test and the style gates

SHELL := /bin/bash
JOBS ?= $(shell nproc)

.PHONY: run test deps browser-deps build-dev build-asan build-release gates clean

deps:
	./scripts/install-deps.sh

# playwright-core for the browser test, pinned by tests/browser/package-lock.json.
browser-deps: deps
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

build-dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

build-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

build-release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

gates:
	tools/check_style.sh
	tools/check_deps.sh
	tools/check_format.sh

test: deps browser-deps gates build-dev build-asan
	ctest --preset dev -j $(JOBS)
	ctest --preset asan -j $(JOBS)
	@echo "make test: all tests and gates passed"

run: build-release
	./scripts/run.sh build/release/bin/chitin

clean:
	rm -rf build
