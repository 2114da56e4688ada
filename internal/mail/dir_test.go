package mail

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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
		namePattern := regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[a-z2-7]{16}\.(eml|json)$`)
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
			if strings.HasSuffix(e.Name(), ".eml") {
				names = append(names, e.Name())
			} else if _, err := os.Stat(filepath.Join(path, strings.TrimSuffix(e.Name(), ".json")+".eml")); err != nil {
				t.Errorf("sidecar %s has no message beside it: %v", e.Name(), err)
			}
		}
		if len(entries) != 2*n {
			t.Fatalf("got %d files, want %d messages and their sidecars", len(entries), n)
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

	t.Run("sidecar_says_to_subject_kind_and_links", func(t *testing.T) {
		path := t.TempDir()
		long := "http://localhost:3000/verify-email/?user_id=7&email=a%2Bb%40example.com&timestamp=1764863933&signature=" + strings.Repeat("c2lnbmF0dXJl", 10)
		e := testEnvelope()
		e.Kind = "email_change"
		e.Text = "Confirm: " + long + "\nor read " + testLink + ", then " + long + "\n"
		if err := (Dir{Path: path}).Send(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		sidecars, _ := filepath.Glob(filepath.Join(path, "*.json"))
		if len(sidecars) != 1 {
			t.Fatalf("sidecars: %v", sidecars)
		}
		raw, err := os.ReadFile(sidecars[0])
		if err != nil {
			t.Fatal(err)
		}
		var got Sidecar
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%v\n%s", err, raw)
		}
		if got.To != e.To || got.Subject != e.Subject || got.Kind != "email_change" ||
			!slices.Equal(got.Links, []string{long, testLink}) || got.Message != strings.TrimSuffix(filepath.Base(sidecars[0]), ".json")+".eml" {
			t.Errorf("sidecar:\n%s", raw)
		}
		if info, err := os.Stat(sidecars[0]); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("sidecar mode %v (%v), want 0600: it holds live links", info.Mode().Perm(), err)
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
