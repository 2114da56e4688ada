package contracttests

import (
	"context"
	"net/http"
	"net/netip"
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
		status, header, body := e.do("GET", "/metrics", "", nil)
		if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/plain") {
			t.Fatalf("metrics: %d %s", status, header.Get("Content-Type"))
		}
		text := string(body)
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
