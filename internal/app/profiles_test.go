package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestProfilesRegistered: every compatibility profile's operations in openapi.yaml (a
// tag compat-<name>) belong to one registered profile, each registered profile's tag is
// in the spec with its generated package, and names are unique. A new profile is a
// package under internal/compat and a line in profiles.
func TestProfilesRegistered(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	specTags := map[string]bool{}
	for _, tag := range doc.Tags {
		if strings.HasPrefix(tag.Name, "compat-") {
			specTags[tag.Name] = true
		}
	}
	names, tags := map[string]bool{}, map[string]bool{}
	for _, p := range profiles {
		if names[p.Name()] || tags[p.Tag()] {
			t.Errorf("profile %q (tag %s) is registered twice, or shares its name or tag", p.Name(), p.Tag())
		}
		names[p.Name()], tags[p.Tag()] = true, true
		if !specTags[p.Tag()] {
			t.Errorf("profile %q: openapi.yaml declares no tag %s", p.Name(), p.Tag())
		}
		pkg := strings.ReplaceAll(strings.TrimPrefix(p.Tag(), "compat-"), "-", "")
		if _, err := os.Stat(filepath.Join("../../gen/compat", pkg)); err != nil {
			t.Errorf("profile %q: no generated package gen/compat/%s (run make generate): %v", p.Name(), pkg, err)
		}
	}
	for tag := range specTags {
		if !tags[tag] {
			t.Errorf("openapi.yaml tags operations %s, but no registered profile serves them: add the profile to profiles in internal/app/profiles.go", tag)
		}
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table in step with the
// settings table, the profiles' rows included.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings() {
		row := "| `" + s.Env + "` | "
		if s.Default != "" {
			row += "`" + s.Default + "`"
		}
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no row %q...", row)
		}
	}
}
