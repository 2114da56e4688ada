package contracttests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/version"
)

// TestAgainstURL is what `make contract` does for a team, done to a separately started
// `accountd serve`: the binary `make build` makes, on SQLite, writing its emails to a
// folder (ACCOUNTD_MAILER=dir://), started as a process of its own; the suite then runs
// against it given only its URL and that folder (and its settings), and must pass.
// (TestThroughPrism gives its run a superuser too, for the staff tests and the sweep.)
func TestAgainstURL(t *testing.T) {
	if remote != nil {
		t.Skip("starts a deployment and runs this suite against it: not run from inside such a run")
	}
	t.Parallel()
	d := startDeployment(t, "accountd serve", nil)
	d.giveAdmin = false
	out, passed := runSuite(t, d, d.url)
	if passed < 40 {
		t.Errorf("only %d tests passed against the URL: most of the suite should run there", passed)
	}
	// The run covered the canonical API and every profile, and deleted what it created.
	for _, want := range []string{"| register |", "| login |", "| djoserRegister |", "| restregRegister |", "| cadastaRegister |"} {
		if !strings.Contains(out, want) {
			t.Errorf("the coverage report has no row %q", want)
		}
	}
	// Without a superuser, an account that was never activated cannot be logged in to be
	// deleted: the report names it (TestThroughPrism's run, given one, leaves nothing).
	if !strings.Contains(out, "accounts deleted at the end") {
		t.Error("the run did not report what it deleted at the end")
	}

	// Second factors and the jwt-accounts profile, each against a deployment set for it.
	// (Only the first goes through Prism too: the jwt-accounts tests send what Prism's
	// proxy does not pass on as sent, a multipart picture and a GET with a body.)
	for _, g := range []settingsGroup{secondFactorsGroup, jwtAccountsGroup} {
		t.Run(g.name, func(t *testing.T) {
			d := startDeployment(t, "accountd serve, "+g.name, g.settings)
			d.giveAdmin = false
			out, _ := runSuite(t, d, d.url, "-test.run="+g.run)
			g.check(t, out)
		})
	}

	// The tests that need a deployment which reports taken emails (as djoser and the
	// Cadasta platform did) run against one set so, and only they.
	t.Run("taken_emails_reported", func(t *testing.T) {
		d := startDeployment(t, "accountd serve, taken emails reported", map[string]string{"ACCOUNTD_HIDE_EXISTING_EMAILS": "false"})
		d.giveAdmin = false
		out, _ := runSuite(t, d, d.url, "-test.run=^(TestDjoser|TestCadasta)")
		if !strings.Contains(out, "--- PASS: TestCadastaAttacks") {
			t.Error("TestCadastaAttacks, which needs taken emails reported, did not pass against a deployment that reports them")
		}
	})
}

// TestThroughPrism runs the suite once more through a Prism proxy in front of the real
// server: Prism checks every request and response against openapi.yaml with a
// validator accountd did not write, and says what it finds in an sl-violations header,
// which the harness turns into failures (checkProxyVerdict). The whole URL-mode suite
// runs, but for the tests in prismSkips.
func TestThroughPrism(t *testing.T) {
	if remote != nil {
		t.Skip("starts a deployment and a proxy and runs this suite through them: not run from inside such a run")
	}
	prism := specTool(t, "prism")
	t.Parallel()
	d := startDeployment(t, "accountd serve behind Prism", nil)
	proxy := startPrism(t, prism, d.url)
	if _, passed := runSuite(t, d, proxy, "-test.skip="+prismSkips); passed < 40 {
		t.Errorf("only %d tests passed through Prism: most of the suite should run there", passed)
	}
	// Given a superuser, the run deleted every account it made: only that one is left.
	if left := d.usernames(t); !slices.Equal(left, []string{"contractadmin"}) {
		t.Errorf("after the run the deployment holds %q, want only its superuser", left)
	}

	// Second factors need settings of their own: their tests run through Prism again,
	// against a deployment set as they are.
	t.Run("second_factors", func(t *testing.T) {
		g := secondFactorsGroup
		d := startDeployment(t, "accountd serve behind Prism, "+g.name, g.settings)
		out, _ := runSuite(t, d, startPrism(t, prism, d.url), "-test.run="+g.run, "-test.skip="+prismSkips)
		g.check(t, out)
	})
}

// settingsGroup is a part of the suite that needs a deployment with settings the rest of
// the suite assumes off: which settings, which tests, and those of them that must pass
// there (tests that move the server's clock, such as every TOTP walk, are in-process
// only and skip).
type settingsGroup struct {
	name     string
	settings map[string]string
	run      string
	mustPass []string
}

