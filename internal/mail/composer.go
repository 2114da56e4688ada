package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// ComposerConfig configures a Composer.
type ComposerConfig struct {
	// From is the sender, "no-reply@example.com" or "Example <no-reply@example.com>".
	From string
	// ProductName appears in subjects and bodies; "accountd" when empty.
	ProductName string
	// Links[flow][kind] is the link template for an email of that kind sent through that
	// flow: "" is the canonical API, other keys are compatibility profiles (their names).
	// A flow without a template for a kind uses flow "" instead. Templates are absolute
	// http(s) URLs with placeholders {token}, {uid} (Django's base64 user ID), {user_id},
	// {email} (the recipient), {username}, and {timestamp} and {signature} (a signed
	// link's, see account.Message); values are percent-encoded so that they
	// fit a path segment or a query value alike. Activation and password reset need a
	// template under flow "". A message with a LinkBase gets its template with the text
	// before the first placeholder replaced by that base (only a template whose path
	// ends in its placeholders allows it; any other fails the send).
	Links map[string]map[account.MessageKind]string
	// Expiry[kind], when set, is how long that kind's link stays valid; the email says so.
	Expiry map[account.MessageKind]time.Duration
}

// Composer writes the service's emails from templates and hands them to a Sender. It
// implements account.Mailer and is safe for concurrent use.
type Composer struct {
	sender    Sender
	from      string
	product   string
	links     map[string]map[account.MessageKind]linkTemplate
	expiry    map[account.MessageKind]string
	templates map[account.MessageKind]*kindTemplates
}

var _ account.Mailer = (*Composer)(nil)

// NewComposer checks cfg, parses the templates and returns a Composer sending through
// sender. Every mistake in cfg (a bad address, an unknown kind or placeholder, a missing
// link) is reported here rather than at the first send.
func NewComposer(sender Sender, cfg ComposerConfig) (*Composer, error) {
	if sender == nil {
		return nil, errors.New("mail: NewComposer needs a Sender")
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: invalid From address %q: %w", cfg.From, err)
	}
	c := &Composer{
		sender:  sender,
		from:    cfg.From,
		product: cfg.ProductName,
		links:   make(map[string]map[account.MessageKind]linkTemplate, len(cfg.Links)),
		expiry:  make(map[account.MessageKind]string, len(cfg.Expiry)),
	}
	if c.product == "" {
		c.product = "accountd"
	}
	if strings.ContainsAny(c.product, "\r\n") {
		return nil, errors.New("mail: ProductName must be one line")
	}

	var err error
	if c.templates, err = parseTemplates(templateFiles); err != nil {
		return nil, err
	}

	for flow, byKind := range cfg.Links {
		c.links[flow] = make(map[account.MessageKind]linkTemplate, len(byKind))
		for kind, raw := range byKind {
			t, ok := c.templates[kind]
			if !ok {
				return nil, fmt.Errorf("mail: Links[%q]: unknown message kind %q", flow, kind)
			}
			if t.link == linkNone {
				return nil, fmt.Errorf("mail: Links[%q][%q]: this kind of email has no link", flow, kind)
			}
			lt, err := parseLinkTemplate(raw)
			if err != nil {
				return nil, fmt.Errorf("mail: Links[%q][%q]: %w", flow, kind, err)
			}
			c.links[flow][kind] = lt
		}
	}
	for kind, t := range c.templates {
		if _, ok := c.link("", kind); t.link == linkRequired && !ok {
			return nil, fmt.Errorf("mail: Links[\"\"][%q] is required: that email is useless without its link", kind)
		}
	}

	for kind, d := range cfg.Expiry {
		if _, ok := c.templates[kind]; !ok {
			return nil, fmt.Errorf("mail: Expiry: unknown message kind %q", kind)
		}
		if d <= 0 {
			return nil, fmt.Errorf("mail: Expiry[%q] must be positive", kind)
		}
		c.expiry[kind] = humanDuration(d)
	}
	return c, nil
}

// Send renders m and hands it to the Sender.
func (c *Composer) Send(ctx context.Context, m account.Message) error {
	e, err := c.compose(m)
	if err != nil {
		return err
	}
	return c.sender.Send(ctx, e)
}

// compose renders m into an Envelope. Errors name the kind but never hold the token.
func (c *Composer) compose(m account.Message) (Envelope, error) {
	t, ok := c.templates[m.Kind]
	if !ok {
		return Envelope{}, fmt.Errorf("mail: unknown message kind %q", m.Kind)
	}
	if m.To == "" {
		return Envelope{}, fmt.Errorf("mail: %s message has no recipient", m.Kind)
	}
	data := templateData{
		Product:  c.product,
		Username: m.User.Username,
		Email:    m.To,
		NewEmail: m.NewEmail,
		Expiry:   c.expiry[m.Kind],
	}
	if lt, ok := c.link(m.Flow, m.Kind); ok {
		if m.LinkBase != "" {
			var err error
			if lt, err = lt.rebase(m.LinkBase); err != nil {
				return Envelope{}, fmt.Errorf("mail: %s message: %w", m.Kind, err)
			}
		}
		link, err := lt.render(m)
		if err != nil {
			return Envelope{}, fmt.Errorf("mail: %s message: %w", m.Kind, err)
		}
		data.Link = link
	} else if t.link == linkRequired {
		// NewComposer makes sure this cannot happen; never send such an email anyway.
		return Envelope{}, fmt.Errorf("mail: %s message: no link template", m.Kind)
	}

	var subject, text, html strings.Builder
	if err := t.subject.Execute(&subject, data); err != nil {
		return Envelope{}, fmt.Errorf("mail: %s subject: %w", m.Kind, err)
	}
	// A subject is one line; a stray newline in a template must not reach the header.
	data.Subject = strings.Join(strings.Fields(subject.String()), " ")
	if err := t.text.Execute(&text, data); err != nil {
		return Envelope{}, fmt.Errorf("mail: %s text: %w", m.Kind, err)
	}
	if err := t.html.Execute(&html, data); err != nil {
		return Envelope{}, fmt.Errorf("mail: %s html: %w", m.Kind, err)
	}
	return Envelope{From: c.from, To: m.To, Subject: data.Subject, Text: text.String(), HTML: html.String(), Kind: string(m.Kind)}, nil
}

// link returns the link template for kind in flow, falling back to the canonical flow,
// and then to the kind whose link this kind may borrow.
func (c *Composer) link(flow string, kind account.MessageKind) (linkTemplate, bool) {
	if lt, ok := c.links[flow][kind]; ok {
		return lt, true
	}
	if lt, ok := c.links[""][kind]; ok {
		return lt, true
	}
	if t, ok := c.templates[kind]; ok && t.linkFrom != "" {
		return c.link(flow, t.linkFrom)
	}
	return linkTemplate{}, false
}

// humanDuration writes d in the largest unit that divides it evenly: 48h is "2 days",
// 36h "36 hours", 90m "90 minutes".
func humanDuration(d time.Duration) string {
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return strconv.FormatInt(n, 10) + " " + name + "s"
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute:
		return unit(int64((d+time.Minute/2)/time.Minute), "minute")
	}
	return unit(int64((d+time.Second/2)/time.Second), "second")
}
