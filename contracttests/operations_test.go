package contracttests

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	client "github.com/accountd/accountd/clients/go/accountd"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
)

func TestMetrics(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		c.Limits.LoginIP = account.Rule{Limit: 3, Window: time.Minute}
	}, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.activeUser("measured")
		e.login(u)
		_, _ = e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: "wrong-password"})
		_, _ = e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: "wrong-password"})
		_, _ = e.client.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: u.username, Password: "wrong-password"})
		status, header, text := e.metrics()
		if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/plain") {
			t.Fatalf("metrics: %d %s", status, header.Get("Content-Type"))
		}
		for _, want := range []string{
			`accountd_http_requests_total{operation="POST /v1/auth/login",status="200"} 1`,
			`accountd_http_requests_total{operation="POST /v1/auth/login",status="401"} 2`,
			`accountd_http_requests_total{operation="POST /v1/auth/login",status="429"} 1`,
			`accountd_http_request_duration_seconds_count{operation="POST /v1/auth/register"} 1`,
			`accountd_logins_total{outcome="succeeded"} 1`,
			`accountd_logins_total{outcome="invalid_credentials"} 2`,
			`accountd_logins_total{outcome="rate_limited"} 1`,
			`accountd_rate_limited_total{limit="login:ip"} 1`,
			`go_sql_max_open_connections{db_name="accountd"}`,
			`go_sql_in_use_connections{db_name="accountd"}`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

// metrics reads the app's metrics as a scraper on ACCOUNTD_METRICS_ADDR would: from the
// handler of their own listener, which the API's port does not serve.
func (e *env) metrics() (int, http.Header, string) {
	e.t.Helper()
	srv := httptest.NewServer(e.app.Metrics())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(body)
}

// TestMetricsNotServedOnTheAPIPort attacks issue 13's seventh hole: the emails counter
// moved for a known address and not for an unknown one, and /metrics answered anyone on
// the API's port, so forgot-password told who has an account. Now the API's port
// answers 404 for /metrics (and the profiler), and nothing it serves to anyone moves
// differently for a known and an unknown address, while the counter itself, on the
// metrics listener, still counts.
func TestMetricsNotServedOnTheAPIPort(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		known := e.activeUser("counted")
		public := func() string {
			var b strings.Builder
			for _, path := range []string{"/metrics", "/metrics/", "/debug/pprof/", "/debug/vars", "/healthz", "/readyz", "/.well-known/jwks.json"} {
				status, _, body := e.do("GET", path, "", nil)
				if (strings.HasPrefix(path, "/metrics") || strings.HasPrefix(path, "/debug")) && status != http.StatusNotFound {
					t.Errorf("GET %s on the API's port: %d, want 404", path, status)
				}
				// The request ID differs on every answer; everything else must not.
				fmt.Fprintf(&b, "%s %d %s\n", path, status, requestIDPattern.ReplaceAllString(string(body), ""))
			}
			return b.String()
		}
		sentCount := func() string {
			_, _, text := e.metrics()
			return regexp.MustCompile(`(?m)^accountd_emails_total\{result="sent"\} .*$`).FindString(text)
		}
		e.sent()
		before, countBefore := public(), sentCount()
		forgot := func(email string) {
			res, err := e.client.ForgotPasswordWithResponse(ctx, client.ForgotPasswordJSONRequestBody{Email: client.Email(email)})
			if err != nil || res.StatusCode() >= 300 {
				t.Fatalf("forgot password for %s: %v %d", email, err, statusOf(res))
			}
			e.sent()
		}
		forgot(known.email)
		afterKnown, countAfterKnown := public(), sentCount()
		forgot("nobody-" + known.email)
		afterUnknown := public()
		if before != afterKnown || afterKnown != afterUnknown {
			t.Errorf("the public port's answers moved:\nbefore:\n%s\nafter a known address:\n%s\nafter an unknown one:\n%s", before, afterKnown, afterUnknown)
		}
		// The control: the counter the attack read does move, where only operators see it.
		if countAfterKnown == countBefore {
			t.Errorf("the emails counter on the metrics listener did not move (%q): the test would prove nothing", countBefore)
		}
	})
}

