.PHONY: build run test lint bench generate

build:
	go build -o bin/tenantd ./cmd/tenantd

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

generate:
	go generate ./client
