.PHONY: build run test lint bench bench-load generate fuzz chaos linearizability reliability

build:
	go build -buildvcs=true -o bin/tenantd ./cmd/tenantd

run:
	go run ./cmd/tenantd serve

test:
	go test -race -count=1 -timeout 45m ./...

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "files not formatted with gofmt:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	PATH="$$(go env GOPATH)/bin:$$PATH" staticcheck ./...

bench:
	go test -run '^$$' -bench . -benchmem ./...

# bench-load seeds a store (reused between runs), starts tenantd and a raw
# baseline server on it and prints each figure as a ratio to the baseline;
# LOAD_FLAGS passes flags, e.g. LOAD_FLAGS='-tenants 100000 -db postgres://...'.
LOAD_FLAGS ?=
bench-load:
	go run ./bench/load $(LOAD_FLAGS)

generate:
	go generate ./client

# fuzz runs every fuzz target for FUZZTIME each (the seeds alone run in
# `make test`) and prints the executions of each; TENANTD_FUZZ_STORES=sqlite,postgres
# fuzzes on both stores at once.
FUZZTIME ?= 30s
FUZZ_PACKAGES ?= ./internal/auth ./internal/httpapi
fuzz:
	@set -e; mkdir -p bin; : > bin/fuzz.log; \
	for pkg in $(FUZZ_PACKAGES); do \
		for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			go test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg > bin/fuzz-target.log 2>&1 || { cat bin/fuzz-target.log; exit 1; }; \
			execs=$$(grep -o 'execs: [0-9]*' bin/fuzz-target.log | tail -1 | cut -d' ' -f2); \
			echo "$$target $${execs:-0}" | tee -a bin/fuzz.log; \
		done; \
	done; \
	awk '{n++; s+=$$2} END {printf "%d targets, %d executions, 0 failures\n", n, s}' bin/fuzz.log

# chaos runs the crash-recovery test's long form: CHAOS_KILLS kill -9s of
# tenantd per store (SQLite and PostgreSQL) under a mixed write load, each
# followed by a restart and a check of every acknowledged write.
CHAOS_KILLS ?= 50
chaos:
	@mkdir -p bin; status=0; \
	go test -count=1 -timeout 60m -run '^TestCrashRecovery$$' -v ./cmd/tenantd -chaos.kills $(CHAOS_KILLS) > bin/chaos.log 2>&1 || status=$$?; \
	grep -E '^(--- |ok|FAIL|PASS)|kills survived|_test.go:' bin/chaos.log; exit $$status

# linearizability runs the linearizability check's long form: LIN_OPS
# operations per client, on both stores (three instances on PostgreSQL).
LIN_OPS ?= 400
linearizability:
	@mkdir -p bin; status=0; \
	go test -count=1 -timeout 60m -run '^TestLinearizable$$' -v ./cmd/tenantd -lin.ops $(LIN_OPS) > bin/linearizability.log 2>&1 || status=$$?; \
	grep -E '^(--- |ok|FAIL|PASS)|operations on|_test.go:' bin/linearizability.log; exit $$status

# reliability runs every long form: the crash recovery, the linearizability
# check and the fuzz targets.
reliability: chaos linearizability fuzz
