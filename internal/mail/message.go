package mail

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// addresses parses the envelope's sender and recipient. Parsing, rather than copying the
// strings into headers, is what keeps a crafted address from injecting header lines.
func (e Envelope) addresses() (from, to *mail.Address, err error) {
	if from, err = mail.ParseAddress(e.From); err != nil {
		return nil, nil, fmt.Errorf("mail: invalid From address: %w", err)
	}
	if to, err = mail.ParseAddress(e.To); err != nil {
		return nil, nil, fmt.Errorf("mail: invalid To address: %w", err)
	}
	return from, to, nil
}

// buildMessage renders e as an RFC 5322 message with CRLF line endings: a
// multipart/alternative of quoted-printable text and HTML (text only when HTML is empty).
// It also returns the bare addresses for the SMTP envelope.
func buildMessage(e Envelope, now time.Time) (msg []byte, from, to string, err error) {
	fromAddr, toAddr, err := e.addresses()
	if err != nil {
		return nil, "", "", err
	}

	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("Date", now.Format(time.RFC1123Z))
	header("From", fromAddr.String())
	header("To", toAddr.String())
	// QEncoding leaves plain ASCII alone and encodes anything else, CR and LF included, so
	// the subject can never end the header line.
	header("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	id := e.MessageID
	if !validMessageID(id) {
		id = NewMessageID(fromAddr.Address)
	}
	header("Message-ID", id)
	header("MIME-Version", "1.0")

	if e.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, e.Text); err != nil {
			return nil, "", "", err
		}
		return b.Bytes(), fromAddr.Address, toAddr.Address, nil
	}

	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// Alternatives go from plainest to richest: clients show the last one they can render.
	for _, p := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", e.Text},
		{"text/html; charset=utf-8", e.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, "", "", err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, "", "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", "", err
	}
	return b.Bytes(), fromAddr.Address, toAddr.Address, nil
}

// writeQP writes s quoted-printable: lines stay under the 998-octet limit of RFC 5322 and
// any byte survives a 7-bit relay.
func writeQP(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, s); err != nil {
		return err
	}
	return qp.Close()
}

// validMessageID reports whether id is a Message-ID this package would write: <left@right>,
// one line of printable ASCII, so that a stored one can never break the header.
func validMessageID(id string) bool {
	if len(id) < 5 || len(id) > 250 || id[0] != '<' || id[len(id)-1] != '>' || strings.Count(id, "@") != 1 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// NewMessageID returns a unique Message-ID in the domain of fromAddress (an address, or
// "Name <address>"), random, for one email.
func NewMessageID(fromAddress string) string {
	if a, err := mail.ParseAddress(fromAddress); err == nil {
		fromAddress = a.Address
	}
	domain := "localhost"
	if at := strings.LastIndexByte(fromAddress, '@'); at >= 0 && at < len(fromAddress)-1 {
		domain = fromAddress[at+1:]
	}
	return "<" + strings.ToLower(rand.Text()) + "@" + domain + ">"
}
