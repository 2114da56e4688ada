package mail

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// testLinks are canonical links for every kind that takes one.
func testLinks() map[string]map[account.MessageKind]string {
	return map[string]map[account.MessageKind]string{
		"": {
			account.MessageActivation:    "https://app.example.com/activate?token={token}",
			account.MessagePasswordReset: "https://app.example.com/reset?token={token}",
			account.MessageEmailChange:   "https://app.example.com/email/confirm?token={token}",
		},
	}
}

func newTestComposer(t *testing.T, cfg ComposerConfig) (*Composer, *Recorder) {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "accountd <no-reply@example.com>"
	}
	if cfg.Links == nil {
		cfg.Links = testLinks()
	}
	rec := new(Recorder)
	c, err := NewComposer(rec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

var testUser = account.User{ID: 5, Username: "alice", Email: "alice@example.com", FirstName: "Alice", LastName: "Liddell"}

// sendOne sends m and returns the envelope the Sender received.
func sendOne(t *testing.T, c *Composer, rec *Recorder, m account.Message) Envelope {
	t.Helper()
	if err := c.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	e, ok := rec.Last(m.To)
	if !ok {
		t.Fatalf("nothing sent to %s", m.To)
	}
	return e
}

func TestComposer(t *testing.T) {
	t.Run("every_kind_renders", func(t *testing.T) {
		c, rec := newTestComposer(t, ComposerConfig{ProductName: "Acme"})
		wantSubject := map[account.MessageKind]string{
			account.MessageActivation:            "Activate your Acme account",
			account.MessageAccountExists:         "Your Acme account already exists",
			account.MessagePasswordReset:         "Reset your Acme password",
			account.MessageEmailChange:           "Confirm your new email address for Acme",
			account.MessageEmailChangeOldAddress: "Approve the new email address of your Acme account",
			account.MessageEmailChanged:          "Your Acme email address was changed",
			account.MessagePasswordChanged:       "Your Acme password was changed",
			account.MessageInvitation:            "You are invited to Acme",
			account.MessageRecoveryCodeUsed:      "A recovery code of your Acme account was used",
			account.MessageMFAReset:              "The second factors of your Acme account were removed",
		}
		for kind := range kinds {
			e := sendOne(t, c, rec, account.Message{Kind: kind, To: "alice@example.com", User: testUser, Token: "tok"})
			if want, ok := wantSubject[kind]; !ok || e.Subject != want {
				t.Errorf("%s: subject %q, want %q (add new kinds to this test)", kind, e.Subject, want)
			}
			if e.From != "accountd <no-reply@example.com>" || e.To != "alice@example.com" || e.Kind != string(kind) {
				t.Errorf("%s: from %q to %q kind %q", kind, e.From, e.To, e.Kind)
			}
			for _, part := range []string{e.Text, e.HTML} {
				if !strings.Contains(part, "Hello,") || !strings.Contains(part, "Acme") {
					t.Errorf("%s: part lacks greeting or product name:\n%s", kind, part)
				}
			}
			if !strings.HasPrefix(e.HTML, "<!DOCTYPE html>") {
				t.Errorf("%s: HTML part does not start with a doctype", kind)
			}
		}
	})

	t.Run("old_address_approval_names_the_new_address_and_borrows_the_change_link", func(t *testing.T) {
		links := testLinks()
		links["signed"] = map[account.MessageKind]string{
			account.MessageEmailChange: "https://app.example.com/verify-email/?user_id={user_id}&timestamp={timestamp}&signature={signature}&email={email}",
		}
		c, rec := newTestComposer(t, ComposerConfig{Links: links})
		e := sendOne(t, c, rec, account.Message{
			Kind: account.MessageEmailChangeOldAddress, To: "alice@example.com", NewEmail: "new+box@example.com",
			User: testUser, Token: "tok", Flow: "signed", Timestamp: 1700000000, Signature: "sig",
		})
		// {email} is the new address the link approves, not its recipient: the verify
		// page checks the signature over it.
		want := "https://app.example.com/verify-email/?user_id=5&timestamp=1700000000&signature=sig&email=new%2Bbox%40example.com"
		if got := FindLink(e.Text); got != want {
			t.Errorf("link = %q\nwant   %q", got, want)
		}
		for _, part := range []string{e.Text, e.HTML} {
			if !strings.Contains(part, "box@example.com") {
				t.Errorf("the email does not name the new address:\n%s", part)
			}
		}
	})

	t.Run("activation_link_in_both_parts", func(t *testing.T) {
		c, rec := newTestComposer(t, ComposerConfig{})
		e := sendOne(t, c, rec, account.Message{Kind: account.MessageActivation, To: "alice@example.com", User: testUser, Token: "abc-_123"})
		want := "https://app.example.com/activate?token=abc-_123"
		if got := FindLink(e.Text); got != want {
			t.Errorf("link in text = %q, want %q", got, want)
		}
		if !strings.Contains(e.HTML, `href="`+want+`"`) {
			t.Errorf("HTML lacks the link:\n%s", e.HTML)
		}
	})

	t.Run("placeholders_substituted_and_escaped", func(t *testing.T) {
		links := testLinks()
		links[""][account.MessageActivation] = "https://app.example.com/activate/{uid}/{token}?email={email}&u={username}&id={user_id}"
		c, rec := newTestComposer(t, ComposerConfig{Links: links})
		user := account.User{ID: 5, Username: "jo hn&x=1/?#"}
		e := sendOne(t, c, rec, account.Message{Kind: account.MessageActivation, To: "a+b@example.com", User: user, Token: "abc-_DEF"})
		want := "https://app.example.com/activate/NQ/abc-_DEF?email=a%2Bb%40example.com&u=jo%20hn%26x%3D1%2F%3F%23&id=5"
		if got := FindLink(e.Text); got != want {
			t.Errorf("link = %q\nwant   %q", got, want)
		}
	})

	t.Run("uid_is_django_base64", func(t *testing.T) {
		// Django: urlsafe_base64_encode(force_bytes(pk)), padding stripped.
		for id, want := range map[int64]string{5: "NQ", 12: "MTI", 123: "MTIz", 12345: "MTIzNDU", 999999: "OTk5OTk5"} {
			got := placeholders["uid"](account.Message{User: account.User{ID: id}})
			if got != want {
				t.Errorf("uid(%d) = %q, want %q", id, got, want)
			}
		}
	})

	t.Run("html_escapes_user_data", func(t *testing.T) {
		c, rec := newTestComposer(t, ComposerConfig{})
		user := account.User{ID: 7, Username: "<b>bob</b>"} // the invitation names the username
		e := sendOne(t, c, rec, account.Message{Kind: account.MessageInvitation, To: "bob@example.com", User: user, Token: "t"})
		if strings.Contains(e.HTML, "<b>bob</b>") || !strings.Contains(e.HTML, "&lt;b&gt;bob&lt;/b&gt;") {
			t.Errorf("username not escaped in HTML:\n%s", e.HTML)
		}
		if !strings.Contains(e.Text, "username <b>bob</b>.") {
			t.Errorf("text part should show the username as is:\n%s", e.Text)
		}
	})

	t.Run("flow_links_fall_back_to_canonical", func(t *testing.T) {
		links := testLinks()
		links["djoser"] = map[account.MessageKind]string{
			account.MessageActivation: "https://legacy.example.com/activate/{uid}/{token}",
		}
		c, rec := newTestComposer(t, ComposerConfig{Links: links})
		for _, tc := range []struct {
			flow string
			kind account.MessageKind
			want string
		}{
			{"djoser", account.MessageActivation, "https://legacy.example.com/activate/NQ/tok"},
			{"djoser", account.MessagePasswordReset, "https://app.example.com/reset?token=tok"},
			{"", account.MessageActivation, "https://app.example.com/activate?token=tok"},
			{"unconfigured", account.MessageActivation, "https://app.example.com/activate?token=tok"},
		} {
			e := sendOne(t, c, rec, account.Message{Kind: tc.kind, Flow: tc.flow, To: "alice@example.com", User: testUser, Token: "tok"})
			if got := FindLink(e.Text); got != tc.want {
				t.Errorf("flow %q, %s: link %q, want %q", tc.flow, tc.kind, got, tc.want)
			}
		}
	})

	t.Run("invitation_borrows_reset_link_until_configured", func(t *testing.T) {
		m := account.Message{Kind: account.MessageInvitation, To: "alice@example.com", User: testUser, Token: "tok"}
		c, rec := newTestComposer(t, ComposerConfig{})
		if got, want := FindLink(sendOne(t, c, rec, m).Text), "https://app.example.com/reset?token=tok"; got != want {
			t.Errorf("without an invitation link: link %q, want the reset link %q", got, want)
		}
		links := testLinks()
		links[""][account.MessageInvitation] = "https://app.example.com/welcome?token={token}"
		c, rec = newTestComposer(t, ComposerConfig{Links: links})
		if got, want := FindLink(sendOne(t, c, rec, m).Text), "https://app.example.com/welcome?token=tok"; got != want {
			t.Errorf("with an invitation link: link %q, want %q", got, want)
		}
	})

	t.Run("account_exists_link_optional", func(t *testing.T) {
		m := account.Message{Kind: account.MessageAccountExists, To: "alice@example.com", User: testUser}
		c, rec := newTestComposer(t, ComposerConfig{})
		e := sendOne(t, c, rec, m)
		if link := FindLink(e.Text); link != "" {
			t.Errorf("link %q without a configured template", link)
		}
		if !strings.Contains(e.Text, "reset your password") {
			t.Errorf("text does not point to a password reset:\n%s", e.Text)
		}

		links := testLinks()
		links[""][account.MessageAccountExists] = "https://app.example.com/login?email={email}"
		c, rec = newTestComposer(t, ComposerConfig{Links: links})
		e = sendOne(t, c, rec, m)
		if got, want := FindLink(e.Text), "https://app.example.com/login?email=alice%40example.com"; got != want {
			t.Errorf("link %q, want %q", got, want)
		}
	})

	t.Run("expiry_mentioned", func(t *testing.T) {
		c, rec := newTestComposer(t, ComposerConfig{Expiry: map[account.MessageKind]time.Duration{account.MessageActivation: 48 * time.Hour}})
		e := sendOne(t, c, rec, account.Message{Kind: account.MessageActivation, To: "alice@example.com", User: testUser, Token: "t"})
		if !strings.Contains(e.Text, "expires in 2 days") || !strings.Contains(e.HTML, "expires in 2 days") {
			t.Errorf("expiry not mentioned:\n%s", e.Text)
		}
		e = sendOne(t, c, rec, account.Message{Kind: account.MessagePasswordReset, To: "alice@example.com", User: testUser, Token: "t"})
		if strings.Contains(e.Text, "expires") {
			t.Errorf("expiry mentioned without being configured:\n%s", e.Text)
		}
	})

	t.Run("send_errors", func(t *testing.T) {
		c, rec := newTestComposer(t, ComposerConfig{})
		for name, m := range map[string]account.Message{
			"unknown_kind": {Kind: "welcome", To: "alice@example.com", User: testUser, Token: "t"},
			"no_token":     {Kind: account.MessageActivation, To: "alice@example.com", User: testUser},
			"no_recipient": {Kind: account.MessageActivation, User: testUser, Token: "t"},
			"bad_address":  {Kind: account.MessageActivation, To: "alice", User: testUser, Token: "secret-token"},
		} {
			err := c.Send(context.Background(), m)
			if err == nil {
				t.Errorf("%s: Send succeeded", name)
				continue
			}
			if strings.Contains(err.Error(), "secret-token") {
				t.Errorf("%s: error shows the token: %v", name, err)
			}
		}
		if n := len(rec.Messages()); n != 0 {
			t.Errorf("%d messages sent", n)
		}
	})
}

func TestNewComposer(t *testing.T) {
	rec := new(Recorder)
	with := func(flow string, kind account.MessageKind, link string) map[string]map[account.MessageKind]string {
		links := testLinks()
		if links[flow] == nil {
			links[flow] = map[account.MessageKind]string{}
		}
		links[flow][kind] = link
		return links
	}
	for _, tc := range []struct {
		name      string
		sender    Sender
		cfg       ComposerConfig
		wantInErr string
	}{
		{"unknown_placeholder", rec, ComposerConfig{Links: with("", account.MessageActivation, "https://app.example.com/a?t={tokn}")}, "{tokn}"},
		{"unknown_placeholder_in_profile", rec, ComposerConfig{Links: with("djoser", account.MessagePasswordReset, "https://x.example.com/{uidb64}/{token}")}, "{uidb64}"},
		{"unclosed_brace", rec, ComposerConfig{Links: with("", account.MessageActivation, "https://app.example.com/a?t={token")}, "unclosed"},
		{"relative_link", rec, ComposerConfig{Links: with("", account.MessageActivation, "/activate?token={token}")}, "absolute"},
		{"javascript_link", rec, ComposerConfig{Links: with("", account.MessageActivation, "javascript:alert({token})")}, "absolute"},
		{"space_in_link", rec, ComposerConfig{Links: with("", account.MessageActivation, "https://app.example.com/a b?t={token}")}, "spaces"},
		{"unknown_kind", rec, ComposerConfig{Links: with("", "welcome", "https://app.example.com/")}, "welcome"},
		{"missing_canonical_link", rec, ComposerConfig{Links: map[string]map[account.MessageKind]string{
			"djoser": {account.MessageActivation: "https://x.example.com/{token}", account.MessagePasswordReset: "https://x.example.com/{token}",
				account.MessageEmailChange: "https://x.example.com/{token}"},
		}}, "required"},
		{"bad_from", rec, ComposerConfig{From: "not an address"}, "From"},
		{"multiline_product", rec, ComposerConfig{ProductName: "Acme\r\nBcc: x@example.com"}, "ProductName"},
		{"bad_expiry", rec, ComposerConfig{Expiry: map[account.MessageKind]time.Duration{account.MessageActivation: 0}}, "Expiry"},
		{"nil_sender", nil, ComposerConfig{}, "Sender"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg.From == "" {
				cfg.From = "no-reply@example.com"
			}
			if cfg.Links == nil {
				cfg.Links = testLinks()
			}
			_, err := NewComposer(tc.sender, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("NewComposer = %v, want an error mentioning %q", err, tc.wantInErr)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour:   "1 day",
		72 * time.Hour:   "3 days",
		36 * time.Hour:   "36 hours",
		time.Hour:        "1 hour",
		90 * time.Minute: "90 minutes",
		15 * time.Minute: "15 minutes",
		30 * time.Second: "30 seconds",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
