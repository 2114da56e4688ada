# accountd: make targets for developers and CI (.ci/run runs `make test`).
#
# The default target is `help`: a bare `make` should tell what there is,
# not start a ten-minute test run or a build nobody asked for.
#
# Knobs (make VAR=value or environment):
#   GO            go command (go)
#   PKGS          packages of the server's module for test/vet/bench-go (./...)
#   SDK_PKGS      packages of the Go SDK's own module, clients/go, for test/vet
#                 (./...; empty to leave it out)
#   BENCHFLAGS    flags for cmd/accountd-bench, e.g. BENCHFLAGS='-d 10s -pprof bin/prof'
#                 (bin/accountd-bench -h lists them)
#   TESTFLAGS     extra go test flags, e.g. TESTFLAGS='-run TestLogin -race'
#   TEST_TIMEOUT  go test -timeout (20m)
#   ARGS          extra arguments for `make run`
#   TEST_DATABASE_URL, PGPROBE_HOST, PGPROBE_PORT, PG_BIN, PG_OS_USER,
#   PG_TMPDIR     see .ci/postgres.sh
#   CI            when set (CI=true), check-generated wants gen/ and clients/
#                 exactly as committed

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# Prerequisites run in the order written (check-generated, then vet, then
# tests): generate must not rewrite gen/ while vet compiles it. go itself
# uses both cores.
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory

GO           ?= go
PKGS         ?= ./...
SDK_PKGS     ?= ./...
TESTFLAGS    ?=
TEST_TIMEOUT ?= 20m
ARGS         ?=

# Directories that hold generated code (see ARCHITECTURE.md at the repository root,
# beside this Makefile); clients/ holds the SDKs' hand-written code beside it.
GENERATED := gen clients

# GENERATE regenerates everything generated: gen/ (server module) from openapi.yaml, the
# settings documents (docs/configuration.md, the README's table) from internal/app,
# the Go SDK (clients/go, a module of its own, so go generate runs there) and the
# TypeScript client's types (clients/typescript/generate.sh: npm ci when node_modules
# is missing or stale, then openapi-typescript; a message and no change without npm).
GENERATE := $(GO) generate ./gen/... ./internal/app && $(GO) -C clients/go generate ./... && bash clients/typescript/generate.sh

.PHONY: help
help: ## list the targets
	@echo 'usage: make TARGET [VAR=value ...]'
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'
	@echo
	@echo 'knobs: GO PKGS SDK_PKGS TESTFLAGS TEST_TIMEOUT ARGS; for the database see .ci/postgres.sh'

.PHONY: generate
generate: ## regenerate gen/ and clients/ from openapi.yaml, docs/configuration.md from the settings (go generate; npm for clients/typescript)
	$(GENERATE)

# check-generated: regenerate, then fail if that changed anything.
# In CI (CI set) and on a tree whose generated code is committed, any change
# or untracked file under gen/ or clients/ afterwards fails: the committed
# code is stale. On a developer's tree that already has uncommitted
# generated changes, it fails only if generate changed them further, so
# that `make test` works between `make generate` and the commit.
.PHONY: check-generated
check-generated: ## regenerate and fail if gen/ or clients/ differ from what is there
	@if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		echo 'check-generated: not a git work tree; running generate without checking' >&2; \
		$(GENERATE); \
		exit 0; \
	fi; \
	fingerprint() { \
		{ git status --porcelain --untracked-files=all -- $(GENERATED); \
		  git diff --no-ext-diff --binary -- $(GENERATED); \
		  git ls-files -z --others --exclude-standard -- $(GENERATED) | xargs -0r sha256sum; \
		} | sha256sum; \
	}; \
	before_status=$$(git status --porcelain --untracked-files=all -- $(GENERATED)); \
	before=$$(fingerprint); \
	$(GENERATE); \
	after_status=$$(git status --porcelain --untracked-files=all -- $(GENERATED)); \
	after=$$(fingerprint); \
	if [ -z "$$after_status" ]; then echo 'check-generated: gen/ and clients/ match openapi.yaml'; exit 0; fi; \
	if [ -n "$${CI:-}" ] || [ -z "$$before_status" ] || [ "$$before" != "$$after" ]; then \
		echo 'check-generated: generated code is out of date or uncommitted; these files differ from git after `make generate`:' >&2; \
		echo "$$after_status" | sed 's/^/    /' >&2; \
		echo 'check-generated: run `make generate` and commit gen/ and clients/ with openapi.yaml' >&2; \
		exit 1; \
	fi; \
	echo 'check-generated: note: `make generate` left these uncommitted changes as they are; CI fails until they are committed (or removed):' >&2; \
	echo "$$after_status" | sed 's/^/    /' >&2

