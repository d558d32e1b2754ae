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

.PHONY: run test build release bench bench-scale lint fmt generate deps tools go-test monitoring-test test-faults vet check-generated lambda clean chromium

## run: all-in-one Catena on :8080 against a local Postgres (started if needed), with
## the demo API on 127.0.0.1:9000 and, on a fresh database, a demo collection run once
DEMO_ADDR ?= 127.0.0.1:9000
run: build
	@pg=$$(scripts/postgres.sh); db=$${pg%/postgres*}/catena?sslmode=disable; \
	mkdir -p .catena; \
	if [ -z "$${CATENA_SECRET_KEY:-}$${CATENA_SECRET_KEY_FILE:-}" ]; then \
	  if [ ! -s $(DEV_KEY) ]; then openssl rand -base64 32 > $(DEV_KEY) 2>/dev/null || head -c 32 /dev/urandom | base64 > $(DEV_KEY); \
	    echo "make run: generated a development secret key in $(DEV_KEY) (git-ignored; set CATENA_SECRET_KEY in production)"; fi; \
	  export CATENA_SECRET_KEY_FILE=$(DEV_KEY); fi; \
	export DATABASE_URL=$${DATABASE_URL:-$$db}; \
	demo=(); if ! (exec 3<>/dev/tcp/$(subst :,/,$(DEMO_ADDR))) 2>/dev/null; then \
	  $(CATENA) demo-api --addr $(DEMO_ADDR) > .catena/demo-api.log 2>&1 & api=$$!; trap 'kill $$api 2>/dev/null' EXIT; \
	  demo=(--demo http://$(DEMO_ADDR)); fi; \
	addr=$${CATENA_ADDR:-:8080}; case $$addr in :*) addr=localhost$$addr;; esac; \
	echo "make run: Catena on http://$$addr (demo API on $(DEMO_ADDR))"; \
	$(CATENA) serve "$${demo[@]}"

## build: the catena binary with the GUI embedded (the GUI is rebuilt when its sources changed)
build: deps frontend
	$(GO) build -o $(CATENA) ./cmd/catena

## release: bin/catena-VERSION-GOOS-GOARCH with the GUI, built as the Dockerfile builds it
## (static, -trimpath, VERSION stamped into cli.Version); VERSION defaults to `git describe`
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
RELEASE_OS ?= $(shell $(GO) env GOOS)
RELEASE_ARCH ?= $(shell $(GO) env GOARCH)
release: deps frontend
	CGO_ENABLED=0 GOOS=$(RELEASE_OS) GOARCH=$(RELEASE_ARCH) $(GO) build -trimpath \
	  -ldflags "-s -w -X github.com/catena-monitor/catena/internal/cli.Version=$(VERSION)" \
	  -o $(BIN)/catena-$(VERSION)-$(RELEASE_OS)-$(RELEASE_ARCH) ./cmd/catena
	@echo "make release: $(BIN)/catena-$(VERSION)-$(RELEASE_OS)-$(RELEASE_ARCH)"

## deps: Go modules
deps:
	@$(GO) mod download

## test: everything CI checks: vet, lint, generated code current, Go tests with -race
## (the fault suite's short scenarios among them), the long fault scenarios in the
## background while the GUI's checks, Vitest, the end-to-end tests in Chromium and the
## deployment tests run, then their verdict
test: deps vet lint check-generated go-test faults-long-start monitoring-test frontend-test e2e deploy-test faults-long-wait

## faults-long-start / faults-long-wait: the fault scenarios go-test's -short leaves
## out (60 s blackhole, huge bodies, River's rescuer, frozen scheduler), started in
## the background after go-test; the wait fails make test, printing their output, if
## they failed (scripts/faults-long.sh; output in .catena/faults-long/out)
.PHONY: faults-long-start faults-long-wait
faults-long-start:
	@GO=$(GO) scripts/faults-long.sh start
faults-long-wait: faults-long-start
	@scripts/faults-long.sh wait

## check-generated: `go generate ./...` must leave the tree unchanged
check-generated:
	@sum() { find graph frontend/src/gql -type f -not -path '*/node_modules/*' 2>/dev/null | sort | xargs sha256sum; }; \
	before=$$(sum); $(GO) generate ./...; after=$$(sum); \
	if [ "$$before" != "$$after" ]; then diff <(echo "$$before") <(echo "$$after") || true; \
	  echo "generated code was stale: go generate ./... changed the files above; commit them"; exit 1; fi

