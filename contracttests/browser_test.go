package contracttests

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// chromium finds a Chromium to drive, or skips the test saying how to install one
// (`make test` installs it where it can: .ci/chromium.sh).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACCOUNTD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium: install the Debian packages chromium and chromium-driver (apt-get install chromium chromium-driver; `make test` does it as root), or set ACCOUNTD_CHROMIUM")
	return ""
}

// TestPasskeyPageInChromium drives the page the binary serves at /passkeys/ in
// headless Chromium, whose DevTools virtual authenticator (CTAP2, resident keys, user
// verification) stands in for a passkey: sign in with the password, register a
// passkey, sign out, sign in with the passkey without typing a username, and see the
// account that /v1/me returns.
func TestPasskeyPageInChromium(t *testing.T) {
	browser := chromium(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// WebAuthn wants a secure context and a domain as relying party ID: localhost is both.
	origin := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	e := newEnvOn(t, "sqlite", func(c *config.Config) {
		c.MFA.RPID = "localhost"
		c.MFA.Origins = []string{origin}
	}, ln)
	u := e.activeUser("browser")

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		// No traffic but to the test's server: this machine's network is closed.
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first action starts the browser, under the context that lives as long as it.
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/passkeys/")); err != nil {
		t.Fatalf("start Chromium and open the page: %v", err)
	}
	step, stop := context.WithTimeout(ctx, 90*time.Second)
	defer stop()

	if _, err := chromedp.Call(step, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	_, err = chromedp.Call(step, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	// waitFor waits until the element's text contains want, and otherwise fails with
	// what the page says.
	waitFor := func(id, want string) {
		t.Helper()
		expr := fmt.Sprintf(`document.getElementById(%q).textContent.includes(%q)`, id, want)
		wctx, wcancel := context.WithTimeout(step, 20*time.Second)
		defer wcancel()
		if _, err := chromedp.Run(wctx, chromedp.Poll[bool](expr)); err != nil {
			status, _ := chromedp.Run(step, chromedp.TextContent(chromedp.ID("status")))
			me, _ := chromedp.Run(step, chromedp.TextContent(chromedp.ID("me")))
			t.Fatalf("waiting for %q in #%s: %v; the page says %q / %q", want, id, err, me, status)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(step, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	do("sign in with the password",
		chromedp.SendKeys(chromedp.ID("login"), u.username), chromedp.SendKeys(chromedp.ID("password"), u.password),
		chromedp.Click(chromedp.ID("password-login")))
	waitFor("me", "Signed in as "+u.username+".")

	do("add a passkey", chromedp.SendKeys(chromedp.ID("passkey-name"), "Headless Chromium"), chromedp.Click(chromedp.ID("register")))
	waitFor("status", "Passkey added: Headless Chromium.")
	waitFor("passkeys", "Headless Chromium")

	do("sign out", chromedp.Click(chromedp.ID("logout")))
	waitFor("me", "Signed out.")

	do("sign in with the passkey", chromedp.Click(chromedp.ID("passkey-login")))
	waitFor("status", "Signed in with a passkey.")
	waitFor("me", "Signed in as "+u.username+".") // the page read it from /v1/me

	// The server's side of it: one passkey, used once, and a login by passkey alone.
	stored, err := e.app.Store.UserByLogin(t.Context(), u.username)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := e.app.Store.ListPasskeys(t.Context(), stored.ID)
	if err != nil || len(keys) != 1 || keys[0].Name != "Headless Chromium" || keys[0].LastUsedAt.IsZero() || !keys[0].UserVerified {
		t.Fatalf("stored passkeys %+v, %v", keys, err)
	}
	events, err := e.app.Store.ListEvents(t.Context(), stored.ID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(events, func(ev account.Event) bool {
		return ev.Type == "login_succeeded" && strings.Contains(ev.Detail, "hwk user mfa")
	}) {
		t.Errorf("no login by passkey in the history: %+v", events)
	}
}
