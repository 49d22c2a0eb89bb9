# Waymark. `make run` starts it with demo data; `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.Version=$(VERSION)
ASSETS  := internal/web/static/dist/.built

.PHONY: all build run test bench bench-go bench-http assets clients clean

all: build

# Front-end packages come from npm and are bundled by esbuild into
# internal/web/static/dist, which the binary embeds.
assets: $(ASSETS)

$(ASSETS): web/package.json web/package-lock.json web/build.mjs $(wildcard web/src/*)
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	touch $@

# The TypeScript client generator (openapi-typescript, openapi-fetch, tsc),
# pinned by clients/ts/package-lock.json; internal/httpapi's
# TestGeneratedClients runs it, and oapi-codegen (go.mod's tool directive).
CLIENTS := clients/ts/node_modules/.installed
clients: $(CLIENTS)

$(CLIENTS): clients/ts/package.json clients/ts/package-lock.json
	cd clients/ts && npm ci --no-audit --no-fund --loglevel=error
	touch $@

build: assets
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/waymark ./cmd/waymark

run: build
	./bin/waymark serve --demo --db sqlite:waymark.db

test: assets clients
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# bench runs the Go benchmarks and then the HTTP load benchmark.
bench: bench-go bench-http

bench-go: assets
	$(GO) test -run '^$$' -bench . -benchtime 3s -count 3 ./... | tee bench.out

# The HTTP API under wrk (64 connections, 3 runs of 10 s per route) beside a
# bare net/http handler, on SQLite, and on PostgreSQL too when
# WAYMARK_TEST_POSTGRES_URL is set. Needs wrk (Debian: apt-get install wrk).
# BENCH_HTTP_FLAGS passes more flags, e.g. -cpuprofile DIR or -routes get-account.
bench-http: assets
	@command -v wrk >/dev/null || { echo "bench-http needs wrk: apt-get install wrk" >&2; exit 1; }
	$(GO) run ./internal/httpbench $(BENCH_HTTP_FLAGS) | tee bench-http.out

clean:
	rm -rf bin internal/web/static/dist web/node_modules clients/ts/node_modules clients/ts/generated clients/go/client.gen.go