## chromium: Debian's chromium, which browser steps' Go tests and the e2e tests drive
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## go-test: the Go tests; their databases get this run's own prefix
## (CATENA_TEST_DB_PREFIX, set it to choose one) and are dropped at the end.
# -short leaves out the slowest fault scenarios (a 60 s blackhole, 50 huge
# bodies, a delivery waiting for River's rescuer, a scheduler frozen for two
# minutes); make test-faults runs them.
go-test: chromium
	@pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	export CATENA_TEST_DB_PREFIX=$${CATENA_TEST_DB_PREFIX:-catena_r$$$$_}; \
	trap 'scripts/drop-test-dbs.sh "$$TEST_DATABASE_URL" "$$CATENA_TEST_DB_PREFIX"' EXIT; \
	$(GO) test -race -short -count=1 -timeout 15m ./...

## test-faults: every fault scenario with real runner processes and throwaway Postgres clusters, then the auditor (docs/reliability.md)
test-faults:
	@pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	$(GO) test -count=1 -timeout 10m -v ./internal/faulttest/ 2>&1 | grep -E '^(=== RUN|--- |PASS|FAIL|ok)|_test.go:'; exit $${PIPESTATUS[0]}

## monitoring-test: deploy/monitoring's rules, dashboard and scrape examples through
## Prometheus' own parsers (a nested module: prometheus/prometheus stays out of go.mod)
monitoring-test:
	cd deploy/monitoring/test && $(GO) vet ./... && $(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

tools: $(BIN)/golangci-lint
$(BIN)/golangci-lint:
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

## lint: golangci-lint with the import rules of the architecture
lint: $(BIN)/golangci-lint
	$(BIN)/golangci-lint run --allow-parallel-runners ./...

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## generate: regenerate generated code
generate:
	$(GO) generate ./...

## bench: performance benchmarks against the demo API on 127.0.0.1, with ratios (see docs/performance.md)
BENCH_ADDR ?= 127.0.0.1:9107
BENCH_TIME ?= 1s
bench: build chromium
	@pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	mkdir -p .catena; \
	$(CATENA) demo-api --addr $(BENCH_ADDR) >/dev/null & api=$$!; trap 'kill $$api' EXIT; \
	for i in $$(seq 50); do (exec 3<>/dev/tcp/$(subst :,/,$(BENCH_ADDR))) 2>/dev/null && break; sleep 0.1; done; \
	export CATENA_BENCH_TARGET=http://$(BENCH_ADDR) CATENA_BIN=$(CATENA); \
	st=0; $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCH_TIME) -timeout 30m \
	  ./collectionrunner/ ./internal/cli/ ./internal/schedule/... | tee .catena/bench.txt || st=$$?; \
	awk '/^BenchmarkChain\/[abc]_/ { split($$1, p, "/"); c = p[3]; sub(/-[0-9]+$$/, "", c); \
	    for (i = 2; i < NF; i++) if ($$(i+1) == "runs/s") r[p[2] " " c] = $$i; cs[c] = 1 } \
	  END { printf "\n%-8s %12s %12s %12s %10s %10s\n", "", "a_plain", "b_executor", "c_worker", "b/a", "c/a"; \
	    n = split("c=1 c=10 c=100 c=1000", order, " "); \
	    for (k = 1; k <= n; k++) { c = order[k]; a = r["a_plain " c]; \
	      printf "%-8s %12.0f %12.0f %12.0f %9.0f%% %9.0f%%\n", c, a, r["b_executor " c], r["c_worker " c], \
	        a ? 100 * r["b_executor " c] / a : 0, a ? 100 * r["c_worker " c] / a : 0 } \
	    print "(collection runs/s; 10 steps per run)" }' .catena/bench.txt; \
	exit $$st

## bench-history: 1,000,000 runs and 10,000,000 step results generated in SQL, rolled up,
## then GraphQL timings (dashboard, history page, run, 30-day and 90-day stats) and one
## retention pass under inserts (minutes; not part of make test; see docs/performance.md)
.PHONY: bench-history
bench-history:
	@mkdir -p .catena; pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	$(GO) test -run '^$$' -bench '^BenchmarkHistory$$' -benchtime 1x -timeout 60m -v ./graph/ | tee .catena/bench-history.txt

