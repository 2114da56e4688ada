package mail

import (
	"context"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// TestSignedLinkPlaceholders covers {timestamp} and {signature}, the parts of
// django-rest-registration's user_id/timestamp/signature links.
func TestSignedLinkPlaceholders(t *testing.T) {
	links := testLinks()
	links["rest-registration"] = map[account.MessageKind]string{
		account.MessageEmailChange: "https://portal.example.com/verify-email/?user_id={user_id}&email={email}&timestamp={timestamp}&signature={signature}",
	}
	c, rec := newTestComposer(t, ComposerConfig{Links: links})

	t.Run("filled_from_message", func(t *testing.T) {
		e := sendOne(t, c, rec, account.Message{
			Kind: account.MessageEmailChange, Flow: "rest-registration", To: "new+x@example.com", User: testUser,
			Token: "tok", Timestamp: 1767225600, Signature: "q8-_Zx",
		})
		want := "https://portal.example.com/verify-email/?user_id=5&email=new%2Bx%40example.com&timestamp=1767225600&signature=q8-_Zx"
		if got := FindLink(e.Text); got != want {
			t.Errorf("link = %q\nwant   %q", got, want)
		}
	})
	t.Run("unsigned_message_refused", func(t *testing.T) {
		// A link without its signature cannot work: the send fails instead.
		err := c.Send(context.Background(), account.Message{
			Kind: account.MessageEmailChange, Flow: "rest-registration", To: "new@example.com", User: testUser, Token: "tok",
		})
		if err == nil || !strings.Contains(err.Error(), "{timestamp}") {
			t.Fatalf("err = %v, want a missing {timestamp}", err)
		}
	})
	t.Run("known_in_templates", func(t *testing.T) {
		if _, err := parseLinkTemplate("https://x.example.com/?t={timestamp}&s={signature}"); err != nil {
			t.Fatal(err)
		}
	})
}
