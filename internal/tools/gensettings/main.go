// Command gensettings writes the documents that come from the settings table (every
// ACCOUNTD_* setting, the compatibility profiles' included, as app.Settings returns
// them): docs/configuration.md whole, and the README's short table of the essential
// settings between its settings:begin and settings:end markers. `make generate` runs it
// through internal/app/generate.go:
//
//	go run ./internal/tools/gensettings -docs docs/configuration.md -readme README.md
//
// internal/app's TestGeneratedSettingsDocs fails while either document is stale.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
)

func main() {
	docs := flag.String("docs", "docs/configuration.md", "the configuration reference to write")
	readme := flag.String("readme", "README.md", "the README whose short settings table to rewrite")
	flag.Parse()
	if err := run(*docs, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "gensettings:", err)
		os.Exit(1)
	}
}

func run(docs, readme string) error {
	table := app.Settings()
	if err := writeIfChanged(docs, config.Markdown(table)); err != nil {
		return err
	}
	old, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	updated, err := config.Splice(string(old), config.Essentials(table))
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	return writeIfChanged(readme, updated)
}

// writeIfChanged leaves a file that is current untouched, so that its modification time
// (and make's view of it) only moves when its content does.
func writeIfChanged(path, content string) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == content {
		return nil
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
