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
#   NPM           npm command for `make tools` (npm)
#   URL, MAIL_DIR, METRICS, ADMIN, SAFE, REPORT
#                 make contract: the deployment, its mail folder, its metrics' URL
#                 (else /metrics on ACCOUNTD_METRICS_ADDR), a superuser
#                 (login:password), the production subset (SAFE=1), the coverage
#                 report's file (bin/contract-coverage.md); see docs/testing.md

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
NPM          ?= npm

# The npm tools that check openapi.yaml from outside Go: Spectral (the lint) and Prism
# (the contract suite's independent pass), pinned by tools/spec/package-lock.json.
# npm ci writes node_modules/.package-lock.json: the tools are installed again only
# when they are missing or the lockfile changed.
SPEC_TOOLS := tools/spec
SPEC_TOOLS_STAMP := $(SPEC_TOOLS)/node_modules/.package-lock.json

# What `make build` stamps into the binary (internal/version; `accountd version` prints
# it): the release is openapi.yaml's info.version, the commit git's (-dirty for a
# modified tree), the date now. deploy/Dockerfile stamps the same three.
VERSION_PKG := github.com/accountd/accountd/internal/version
VERSION     ?= $(shell sed -n 's/^  version: *//p' openapi.yaml | head -n 1 | tr -d "'\"")
COMMIT      ?= $(shell git describe --always --dirty --abbrev=12 --exclude '*' 2>/dev/null || echo unknown)
BUILD_DATE  ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS     := -X $(VERSION_PKG).Version=$(VERSION) -X $(VERSION_PKG).Commit=$(COMMIT) -X $(VERSION_PKG).Date=$(BUILD_DATE)

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

.PHONY: tools
tools: $(SPEC_TOOLS_STAMP) ## install the spec tools (Spectral, Prism) from tools/spec/package-lock.json

$(SPEC_TOOLS_STAMP): $(SPEC_TOOLS)/package.json $(SPEC_TOOLS)/package-lock.json
	@command -v node >/dev/null || { echo 'tools: Node.js 20 and npm are needed (apt-get install nodejs npm)' >&2; exit 1; }
	cd $(SPEC_TOOLS) && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: lint-spec
lint-spec: tools ## lint openapi.yaml with Spectral (spectral:oas and the house rules; zero warnings)
	cd $(SPEC_TOOLS) && node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=warn ../../openapi.yaml

.PHONY: build
build: ## build bin/accountd (static, CGO_ENABLED=0), stamped with version, commit and date
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o bin/accountd ./cmd/accountd

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
# failing fails the target. The spec tools are installed first (make tools);
# ACCOUNTD_REQUIRE_SPEC_TOOLS makes the tests that need them (contracttests: the lint,
# the Prism pass) fail rather than skip when they are missing.
.PHONY: test
test: check-generated vet tools ## check generated code, vet, and run all tests (SQLite and PostgreSQL, the SDKs, the spec lint, the Prism pass)
	@mkdir -p bin
	@$(GO) build -o bin/testsummary ./internal/tools/testsummary
	@bash .ci/chromium.sh
	{ status=0; \
	  ACCOUNTD_REQUIRE_SPEC_TOOLS=1 bash .ci/postgres.sh $(GO) test -count=1 -json -timeout $(TEST_TIMEOUT) $(TESTFLAGS) $(PKGS) || status=$$?; \
	  $(if $(SDK_PKGS),$(GO) -C clients/go test -count=1 -json -timeout $(TEST_TIMEOUT) $(TESTFLAGS) $(SDK_PKGS) || status=$$?;) \
	  exit $$status; } | bin/testsummary

# bench: build the real binary and the load generator, then measure accountd against
# this machine's own ceilings, on a fresh database of the PostgreSQL server
# .ci/postgres.sh provides and then on SQLite (cmd/accountd-bench explains how). Writes
# bench/results/<date>.md and docs/performance.md's latest figures; fails when a target
# does, on either store. About eight minutes on two cores, plus the build.
# contract: the contract suite against a running accountd (contracttests'
# URL mode, remote_test.go), run in the package's directory so that its
# coverage report prints. The deployment's non-default ACCOUNTD_* settings
# may be given in the environment.
URL      ?=
MAIL_DIR ?=
METRICS  ?=
ADMIN    ?=
SAFE     ?=
REPORT   ?= bin/contract-coverage.md
.PHONY: contract
contract: ## run the contract suite against a deployment: URL=... [MAIL_DIR=...] [METRICS=...] [ADMIN=login:password] [SAFE=1]
	@test -n "$(URL)" || { echo 'contract: give the deployment: make contract URL=https://... (see docs/testing.md)' >&2; exit 2; }
	@mkdir -p $(dir $(abspath $(REPORT)))
	cd contracttests && ACCOUNTD_CONTRACT_URL='$(URL)' ACCOUNTD_CONTRACT_MAIL_DIR='$(MAIL_DIR)' ACCOUNTD_CONTRACT_METRICS='$(METRICS)' \
		ACCOUNTD_CONTRACT_ADMIN='$(ADMIN)' ACCOUNTD_CONTRACT_SAFE='$(SAFE)' \
		ACCOUNTD_CONTRACT_REPORT='$(abspath $(REPORT))' $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS)

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
