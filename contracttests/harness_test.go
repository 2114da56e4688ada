// Package contracttests drives the real accountd, started in-process over SQLite and over
// PostgreSQL, through the generated Go client and plain HTTP, and validates every response
// against openapi.yaml: an undocumented status, header or field fails the test.
//
// The same suite runs against a deployment given by URL (remote_test.go, make contract):
// tests that need the in-process server's store, clock or logs say so (inProcessOnly)
// and are skipped there.
package contracttests

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/accountd/accountd"
	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/app"
	"github.com/accountd/accountd/internal/config"
	mailpkg "github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
)

// stores lists the databases the suites run on: SQLite always, PostgreSQL when
// TEST_DATABASE_URL names a server (`make test` always provides one).
func stores(t *testing.T) []string {
	if bunstoretest.PostgresURL() == "" {
		t.Log("TEST_DATABASE_URL is not set: PostgreSQL suites not run (make test sets it)")
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// forEachStore runs fn once per store, as subtests named after the store, each on a
// fresh database and a fresh app; against a URL, once, as the subtest "remote".
func forEachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	forEachStoreWith(t, nil, fn)
}

// forEachStoreWith is forEachStore with the configuration changed by configure.
func forEachStoreWith(t *testing.T, configure func(*config.Config), fn func(t *testing.T, e *env)) {
	if remote != nil {
		t.Run("remote", func(t *testing.T) { fn(t, remoteEnv(t, configure)) })
		return
	}
	for _, kind := range stores(t) {
		t.Run(kind, func(t *testing.T) { fn(t, newEnv(t, kind, configure)) })
	}
}

// clock is the app's adjustable clock; against a URL (zero), the real one.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		panic("clock.Advance against a URL: a deployment's clock cannot be moved; call inProcessOnly(t, ...) first")
	}
	c.now = c.now.Add(d)
}

// env is one running accountd and the means to talk to it.
type env struct {
	t   *testing.T
	app *app.App
	// cfg is the server's configuration.
	cfg    config.Config
	url    string
	mail   *mailpkg.Recorder
	clock  *clock
	client *client.ClientWithResponses
	// http is a plain client whose responses are validated against the spec too.
	http *http.Client
	// logs holds everything the app logged, access log included (empty against a URL).
	logs *lockedBuffer
	// mailSeen are the messages in the deployment's mail folder before the env began
	// (URL mode).
	mailSeen map[string]bool
}

// lockedBuffer is a bytes.Buffer safe for the app's concurrent log writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testConfig is the default configuration with test-friendly settings.
func testConfig(t *testing.T) config.Config {
	cfg, err := app.LoadConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Issuer = "https://accounts.test"
	cfg.AutoMigrate = true
	// Every request of a test comes from 127.0.0.1: limits are tested on their own.
	cfg.Limits = account.Limits{}
	return cfg
}

func newEnv(t *testing.T, kind string, configure func(*config.Config)) *env {
	return newEnvOn(t, kind, configure, nil)
}

// newEnvOn is newEnv serving on ln (a listener on 127.0.0.1 of its own when nil), for
// tests whose configuration must know the address before the app is built.
func newEnvOn(t *testing.T, kind string, configure func(*config.Config), ln net.Listener) *env {
	store := bunstoretest.Open(t, kind)
	e := &env{t: t, mail: &mailpkg.Recorder{}, clock: &clock{now: time.Now().UTC()}, logs: &lockedBuffer{}}
	cfg := testConfig(t)
	if configure != nil {
		configure(&cfg)
	}
	e.cfg = cfg
	a, err := app.New(context.Background(), cfg, app.Options{
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sender: e.mail,
		Now:    e.clock.Now,
		Store:  store,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.app = a
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewUnstartedServer(a.Handler)
	if ln != nil {
		_ = srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.http = &http.Client{Transport: &validatingTransport{t: t, next: http.DefaultTransport}, Timeout: 30 * time.Second}
	e.client, err = client.NewClientWithResponses(srv.URL, client.WithHTTPClient(e.http))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// spec is openapi.yaml, loaded once, with a router over its operations. It is the whole
// file, not gen's embedded copy: that one leaves out the compatibility profiles' paths,
// whose responses are checked too.
var spec = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(accountd.OpenAPI)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil
	return gorillamux.NewRouter(doc)
})

var responseOptions = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		openapi3.EnableFormatValidation(),
		openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(func(v string) error {
			if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
				return errors.New("not an email address")
			}
			return nil
		})),
	},
}

