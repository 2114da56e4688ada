package contracttests

import (
	"context"
	"net/http"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
)

func TestMe(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("me")
		pair := e.login(u)
		auth := bearer(pair.AccessToken)

		t.Run("200_get", func(t *testing.T) {
			res, err := e.client.GetMeWithResponse(ctx, auth)
			if err != nil || res.JSON200 == nil {
				t.Fatalf("me: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			if res.JSON200.Username != u.username || !res.JSON200.Active || res.JSON200.LastLogin == nil {
				t.Fatalf("me = %+v", res.JSON200)
			}
		})
		t.Run("200_patch_names", func(t *testing.T) {
			first, last := "Grace", "Hopper"
			res, err := e.client.UpdateMeWithResponse(ctx, client.UpdateMeJSONRequestBody{FirstName: &first, LastName: &last}, auth)
			if err != nil || res.JSON200 == nil || res.JSON200.FullName != "Grace Hopper" {
				t.Fatalf("patch: %v %d %s", err, statusOf(res), bodyOf(res))
			}
			got, _ := e.client.GetMeWithResponse(ctx, auth)
			if got.JSON200 == nil || got.JSON200.FirstName != first || got.JSON200.Username != u.username {
				t.Fatalf("not persisted: %s", bodyOf(got))
			}
		})
		t.Run("409_patch_username_taken", func(t *testing.T) {
			other := e.activeUser("metaken")
			name := strings.ToUpper(other.username)
			res, err := e.client.UpdateMeWithResponse(ctx, client.UpdateMeJSONRequestBody{Username: &name}, auth)
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, res, http.StatusConflict, "username_taken")
		})
		t.Run("400_patch_email_refused", func(t *testing.T) {
			status, _, body := e.do("PATCH", "/v1/me", "application/json", []byte(`{"email":"new@example.com"}`),
				"Authorization", "Bearer "+pair.AccessToken)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			parseProblem(t, body, "validation_failed", "email")
		})
		t.Run("400_patch_empty", func(t *testing.T) {
			status, _, body := e.do("PATCH", "/v1/me", "application/json", []byte(`{}`), "Authorization", "Bearer "+pair.AccessToken)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			parseProblem(t, body, "validation_failed")
		})
		t.Run("401_without_token", func(t *testing.T) {
			res, _ := e.client.GetMeWithResponse(ctx)
			wantProblem(t, res, http.StatusUnauthorized, "unauthenticated")
		})
		t.Run("401_garbage_token", func(t *testing.T) {
			res, _ := e.client.GetMeWithResponse(ctx, bearer("a.b.c"))
			wantProblem(t, res, http.StatusUnauthorized, "unauthenticated")
		})
		t.Run("401_token_with_other_scheme", func(t *testing.T) {
			status, _, body := e.do("GET", "/v1/me", "", nil, "Authorization", "Token "+pair.AccessToken)
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d", status)
			}
			parseProblem(t, body, "unauthenticated")
		})
	})
}
