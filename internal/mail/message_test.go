package mail

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBuildMessage(t *testing.T) {
	t.Run("parses_back_with_both_parts", func(t *testing.T) {
		raw, from, to, err := buildMessage(testEnvelope(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if from != "no-reply@example.com" || to != "alice@example.com" {
			t.Errorf("SMTP addresses = %q, %q", from, to)
		}
		checkMessage(t, raw)
	})

	t.Run("crlf_line_endings_and_short_lines", func(t *testing.T) {
		e := testEnvelope()
		e.Text = strings.Repeat("long line without breaks ", 100)
		raw, _, _, err := buildMessage(e, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range bytes.Split(raw, []byte("\r\n")) {
			if bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("line %d has a bare LF: %q", i, line)
			}
			if len(line) > 998 {
				t.Fatalf("line %d is %d octets long", i, len(line))
			}
		}
	})

	t.Run("subject_cannot_inject_headers", func(t *testing.T) {
		e := testEnvelope()
		e.Subject = "Hi\r\nBcc: victim@example.net"
		raw, _, _, err := buildMessage(e, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("\r\nBcc:")) {
			t.Fatalf("subject injected a header:\n%s", raw)
		}
		if got := parseMessage(t, raw).Subject; got != e.Subject {
			t.Errorf("Subject = %q, want %q", got, e.Subject)
		}
	})

	t.Run("bad_addresses_rejected", func(t *testing.T) {
		for _, e := range []Envelope{
			{From: "no-reply@example.com", To: "alice@example.com\r\nBcc: victim@example.net"},
			{From: "no-reply@example.com", To: "alice@example.com, bob@example.com"},
			{From: "no-reply@example.com", To: ""},
			{From: "not an address", To: "alice@example.com"},
		} {
			if _, _, _, err := buildMessage(e, time.Now()); err == nil {
				t.Errorf("buildMessage(From %q, To %q) succeeded", e.From, e.To)
			}
		}
	})

	t.Run("text_only_without_html", func(t *testing.T) {
		e := testEnvelope()
		e.HTML = ""
		raw, _, _, err := buildMessage(e, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte("Content-Type: text/plain; charset=utf-8\r\n")) || bytes.Contains(raw, []byte("multipart")) {
			t.Errorf("want a single text/plain part:\n%s", raw)
		}
	})
}

// Issue 20, item 2: a message built from an envelope with a Message-ID carries it (the
// outbox's, the same at every attempt); one without, or with a malformed one that could
// break the header, gets a fresh one.
func TestMessageIDKept(t *testing.T) {
	header := func(e Envelope) string {
		raw, _, _, err := buildMessage(e, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
				return v
			}
		}
		t.Fatal("no Message-ID header")
		return ""
	}
	e := testEnvelope()
	e.MessageID = "<abc123@example.com>"
	if got := header(e); got != e.MessageID {
		t.Errorf("Message-ID %q, want %q", got, e.MessageID)
	}
	for _, bad := range []string{"", "abc@example.com", "<a\r\nBcc: x@evil.example@x>", "<no-at>"} {
		e.MessageID = bad
		if got := header(e); got == bad || !validMessageID(got) {
			t.Errorf("Message-ID %q: built with %q", bad, got)
		}
	}
}