// validatingTransport checks every response to a spec operation against the spec:
// status declared, headers and body as documented.
type validatingTransport struct {
	t    *testing.T
	next http.RoundTripper
}

func (v *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := v.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	validateResponse(v.t, req, res.StatusCode, res.Header, body)
	return res, nil
}

// cacheable are the operations whose answers are public and may be cached.
var cacheable = map[string]bool{"getJWKS": true, "jwtaProfileImage": true}

func validateResponse(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	router, err := spec()
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return // not a spec operation (docs, unknown paths): checked by their own tests
	}
	checkProxyVerdict(t, req, status, header)
	cover(route.Operation.OperationID, status)
	if remote != nil && remote.safe && status < 400 && req.Method != http.MethodGet && route.Operation.OperationID != "verifyToken" {
		t.Errorf("the production subset changed something on the deployment: %s %s answered %d; a test marked productionSafe must not", req.Method, req.URL.Path, status)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                responseOptions,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s %s → %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, status, err, body)
	}
	// Rules of every API that the spec cannot say: no answer but public material (the
	// key set, an uploaded picture under its unguessable, never reused name) may be
	// stored by a cache (issue 13), and a client refused for now is told when to come
	// back (issue 20).
	if cc := header.Get("Cache-Control"); cc != "no-store" && !cacheable[route.Operation.OperationID] {
		t.Errorf("%s %s → %d: Cache-Control %q, want no-store", req.Method, req.URL.Path, status, cc)
	}
	if (status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests) && header.Get("Retry-After") == "" {
		t.Errorf("%s %s → %d without Retry-After", req.Method, req.URL.Path, status)
	}
}

