package contracttests

// URL mode: the same suite against a deployment given by URL (make contract URL=...).
//
//	ACCOUNTD_CONTRACT_URL       the deployment's base URL; set, the suite runs against it
//	                            instead of starting accountd in-process
//	ACCOUNTD_CONTRACT_MAIL_DIR  the folder its dir:// mailer writes to (ACCOUNTD_MAILER=
//	                            dir:///that/folder); without it, tests that read an email
//	                            are skipped
//	ACCOUNTD_CONTRACT_METRICS   the URL of its metrics, whose accountd_mail_outbox_pending
//	                            says when every email queued has been written; by default
//	                            /metrics on its ACCOUNTD_METRICS_ADDR as this run's
//	                            variables give it (the metrics listener, never the API's
//	                            port). Without either, or unreachable, the folder is
//	                            watched until it has not changed for a while instead
//	ACCOUNTD_CONTRACT_ADMIN     login:password of a superuser (accountd createadmin), for
//	                            the staff tests and to delete what the run created
//	ACCOUNTD_CONTRACT_SAFE      set (1): the production subset only: tests that create
//	                            nothing, send no email and need no settings changed
//	ACCOUNTD_CONTRACT_REPORT    a file for the coverage report (also printed at the end)
//	ACCOUNTD_*                  the deployment's own settings, where they differ from the
//	                            defaults: a test that needs settings the deployment does
//	                            not have is skipped, naming them
//
// Every account the run creates has the run's id in its name, and is deleted at the end
// (through the admin API when ACCOUNTD_CONTRACT_ADMIN is given, else with its own
// password); the report says what, if anything, was left behind.

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/accountd/accountd"
	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
	mailpkg "github.com/accountd/accountd/internal/mail"
)

// deployment is the accountd the suite runs against in URL mode.
type deployment struct {
	url     string
	mailDir string
	metrics string
	safe    bool
	// admin is a superuser's login and password, or empty.
	adminLogin, adminPassword string
	// runID is in the name of every account the run creates.
	runID  string
	report string
}

// remote is the deployment of URL mode, or nil when the suite starts accountd itself.
var remote = loadDeployment()

func loadDeployment() *deployment {
	u := strings.TrimRight(os.Getenv("ACCOUNTD_CONTRACT_URL"), "/")
	if u == "" {
		return nil
	}
	d := &deployment{
		url:     u,
		mailDir: os.Getenv("ACCOUNTD_CONTRACT_MAIL_DIR"),
		metrics: os.Getenv("ACCOUNTD_CONTRACT_METRICS"),
		safe:    os.Getenv("ACCOUNTD_CONTRACT_SAFE") != "" && os.Getenv("ACCOUNTD_CONTRACT_SAFE") != "0",
		runID:   "ct" + strings.ToLower(rand.Text()[:6]),
		report:  os.Getenv("ACCOUNTD_CONTRACT_REPORT"),
	}
	if d.metrics == "" {
		d.metrics = metricsURL(u, os.Getenv("ACCOUNTD_METRICS_ADDR"))
	}
	if admin := os.Getenv("ACCOUNTD_CONTRACT_ADMIN"); admin != "" {
		d.adminLogin, d.adminPassword, _ = strings.Cut(admin, ":")
	}
	return d
}

// metricsURL is /metrics on the deployment's metrics listener, addr (ACCOUNTD_METRICS_ADDR,
// a host:port), or "" when it has none. A listener on every interface (":9090",
// "0.0.0.0:9090") is reached on the API's host.
func metricsURL(apiURL, addr string) string {
	if addr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		api, err := url.Parse(apiURL)
		if err != nil {
			return ""
		}
		host = api.Hostname()
	}
	return "http://" + net.JoinHostPort(host, port) + "/metrics"
}

// inProcessOnly skips t against a URL: it needs what only the in-process server gives
// (its store, its clock, its logs, its configuration changed at will).
func inProcessOnly(t *testing.T, why string) {
	t.Helper()
	if remote != nil {
		t.Skipf("in-process only: %s", why)
	}
}

// productionSafe marks the test t as part of the production subset
// (ACCOUNTD_CONTRACT_SAFE): it creates nothing, sends no email and leaves nothing
// behind. Call it first; a subtest that cannot say the same calls notInProduction.
func productionSafe(t *testing.T) {
	safeTests.Store(t.Name(), true)
}

