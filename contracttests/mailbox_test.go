package contracttests

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
	mailpkg "github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// TestDirMailerSidecars: with ACCOUNTD_MAILER=dir://, a test (or a developer) reads who
// an email went to, what it is and its links from the JSON beside each message, and
// walks a whole flow with them: register, activate with the emailed token, ask for a
// reset, reset with the second email's token. No MIME, no quoted-printable.
func TestDirMailerSidecars(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	cfg := testConfig(t)
	cfg.DatabaseURL = bunstoretest.DSN(t, bunstoretest.SQLite)
	cfg.Mailer = "dir://" + dir
	e := newAppEnv(t, cfg, true)
	ctx := context.Background()

	// latest returns the sidecar of the newest email of kind to addr.
	latest := func(kind, addr string) mailpkg.Sidecar {
		t.Helper()
		if err := e.app.FlushMail(ctx); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for i := len(files) - 1; i >= 0; i-- {
			raw, err := os.ReadFile(files[i])
			if err != nil {
				t.Fatal(err)
			}
			var s mailpkg.Sidecar
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatalf("%s: %v", files[i], err)
			}
			if s.Kind == kind && s.To == addr {
				if _, err := os.Stat(filepath.Join(dir, s.Message)); err != nil {
					t.Fatalf("the sidecar's message: %v", err)
				}
				return s
			}
		}
		t.Fatalf("no %s email to %s among %d", kind, addr, len(files))
		return mailpkg.Sidecar{}
	}
	token := func(s mailpkg.Sidecar) string {
		t.Helper()
		if len(s.Links) != 1 {
			t.Fatalf("links %q, want one", s.Links)
		}
		u, err := url.Parse(s.Links[0])
		if err != nil || u.Query().Get("token") == "" {
			t.Fatalf("link %q has no token", s.Links[0])
		}
		return u.Query().Get("token")
	}

	u := newUser("sidecar")
	e.register(u)
	activation := latest("activation", u.email)
	if !strings.Contains(activation.Subject, "Activate") {
		t.Errorf("activation subject %q", activation.Subject)
	}
	if res, err := e.client.ActivateWithResponse(ctx, client.ActivateJSONRequestBody{Token: token(activation)}); err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("activate with the sidecar's token: %v %d", err, statusOf(res))
	}
	if res, err := e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(u.email)}); err != nil || res.StatusCode() != http.StatusAccepted {
		t.Fatalf("forgot: %v %d", err, statusOf(res))
	}
	reset := latest("password_reset", u.email)
	if res, err := e.client.ResetPasswordWithResponse(ctx, nil, client.ResetPasswordJSONRequestBody{Token: token(reset), NewPassword: "another-horse-battery"}); err != nil || res.StatusCode() >= 300 {
		t.Fatalf("reset with the sidecar's token: %v %d", err, statusOf(res))
	}
	u.password = "another-horse-battery"
	e.login(u)
}
