package contracttests

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/store/bunstore/pgcluster"
)

// TestReadReplica runs accountd with ACCOUNTD_DATABASE_REPLICA_URL on a real streaming
// replica: a hot standby made with pg_basebackup from a throwaway primary. With the
// standby's replay paused, the paths that tolerate lag answer with the past (the
// replica served them) while what a user just wrote answers with the present (the
// primary); replayed, the replica catches up; stopped, the primary serves everything.
func TestReadReplica(t *testing.T) {
	inProcessOnly(t, "starts a PostgreSQL primary and replica of its own")
	pgcluster.NeedPrograms(t)
	primary := pgcluster.Start(t)
	// Migrated before the standby is made, so that it starts with the schema.
	if err := openStore(t, primary.URL()).Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	standby := primary.Standby(t)
	cfg, err := app.LoadConfig(nil, func(k string) string {
		return map[string]string{
			"ACCOUNTD_DATABASE_URL":         primary.URL(),
			"ACCOUNTD_DATABASE_REPLICA_URL": standby.URL(),
			"ACCOUNTD_ISSUER":               "https://accounts.test",
		}[k]
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits = account.Limits{}
	e := newAppEnv(t, cfg, false)

	_, admin := e.staffUser("replica_admin", false)
	u := e.activeUser("replica_user")
	token := e.login(u).AccessToken
	var me struct {
		ID           int64  `json:"id"`
		FirstName    string `json:"first_name"`
		Organization *struct {
			Name string `json:"name"`
		} `json:"organization"`
	}
	e.getJSON("/v1/me", token, &me)

	standby.CatchUp(t, primary)
	standby.PauseReplay(t)

	// Written after the pause, through the API: on the primary only.
	status, _, body := e.do(http.MethodPost, "/v1/admin/organizations", "application/json",
		[]byte(`{"name":"Written After The Pause"}`), staffAuthHeader(t, e, admin)...)
	var org struct {
		ID int64 `json:"id"`
	}
	if status != http.StatusCreated || json.Unmarshal(body, &org) != nil {
		t.Fatalf("create organization: %d %s", status, body)
	}
	if status, body, err := e.send(http.MethodPatch, "/v1/me", map[string]string{"first_name": "Fresh"}, token); err != nil || status != http.StatusOK {
		t.Fatalf("PATCH /v1/me: %v %d %s", err, status, body)
	}
	late := newUser("replica_late")
	e.register(late)

	// Each path that tolerates lag, and whether it sees what came after the pause.
	sees := map[string]func() bool{
		"GET /v1/organizations": func() bool {
			return strings.Contains(e.getJSON("/v1/organizations", token, nil), "Written After The Pause")
		},
		"GET /v1/admin/organizations": func() bool {
			return strings.Contains(e.getJSON("/v1/admin/organizations", adminToken(t, e, admin), nil), "Written After The Pause")
		},
		"GET /v1/me/events": func() bool {
			return strings.Contains(e.getJSON("/v1/me/events", token, nil), string(account.EventProfileUpdated))
		},
		"GET /v1/admin/users/{id}/events": func() bool {
			return strings.Contains(e.getJSON("/v1/admin/users/"+strconv.FormatInt(me.ID, 10)+"/events", adminToken(t, e, admin), nil), string(account.EventProfileUpdated))
		},
		"GET /v1/admin/users": func() bool {
			return strings.Contains(e.getJSON("/v1/admin/users?q="+late.username+"&count=true", adminToken(t, e, admin), nil), late.username)
		},
	}

	t.Run("paused_the_replica_serves_the_lagging_paths", func(t *testing.T) {
		for path, fresh := range sees {
			if fresh() {
				t.Errorf("%s saw what the paused replica has not replayed: the primary served it", path)
			}
		}
	})

	t.Run("what_a_user_just_wrote_comes_from_the_primary", func(t *testing.T) {
		// The user's own row, after their PATCH.
		e.getJSON("/v1/me", token, &me)
		if me.FirstName != "Fresh" {
			t.Errorf("GET /v1/me after the PATCH: first_name %q, want Fresh", me.FirstName)
		}
		// A request that writes reads the primary from then on: the admin's PATCH that
		// moves the user into the new organization answers with its name, which only
		// the primary has.
		status, _, body := e.do(http.MethodPatch, "/v1/admin/users/"+strconv.FormatInt(me.ID, 10), "application/json",
			[]byte(`{"organization_id":`+strconv.FormatInt(org.ID, 10)+`}`), staffAuthHeader(t, e, admin)...)
		if status != http.StatusOK || !strings.Contains(string(body), "Written After The Pause") {
			t.Errorf("admin PATCH into the new organization: %d %s, want its name", status, body)
		}
		e.getJSON("/v1/me", token, &me)
		if me.Organization == nil || me.Organization.Name != "Written After The Pause" {
			t.Errorf("GET /v1/me after joining: organization %+v", me.Organization)
		}
		// Sessions and tokens: a login and its refresh, just written, work at once.
		pair := e.login(u)
		if status, body, err := e.send(http.MethodPost, "/v1/auth/refresh", map[string]string{"refresh_token": pair.RefreshToken}, ""); err != nil || status != http.StatusOK {
			t.Errorf("refresh right after login: %v %d %s", err, status, body)
		}
	})

	t.Run("replayed_the_replica_catches_up", func(t *testing.T) {
		standby.ResumeReplay(t)
		standby.CatchUp(t, primary)
		for path, fresh := range sees {
			if !fresh() {
				t.Errorf("%s still lacks what was written, the replica having caught up", path)
			}
		}
	})

	t.Run("replica_down_the_primary_serves_every_path", func(t *testing.T) {
		standby.Stop(t)
		for path, fresh := range sees {
			if !fresh() { // getJSON fails the test on anything but 200
				t.Errorf("%s with the replica down lacks what the primary holds", path)
			}
		}
		if !strings.Contains(e.logs.String(), "database replica failed") {
			t.Errorf("no log line says the replica failed:\n%s", e.logs.String())
		}
	})
}

// getJSON GETs path with token, fails the test unless the answer is 200, decodes it
// into out when out is not nil, and returns the body.
func (e *env) getJSON(path, token string, out any) string {
	e.t.Helper()
	status, body, err := e.send(http.MethodGet, path, nil, token)
	if err != nil || status != http.StatusOK {
		e.t.Fatalf("GET %s: %v %d %s", path, err, status, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			e.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return string(body)
}

// adminToken is the bearer token an admin's request editor sets.
func adminToken(t *testing.T, e *env, admin client.RequestEditorFn) string {
	t.Helper()
	h := staffAuthHeader(t, e, admin)
	return strings.TrimPrefix(h[1], "Bearer ")
}
