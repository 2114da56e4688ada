package mail

import (
	"net/url"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// FuzzLinkRendering fills link templates with arbitrary user data: whatever a username,
// email or token holds, the link keeps its scheme, host and path, so nobody can steer
// a reset link to another site or inject into the email.
func FuzzLinkRendering(f *testing.F) {
	tmpl, err := parseLinkTemplate("https://app.example.com/activate/{uid}/{token}?u={username}&e={email}")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("ada", "ada@example.com", "tok", int64(5))
	f.Add("a/../../evil", "x@evil.example#frag", "t?x=1&y=2", int64(1))
	f.Add("@evil.example", "\r\nBcc: x@example.com", "%2e%2e/", int64(-1))
	f.Add("ü💥", "<script>@example.com", "{token}", int64(1<<62))
	f.Fuzz(func(t *testing.T, username, email, token string, id int64) {
		link, err := tmpl.render(account.Message{Kind: account.MessageActivation, To: email, Token: token,
			User: account.User{ID: id, Username: username, Email: email}})
		if err != nil {
			return // refusing to render (an empty value, say) is fine
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("rendered an unparseable link %q: %v", link, err)
		}
		if u.Scheme != "https" || u.Host != "app.example.com" || u.User != nil || u.Fragment != "" {
			t.Fatalf("user data escaped its placeholder: %q", link)
		}
		for _, c := range link {
			if c < 0x21 || c > 0x7e {
				t.Fatalf("link holds a raw %q: %q", c, link)
			}
		}
		if got := u.Query().Get("u"); got != username {
			t.Fatalf("username round trip: %q → %q", username, got)
		}
	})
}
