package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequestValidation sends arbitrary bodies and content types to a spec operation: the
// validator answers a 4xx problem or lets the request through, never a 5xx, never
// anything but problem+json, and never echoes the body back.
func FuzzRequestValidation(f *testing.F) {
	v, err := newValidator(4096, 0, func(r *http.Request) (*http.Request, error) { return r, nil }, nil)
	if err != nil {
		f.Fatal(err)
	}
	passed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := v.middleware(passed)
	for _, seed := range [][2]string{
		{"application/json", `{"username":"ada","email":"ada@example.com","password":"correct-horse-battery"}`},
		{"application/json", `{"username":"ada","email":"a..b@example.com","password":"x"}`},
		{"application/json", `{"username":42}`},
		{"application/json", `[]`},
		{"application/json", `{"username":"ada",`},
		{"application/json", `{"organization_id":1e400}`},
		{"application/json; charset=utf-8", `{"username":"\u0000"}`},
		{"text/plain", `hello`},
		{"application/x-www-form-urlencoded", `username=ada`},
		{"", ``},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "/v1/auth/register", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == http.StatusTeapot {
			return
		}
		if w.Code < 400 || w.Code >= 500 {
			t.Fatalf("status %d for %q %q", w.Code, contentType, body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("content type %q", ct)
		}
		var p map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if len(body) >= 12 && strings.Contains(w.Body.String(), body) {
			t.Fatalf("the body was echoed back: %s", w.Body)
		}
	})
}
