// Command gencompat generates the code of every compatibility profile: for each tag
// compat-<name> declared in openapi.yaml, the package gen/compat/<name without dashes>
// with the models, the chi server interface and the embedded spec of the operations so
// tagged, as
//
//	go tool oapi-codegen -generate types,chi-server,spec -include-tags compat-<name> \
//	    -package <pkg> -o <pkg>/<pkg>.gen.go openapi.yaml
//
// and it fails on a generated package whose tag is gone. A new profile's generated
// code thus takes nothing but its tag in openapi.yaml and `make generate`, which runs
// this command through gen/compat/generate.go:
//
//	go run ./internal/tools/gencompat -spec openapi.yaml -out gen/compat
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// tagPrefix starts the tag of every compatibility profile's operations.
const tagPrefix = "compat-"

func main() {
	spec := flag.String("spec", "openapi.yaml", "the OpenAPI document")
	out := flag.String("out", "gen/compat", "the directory of the generated packages")
	flag.Parse()
	if err := run(*spec, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gencompat:", err)
		os.Exit(1)
	}
}

func run(spec, out string) error {
	tags, err := profileTags(spec)
	if err != nil {
		return err
	}
	specPath, err := filepath.Abs(spec)
	if err != nil {
		return err
	}
	var pkgs []string
	for _, tag := range tags {
		pkg := packageName(tag)
		if pkg == "" || slices.Contains(pkgs, pkg) {
			return fmt.Errorf("%s: tag %q makes no package name of its own", spec, tag)
		}
		pkgs = append(pkgs, pkg)
		dir := filepath.Join(out, pkg)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		cmd := exec.Command("go", "tool", "oapi-codegen",
			"-generate", "types,chi-server,spec", "-include-tags", tag,
			"-package", pkg, "-o", pkg+".gen.go", specPath)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("generate %s for tag %s: %w", dir, tag, err)
		}
	}
	return checkStale(out, pkgs)
}

// profileTags returns the compat- tags openapi.yaml declares, in its order.
func profileTags(spec string) ([]string, error) {
	raw, err := os.ReadFile(spec)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Tags []struct {
			Name string `yaml:"name"`
		} `yaml:"tags"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	var tags []string
	for _, t := range doc.Tags {
		if strings.HasPrefix(t.Name, tagPrefix) {
			tags = append(tags, t.Name)
		}
	}
	return tags, nil
}

// packageName is the Go package of a tag: compat-rest-registration → restregistration.
func packageName(tag string) string {
	return strings.ReplaceAll(strings.TrimPrefix(tag, tagPrefix), "-", "")
}

// checkStale fails on a package under out that no tag makes any more: it would go on
// compiling, stale. It is not deleted here: go generate, which runs this command, has
// listed the packages to visit already and would fail on a vanished one.
func checkStale(out string, keep []string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(keep, e.Name()) {
			errs = append(errs, fmt.Errorf("%s: no %s tag of openapi.yaml makes this package any more: delete the directory",
				filepath.Join(out, e.Name()), tagPrefix))
		}
	}
	return errors.Join(errs...)
}
