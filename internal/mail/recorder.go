package mail

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Recorder is a Sender that keeps every envelope in memory, for tests that need to read
// what was sent (an activation link, say). The zero value is ready to use; it is safe for
// concurrent use.
type Recorder struct {
	mu   sync.Mutex
	msgs []Envelope
	// changed is closed and replaced on every Send, waking WaitFor callers.
	changed chan struct{}
}

// Send records e. It checks the addresses like the other senders, so tests catch what
// SMTP would refuse.
func (r *Recorder) Send(ctx context.Context, e Envelope) error {
	if _, _, err := e.addresses(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, e)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
	return nil
}

// Messages returns every envelope recorded so far, oldest first.
func (r *Recorder) Messages() []Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Envelope(nil), r.msgs...)
}

// Last returns the newest envelope sent to the address to (compared without regard to
// case or display name).
func (r *Recorder) Last(to string) (Envelope, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.msgs) - 1; i >= 0; i-- {
		if sameAddress(r.msgs[i].To, to) {
			return r.msgs[i], true
		}
	}
	return Envelope{}, false
}

// WaitFor waits until at least n envelopes were sent to the address to and returns them,
// oldest first. It fails when ctx ends first.
func (r *Recorder) WaitFor(ctx context.Context, to string, n int) ([]Envelope, error) {
	for {
		r.mu.Lock()
		var got []Envelope
		for _, e := range r.msgs {
			if sameAddress(e.To, to) {
				got = append(got, e)
			}
		}
		if len(got) >= n {
			r.mu.Unlock()
			return got, nil
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		changed := r.changed
		r.mu.Unlock()

		select {
		case <-changed:
		case <-ctx.Done():
			return got, fmt.Errorf("mail: %d of %d messages to %s arrived: %w", len(got), n, to, ctx.Err())
		}
	}
}

// sameAddress compares two addresses by their address part, ignoring case.
func sameAddress(a, b string) bool {
	return strings.EqualFold(bareAddress(a), bareAddress(b))
}

func bareAddress(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return a.Address
	}
	return strings.TrimSpace(s)
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"']+`)

// FindLink returns the first http or https URL in body (a text part), or "" if there is
// none. Punctuation that ends a sentence is not taken as part of the URL.
func FindLink(body string) string {
	return strings.TrimRight(linkPattern.FindString(body), ".,;:!?)")
}

// FindLinks returns every http or https URL in body, in order, each once, as FindLink
// reads them.
func FindLinks(body string) []string {
	var links []string
	for _, l := range linkPattern.FindAllString(body, -1) {
		if l = strings.TrimRight(l, ".,;:!?)"); !slices.Contains(links, l) {
			links = append(links, l)
		}
	}
	return links
}
