package main

import (
	"strings"
	"testing"
)

// TestWriteYAML: -o yaml keeps the API's keys and writes integers as
// integers, however large, and fractions as they are.
func TestWriteYAML(t *testing.T) {
	var b strings.Builder
	v := map[string]any{"version": int64(1796687878694), "value": 0.5,
		"items": []any{map[string]any{"quota_version": int64(1796687878695)}}}
	if err := writeYAML(&b, v); err != nil {
		t.Fatal(err)
	}
	want := "items:\n  - quota_version: 1796687878695\nvalue: 0.5\nversion: 1796687878694\n"
	if b.String() != want {
		t.Errorf("writeYAML:\n%s\nwant:\n%s", b.String(), want)
	}
}
