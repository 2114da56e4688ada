package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
)

// Envelope is one finished email: addresses, subject and the rendered bodies. From and To
// are single RFC 5322 addresses ("a@example.com" or "Name <a@example.com>"). HTML may be
// empty, in which case only the text part is sent.
type Envelope struct {
	From, To, Subject, Text, HTML string
	// Kind is what the email is (account.MessageKind: "activation", "password_reset",
	// ...), for those who read mail by program: the dir:// mailer's JSON sidecar and
	// the console mailer show it. It is no header of the message sent.
	Kind string
	// MessageID, when set, is the Message-ID header ("<...@domain>") of the message
	// sent, the same at every attempt: the outbox gives each queued email one, so that a
	// receiver can drop a copy sent again after a worker crashed between the send and
	// its record. Empty: a new one per message built.
	MessageID string
}

// Sender delivers envelopes. Implementations are safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, e Envelope) error
}

// Open returns the Sender a mailer URL names:
//
//	"" or "console"                  Console printing to stdout
//	smtp://[user:pass@]host[:port]   SMTP, STARTTLS when offered (port 587 by default)
//	smtps://[user:pass@]host[:port]  SMTP over implicit TLS (port 465 by default)
//	dir:///abs/path, dir:rel/path    Dir writing .eml files there
//
// Errors name the problem but never repeat a password.
func Open(mailerURL string, stdout io.Writer) (Sender, error) {
	raw := strings.TrimSpace(mailerURL)
	if raw == "" || raw == "console" {
		return &Console{W: stdout}, nil
	}
	scheme, _, ok := strings.Cut(raw, ":")
	if !ok {
		return nil, errors.New(`mail: mailer URL needs a scheme: "console", "smtp://", "smtps://" or "dir:"`)
	}
	switch strings.ToLower(scheme) {
	case "smtp", "smtps":
		return NewSMTP(raw)
	case "dir":
		return parseDirURL(raw)
	}
	// Quote the scheme only when it looks like one: the text before the first colon of
	// "pass@host:25" is no scheme and may be a secret.
	if !schemePattern.MatchString(scheme) {
		return nil, errors.New(`mail: mailer URL needs a scheme: "console", "smtp://", "smtps://" or "dir:"`)
	}
	return nil, fmt.Errorf(`mail: unknown mailer URL scheme %q (want "console", "smtp", "smtps" or "dir")`, scheme)
}

// parseURL parses a mailer URL without letting url.Parse's error, which quotes the whole
// input, repeat a password.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err == nil {
		return u, nil
	}
	var uerr *url.Error
	if errors.As(err, &uerr) && !strings.Contains(raw, "@") {
		return nil, fmt.Errorf("mail: invalid mailer URL: %w", uerr.Err)
	}
	return nil, errors.New("mail: invalid mailer URL (percent-encode special characters in the user name and password)")
}

var schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
