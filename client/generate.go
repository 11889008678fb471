package client

// The types and operations of openapi.gen.go are generated from the API's
// OpenAPI document by oapi-codegen, pinned by version.
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../api/openapi.yaml