## bench-scale: issue 11's figures at scale (not part of `make test`; about 15 minutes):
## scheduler lag for 10,000 monitors (alone and beside a runner, as in serve), the
## runner's steps/s and CPU per step (Postgres vs runner) beside plain Go, RSS at
## 1,000 in flight, and the dashboard's p95 at 1,000 monitors and 1,000,000 runs.
## Each benchmark loads its data in SQL into a database of its own, dropped after.
bench-scale: build
	@pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	mkdir -p .catena; \
	$(CATENA) demo-api --addr $(BENCH_ADDR) >/dev/null & api=$$!; trap 'kill $$api' EXIT; \
	for i in $$(seq 50); do (exec 3<>/dev/tcp/$(subst :,/,$(BENCH_ADDR))) 2>/dev/null && break; sleep 0.1; done; \
	export CATENA_BENCH_TARGET=http://$(BENCH_ADDR) CATENA_BIN=$(CATENA); out=.catena/bench-scale.txt; : > $$out; \
	st=0; b() { $(GO) test -run '^$$' -benchtime $$1 -timeout 30m -bench "$$2" $$3 | tee -a $$out || st=$$?; }; \
	b 1x LocalSameMinute ./internal/schedule/; \
	b 1x SchedulerServe ./internal/cli/; \
	b $(BENCH_TIME) 'Chain/a_plain/^c=(100|1000)$$' ./collectionrunner/; \
	b $(BENCH_TIME) 'Chain/c_worker/^c=(100|1000)$$' ./internal/cli/; \
	b 1x DashboardScale ./graph/; \
	awk -f scripts/bench-scale-report.awk $$out; \
	exit $$st

## soak: issue 14's soak (not part of `make test`): the built binary's `catena serve` and
## `catena demo-api` on loopback, SOAK_MONITORS (2000) monitors of a 5-step collection
## every 1m for SOAK_DURATION (10m), in a database of its own dropped after; prints runs and
## steps per minute, slot lag p50/p99, serve CPU and RSS, database growth and the
## auditor's verdict (see docs/performance.md, "Soak")
.PHONY: soak
soak:
	@mkdir -p .catena; pg=$$(scripts/postgres.sh); export TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$pg}; \
	export CATENA_TEST_DB_PREFIX=$${CATENA_TEST_DB_PREFIX:-catena_soak$$$$_}; \
	trap 'scripts/drop-test-dbs.sh "$$TEST_DATABASE_URL" "$$CATENA_TEST_DB_PREFIX"' EXIT; \
	$(GO) test -run '^$$' -bench '^BenchmarkSoak$$' -benchtime 1x -timeout 60m -v ./internal/faulttest/ | tee .catena/soak.txt; \
	exit $${PIPESTATUS[0]}

## lambda: scheduler-lambda for the provided.al2023 runtime on arm64, as lambda.zip (see docs/scheduling.md)
lambda:
	@command -v zip >/dev/null 2>&1 || { echo "lambda: installing Debian's zip"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zip; }
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags '-s -w' -o bootstrap ./scheduler-lambda
	rm -f lambda.zip && zip -q -X lambda.zip bootstrap
	@ls -l lambda.zip

clean:
	rm -rf $(BIN) .catena/catena-*.log

## deploy-test: the deployment artefacts — docker-compose.yml through Debian's docker-compose
## 1.29 (installed if missing), the Helm chart (nested Go module deploy/helm/test) and the
## CDK app's template tests with an offline `cdk synth` (deploy/aws, npm)
.PHONY: deploy-test compose-test helm-test cdk-test
deploy-test: compose-test helm-test cdk-test

compose-test:
	@command -v docker-compose >/dev/null 2>&1 || { echo "compose-test: installing Debian's docker-compose"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; }
	CATENA_REQUIRE_COMPOSE=1 $(GO) test -count=1 ./internal/deploytest/

helm-test:
	cd deploy/helm/test && $(GO) vet ./... && $(GO) test -count=1 ./...

cdk-test: deploy/aws/node_modules/.package-lock.json
	cd deploy/aws && npm test
deploy/aws/node_modules/.package-lock.json: deploy/aws/package-lock.json
	cd deploy/aws && npm ci --no-audit --no-fund

## frontend: the web GUI build in frontend/dist (embedded by `make build`), rebuilt only when its sources changed
.PHONY: frontend frontend-test e2e
FRONTEND_SRC := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts \
	frontend/tsconfig.json frontend/tsconfig.app.json frontend/package-lock.json $(wildcard graph/schema/*.graphqls)
frontend: frontend/dist/index.html
frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SRC)
	cd frontend && npm run --silent codegen && npm run --silent build
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

## frontend-test: generated GraphQL types current, type check, no `any`, Vitest, the Go embed test
frontend-test: frontend/node_modules/.package-lock.json
	cd frontend && npm run --silent codegen:check && npm run --silent typecheck && npm run --silent lint && npm test
	$(GO) test -count=1 ./frontend/

## e2e: Playwright against `catena serve` + the demo API on Postgres, in Debian's Chromium; saves docs/screenshots/
e2e: frontend chromium
	@export CATENA_E2E_POSTGRES=$$(scripts/postgres.sh); cd frontend && npm run --silent e2e
