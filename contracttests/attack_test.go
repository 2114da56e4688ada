package contracttests

// Attacks by the red team: each test attacks one of the rules every API claims (README,
// "a profile is never a back door") and fails while the hole it found is open.

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

// TestAttackNoEnumerationLoginBudgetAcrossNames: the budget of failed logins is the
// account's, whichever of its names is typed, while an unknown name has a budget of its
// own. A stranger who spends the budget under a known username, then types a candidate
// email, must not learn from the answer whether that email is the account's (or has an
// account at all): a 429 for the account's own email and a 401 for any other address
// would tell. Tried through the canonical API and through djoser after spending the
// budget through rest-registration.
func TestAttackNoEnumerationLoginBudgetAcrossNames(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		c.Limits = account.Limits{LoginFailures: account.Rule{Limit: 3, Window: 15 * time.Minute}}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}, func(t *testing.T, e *env) {
		for _, apis := range []struct{ spend, probe string }{
			{"canonical", "canonical"},
			{"rest-registration", "djoser"},
		} {
			const attacker = "203.0.113.77"
			owner := e.seedUser("enumowner")
			nobody := newUser("enumnobody") // never registered: its username and email are both unknown
			for _, name := range []string{owner.username, nobody.username} {
				for range 3 {
					if status, _, _, out := e.loginFrom(apis.spend, attacker, "", name, "wrong-password"); status == http.StatusOK {
						t.Fatalf("guess as %s: %d %s", name, status, out)
					}
				}
			}
			// The attacker now tries an address: the owner's, and one of nobody's.
			sk, _, hk, known := e.loginFrom(apis.probe, attacker, "", owner.email, "wrong-password")
			su, _, hu, unknown := e.loginFrom(apis.probe, attacker, "", nobody.email, "wrong-password")
			if sk != su || strip(known) != strip(unknown) || hk.Get("Retry-After") != hu.Get("Retry-After") {
				t.Errorf("budget spent as %s through %s, then %s through %s: %d %s (Retry-After %q); as %s, then %s: %d %s (Retry-After %q): the answer tells whether the address is the account's",
					owner.username, apis.spend, owner.email, apis.probe, sk, known, hk.Get("Retry-After"),
					nobody.username, nobody.email, su, unknown, hu.Get("Retry-After"))
			}
		}
	})
}
