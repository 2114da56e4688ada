package mail

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dir writes each message to its own .eml file in Path, creating the directory if needed,
// and beside it a small JSON file of the same name (Sidecar: to, subject, kind, links),
// so that tests and local development can pick a link or token without parsing MIME and
// quoted-printable. File names sort by sending time and never collide; files appear
// complete or not at all, the .json after the .eml: once it is there, so is the message.
// The directory and files are private to the service's user: messages carry live tokens.
type Dir struct {
	Path string
}

// Sidecar is the JSON file Dir writes beside each message.
type Sidecar struct {
	// Message is the name of the .eml file, in the same directory.
	Message string `json:"message"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	// Kind is what the message is: activation, password_reset, email_change, ...
	Kind string `json:"kind"`
	// Links are the http and https links of the text part, in order, whole.
	Links []string `json:"links"`
	// Sent is when the message was written, in UTC.
	Sent time.Time `json:"sent"`
}

// Send writes e to a new file named like 20261123T162501.123456789Z-<random>.eml, and
// its Sidecar to the same name with .json.
func (d Dir) Send(ctx context.Context, e Envelope) error {
	if d.Path == "" {
		return errors.New("mail: Dir has no path")
	}
	now := time.Now().UTC()
	msg, _, _, err := buildMessage(e, now)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	// The random part keeps two messages sent in the same nanosecond (or by two
	// processes sharing the directory) apart.
	base := now.Format("20060102T150405.000000000Z") + "-" + strings.ToLower(rand.Text()[:16])
	if err := writeAtomically(d.Path, base+".eml", msg); err != nil {
		return err
	}
	links := FindLinks(e.Text)
	if links == nil {
		links = []string{} // [] rather than null: a reader can range over it either way
	}
	sidecar, err := json.MarshalIndent(Sidecar{
		Message: base + ".eml", To: e.To, Subject: e.Subject, Kind: e.Kind, Links: links, Sent: now,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return writeAtomically(d.Path, base+".json", append(sidecar, '\n'))
}

// writeAtomically writes data to a hidden temporary file in dir and renames it to name:
// a reader polling the directory never sees a half-written file. CreateTemp makes it
// mode 0600.
func writeAtomically(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}

// parseDirURL reads dir:///abs/path or dir:relative/path.
func parseDirURL(raw string) (Sender, error) {
	u, err := parseURL(raw)
	if err != nil {
		return nil, err
	}
	var path string
	switch {
	case u.Opaque != "": // dir:relative/path
		if path, err = url.PathUnescape(u.Opaque); err != nil {
			return nil, fmt.Errorf("mail: dir URL has a malformed path: %w", err)
		}
	case u.Host != "" || u.User != nil:
		// dir://mail would silently mean "/" with host "mail": say what was meant.
		return nil, errors.New("mail: dir URL must be dir:///absolute/path or dir:relative/path, not dir://host/...")
	default: // dir:///abs/path
		path = u.Path
	}
	if path == "" {
		return nil, errors.New("mail: dir URL has no path")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("mail: dir URL: options after ? or # are not supported")
	}
	return Dir{Path: filepath.Clean(path)}, nil
}