// The settings groups: second factors (withMFA) and the jwt-accounts profile (jwtaConfig).
var (
	secondFactorsGroup = settingsGroup{"second_factors", map[string]string{
		"ACCOUNTD_MFA_ENCRYPTION_KEY": hex.EncodeToString(mfaTestKey), "ACCOUNTD_WEBAUTHN_RP_ID": mfaRPID,
		"ACCOUNTD_WEBAUTHN_ORIGINS": mfaOrigin,
	}, "^(TestMFA|TestPasskey)", []string{"TestPasskeys", "TestPasskeyAttacks"}}
	jwtAccountsGroup = settingsGroup{"jwt_accounts", map[string]string{
		"ACCOUNTD_ALLOWED_REDIRECT_ORIGINS": jaOrigin, "ACCOUNTD_JWTACCOUNTS_ACTIVATION_URL": jaConfiguredAct,
		"ACCOUNTD_JWTACCOUNTS_RESET_URL": jaConfiguredRst, "ACCOUNTD_JWTACCOUNTS_PUBLIC_URL": jaPublic,
	}, "^TestJwtAccounts", []string{"TestJwtAccountsWalk", "TestJwtAccountsAttacks"}}
)

// check fails t unless the run's output shows each of the group's tests passing: a
// deployment whose settings the tests did not recognise would skip them all.
func (g settingsGroup) check(t *testing.T, out string) {
	t.Helper()
	for _, name := range g.mustPass {
		if !strings.Contains(out, "--- PASS: "+name+" (") {
			t.Errorf("%s did not pass against a deployment set for it (%s)", name, g.name)
		}
	}
}

// startPrism starts a Prism validation proxy in front of upstream and returns its URL
// once it answers.
func startPrism(t *testing.T, prism, upstream string) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(prism, "proxy", "--errors=false", "--cors=false", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"../../openapi.yaml", upstream)
	cmd.Dir = specToolsDir
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("prism: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	proxy := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(proxy + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return proxy
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prism not answering after 60s:\n%s", logs.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// prismSkips are the tests the Prism pass leaves out (go test -skip), for what Prism
// does in place of passing the answer on: a body that is not JSON at all it answers
// itself ({"error":{"code":"invalid_json"}}); an upstream 501 (second factors on a
// server without their key) it replaces with a mock built from the spec's example, as
// its proxy does for operations not implemented yet; a redirect (GET / to /docs/) it
// follows, answering with the page redirected to; a JSON body it passes on
// re-serialized, without the newline django-rest-registration ends its answers with,
// which one test compares byte for byte.
const prismSkips = "^TestRequestValidation$/^remote$/^400_malformed_json$|^TestRestRegistrationRegister$/^remote$/^400_malformed_json$" +
	"|^TestMFANotConfigured$|^TestRootPointsToTheDocs$|^TestSecurityHiddenRegistrationHoldsUsername$/^remote$/^rest-registration$"

// deploymentUnderTest is an accountd started for a URL-mode run.
type deploymentUnderTest struct {
	url, mailDir string
	// settings are its ACCOUNTD_* variables, which the run is given too.
	settings map[string]string
	admin    string // login:password of its superuser
	// giveAdmin: the run gets the superuser (ACCOUNTD_CONTRACT_ADMIN).
	giveAdmin bool
}

// usernames lists the deployment's accounts, through its superuser.
func (d *deploymentUnderTest) usernames(t *testing.T) []string {
	t.Helper()
	login, password, _ := strings.Cut(d.admin, ":")
	c, err := client.NewClientWithResponses(d.url)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := c.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: login, Password: password})
	if err != nil || res.JSON200 == nil {
		t.Fatalf("login as %s: %v %d", login, err, statusOf(res))
	}
	var names []string
	params := &client.AdminListUsersParams{}
	for {
		page, err := c.AdminListUsersWithResponse(ctx, params, bearer(res.JSON200.AccessToken))
		if err != nil || page.JSON200 == nil {
			t.Fatalf("list users: %v %d", err, statusOf(page))
		}
		for _, u := range page.JSON200.Items {
			names = append(names, u.Username)
		}
		if page.JSON200.NextCursor == nil {
			return names
		}
		params.Cursor = page.JSON200.NextCursor
	}
}

