package mail

import (
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// Issue 13, item 11: anyone may register (or change to) an address they do not own with
// names of their choosing, so the names must not reach the email: in the text part a
// link or a forged paragraph in a name is as good as the service's own.
func TestEmailsCarryNoCallerChosenNames(t *testing.T) {
	c, rec := newTestComposer(t, ComposerConfig{})
	const bait = "evil.example"
	user := account.User{
		ID: 9, Username: "mallory", Email: "victim@example.com",
		FirstName: "Your account is locked. Unlock it at https://" + bait + "/unlock",
		LastName:  "<a href=\"https://" + bait + "\">here</a>",
	}
	for kind := range kinds {
		e := sendOne(t, c, rec, account.Message{Kind: kind, To: "victim@example.com", User: user, Token: "tok"})
		for name, part := range map[string]string{"subject": e.Subject, "text": e.Text, "html": e.HTML} {
			if strings.Contains(part, bait) || strings.Contains(part, "locked") {
				t.Errorf("%s: the %s part carries the caller's names:\n%s", kind, name, part)
			}
		}
	}
}

// Issue 13, item 14: every email greets once, in both parts (the HTML layout greets, and
// some contents greeted again).
func TestEveryEmailGreetsOnce(t *testing.T) {
	c, rec := newTestComposer(t, ComposerConfig{})
	for kind := range kinds {
		e := sendOne(t, c, rec, account.Message{Kind: kind, To: "alice@example.com", User: testUser, Token: "tok"})
		for name, part := range map[string]string{"text": e.Text, "html": e.HTML} {
			if n := strings.Count(part, "Hello"); n != 1 {
				t.Errorf("%s: the %s part greets %d times:\n%s", kind, name, n, part)
			}
		}
	}
}
