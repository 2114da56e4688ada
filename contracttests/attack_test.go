package contracttests

// Attacks by the red team: each test attacks one of the rules every API claims (README,
// "a profile is never a back door") and fails while the hole it found is open.

import (
	"net/http"
	"net/netip"
	"strconv"
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

// TestAttackBruteForceCurrentPasswordEveryAPI: whoever holds a stolen access token (or a
// cadasta auth_token, valid for a month) must not be able to guess the account's
// password without bound through the operations that ask for it again (changing the
// password, deleting the account): otherwise the token, which a logout or a password
// change ends, buys the password itself. Guesses are bounded per account as at login
// (LoginFailures) and as at step-up, on every API: past the budget even the right
// password is refused (429) until the window frees a slot.
func TestAttackBruteForceCurrentPasswordEveryAPI(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		c.Limits = account.Limits{LoginFailures: account.Rule{Limit: 3, Window: 15 * time.Minute}}
	}, func(t *testing.T, e *env) {
		const newPassword = "brand-new-password-9"
		for _, door := range []struct {
			name, method, path string
			header             func(u user) []string
			body               func(guess string) map[string]any
		}{
			{"canonical change password", "POST", "/v1/me/password", e.authHeader,
				func(g string) map[string]any {
					return map[string]any{"current_password": g, "new_password": newPassword}
				}},
			{"canonical delete account", "DELETE", "/v1/me", e.authHeader,
				func(g string) map[string]any { return map[string]any{"password": g} }},
			{"djoser set_password", "POST", "/api/users/set_password/", e.authHeader,
				func(g string) map[string]any {
					return map[string]any{"current_password": g, "new_password": newPassword, "re_new_password": newPassword}
				}},
			{"djoser delete me", "DELETE", "/api/users/me/", e.authHeader,
				func(g string) map[string]any { return map[string]any{"current_password": g} }},
			{"rest-registration change-password", "POST", "/api/accounts/change-password/", e.authHeader,
				func(g string) map[string]any {
					return map[string]any{"old_password": g, "password": newPassword, "password_confirm": newPassword}
				}},
			{"jwt-accounts change password", "POST", "/accounts/api/change/password/", e.authHeader,
				func(g string) map[string]any {
					return map[string]any{"old_password": g, "new_password": newPassword, "confirm_password": newPassword}
				}},
			{"cadasta password", "POST", "/api/v1/account/password/",
				func(u user) []string { return cdToken(e.cdLogin(u.username, u.password)) },
				func(g string) map[string]any {
					return map[string]any{"current_password": g, "new_password": newPassword, "re_new_password": newPassword}
				}},
		} {
			victim := e.seedUser("guessed")
			stolen := door.header(victim)
			for i := range 3 {
				status, out := e.sendJSON(door.method, door.path, door.body("wrong-guess-"+strconv.Itoa(i)), stolen...)
				if status != http.StatusBadRequest {
					t.Fatalf("%s, wrong guess %d: %d %s, want 400", door.name, i+1, status, out)
				}
			}
			status, out := e.sendJSON(door.method, door.path, door.body(victim.password), stolen...)
			if status != http.StatusTooManyRequests {
				t.Errorf("%s: after 3 wrong guesses of the current password the right one gets %d %s, want 429: guessing is unbounded", door.name, status, out)
			}
		}
	})
}
