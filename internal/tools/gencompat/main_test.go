package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestProfileTags(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "openapi.yaml")
	doc := "openapi: 3.0.3\ntags:\n  - name: auth\n  - name: compat-rest-registration\n    description: x\n  - name: compat-djoser\npaths: {}\n"
	if err := os.WriteFile(spec, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	tags, err := profileTags(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tags, []string{"compat-rest-registration", "compat-djoser"}) {
		t.Fatalf("tags = %q", tags)
	}
	if got := packageName("compat-rest-registration"); got != "restregistration" {
		t.Fatalf("package = %q", got)
	}
}

func TestCheckStale(t *testing.T) {
	out := t.TempDir()
	for _, d := range []string{"djoser", "gone"} {
		if err := os.Mkdir(filepath.Join(out, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := checkStale(out, []string{"djoser", "gone"}); err != nil {
		t.Fatalf("every package has its tag: %v", err)
	}
	err := checkStale(out, []string{"djoser"})
	if err == nil || !strings.Contains(err.Error(), "gone: no compat- tag") || strings.Contains(err.Error(), "djoser") {
		t.Fatalf("err = %v, want one naming gone alone", err)
	}
}
