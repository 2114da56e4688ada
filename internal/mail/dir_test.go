package mail

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

func TestDir(t *testing.T) {
	t.Run("writes_parseable_eml_files", func(t *testing.T) {
		// A directory that does not exist yet, two levels down.
		path := filepath.Join(t.TempDir(), "mail", "out")
		d := Dir{Path: path}
		const n = 3
		for range n {
			if err := d.Send(context.Background(), testEnvelope()); err != nil {
				t.Fatal(err)
			}
		}

		entries, err := os.ReadDir(path)
		if err != nil {
			t.Fatal(err)
		}
		namePattern := regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[a-z2-7]{16}\.eml$`)
		var names []string
		for _, e := range entries {
			if !namePattern.MatchString(e.Name()) {
				t.Errorf("unexpected file %q (a leftover temporary file?)", e.Name())
			}
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s has mode %v, want 0600: messages carry live tokens", e.Name(), perm)
			}
			names = append(names, e.Name())
		}
		if len(names) != n {
			t.Fatalf("got %d files, want %d: %v", len(names), n, names)
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("directory mode = %v (%v), want 0700", info.Mode().Perm(), err)
		}

		// Names sort by time: the timestamp prefixes are in sending order.
		stamps := make([]string, len(names))
		for i, name := range names {
			stamps[i] = name[:len("20060102T150405.000000000Z")]
		}
		if !slices.IsSorted(stamps) {
			t.Errorf("timestamps not in order: %v", stamps)
		}

		for _, name := range names {
			raw, err := os.ReadFile(filepath.Join(path, name))
			if err != nil {
				t.Fatal(err)
			}
			checkMessage(t, raw)
		}
	})

	t.Run("bad_envelope_writes_nothing", func(t *testing.T) {
		path := t.TempDir()
		e := testEnvelope()
		e.To = "not an address"
		if err := (Dir{Path: path}).Send(context.Background(), e); err == nil {
			t.Fatal("Send succeeded")
		}
		if entries, _ := os.ReadDir(path); len(entries) != 0 {
			t.Errorf("files left behind: %v", entries)
		}
	})

	t.Run("unwritable_path_is_an_error", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := (Dir{Path: file}).Send(context.Background(), testEnvelope()); err == nil {
			t.Error("Send into a regular file succeeded")
		}
	})
}
