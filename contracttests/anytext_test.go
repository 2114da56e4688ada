package contracttests

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// hostileJSON are string values no field should take, as a JSON body carries them:
// NUL, another C0 control, a C1 control, line breaks, a bidirectional override, a zero-
// width space, a byte-order mark, and a lone surrogate escape (which decoders turn into
// U+FFFD). loneSurrogate stands for the escape, which Go cannot marshal.
var hostileJSON = []string{"a\x00b", "\x00", "a\x01b", "a\u0085b", "line\r\nbreak", "\u202eevil", "a\u200bb", "\ufeff", loneSurrogate}

const loneSurrogate = "LONE-SURROGATE"

// hostileForm are string values as a form body carries them, byte for byte: text that
// is not UTF-8 gets through there, where JSON decoding would have replaced it.
var hostileForm = []string{"\xff\xfe", "a\x00b", "caf\xc3", "a\r\nb"}

// hostilePath are values of path and query parameters, escaped.
var hostilePath = []string{"%00", "a%00b", "%FF", "a%0D%0Ab", "%E2%80%AE"}

// TestSecurityNoServerErrorForAnyText: every operation of every API in openapi.yaml
// answers hostile text in any of its string body fields, path parameters and query
// parameters with a 4xx (or a success), never a 5xx: PostgreSQL refuses NUL and text
// that is not UTF-8, so any such value that reached it unchecked would be a 500. The
// requests carry a staff user's fresh access token, which every API accepts, so that
// they get past authentication to the code that uses the text.
func TestSecurityNoServerErrorForAnyText(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, e *env) {
		admin, _ := e.staffUser("fuzzadmin", true)
		// The admin logs in by email: the examples the requests start from include
		// djoser's PUT /api/users/me, which renames the caller, and no operation here
		// changes the caller's email without a confirmation.
		admin.username = admin.email
		victim := e.seedUser("victim")
		victimID := strconv.FormatInt(e.userID(bearer(e.login(admin).AccessToken), victim.username), 10)
		paths := doc.Paths.InMatchingOrder()
		slices.Sort(paths)
		sent := 0
		for _, path := range paths {
			item := doc.Paths.Value(path)
			for method, op := range item.Operations() {
				if strings.HasPrefix(path, "/.well-known") || strings.HasSuffix(path, "z") {
					continue // key sets and health checks take no input
				}
				name := method + " " + path
				// A fresh session for each operation: one may end it (a logout).
				auth := []string{"Authorization", "Bearer " + e.login(admin).AccessToken}
				target := strings.NewReplacer("{id}", victimID).Replace(path)
				check := func(what string, status int, body []byte) {
					t.Helper()
					sent++
					if status >= 500 {
						t.Errorf("%s with %s: %d %s", name, what, status, body)
					}
				}
				base, fields, form := requestFields(op)
				for _, field := range fields {
					for _, bad := range hostileJSON {
						body := map[string]any{}
						for k, v := range base {
							body[k] = v
						}
						body[field] = bad
						raw, _ := json.Marshal(body)
						raw = []byte(strings.ReplaceAll(string(raw), loneSurrogate, `\ud800`))
						status, _, out := e.do(method, target, "application/json", raw, auth...)
						check(field+"="+strconv.Quote(bad), status, out)
					}
					if !form {
						continue
					}
					for _, bad := range hostileForm {
						values := url.Values{}
						for k, v := range base {
							if s, ok := v.(string); ok {
								values.Set(k, s)
							}
						}
						values.Set(field, bad)
						status, _, out := e.do(method, target, "application/x-www-form-urlencoded", []byte(values.Encode()), auth...)
						check(field+"="+strconv.Quote(bad)+" (form)", status, out)
					}
				}
				for _, p := range op.Parameters {
					if p.Value == nil || p.Value.Schema == nil || p.Value.Schema.Value == nil || !p.Value.Schema.Value.Type.Is("string") {
						continue
					}
					for _, bad := range hostilePath {
						switch p.Value.In {
						case "path":
							u := strings.Replace(path, "{"+p.Value.Name+"}", bad, 1)
							status, _, out := e.do(method, strings.NewReplacer("{id}", victimID).Replace(u), "", nil, auth...)
							check(p.Value.Name+"="+bad, status, out)
						case "query":
							status, _, out := e.do(method, target+"?"+p.Value.Name+"="+bad, "", nil, auth...)
							check(p.Value.Name+"="+bad, status, out)
						}
					}
				}
			}
		}
		if sent < 500 {
			t.Errorf("only %d hostile requests sent: the spec walk missed operations", sent)
		}
		// Headers that are kept (the user agent, in sessions and events) may hold bytes
		// that are not UTF-8.
		agent := e.seedUser("agent")
		status, _, out := e.do("POST", "/v1/auth/login", "application/json",
			[]byte(`{"login":"`+agent.username+`","password":"`+agent.password+`"}`), "User-Agent", "agent \xff\xfe\xc3")
		if status != http.StatusOK {
			t.Fatalf("login with a user agent that is not UTF-8: %d %s", status, out)
		}
		var pair struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal(out, &pair)
		if status, _, out := e.do("GET", "/v1/me/sessions", "", nil, "Authorization", "Bearer "+pair.AccessToken); status != http.StatusOK {
			t.Errorf("sessions after that login: %d %s", status, out)
		}
	})
}

// requestFields returns an operation's JSON request example (or an empty body), the
// names of its string fields (the example's and the schema's), and whether it also
// takes form bodies.
func requestFields(op *openapi3.Operation) (base map[string]any, fields []string, form bool) {
	base = map[string]any{}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return base, nil, false
	}
	content := op.RequestBody.Value.Content
	form = content.Get("application/x-www-form-urlencoded") != nil
	mt := content.Get("application/json")
	if mt == nil {
		return base, nil, form
	}
	if ex, ok := mt.Example.(map[string]any); ok {
		base = ex
	} else if mt.Schema != nil && mt.Schema.Value != nil {
		if ex, ok := mt.Schema.Value.Example.(map[string]any); ok {
			base = ex
		}
	}
	seen := map[string]bool{}
	for k, v := range base {
		if _, ok := v.(string); ok && !seen[k] {
			seen[k] = true
			fields = append(fields, k)
		}
	}
	if mt.Schema != nil && mt.Schema.Value != nil {
		for k, p := range mt.Schema.Value.Properties {
			if p.Value != nil && p.Value.Type.Is("string") && !seen[k] {
				seen[k] = true
				fields = append(fields, k)
			}
		}
	}
	slices.Sort(fields)
	return base, fields, form
}