// startDeployment starts `make build`'s binary as its own process on a fresh SQLite
// database, with its emails written to a folder, its metrics on a listener of their own
// (the run reads the mail outbox's depth there) and the rate limits off (the suite
// registers hundreds of accounts from one address), and a superuser made by
// `accountd createadmin`. It returns once the deployment is ready (/readyz 200): it
// listens at once and opens its database in the background.
func startDeployment(t *testing.T, name string, settings map[string]string) *deploymentUnderTest {
	t.Helper()
	bin := madeBinary(t)
	dir := t.TempDir()
	d := &deploymentUnderTest{mailDir: filepath.Join(dir, "mail"), settings: map[string]string{
		"ACCOUNTD_DATABASE_URL": "sqlite://" + filepath.Join(dir, "accountd.db"),
		"ACCOUNTD_MAILER":       "dir://" + filepath.Join(dir, "mail"),
		"ACCOUNTD_ARGON2_TIME":  "2",
		"ACCOUNTD_METRICS_ADDR": "127.0.0.1:" + strconv.Itoa(freePort(t)),
	}}
	for _, s := range []string{"LOGIN_IP", "LOGIN_FAILURES", "REGISTER_IP", "REFRESH_IP", "EMAIL_IP", "EMAIL_ADDRESS"} {
		d.settings["ACCOUNTD_RATE_LIMIT_"+s] = "off"
	}
	for k, v := range settings {
		d.settings[k] = v
	}
	password := "contract-admin-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	pwFile := filepath.Join(dir, "admin-password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "createadmin", "-username", "contractadmin", "-email", "contractadmin@example.com", "-password-file", pwFile)
	cmd.Env = deploymentEnv(d.settings)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("accountd createadmin: %v\n%s", err, out)
	}
	d.admin, d.giveAdmin = "contractadmin:"+password, true
	p := startAccountd(t, bin, name, copyMap(d.settings))
	d.url = "http://" + p.wait()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(d.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready 30s after listening:\n%s", name, p.logs.String())
		}
	}
	// The run finds the outbox's depth where remote_test.go looks for it.
	metrics := metricsURL(d.url, d.settings["ACCOUNTD_METRICS_ADDR"])
	res, err := http.Get(metrics)
	if err != nil {
		t.Fatalf("%s: %v", metrics, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !regexp.MustCompile(`(?m)^accountd_mail_outbox_pending \d+$`).Match(body) {
		t.Fatalf("%s: %d, no accountd_mail_outbox_pending in:\n%s", metrics, res.StatusCode, body)
	}
	return d
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// deploymentEnv is this process's environment without its ACCOUNTD_* variables, with
// settings instead.
func deploymentEnv(settings map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCOUNTD_") {
			env = append(env, kv)
		}
	}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	return env
}

// madeBinary runs `make build` once and returns bin/accountd, after checking that
// `accountd version` prints what make stamped: the spec's version, the commit and a
// build date of today.
var madeBinary = func() func(t *testing.T) string {
	var (
		once sync.Once
		bin  string
		err  error
	)
	return func(t *testing.T) string {
		t.Helper()
		once.Do(func() { bin, err = makeBuild() })
		if err != nil {
			t.Fatal(err)
		}
		return bin
	}
}()

