package mail

import (
	"context"
	"io"
	"strings"
	"sync"
)

// Console prints each message as a readable block: headers, its kind, the text part,
// and then each link of the text part whole on a line of its own (Link: ...), never
// wrapped or quoted, so that a developer can copy it from the terminal. It is meant for
// development; it is safe for concurrent use. Use it as a pointer.
type Console struct {
	W io.Writer

	mu sync.Mutex
}

// Send prints e to W.
func (c *Console) Send(ctx context.Context, e Envelope) error {
	// Check the addresses as the real backends do, so that a mistake shows up in
	// development rather than in the first SMTP delivery.
	if _, _, err := e.addresses(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("----- mail -----\n")
	b.WriteString("From:    " + printableLine(e.From) + "\n")
	b.WriteString("To:      " + printableLine(e.To) + "\n")
	b.WriteString("Subject: " + printableLine(e.Subject) + "\n")
	if e.Kind != "" {
		b.WriteString("Kind:    " + printableLine(e.Kind) + "\n")
	}
	b.WriteString("\n" + printable(strings.TrimRight(e.Text, "\n")) + "\n")
	if links := FindLinks(e.Text); len(links) > 0 {
		b.WriteString("\n")
		for _, l := range links {
			b.WriteString("Link: " + printableLine(l) + "\n")
		}
	}
	b.WriteString("----- end of mail -----\n")

	// One Write per message, under the lock, so that concurrent messages never interleave.
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := io.WriteString(c.W, b.String())
	return err
}

// printable drops control characters other than newline and tab: names in the body come
// from users, and a terminal would obey escape sequences hidden in them.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}

// printableLine is printable for a header value: it stays on one line.
func printableLine(s string) string {
	return strings.ReplaceAll(printable(s), "\n", " ")
}
