package contracttests

import (
	"context"
	"net/http"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
)

func TestRefresh(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		refresh := func(token string) *client.RefreshResponse {
			res, err := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: token})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		t.Run("200_rotates", func(t *testing.T) {
			u := e.activeUser("rotate")
			pair := e.login(u)
			res := refresh(pair.RefreshToken)
			if res.JSON200 == nil || res.JSON200.RefreshToken == pair.RefreshToken {
				t.Fatalf("refresh: %d %s", res.StatusCode(), res.Body)
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(res.JSON200.AccessToken))
			if statusOf(me) != http.StatusOK {
				t.Fatalf("new access token refused: %s", bodyOf(me))
			}
		})

		t.Run("401_reuse_ends_session", func(t *testing.T) {
			u := e.activeUser("reuse")
			pair := e.login(u)
			// The chain moves on twice: the first token is two behind it.
			next := refresh(pair.RefreshToken).JSON200
			if next == nil {
				t.Fatal("first refresh failed")
			}
			if next = refresh(next.RefreshToken).JSON200; next == nil {
				t.Fatal("second refresh failed")
			}
			e.clock.Advance(11 * time.Second) // past the grace for stale copies
			wantProblem(t, refresh(pair.RefreshToken), http.StatusUnauthorized, "refresh_token_invalid")
			// The thief's replay ended the session: the legitimate successor is dead too.
			wantProblem(t, refresh(next.RefreshToken), http.StatusUnauthorized, "refresh_token_invalid")
			me, _ := e.client.GetMeWithResponse(ctx, bearer(next.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
		})

		t.Run("401_unknown", func(t *testing.T) {
			wantProblem(t, refresh("bogus"), http.StatusUnauthorized, "refresh_token_invalid")
		})
	})
}

func TestLogout(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()

		t.Run("204_refuses_access_and_refresh_tokens_at_once", func(t *testing.T) {
			u := e.activeUser("logout")
			pair := e.login(u)
			other := e.login(u)
			res, err := e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{}, bearer(pair.AccessToken))
			if err != nil || res.StatusCode() != http.StatusNoContent {
				t.Fatalf("logout: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(pair.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
			ref, _ := e.client.RefreshWithResponse(ctx, nil, client.RefreshJSONRequestBody{RefreshToken: pair.RefreshToken})
			wantProblem(t, ref, http.StatusUnauthorized, "refresh_token_invalid")
			// Another session of the same account is untouched.
			still, _ := e.client.GetMeWithResponse(ctx, bearer(other.AccessToken))
			if statusOf(still) != http.StatusOK {
				t.Fatalf("other session ended too: %s", bodyOf(still))
			}
		})

		t.Run("204_all_ends_every_session", func(t *testing.T) {
			u := e.activeUser("logoutall")
			a, b := e.login(u), e.login(u)
			all := true
			res, err := e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{All: &all}, bearer(a.AccessToken))
			if err != nil || res.StatusCode() != http.StatusNoContent {
				t.Fatalf("logout all: %v %d", err, statusOf(res))
			}
			me, _ := e.client.GetMeWithResponse(ctx, bearer(b.AccessToken))
			wantProblem(t, me, http.StatusUnauthorized, "unauthenticated")
		})

		t.Run("204_without_body", func(t *testing.T) {
			u := e.activeUser("logoutnobody")
			pair := e.login(u)
			status, _, body := e.do("POST", "/v1/auth/logout", "", nil, "Authorization", "Bearer "+pair.AccessToken)
			if status != http.StatusNoContent {
				t.Fatalf("status %d: %s", status, body)
			}
		})

		t.Run("401_without_token", func(t *testing.T) {
			res, err := e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{})
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusUnauthorized, "unauthenticated")
		})
	})
}

func TestVerify(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("verify")
		pair := e.login(u)
		verify := func(token string, hint *client.VerifyRequestTokenTypeHint) client.Introspection {
			res, err := e.client.VerifyTokenWithResponse(ctx, client.VerifyTokenJSONRequestBody{Token: token, TokenTypeHint: hint})
			if err != nil || res.JSON200 == nil {
				t.Fatalf("verify: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			return *res.JSON200
		}

		t.Run("200_active_access_token", func(t *testing.T) {
			in := verify(pair.AccessToken, nil)
			if !in.Active || in.Username == nil || *in.Username != u.username || in.Sid == nil {
				t.Fatalf("introspection %+v", in)
			}
		})
		t.Run("200_inactive_garbage", func(t *testing.T) {
			if in := verify("garbage.token.here", nil); in.Active || in.Sub != nil {
				t.Fatalf("garbage is active: %+v", in)
			}
		})
		t.Run("200_refresh_token_with_hint", func(t *testing.T) {
			hint := client.VerifyRequestTokenTypeHintRefreshToken
			if in := verify(pair.RefreshToken, &hint); !in.Active {
				t.Fatal("live refresh token reported inactive")
			}
			if in := verify(pair.RefreshToken, nil); in.Active {
				t.Fatal("refresh token accepted as an access token")
			}
		})
		t.Run("200_inactive_after_logout", func(t *testing.T) {
			p := e.login(u)
			if _, err := e.client.LogoutWithResponse(ctx, client.LogoutJSONRequestBody{}, bearer(p.AccessToken)); err != nil {
				t.Fatal(err)
			}
			if in := verify(p.AccessToken, nil); in.Active {
				t.Fatal("token of an ended session is active")
			}
		})
	})
}
