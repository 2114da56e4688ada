package contracttests

import (
	"net/http"
	"strings"
	"testing"
)

// TestRequestValidation covers the ways a request body can be wrong: each gets a 4xx
// problem that names the field, never a 500 and never Go's own error text.
func TestRequestValidation(t *testing.T) {
	productionSafe(t)
	forEachStore(t, func(t *testing.T, e *env) {
		cases := []struct {
			name, path, contentType, body string
			status                        int
			code                          string
			fields                        []string
		}{
			{"400_malformed_json", "/v1/auth/login", "application/json", `{"login": "ada",`, 400, "malformed_request", nil},
			{"400_missing_field", "/v1/auth/register", "application/json", `{"username":"ada","password":"correct-horse-battery"}`, 400, "validation_failed", []string{"email"}},
			{"400_wrong_type", "/v1/auth/login", "application/json", `{"login": 42, "password": "x"}`, 400, "validation_failed", []string{"login"}},
			{"400_unknown_enum_value", "/v1/auth/verify", "application/json", `{"token":"x","token_type_hint":"id_token"}`, 400, "validation_failed", []string{"token_type_hint"}},
			{"400_unknown_field", "/v1/auth/login", "application/json", `{"login":"ada","password":"x","remember":true}`, 400, "validation_failed", []string{"remember"}},
			{"400_empty_body", "/v1/auth/login", "application/json", ``, 400, "validation_failed", []string{""}},
			{"400_array_body", "/v1/auth/login", "application/json", `[]`, 400, "validation_failed", []string{""}},
			{"400_too_long_username", "/v1/auth/register", "application/json", `{"username":"` + strings.Repeat("a", 151) + `","email":"a@example.com","password":"correct-horse-battery"}`, 400, "validation_failed", []string{"username"}},
			{"413_oversized_body", "/v1/auth/login", "application/json", `{"login":"` + strings.Repeat("a", 70<<10) + `","password":"x"}`, 413, "body_too_large", nil},
			{"415_wrong_content_type", "/v1/auth/login", "text/plain", `login=ada`, 415, "unsupported_media_type", nil},
			{"415_form_body", "/v1/auth/login", "application/x-www-form-urlencoded", `login=ada&password=x`, 415, "unsupported_media_type", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, header, body := e.do("POST", tc.path, tc.contentType, []byte(tc.body))
				if status != tc.status {
					t.Fatalf("status = %d, want %d: %s", status, tc.status, body)
				}
				if ct := header.Get("Content-Type"); ct != "application/problem+json" {
					t.Fatalf("content type %q", ct)
				}
				parseProblem(t, body, tc.code, tc.fields...)
			})
		}

		t.Run("400_never_echoes_the_password", func(t *testing.T) {
			secret := "Sup3r-Secret-Value-" + strings.Repeat("z", 140)
			status, _, body := e.do("POST", "/v1/auth/register", "application/json",
				[]byte(`{"username":"leak","email":"leak@example.com","password":"`+secret+`"}`))
			if status != http.StatusBadRequest || strings.Contains(string(body), "Sup3r") {
				t.Fatalf("status %d, body echoes the password: %s", status, body)
			}
		})
	})
}

func TestRoutingAndDocs(t *testing.T) {
	productionSafe(t)
	forEachStore(t, func(t *testing.T, e *env) {
		t.Run("404_problem_for_unknown_path", func(t *testing.T) {
			status, _, body := e.do("GET", "/v1/nothing", "", nil)
			if status != http.StatusNotFound {
				t.Fatalf("status %d", status)
			}
			parseProblem(t, body, "not_found")
		})
		t.Run("405_problem_for_wrong_method", func(t *testing.T) {
			status, _, body := e.do("DELETE", "/v1/auth/login", "", nil)
			if status != http.StatusMethodNotAllowed {
				t.Fatalf("status %d", status)
			}
			parseProblem(t, body, "method_not_allowed")
		})
		t.Run("200_docs_served_offline", func(t *testing.T) {
			status, header, body := e.do("GET", "/docs/", "", nil)
			if status != http.StatusOK || !strings.Contains(header.Get("Content-Type"), "text/html") ||
				!strings.Contains(string(body), "swagger") || strings.Contains(string(body), "cdn") {
				t.Fatalf("docs: %d %s", status, header.Get("Content-Type"))
			}
		})
		for _, path := range []string{"/openapi.yaml", "/openapi.json"} {
			t.Run("200_spec_"+strings.TrimPrefix(path, "/openapi."), func(t *testing.T) {
				status, _, body := e.do("GET", path, "", nil)
				if status != http.StatusOK || !strings.Contains(string(body), "/v1/auth/login") {
					t.Fatalf("%s: %d", path, status)
				}
			})
		}
		t.Run("200_health_and_ready", func(t *testing.T) {
			for _, path := range []string{"/healthz", "/readyz"} {
				if status, _, body := e.do("GET", path, "", nil); status != http.StatusOK {
					t.Fatalf("%s: %d %s", path, status, body)
				}
			}
		})
		t.Run("request_id_echoed", func(t *testing.T) {
			_, header, _ := e.do("GET", "/healthz", "", nil, "X-Request-ID", "abc-123")
			if header.Get("X-Request-ID") != "abc-123" {
				t.Fatalf("X-Request-ID = %q", header.Get("X-Request-ID"))
			}
			_, header, _ = e.do("GET", "/healthz", "", nil, "X-Request-ID", "bad id with spaces")
			if id := header.Get("X-Request-ID"); id == "" || strings.Contains(id, " ") {
				t.Fatalf("unsafe request id echoed: %q", id)
			}
		})
	})
}
