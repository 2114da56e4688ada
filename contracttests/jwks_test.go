package contracttests

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// TestJWKS checks that another service can verify access tokens offline with nothing
// but the published key set.
func TestJWKS(t *testing.T) {
	productionSafe(t)
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		res, err := e.client.GetJWKSWithResponse(ctx)
		if err != nil || res.JSON200 == nil || len(res.JSON200.Keys) == 0 {
			t.Fatalf("jwks: %v %d %s", err, statusOf(res), bodyOf(res))
		}
		for _, k := range res.JSON200.Keys {
			raw, _ := json.Marshal(k)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				if _, ok := m[private]; ok {
					t.Fatalf("published key has private member %q", private)
				}
			}
		}
		set, err := jwk.Parse(res.Body)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("access_token_verifies_offline", func(t *testing.T) {
			notInProduction(t, "creates an account")
			u := e.activeUser("jwks")
			pair := e.login(u)
			tok, err := jwt.Parse([]byte(pair.AccessToken), jwt.WithKeySet(set), jwt.WithIssuer(e.cfg.Issuer),
				jwt.WithAudience(e.cfg.Audience), jwt.WithClock(jwt.ClockFunc(e.clock.Now)), jwt.WithAcceptableSkew(time.Second))
			if err != nil {
				t.Fatalf("token does not verify with the JWKS: %v", err)
			}
			for _, claim := range []string{"sid", "jti"} {
				if !tok.Has(claim) {
					t.Fatalf("token lacks %q", claim)
				}
			}
			if sub, _ := tok.Subject(); sub == "" {
				t.Fatal("token lacks sub")
			}
		})
	})
}
