# Two commands a newcomer needs: `make run` and `make test`. Everything else is here
# for developers. Targets install what they need (Go modules, npm packages, Debian
# packages) and start Postgres when none answers (scripts/postgres.sh).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
GOLANGCI_VERSION := v2.15.0
BIN := $(CURDIR)/bin
CATENA := $(BIN)/catena
DEV_KEY := .catena/dev-secret-key

.PHONY: run test build bench lint fmt generate deps tools go-test vet check-generated lambda clean

## run: all-in-one Catena on :8080 against a local Postgres (started if needed)
run: build
	@pg=$$(scripts/postgres.sh); db=$${pg%%/postgres*}/catena?sslmode=disable; \
	mkdir -p .catena; \
	if [ -z "$${CATENA_SECRET_KEY:-}$${CATENA_SECRET_KEY_FILE:-}" ]; then \
	  if [ ! -s $(DEV_KEY) ]; then openssl rand -base64 32 > $(DEV_KEY) 2>/dev/null || head -c 32 /dev/urandom | base64 > $(DEV_KEY); \
	    echo "make run: generated a development secret key in $(DEV_KEY) (git-ignored; set CATENA_SECRET_KEY in production)"; fi; \
	  export CATENA_SECRET_KEY_FILE=$(DEV_KEY); fi; \
	export DATABASE_URL=$${DATABASE_URL:-$$db}; \
	exec $(CATENA) serve

## build: the catena binary (with the GUI embedded)
build: deps
	$(GO) build -o $(CATENA) ./cmd/catena

## deps: Go modules
deps:
	@$(GO) mod download

## test: everything CI checks: vet, lint, generated code, Go tests with -race
test: deps vet lint go-test

go-test:
	@pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	$(GO) test -race -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

tools: $(BIN)/golangci-lint
$(BIN)/golangci-lint:
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

## lint: golangci-lint with the import rules of the architecture
lint: $(BIN)/golangci-lint
	$(BIN)/golangci-lint run ./...

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## generate: regenerate generated code
generate:
	$(GO) generate ./...

## bench: performance benchmarks (see docs/performance.md)
bench:
	@pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./collectionrunner/... ./internal/schedule/...

clean:
	rm -rf $(BIN) .catena/catena-*.log
