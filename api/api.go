// Package api holds tenantd's REST contract: the OpenAPI document, embedded so
// that the server can serve it and tests can hold the routes against it.
//
// The document is written by hand in a fixed layout that Operations reads
// without a YAML library: two-space indentation, top-level keys at column 0,
// each path under "paths:" at exactly two spaces ("  /tenants/{tenant_id}:")
// and each of its methods at exactly four ("    get:"). The only other key
// allowed at four spaces under a path is "parameters:".
package api

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

// OpenAPI is the OpenAPI 3.0 document of the API served under /api/2. It must
// not be modified.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Operation is one method and path of the document, the path relative to the
// server url (/api/2).
type Operation struct {
	Method string // upper case: "GET"
	Path   string // as written in the document: "/tenants/{tenant_id}"
}

func (o Operation) String() string { return o.Method + " " + o.Path }

// Operations returns the operations the document lists, sorted by path then
// method. It returns an error when the document does not follow the layout
// described in the package documentation.
func Operations() ([]Operation, error) {
	return parseOperations(OpenAPI)
}

// methods are the keys that introduce an operation under a path.
var methods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true,
}

func parseOperations(doc []byte) ([]Operation, error) {
	var (
		ops     []Operation
		inPaths bool
		sawPath bool
		path    string // current path; "" before the first one
		seen    = map[string]bool{}
		seenOp  = map[Operation]bool{}
	)
	for i, line := range strings.Split(string(doc), "\n") {
		n := i + 1
		line = strings.TrimRight(line, " \r")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(trimmed)
		if indent < 6 && strings.HasPrefix(trimmed, "\t") {
			return nil, fmt.Errorf("openapi.yaml:%d: tab in indentation", n)
		}
		if indent == 0 {
			inPaths = false
			if line == "paths:" {
				if sawPath {
					return nil, fmt.Errorf("openapi.yaml:%d: second paths section", n)
				}
				inPaths, sawPath = true, true
			} else if strings.HasPrefix(line, "paths:") {
				return nil, fmt.Errorf("openapi.yaml:%d: paths must be a block mapping: %q", n, line)
			}
			continue
		}
		if !inPaths {
			continue
		}
		switch {
		case indent == 2:
			p, ok := strings.CutSuffix(trimmed, ":")
			if !ok || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \t'\"#") {
				return nil, fmt.Errorf("openapi.yaml:%d: want a path key like \"  /tenants:\", got %q", n, line)
			}
			if seen[p] {
				return nil, fmt.Errorf("openapi.yaml:%d: path %s listed twice", n, p)
			}
			seen[p] = true
			path = p
		case indent == 4:
			if path == "" {
				return nil, fmt.Errorf("openapi.yaml:%d: %q before the first path", n, line)
			}
			key, ok := strings.CutSuffix(trimmed, ":")
			if ok && key == "parameters" {
				continue
			}
			if !ok || !methods[key] {
				return nil, fmt.Errorf("openapi.yaml:%d: want a method key like \"    get:\" under %s, got %q", n, path, line)
			}
			op := Operation{Method: strings.ToUpper(key), Path: path}
			if seenOp[op] {
				return nil, fmt.Errorf("openapi.yaml:%d: %s listed twice", n, op)
			}
			seenOp[op] = true
			ops = append(ops, op)
		case indent < 6:
			// 1, 3 or 5 spaces: not two-space nesting.
			return nil, fmt.Errorf("openapi.yaml:%d: indentation of %d spaces under paths", n, indent)
		}
	}
	if !sawPath {
		return nil, fmt.Errorf("openapi.yaml: no top-level paths section")
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("openapi.yaml: no operations under paths")
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops, nil
}
