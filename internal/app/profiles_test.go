package app

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/accountd/accountd/internal/config"
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

// TestGeneratedSettingsDocs: docs/configuration.md and the README's short table are
// what gensettings writes from the settings table today, the profiles' rows included;
// a new or changed setting fails here until `make generate` has rewritten them.
func TestGeneratedSettingsDocs(t *testing.T) {
	table := Settings()
	docs, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(docs) != config.Markdown(table) {
		t.Error("docs/configuration.md is stale: run `make generate` and commit it")
	}
	for _, s := range table {
		if !strings.Contains(string(docs), "| `"+s.Env+"` |") {
			t.Errorf("docs/configuration.md has no row for %s", s.Env)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := config.Splice(string(readme), config.Essentials(table))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	if string(readme) != want {
		t.Error("README.md's settings table is stale: run `make generate` and commit it")
	}
}

// TestEveryOperationGenerated: each operation of openapi.yaml has one tag, which is
// either the canonical API's, generated into gen and the SDK (their oapi-codegen.yaml
// list those tags), or a registered profile's, generated into gen/compat. An operation
// under another tag would be generated nowhere and served by nothing.
func TestEveryOperationGenerated(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	canonical := includedTags(t, "../../gen/oapi-codegen.yaml")
	if sdk := includedTags(t, "../../clients/go/accountd/oapi-codegen.yaml"); !equalSets(sdk, canonical) {
		t.Errorf("gen and the SDK generate different tags: %q and %q", slices.Sorted(maps.Keys(canonical)), slices.Sorted(maps.Keys(sdk)))
	}
	served := map[string]bool{}
	for _, p := range profiles {
		served[p.Tag()] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if len(op.Tags) != 1 || !canonical[op.Tags[0]] && !served[op.Tags[0]] {
				t.Errorf("%s %s has tags %q: want one, of the canonical API (%q, gen/oapi-codegen.yaml) or of a registered profile",
					method, path, op.Tags, slices.Sorted(maps.Keys(canonical)))
			}
		}
	}
}

// includedTags reads output-options.include-tags of an oapi-codegen configuration.
func includedTags(t *testing.T, file string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		OutputOptions struct {
			IncludeTags []string `yaml:"include-tags"`
		} `yaml:"output-options"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	tags := map[string]bool{}
	for _, tag := range cfg.OutputOptions.IncludeTags {
		tags[tag] = true
	}
	if len(tags) == 0 {
		t.Fatalf("%s lists no include-tags", file)
	}
	return tags
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
