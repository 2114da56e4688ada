package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

const testLink = "https://app.example.com/activate?token=abc123"

// testEnvelope is a typical message: non-ASCII in the subject and body, a link in both parts.
func testEnvelope() Envelope {
	return Envelope{
		From:    "accountd <no-reply@example.com>",
		To:      "alice@example.com",
		Subject: "Activate your accountd account ✓",
		Text:    "Hello Zoë,\n\nTo activate your account, open this link:\n\n" + testLink + "\n",
		HTML:    `<p>Hello Zoë,</p><p><a href="` + testLink + `">Activate</a></p>`,
		Kind:    "activation",
	}
}

// parsedMessage is a message read back with net/mail and mime/multipart.
type parsedMessage struct {
	Header  mail.Header
	Subject string // decoded
	Text    string // decoded from quoted-printable
	HTML    string
}

// parseMessage reads raw as a client would, failing the test on anything malformed.
func parseMessage(t *testing.T, raw []byte) parsedMessage {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, raw)
	}
	p := parsedMessage{Header: msg.Header}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart: %v", err)
		}
		// NextPart decodes quoted-printable itself and drops the header, so check its
		// content type only.
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct, ctParams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ctParams["charset"] != "utf-8" {
			t.Errorf("part %s has charset %q, want utf-8", ct, ctParams["charset"])
		}
		switch ct {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	return p
}

// checkMessage asserts that raw is testEnvelope, well formed.
func checkMessage(t *testing.T, raw []byte) {
	t.Helper()
	want := testEnvelope()
	p := parseMessage(t, raw)
	if got := p.Header.Get("From"); got != `"accountd" <no-reply@example.com>` {
		t.Errorf("From = %q", got)
	}
	if got := p.Header.Get("To"); got != "<alice@example.com>" {
		t.Errorf("To = %q", got)
	}
	if p.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", p.Subject, want.Subject)
	}
	if !strings.Contains(string(raw), "Subject: =?utf-8?q?") {
		t.Errorf("non-ASCII subject is not RFC 2047-encoded in:\n%s", raw)
	}
	if _, err := p.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := p.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q", id)
	}
	if got := p.Header.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q", got)
	}
	// Compare without caring whether a relay turned CRLF into LF.
	if got := strings.ReplaceAll(p.Text, "\r\n", "\n"); got != want.Text {
		t.Errorf("text part = %q, want %q", got, want.Text)
	}
	if p.HTML != want.HTML {
		t.Errorf("html part = %q, want %q", p.HTML, want.HTML)
	}
}