// requestIDPattern finds the request ID in a problem document, which differs on each answer.
var requestIDPattern = regexp.MustCompile(`"request_id":"[^"]*"`)

// TestRootPointsToTheDocs: whoever opens the server's address is sent to Swagger UI, and
// told in the body where the docs and the spec are.
func TestRootPointsToTheDocs(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		noFollow := &http.Client{Transport: e.http.Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		res, err := noFollow.Get(e.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/docs/" || !strings.Contains(string(body), `"docs":"/docs/"`) {
			t.Fatalf("GET /: %d Location %q %s", res.StatusCode, res.Header.Get("Location"), body)
		}
		if status, _, _ := e.do("GET", "/docs/", "", nil); status != http.StatusOK {
			t.Fatalf("the docs it points to: %d", status)
		}
	})
}

func TestHTTPHardening(t *testing.T) {
	forEachStoreWith(t, func(c *config.Config) {
		c.CORSOrigins = []string{"https://app.example.com"}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}, func(t *testing.T, e *env) {
		t.Run("security_headers_on_every_response", func(t *testing.T) {
			for _, path := range []string{"/healthz", "/v1/me", "/nothing", "/docs/", "/openapi.json"} {
				_, h, _ := e.do("GET", path, "", nil)
				for name, want := range map[string]string{
					"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
				} {
					if h.Get(name) != want {
						t.Fatalf("%s: %s = %q", path, name, h.Get(name))
					}
				}
			}
		})
		t.Run("cors_preflight_allowed_origin", func(t *testing.T) {
			status, h, _ := e.do("OPTIONS", "/v1/auth/login", "", nil,
				"Origin", "https://app.example.com", "Access-Control-Request-Method", "POST",
				"Access-Control-Request-Headers", "content-type")
			if status >= 300 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
				t.Fatalf("preflight: %d %v", status, h)
			}
		})
		t.Run("cors_other_origin_gets_no_grant", func(t *testing.T) {
			_, h, _ := e.do("GET", "/healthz", "", nil, "Origin", "https://evil.example.com")
			if h.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("granted %q", h.Get("Access-Control-Allow-Origin"))
			}
		})
		t.Run("forwarded_for_from_trusted_proxy_is_the_client", func(t *testing.T) {
			u := e.activeUser("proxied")
			res, err := e.client.LoginWithResponse(context.Background(), client.LoginJSONRequestBody{Login: u.username, Password: u.password},
				func(_ context.Context, r *http.Request) error {
					r.Header.Set("X-Forwarded-For", "198.51.100.7")
					return nil
				})
			if err != nil || res.JSON200 == nil {
				t.Fatal(err, bodyOf(res))
			}
			list, _ := e.client.ListMySessionsWithResponse(context.Background(), nil, bearer(res.JSON200.AccessToken))
			if list.JSON200 == nil || list.JSON200.Items[0].Ip != "198.51.100.7" {
				t.Fatalf("session ip: %s", bodyOf(list))
			}
		})
	})
}

func TestCORSOffByDefault(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, h, _ := e.do("GET", "/healthz", "", nil, "Origin", "https://app.example.com")
		if h.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("CORS on without configuration: %q", h.Get("Access-Control-Allow-Origin"))
		}
		// Without trusted proxies, X-Forwarded-For cannot move a client out of its rate limit.
		u := e.activeUser("spoofer")
		res, _ := e.client.LoginWithResponse(context.Background(), client.LoginJSONRequestBody{Login: u.username, Password: u.password},
			func(_ context.Context, r *http.Request) error {
				r.Header.Set("X-Forwarded-For", "198.51.100.7")
				return nil
			})
		list, _ := e.client.ListMySessionsWithResponse(context.Background(), nil, bearer(res.JSON200.AccessToken))
		if list.JSON200.Items[0].Ip != "127.0.0.1" {
			t.Fatalf("spoofed ip believed: %s", list.JSON200.Items[0].Ip)
		}
	})
}