func makeBuild() (string, error) {
	cmd := exec.Command("make", "build")
	cmd.Dir = ".."
	// Not the jobserver of a make that runs this test.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "MFLAGS=") || strings.HasPrefix(kv, "MAKELEVEL=")
	})
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("make build: %v\n%s", err, out)
	}
	bin, err := filepath.Abs("../bin/accountd")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return "", fmt.Errorf("accountd version: %v", err)
	}
	want := regexp.MustCompile(`^accountd ` + regexp.QuoteMeta(version.SpecVersion()) +
		` \(commit ([0-9a-f]{7,}(-dirty)?|unknown), built (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)\n$`)
	m := want.FindStringSubmatch(string(out))
	if m == nil {
		return "", fmt.Errorf("bin/accountd version printed %q, want the spec's version %s, the commit and the build date as make build stamps them", out, version.SpecVersion())
	}
	if built, err := time.Parse(time.RFC3339, m[3]); err != nil || time.Since(built) > time.Hour || time.Until(built) > time.Minute {
		return "", fmt.Errorf("bin/accountd version says it was built at %s, not just now", m[3])
	}
	return bin, nil
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runSuite runs this test binary again in URL mode against url (the deployment, or a
// proxy in front of it), with the deployment's settings, its mail folder and its
// superuser, and go test's flags args (-test.run=..., say). It fails t when the run fails
// or passes nothing, logs what was skipped and why, and returns the run's output and
// how many tests passed.
func runSuite(t *testing.T, d *deploymentUnderTest, url string, args ...string) (string, int) {
	t.Helper()
	settings := copyMap(d.settings)
	settings["ACCOUNTD_CONTRACT_URL"] = url
	settings["ACCOUNTD_CONTRACT_MAIL_DIR"] = d.mailDir
	if d.giveAdmin {
		settings["ACCOUNTD_CONTRACT_ADMIN"] = d.admin
	}
	settings["ACCOUNTD_CONTRACT_REPORT"] = filepath.Join(t.TempDir(), "coverage.md")
	args = append([]string{"-test.count=1", "-test.v", "-test.timeout=10m"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 11*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = deploymentEnv(settings)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	passed, failed := 0, 0
	skipped := map[string]string{} // test → why
	why := map[string]string{}     // test → the first line it logged
	var current string
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "=== RUN ") || strings.HasPrefix(trimmed, "=== NAME ") || strings.HasPrefix(trimmed, "=== CONT "):
			current = strings.Fields(trimmed)[2]
		case strings.HasPrefix(line, "--- PASS: "):
			passed++
		case strings.HasPrefix(line, "--- FAIL: "):
			failed++
		case strings.HasPrefix(trimmed, "--- SKIP: "):
			name := strings.Fields(trimmed)[2]
			skipped[name] = why[name]
		case current != "" && why[current] == "" && strings.HasPrefix(line, "    ") && strings.Contains(line, "_test.go:"):
			why[current] = trimmed
		}
	}
	t.Logf("against %s: %d tests passed, %d failed, %d skipped, in %s", url, passed, failed, len(skipped), time.Since(start).Round(time.Second))
	names := make([]string, 0, len(skipped))
	for name := range skipped {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Logf("  skipped %s: %s", name, skipped[name])
	}
	if report, err := os.ReadFile(settings["ACCOUNTD_CONTRACT_REPORT"]); err == nil {
		t.Logf("coverage:\n%s", report)
	}
	if err != nil || failed > 0 {
		t.Errorf("the suite against %s failed (%v):\n%s", url, err, failures(out.String()))
	}
	if passed == 0 {
		t.Errorf("the suite against %s passed no test:\n%s", url, out.String())
	}
	return out.String(), passed
}

// failures returns what each failed test of a verbose go test output logged: go test -v
// interleaves tests (=== RUN, === NAME and === CONT say whose lines follow), so the
// lines are gathered by test first.
func failures(out string) string {
	logged := map[string][]string{}
	var failed []string
	current := ""
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "=== RUN ") || strings.HasPrefix(trimmed, "=== NAME ") || strings.HasPrefix(trimmed, "=== CONT "):
			current = strings.Fields(trimmed)[2]
		case strings.HasPrefix(trimmed, "--- FAIL: "):
			failed = append(failed, strings.Fields(trimmed)[2])
		case strings.HasPrefix(trimmed, "--- "), strings.HasPrefix(trimmed, "=== "):
		case strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "\t"):
			logged[""] = append(logged[""], line)
		case trimmed != "":
			logged[current] = append(logged[current], trimmed)
		}
	}
	var b strings.Builder
	for _, name := range failed {
		if lines := logged[name]; len(lines) > 0 {
			b.WriteString(name + ":\n    " + strings.Join(lines, "\n    ") + "\n")
			delete(logged, name)
		}
	}
	if lines := logged[""]; len(lines) > 0 {
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	if b.Len() > 20000 {
		return b.String()[:20000] + "\n..."
	}
	return b.String()
}

// checkProxyVerdict fails t when Prism, proxying the exchange, found that the response
// does not match openapi.yaml, or that accountd accepted (answered below 400) a request
// the spec forbids. A request violation answered 4xx is a test sending bad input on
// purpose, as it should be refused.
func checkProxyVerdict(t *testing.T, req *http.Request, status int, header http.Header) {
	t.Helper()
	raw := header.Get("sl-violations")
	if raw == "" {
		return
	}
	var violations []struct {
		Location []string `json:"location"`
		Severity string   `json:"severity"`
		Code     any      `json:"code"`
		Message  string   `json:"message"`
	}
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		t.Errorf("Prism: %s %s → %d: unreadable sl-violations header %q", req.Method, req.URL.Path, status, raw)
		return
	}
	for _, v := range violations {
		where := strings.Join(v.Location, ".")
		switch {
		case len(v.Location) > 0 && v.Location[0] == "response":
			t.Errorf("Prism: %s %s → %d: the response does not match openapi.yaml at %s: %s (%v, %s)", req.Method, req.URL.Path, status, where, v.Message, v.Code, v.Severity)
		case status < 400:
			t.Errorf("Prism: %s %s → %d: accountd accepted a request openapi.yaml forbids, at %s: %s (%v, %s)", req.Method, req.URL.Path, status, where, v.Message, v.Code, v.Severity)
		}
	}
}
