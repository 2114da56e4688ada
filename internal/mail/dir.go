package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dir writes each message to its own .eml file in Path, creating the directory if needed.
// File names sort by sending time and never collide; files appear complete or not at all.
// The directory and files are private to the service's user: messages carry live tokens.
type Dir struct {
	Path string
}

// Send writes e to a new file named like 20261123T162501.123456789Z-<random>.eml.
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
	name := now.Format("20060102T150405.000000000Z") + "-" + strings.ToLower(rand.Text()[:16]) + ".eml"

	// Write to a hidden temporary file and rename it: a reader polling the directory for
	// *.eml never sees a half-written message. CreateTemp makes it mode 0600.
	tmp, err := os.CreateTemp(d.Path, ".tmp-*")
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(msg); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.Path, name)); err != nil {
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
