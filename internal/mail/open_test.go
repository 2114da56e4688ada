package mail

import (
	"bytes"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	stdout := new(bytes.Buffer)

	t.Run("console", func(t *testing.T) {
		for _, raw := range []string{"", "console", " console "} {
			s, err := Open(raw, stdout)
			if err != nil {
				t.Fatalf("Open(%q): %v", raw, err)
			}
			if c, ok := s.(*Console); !ok || c.W != stdout {
				t.Errorf("Open(%q) = %#v, want a Console on stdout", raw, s)
			}
		}
	})

	t.Run("smtp", func(t *testing.T) {
		for _, tc := range []struct {
			raw, addr, user, pass string
			implicitTLS           bool
		}{
			{"smtp://mail.example.com", "mail.example.com:587", "", "", false},
			{"smtps://mail.example.com", "mail.example.com:465", "", "", true},
			{"SMTP://mail.example.com:25/", "mail.example.com:25", "", "", false},
			{"smtp://bob:s3cret@mail.example.com:2525", "mail.example.com:2525", "bob", "s3cret", false},
			{"smtps://bob%40example.com:p%40ss%2Fw%3Frd@mail.example.com", "mail.example.com:465", "bob@example.com", "p@ss/w?rd", true},
			{"smtp://bob@localhost:1025", "localhost:1025", "bob", "", false},
			{"smtp://[::1]:25", "[::1]:25", "", "", false},
		} {
			s, err := Open(tc.raw, stdout)
			if err != nil {
				t.Errorf("Open(%q): %v", tc.raw, err)
				continue
			}
			got, ok := s.(*SMTP)
			if !ok {
				t.Errorf("Open(%q) = %T, want *SMTP", tc.raw, s)
				continue
			}
			if got.addr != tc.addr || got.username != tc.user || got.password != tc.pass || got.implicitTLS != tc.implicitTLS {
				t.Errorf("Open(%q) = addr %q user %q pass %q implicitTLS %v", tc.raw, got.addr, got.username, got.password, got.implicitTLS)
			}
			if tc.pass != "" && strings.Contains(got.String(), tc.pass) {
				t.Errorf("String() shows the password: %s", got)
			}
		}
	})

	t.Run("dir", func(t *testing.T) {
		for _, tc := range []struct{ raw, path string }{
			{"dir:///var/spool/accountd", "/var/spool/accountd"},
			{"dir:/var/spool/accountd/", "/var/spool/accountd"},
			{"dir:///tmp/with%20space", "/tmp/with space"},
			{"dir:relative/path", "relative/path"},
			{"dir:./mail", "mail"},
		} {
			s, err := Open(tc.raw, stdout)
			if err != nil {
				t.Errorf("Open(%q): %v", tc.raw, err)
				continue
			}
			if d, ok := s.(Dir); !ok || d.Path != tc.path {
				t.Errorf("Open(%q) = %#v, want Dir{Path: %q}", tc.raw, s, tc.path)
			}
		}
	})

	t.Run("bad_values_rejected_without_password", func(t *testing.T) {
		const secret = "s3cret"
		for _, tc := range []struct{ raw, wantInErr string }{
			{"consol", "scheme"},
			{"mailhog:1025", `"mailhog"`},
			{"ftp://bob:s3cret@mail.example.com", `"ftp"`},
			{"bob:s3cret@mail.example.com:25", "scheme"},
			{"s3cret@mail.example.com:25", "scheme"},
			{"smtp://", "no host"},
			{"smtp://bob:s3cret@", "no host"},
			{"smtp:mail.example.com:25", "smtp://host:port"},
			{"smtp://bob:s3cret@mail.example.com:0", "port"},
			{"smtp://bob:s3cret@mail.example.com:99999", "port"},
			{"smtp://bob:s3cret@mail.example.com:abc", "invalid"},
			{"smtp://bob:s3cret@mail.example.com?insecure_skip_verify=true", "not supported"},
			{"smtp://bob:s3cret@mail.example.com#x", "not supported"},
			{"smtp://bob:s3cret@mail.example.com/path", "path"},
			{"smtp://:s3cret@mail.example.com", "no user name"},
			{"smtp://bob:s3cret word@mail.example.com", "percent-encode"},
			// Unencoded / ? # in a password make url.Parse see a port, path or query.
			{"smtp://bob:s3cret/x@mail.example.com", "percent-encode"},
			{"smtp://bob:123/s3cret@mail.example.com", "path"},
			{"smtp://bob:123?s3cret@mail.example.com", "not supported"},
			{"smtp://bob:s3c%zzret@mail.example.com", "percent-encode"},
			{"dir:", "no path"},
			{"dir://", "no path"},
			{"dir://spool/accountd", "dir:///absolute/path"},
			{"dir:///var/spool?x=1", "not supported"},
		} {
			s, err := Open(tc.raw, stdout)
			if err == nil {
				t.Errorf("Open(%q) = %#v, want an error", tc.raw, s)
				continue
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "s3c") {
				t.Errorf("Open(%q) error shows the password: %v", tc.raw, msg)
			}
			if !strings.Contains(msg, tc.wantInErr) {
				t.Errorf("Open(%q) error = %q, want it to mention %q", tc.raw, msg, tc.wantInErr)
			}
		}
	})
}