var safeTests sync.Map

// notInProduction skips t in the production subset, saying why.
func notInProduction(t *testing.T, why string) {
	t.Helper()
	if remote != nil && remote.safe {
		t.Skipf("not in the production subset (ACCOUNTD_CONTRACT_SAFE): %s", why)
	}
}

// remoteEnv returns the env of one test against the deployment, or skips t when the
// deployment lacks what the test needs: the settings configure makes (compared with the
// deployment's, as the ACCOUNTD_* variables of this run give them), or, in the
// production subset, a test not marked productionSafe.
func remoteEnv(t *testing.T, configure func(*config.Config)) *env {
	t.Helper()
	if remote.safe {
		root, _, _ := strings.Cut(t.Name(), "/")
		if _, ok := safeTests.Load(root); !ok {
			t.Skip("not in the production subset (ACCOUNTD_CONTRACT_SAFE): it creates accounts, sends email or needs other settings")
		}
	}
	cfg, missing := remoteConfig(configure)
	if len(missing) > 0 {
		t.Skipf("needs settings this deployment does not have (as the ACCOUNTD_* variables of this run describe it): %s", strings.Join(missing, ", "))
	}
	e := &env{t: t, url: remote.url, cfg: cfg, clock: &clock{}, logs: &lockedBuffer{}}
	e.http = &http.Client{Transport: &validatingTransport{t: t, next: http.DefaultTransport}, Timeout: 30 * time.Second}
	var err error
	if e.client, err = client.NewClientWithResponses(remote.url, client.WithHTTPClient(e.http)); err != nil {
		t.Fatal(err)
	}
	if remote.mailDir != "" {
		e.mailSeen = mailFiles(t, remote.mailDir)
	}
	return e
}

// plumbing are the settings that say where and how the deployment runs rather than how
// the API behaves: a test assumes the deployment's own, unless it changes them.
var plumbing = []string{
	"ACCOUNTD_ADDR", "ACCOUNTD_DATABASE_URL", "ACCOUNTD_DATABASE_REPLICA_URL", "ACCOUNTD_AUTO_MIGRATE", "ACCOUNTD_DB_MAX_OPEN_CONNS",
	"ACCOUNTD_DB_QUERY_TIMEOUT", "ACCOUNTD_SHUTDOWN_TIMEOUT", "ACCOUNTD_LOG_FORMAT", "ACCOUNTD_LOG_LEVEL",
	"ACCOUNTD_METRICS_ADDR", "ACCOUNTD_PPROF_ADDR", "ACCOUNTD_MAILER", "ACCOUNTD_MAIL_FROM",
	"ACCOUNTD_MAIL_RETRY_BASE", "ACCOUNTD_MAIL_RETRY_MAX", "ACCOUNTD_MAIL_MAX_ATTEMPTS",
	"ACCOUNTD_ISSUER", "ACCOUNTD_SIGNING_KEY_FILE", "ACCOUNTD_LINK_SECRET", "ACCOUNTD_TRUSTED_PROXIES",
	"ACCOUNTD_RATE_LIMIT_STORE", "ACCOUNTD_ARGON2_MEMORY_KIB", "ACCOUNTD_ARGON2_TIME",
	"ACCOUNTD_ARGON2_THREADS", "ACCOUNTD_HASH_CONCURRENCY",
}

func isPlumbing(env string) bool {
	return slices.Contains(plumbing, env) || strings.HasPrefix(env, "ACCOUNTD_RATE_LIMIT_")
}

// remoteConfig returns the configuration a test assumes (the defaults, the deployment's
// plumbing, then configure) and the settings on which the deployment differs from it.
// A setting differs when setting it to the deployment's value would change the assumed
// configuration.
func remoteConfig(configure func(*config.Config)) (config.Config, []string) {
	assumed := func() config.Config {
		cfg, err := app.LoadConfig(nil, func(k string) string {
			if isPlumbing(k) {
				return os.Getenv(k)
			}
			return ""
		}, io.Discard)
		if err != nil {
			panic(fmt.Sprintf("contract tests: the deployment's settings in this run's ACCOUNTD_* variables: %v", err))
		}
		if configure != nil {
			configure(&cfg)
		}
		return cfg
	}
	want := assumed()
	wantPrint := configPrint(want)
	var missing []string
	for _, s := range app.Settings() {
		v := os.Getenv(s.Env)
		if v == "" {
			v = s.Default
		}
		probe := assumed()
		if err := s.Set(&probe, v); err != nil || configPrint(probe) != wantPrint {
			missing = append(missing, s.Env)
		}
	}
	return want, missing
}

