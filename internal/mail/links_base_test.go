package mail

import (
	"context"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// TestLinkBase covers account.Message.LinkBase: a page the client chose (and the
// account service allowed) in place of the configured one, as the jwt-accounts API's
// verification_base_url is.
func TestLinkBase(t *testing.T) {
	links := testLinks()
	links["jwt-accounts"] = map[account.MessageKind]string{
		account.MessageActivation: "https://app.example.com/activate/{uid}/{token}/",
	}
	c, rec := newTestComposer(t, ComposerConfig{Links: links})
	activation := func(flow, base string) account.Message {
		return account.Message{Kind: account.MessageActivation, Flow: flow, To: "alice@example.com", User: testUser, Token: "tok", LinkBase: base}
	}

	t.Run("configured_page_without_a_base", func(t *testing.T) {
		e := sendOne(t, c, rec, activation("jwt-accounts", ""))
		if got := FindLink(e.Text); got != "https://app.example.com/activate/NQ/tok/" {
			t.Errorf("link = %q", got)
		}
	})
	t.Run("base_replaces_the_text_before_the_placeholders", func(t *testing.T) {
		for base, want := range map[string]string{
			"https://other.example.com/verify":   "https://other.example.com/verify/NQ/tok/",
			"https://other.example.com/verify//": "https://other.example.com/verify/NQ/tok/",
			"http://localhost:3000":              "http://localhost:3000/NQ/tok/",
		} {
			e := sendOne(t, c, rec, activation("jwt-accounts", base))
			if got := FindLink(e.Text); got != want {
				t.Errorf("base %q: link = %q, want %q", base, got, want)
			}
			if !strings.Contains(e.HTML, `href="`+want+`"`) {
				t.Errorf("base %q: HTML part lacks the link", base)
			}
		}
	})
	t.Run("base_of_another_shape_fails_the_send", func(t *testing.T) {
		for _, base := range []string{
			"javascript:alert(1)//", "//evil.example.com", "https://evil.example.com/?x=", "https://evil.example.com/#x",
			"https://user@evil.example.com", "https://evil.example.com/a b", "https://evil.example.com\\@app.example.com",
			"https://evil.example.com/\r\nBcc: x@example.com",
		} {
			if err := c.Send(context.Background(), activation("jwt-accounts", base)); err == nil {
				t.Errorf("base %q: sent", base)
			}
		}
	})
	t.Run("template_with_a_query_cannot_be_rebased", func(t *testing.T) {
		// The canonical link puts the token in a query: a base would have to cut it.
		err := c.Send(context.Background(), activation("", "https://other.example.com/verify"))
		if err == nil || !strings.Contains(err.Error(), "cannot take another base") {
			t.Fatalf("err = %v", err)
		}
	})
}