// do sends a raw request (validated like every other) and returns status, headers and body.
func (e *env) do(method, path, contentType string, body []byte, header ...string) (int, http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// bearer authenticates a client call.
func bearer(token string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// sent returns every email sent so far, once the queue has delivered them (against a
// URL, every email the deployment wrote to its folder since the env began).
func (e *env) sent() []mailpkg.Envelope {
	e.t.Helper()
	if remote != nil {
		return e.remoteSent()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.app.FlushMail(ctx); err != nil {
		e.t.Fatal(err)
	}
	return e.mail.Messages()
}

// lastMail returns the newest email sent to addr, once the queue has delivered it.
func (e *env) lastMail(addr string) (mailpkg.Envelope, bool) {
	e.t.Helper()
	if remote != nil {
		msgs := e.remoteSent()
		if i := lastIndexFunc(msgs, sentTo(addr)); i >= 0 {
			return msgs[i], true
		}
		return mailpkg.Envelope{}, false
	}
	e.sent()
	return e.mail.Last(addr)
}

// sentTo reports whether a message went to addr.
func sentTo(addr string) func(mailpkg.Envelope) bool {
	return func(m mailpkg.Envelope) bool {
		return strings.EqualFold(m.To, addr) || strings.Contains(strings.ToLower(m.To), "<"+strings.ToLower(addr)+">")
	}
}

func lastIndexFunc[T any](s []T, f func(T) bool) int {
	for i := len(s) - 1; i >= 0; i-- {
		if f(s[i]) {
			return i
		}
	}
	return -1
}

// emailedToken returns the token in the newest email sent to addr.
func (e *env) emailedToken(addr string) string {
	e.t.Helper()
	// The newest email to addr that carries a token link: notices (password changed,
	// say) have none, and the outbox does not promise to deliver in the order queued.
	token := func(m mailpkg.Envelope) string {
		if !sentTo(addr)(m) {
			return ""
		}
		if u, err := url.Parse(mailpkg.FindLink(m.Text)); err == nil {
			return u.Query().Get("token")
		}
		return ""
	}
	msgs := e.sent()
	for i := len(msgs) - 1; i >= 0; i-- {
		if tok := token(msgs[i]); tok != "" {
			return tok
		}
	}
	e.t.Fatalf("no email with a token link was sent to %s", addr)
	return ""
}

// user is an account created by a test.
type user struct {
	username, email, password string
}

// seq makes names unique within a test binary.
var seq struct {
	sync.Mutex
	n int
}

func newUser(prefix string) user {
	seq.Lock()
	seq.n++
	n := seq.n
	seq.Unlock()
	name := prefix + "_" + strconv.Itoa(n)
	if remote != nil {
		// On a deployment, the run's id keeps its accounts apart from everyone else's
		// (and from an earlier run's), and finds them to delete at the end.
		name = prefix + "_" + remote.runID + strconv.Itoa(n)
	}
	u := user{username: name, email: name + "@example.com", password: "correct-horse-" + strconv.Itoa(n*7919)}
	remember(u)
	return u
}

// register creates an account and returns it still inactive.
func (e *env) register(u user) {
	e.t.Helper()
	res, err := e.client.RegisterWithResponse(context.Background(), nil, client.RegisterJSONRequestBody{
		Username: u.username, Email: client.Email(u.email), Password: u.password,
	})
	if err != nil || res.StatusCode() != http.StatusCreated {
		e.t.Fatalf("register %s: %v %d %s", u.username, err, statusOf(res), bodyOf(res))
	}
}

// activeUser registers and activates a new account.
func (e *env) activeUser(prefix string) user {
	e.t.Helper()
	u := newUser(prefix)
	e.register(u)
	res, err := e.client.ActivateWithResponse(context.Background(), client.ActivateJSONRequestBody{Token: e.emailedToken(u.email)})
	if err != nil || res.StatusCode() != http.StatusOK {
		e.t.Fatalf("activate %s: %v %d %s", u.username, err, statusOf(res), bodyOf(res))
	}
	return u
}

// seedUser makes an active account straight in the store, as an import would, without
// going through (and counting against the limits of) the API. Its password hash is a
// Django PBKDF2 one, which accountd verifies and upgrades. Against a URL, which has no
// store to write to, it registers and activates the account through the API.
func (e *env) seedUser(prefix string) user {
	e.t.Helper()
	if remote != nil {
		u := e.activeUser(prefix)
		// Its activation email is not part of the test, which seeds users before it
		// starts (a seeded account gets none): later reads of the mail begin after it.
		e.remoteSent()
		for _, name := range e.newMailFiles() {
			e.mailSeen[name] = true
		}
		return u
	}
	u := newUser(prefix)
	key, err := pbkdf2.Key(sha256.New, u.password, []byte("seedsalt"), 1000, 32)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	_, err = e.app.Store.CreateUser(context.Background(), account.User{
		Username: u.username, Email: u.email, Active: true, EmailVerified: true, Role: account.RoleUser,
		PasswordHash: "pbkdf2_sha256$1000$seedsalt$" + base64.StdEncoding.EncodeToString(key),
		DateJoined:   now, LinksVoidedAt: now, UpdatedAt: now,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// login returns a fresh token pair for u.
func (e *env) login(u user) client.TokenPair {
	e.t.Helper()
	res, err := e.client.LoginWithResponse(context.Background(), client.LoginJSONRequestBody{Login: u.username, Password: u.password})
	if err != nil || res.JSON200 == nil {
		e.t.Fatalf("login %s: %v %d %s", u.username, err, statusOf(res), bodyOf(res))
	}
	return *res.JSON200
}

type response interface {
	StatusCode() int
	GetBody() []byte
}

func statusOf(r response) int {
	if r == nil || reflect.ValueOf(r).IsNil() {
		return 0
	}
	return r.StatusCode()
}

func bodyOf(r response) string {
	if r == nil || reflect.ValueOf(r).IsNil() {
		return ""
	}
	return string(r.GetBody())
}