.PHONY: build
build: ## build bin/accountd (static, CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -o bin/accountd ./cmd/accountd

.PHONY: run
run: ## run the server (SQLite ./accountd.db, console mail, 127.0.0.1:8080); extra flags in ARGS=
	$(GO) run ./cmd/accountd serve $(ARGS)

.PHONY: vet
vet: ## go vet (the server's module, then the Go SDK's)
	$(GO) vet $(PKGS)
	$(if $(SDK_PKGS),$(GO) -C clients/go vet $(SDK_PKGS))

.PHONY: lint
lint: vet ## go vet, and fail on files gofmt would change
	@files=$$(find . \( -name .git -o -name node_modules -o -name testdata -o -name bin \) -prune -o \
		-name '*.go' -print | xargs -r gofmt -l); \
	if [ -n "$$files" ]; then \
		echo 'lint: gofmt would change these files (run gofmt -w):' >&2; \
		echo "$$files" | sed 's/^/    /' >&2; \
		exit 1; \
	fi

# test: the README's and CI's test command. The tests get a PostgreSQL
# server through .ci/postgres.sh (TEST_DATABASE_URL: given, the running
# server at 127.0.0.1:5432, or a throwaway cluster) and, for the browser
# test of the passkey page, Debian's Chromium through .ci/chromium.sh
# (installed where missing when run as root); testsummary turns
# go test -json into readable output and ends with "N passed, N failed".
# pipefail (.SHELLFLAGS) makes go test's own failure fail the target too. The Go
# SDK's module (clients/go) is tested after the server's, into the same summary; either
# failing fails the target.
.PHONY: test
test: check-generated vet ## check generated code, vet, and run all tests (SQLite and PostgreSQL, the SDKs)
	@mkdir -p bin
	@$(GO) build -o bin/testsummary ./internal/tools/testsummary
	@bash .ci/chromium.sh
	{ status=0; \
	  bash .ci/postgres.sh $(GO) test -count=1 -json -timeout $(TEST_TIMEOUT) $(TESTFLAGS) $(PKGS) || status=$$?; \
	  $(if $(SDK_PKGS),$(GO) -C clients/go test -count=1 -json -timeout $(TEST_TIMEOUT) $(TESTFLAGS) $(SDK_PKGS) || status=$$?;) \
	  exit $$status; } | bin/testsummary

# bench: build the real binary and the load generator, then measure accountd against
# this machine's own ceilings, on a fresh database of the PostgreSQL server
# .ci/postgres.sh provides and then on SQLite (cmd/accountd-bench explains how). Writes
# bench/results/<date>.md and the README's performance table; fails when a PostgreSQL
# target does. About eight minutes on two cores, plus the build.
.PHONY: bench
bench: ## measure accountd against this machine's ceilings; writes bench/results/<date>.md (BENCHFLAGS=...)
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -o bin/accountd ./cmd/accountd
	$(GO) build -o bin/accountd-bench ./cmd/accountd-bench
	bash .ci/postgres.sh bin/accountd-bench -accountd bin/accountd $(BENCHFLAGS)

.PHONY: bench-go
bench-go: ## run the Go benchmarks (go test -bench, no tests)
	$(GO) test -run '^$$' -bench . -benchmem $(TESTFLAGS) $(PKGS)

.PHONY: clean
clean: ## remove build output (bin/) and coverage files
	rm -rf bin/ coverage.out coverage.html clients/typescript/dist