// configPrint writes out every value of a configuration, its profiles' sections
// included, to compare two: reflect reads unexported fields that == and DeepEqual cannot
// (the settings table holds functions, which are never equal).
func configPrint(c config.Config) string {
	var b strings.Builder
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			walk(v.Elem())
		case reflect.Struct:
			b.WriteString("{")
			for i := range v.NumField() {
				if name := v.Type().Field(i).Name; name != "table" && name != "raw" {
					b.WriteString(name + ":")
					walk(v.Field(i))
					b.WriteString(" ")
				}
			}
			b.WriteString("}")
		case reflect.Slice, reflect.Array:
			b.WriteString("[")
			for i := range v.Len() {
				walk(v.Index(i))
				b.WriteString(" ")
			}
			b.WriteString("]")
		case reflect.Map:
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
			b.WriteString("map[")
			for _, k := range keys {
				b.WriteString(fmt.Sprint(k) + ":")
				walk(v.MapIndex(k))
				b.WriteString(" ")
			}
			b.WriteString("]")
		case reflect.Func:
			b.WriteString("func")
		default:
			fmt.Fprint(&b, v)
		}
	}
	walk(reflect.ValueOf(c))
	return b.String()
}

// Mail of a deployment, read from its dir:// mailer's folder.

// mailFiles returns the names of the messages in dir.
func mailFiles(t *testing.T, dir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("ACCOUNTD_CONTRACT_MAIL_DIR: %v", err)
	}
	names := map[string]bool{}
	for _, en := range entries {
		if strings.HasSuffix(en.Name(), ".eml") {
			names[en.Name()] = true
		}
	}
	return names
}

