package mail

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
)

func TestConsole(t *testing.T) {
	t.Run("prints_headers_and_link", func(t *testing.T) {
		var out bytes.Buffer
		c := &Console{W: &out}
		if err := c.Send(context.Background(), testEnvelope()); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		for _, want := range []string{"To:      alice@example.com", "Subject: Activate your accountd account ✓", testLink, "Hello Zoë"} {
			if !strings.Contains(got, want) {
				t.Errorf("output lacks %q:\n%s", want, got)
			}
		}
		if FindLink(got) != testLink {
			t.Errorf("FindLink(output) = %q, want %q", FindLink(got), testLink)
		}
	})

	t.Run("prints_each_link_whole_on_its_own_line", func(t *testing.T) {
		// A signed link is long; wrapped or quoted-printable ("=3D", a soft break "=\n")
		// it could not be pasted into a browser.
		long := "http://localhost:3000/verify-user/?user_id=42&timestamp=1764863933&signature=" + strings.Repeat("Zm9vYmFy", 12)
		e := testEnvelope()
		e.Kind = "activation"
		e.Text = "Open this link:\n\n" + long + "\n\nor this one: " + testLink + ".\n"
		var out bytes.Buffer
		if err := (&Console{W: &out}).Send(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"\nKind:    activation\n", "\nLink: " + long + "\n", "\nLink: " + testLink + "\n"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	})

	t.Run("strips_terminal_escapes", func(t *testing.T) {
		var out bytes.Buffer
		e := testEnvelope()
		e.Text = "Hello \x1b[2J\x1b]0;pwned\x07Mallory\n"
		if err := (&Console{W: &out}).Send(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(out.String(), "\x1b\x07") {
			t.Errorf("control characters reached the terminal: %q", out.String())
		}
	})

	t.Run("rejects_bad_address", func(t *testing.T) {
		e := testEnvelope()
		e.To = "nobody"
		if err := (&Console{W: new(bytes.Buffer)}).Send(context.Background(), e); err == nil {
			t.Error("Send succeeded with To \"nobody\"")
		}
	})

	t.Run("concurrent_messages_do_not_interleave", func(t *testing.T) {
		var out bytes.Buffer // not safe for concurrent use: the Console's lock must protect it
		c := &Console{W: &out}
		const n = 50
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if err := c.Send(context.Background(), testEnvelope()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		blocks := strings.Split(strings.TrimSuffix(out.String(), "----- end of mail -----\n"), "----- end of mail -----\n")
		if len(blocks) != n {
			t.Fatalf("got %d blocks, want %d", len(blocks), n)
		}
		for _, b := range blocks {
			if strings.Count(b, "----- mail -----") != 1 || strings.Count(b, "\nLink: "+testLink+"\n") != 1 {
				t.Fatalf("garbled block:\n%s", b)
			}
		}
	})
}
