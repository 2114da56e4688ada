package clienttests

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
)

// TestCurlFlows runs examples/curl/flows.sh, as a newcomer would, against a live
// accountd whose emails land in a folder. The script stops at the first answer it did
// not expect, so a flow that changed (a status, a field, an email) fails here.
func TestCurlFlows(t *testing.T) {
	t.Parallel()
	bash := need(t, "bash", "apt-get install bash")
	need(t, "curl", "apt-get install curl")
	need(t, "jq", "apt-get install jq")
	srv := startAccountd(t, 15*time.Minute)
	cmd := exec.Command(bash, filepath.Join(repoRoot(t), "examples", "curl", "flows.sh"))
	cmd.Env = environ(map[string]string{"ACCOUNTD_URL": srv.URL, "ACCOUNTD_MAIL_DIR": srv.MailDir})
	run(t, cmd)
}

// TestProtectedServiceExample builds and starts examples/protected-service against a
// live accountd, and checks that it lets through only requests with an accountd access
// token.
func TestProtectedServiceExample(t *testing.T) {
	t.Parallel()
	goCmd := need(t, "go", "https://go.dev/doc/install")
	srv := startAccountd(t, 15*time.Minute)
	login, password := srv.activeUser(t, "example")

	bin := filepath.Join(t.TempDir(), "protected-service")
	build := exec.Command(goCmd, "build", "-o", bin, "./examples/protected-service")
	build.Dir = repoRoot(t)
	run(t, build)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	service := exec.CommandContext(ctx, bin, "-accountd", srv.URL, "-issuer", srv.Issuer, "-audience", srv.Audience, "-addr", "127.0.0.1:0")
	stdout, err := service.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	service.Stderr = &stderr
	if err := service.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = service.Wait()
		if t.Failed() {
			t.Logf("protected-service's stderr:\n%s", stderr.String())
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	base, found := strings.CutPrefix(strings.TrimSpace(line), "protected-service: listening on ")
	if err != nil || !found {
		t.Fatalf("protected-service did not say where it listens: %q, %v", line, err)
	}

	c, err := accountd.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LoginWithResponse(ctx, accountd.LoginRequest{Login: login, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.GetMeWithResponse(ctx, accountd.WithBearer(res.JSON200.AccessToken))
	if err != nil {
		t.Fatal(err)
	}

	hello := func(authorization string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/hello", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		body, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(body)
	}

	status, body := hello("Bearer " + res.JSON200.AccessToken)
	var answer struct {
		UserID int64 `json:"user_id"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &answer) != nil || answer.UserID != me.JSON200.Id {
		t.Errorf("with an access token: %d %s; want 200 for user %d", status, body, me.JSON200.Id)
	}
	token := res.JSON200.AccessToken
	for name, auth := range map[string]string{
		"no token":         "",
		"a refresh token":  "Bearer " + res.JSON200.RefreshToken,
		"a tampered token": "Bearer " + token[:len(token)-4] + "AAAA",
	} {
		if status, body := hello(auth); status != 401 || !strings.Contains(body, "unauthenticated") {
			t.Errorf("%s: %d %s; want 401 unauthenticated", name, status, body)
		}
	}
}