// remoteSent returns the messages the deployment wrote to its folder since the env
// began, oldest first, once everything queued so far has been written: when its
// /metrics says its outbox is empty, or else when the folder has not changed for a
// while (the outbox writes a message a moment after the request that queued it).
func (e *env) remoteSent() []mailpkg.Envelope {
	e.t.Helper()
	if remote.mailDir == "" {
		e.t.Skip("reads the deployment's emails: give ACCOUNTD_CONTRACT_MAIL_DIR (make contract MAIL_DIR=...), the folder of its ACCOUNTD_MAILER=dir:///...")
	}
	if !outboxEmpty(10 * time.Second) {
		const settle = 500 * time.Millisecond
		var names []string
		for stableAt := time.Now(); time.Since(stableAt) < settle; time.Sleep(25 * time.Millisecond) {
			if now := e.newMailFiles(); !slices.Equal(now, names) {
				names, stableAt = now, time.Now()
			}
		}
	}
	var msgs []mailpkg.Envelope
	for _, name := range e.newMailFiles() {
		m, err := parseEML(filepath.Join(remote.mailDir, name))
		if err != nil {
			e.t.Fatalf("%s: %v", name, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// newMailFiles returns the names of the messages written since the env began, in the
// order written (the dir:// mailer's names sort by time).
func (e *env) newMailFiles() []string {
	var names []string
	for name := range mailFiles(e.t, remote.mailDir) {
		if !e.mailSeen[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// outboxEmpty waits up to limit for the deployment's accountd_mail_outbox_pending to
// read 0, and reports whether it did; false at once when its metrics cannot be read.
func outboxEmpty(limit time.Duration) bool {
	if remote.metrics == "" {
		return false
	}
	c := &http.Client{Timeout: 5 * time.Second}
	pending := func(body []byte, name string) string {
		m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(body)
		if m == nil {
			return ""
		}
		return string(m[1])
	}
	// Email requests (forgot password, resend activation) become outbox rows when they
	// are carried out, after the answer: both must be empty, in two scrapes in a row,
	// since one scrape may read the outbox before a request moved into it.
	empty := 0
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		res, err := c.Get(remote.metrics)
		if err != nil {
			return false
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return false
		}
		outbox, requests := pending(body, "accountd_mail_outbox_pending"), pending(body, "accountd_email_requests_pending")
		if outbox == "" {
			return false
		}
		if outbox == "0" && (requests == "0" || requests == "") {
			if empty++; empty == 2 {
				return true
			}
			continue
		}
		empty = 0
	}
	return false
}

// parseEML reads a message the dir:// mailer wrote: headers, and the text and HTML
// parts of its multipart/alternative body, decoded.
func parseEML(path string) (mailpkg.Envelope, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return mailpkg.Envelope{}, err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return mailpkg.Envelope{}, err
	}
	dec := new(mime.WordDecoder)
	header := func(k string) string {
		v, err := dec.DecodeHeader(msg.Header.Get(k))
		if err != nil {
			return msg.Header.Get(k)
		}
		return v
	}
	env := mailpkg.Envelope{From: header("From"), To: header("To"), Subject: header("Subject")}
	if a, err := mail.ParseAddress(env.To); err == nil {
		env.To = a.Address
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return env, err
	}
	read := func(r io.Reader, encoding string) (string, error) {
		if strings.EqualFold(encoding, "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		b, err := io.ReadAll(r)
		return string(b), err
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		env.Text, err = read(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		return env, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return env, nil
		}
		if err != nil {
			return env, err
		}
		body, err := read(part, part.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return env, err
		}
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			env.Text = body
		case "text/html":
			env.HTML = body
		}
	}
}

// Accounts the run creates, to delete at the end.

// runName is name in-process, and name with the run's id against a URL: for what a test
// makes under a name of its choosing (an organization), so that it is found and deleted
// at the end, and a second run does not meet it.
func runName(name string) string {
	if remote == nil {
		return name
	}
	return name + " " + remote.runID
}

var created struct {
	sync.Mutex
	users []user
}

// remember notes an account the run may have created on the deployment.
func remember(u user) {
	if remote == nil {
		return
	}
	created.Lock()
	defer created.Unlock()
	created.users = append(created.users, u)
}

// sweep deletes every account the run created on the deployment: through the admin API
// (every user whose name holds the run's id) when a superuser is given, otherwise each
// with its own password, as far as it is still known. It returns how many it deleted,
// what it could not delete, and how many it could not check: without a superuser, an
// account whose password a test changed looks the same as one never created.
func sweep() (deleted int, left []string, unchecked int) {
	ctx := context.Background()
	c, err := client.NewClientWithResponses(remote.url, client.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
	if err != nil {
		return 0, []string{err.Error()}, 0
	}
	gone := map[string]bool{}
	if remote.adminLogin != "" {
		res, err := c.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: remote.adminLogin, Password: remote.adminPassword})
		if err != nil || res.JSON200 == nil {
			left = append(left, fmt.Sprintf("ACCOUNTD_CONTRACT_ADMIN could not log in (%d)", statusOf(res)))
		} else {
			auth := bearer(res.JSON200.AccessToken)
			q := remote.runID
			for {
				list, err := c.AdminListUsersWithResponse(ctx, &client.AdminListUsersParams{Q: &q}, auth)
				if err != nil || list.JSON200 == nil || len(list.JSON200.Items) == 0 {
					break
				}
				progress := false
				for _, u := range list.JSON200.Items {
					if del, err := c.AdminDeleteUserWithResponse(ctx, u.Id, auth); err == nil && del.StatusCode() == http.StatusNoContent {
						gone[strings.ToLower(u.Username)] = true
						deleted++
						progress = true
					}
				}
				if !progress {
					break
				}
			}
			if orgs, err := c.AdminListOrganizationsWithResponse(ctx, auth); err == nil && orgs.JSON200 != nil {
				for _, o := range orgs.JSON200.Items {
					if !strings.Contains(o.Name, remote.runID) {
						continue
					}
					force := true
					if del, err := c.AdminDeleteOrganizationWithResponse(ctx, o.Id, &client.AdminDeleteOrganizationParams{Force: &force}, auth); err != nil || del.StatusCode() != http.StatusNoContent {
						left = append(left, "organization "+o.Name)
					}
				}
			}
		}
	}
	if len(gone) > 0 || (remote.adminLogin != "" && len(left) == 0) {
		// The superuser's sweep found every account with the run's id in its name.
		return deleted, left, 0
	}
	created.Lock()
	users := slices.Clone(created.users)
	created.Unlock()
	for _, u := range users {
		if gone[strings.ToLower(u.username)] {
			continue
		}
		res, err := c.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: u.password})
		if err != nil || res.JSON200 == nil {
			if statusOf(res) == http.StatusUnauthorized {
				unchecked++ // never created, already deleted, or its password changed
				continue
			}
			left = append(left, u.username)
			continue
		}
		del, err := c.DeleteMeWithResponse(ctx, client.DeleteMeJSONRequestBody{Password: u.password}, bearer(res.JSON200.AccessToken))
		if err != nil || del.StatusCode() != http.StatusNoContent {
			left = append(left, u.username)
			continue
		}
		deleted++
	}
	return deleted, left, unchecked
}

// Coverage: which operations and responses the run saw.

var coverage struct {
	sync.Mutex
	seen map[string]map[string]int // operationId → status → count
}

// cover records that an operation answered status.
func cover(operationID string, status int) {
	coverage.Lock()
	defer coverage.Unlock()
	if coverage.seen == nil {
		coverage.seen = map[string]map[string]int{}
	}
	if coverage.seen[operationID] == nil {
		coverage.seen[operationID] = map[string]int{}
	}
	coverage.seen[operationID][strconv.Itoa(status)]++
}

// coverageReport lists every operation of openapi.yaml with the responses it declares
// and those the run saw, operations never called last.
func coverageReport(target string) (string, error) {
	doc, err := openapi3.NewLoader().LoadFromData(accountd.OpenAPI)
	if err != nil {
		return "", err
	}
	type row struct{ id, method, path, seen, declared string }
	var rows, unseen []row
	ops, answered, declaredTotal := 0, 0, 0
	coverage.Lock()
	defer coverage.Unlock()
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			ops++
			var declared, seen []string
			for code := range op.Responses.Map() {
				declared = append(declared, code)
			}
			sort.Strings(declared)
			declaredTotal += len(declared)
			covered := map[string]bool{} // declared responses seen: a status not listed is the default's
			for status := range coverage.seen[op.OperationID] {
				seen = append(seen, status)
				if slices.Contains(declared, status) {
					covered[status] = true
				} else if slices.Contains(declared, "default") {
					covered["default"] = true
				}
			}
			sort.Strings(seen)
			answered += len(covered)
			r := row{op.OperationID, method, path, strings.Join(seen, " "), strings.Join(declared, " ")}
			if len(seen) == 0 {
				unseen = append(unseen, r)
			} else {
				rows = append(rows, r)
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].path+rows[i].method < rows[j].path+rows[j].method })
	sort.Slice(unseen, func(i, j int) bool { return unseen[i].path+unseen[i].method < unseen[j].path+unseen[j].method })
	var b strings.Builder
	fmt.Fprintf(&b, "# Contract coverage against %s\n\n", target)
	fmt.Fprintf(&b, "%d of %d operations called; %d of their %d declared responses seen (an answer with a status not listed counts as the `default`).\n\n",
		len(rows), ops, answered, declaredTotal)
	b.WriteString("| operation | request | responses seen | declared |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s %s | %s | %s |\n", r.id, r.method, r.path, r.seen, r.declared)
	}
	if len(unseen) > 0 {
		b.WriteString("\nNot called:\n\n")
		for _, r := range unseen {
			fmt.Fprintf(&b, "- %s (%s %s)\n", r.id, r.method, r.path)
		}
	}
	return b.String(), nil
}

// TestMain runs the suite and, against a URL, deletes what it created and reports what
// it covered.
func TestMain(m *testing.M) {
	code := m.Run()
	if remote == nil {
		os.Exit(code)
	}
	deleted, left, unchecked := sweep()
	report, err := coverageReport(remote.url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "contract coverage:", err)
		code = 1
	}
	report += fmt.Sprintf("\nRun %s: %d accounts deleted at the end", remote.runID, deleted)
	if len(left) > 0 {
		report += fmt.Sprintf("; left behind: %s", strings.Join(left, ", "))
	}
	if unchecked > 0 {
		report += fmt.Sprintf("; %d names the run made could not be checked without ACCOUNTD_CONTRACT_ADMIN (never registered, deleted by their test, or their password changed)", unchecked)
	}
	report += ".\n"
	if remote.report != "" {
		if err := os.WriteFile(remote.report, []byte(report), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "contract coverage:", err)
			code = 1
		}
	}
	fmt.Print(report)
	os.Exit(code)
}
