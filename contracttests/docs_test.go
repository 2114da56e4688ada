package contracttests

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/accountd/accountd"
	"github.com/accountd/accountd/internal/config"
)

// TestServedSpec: what a team generating a client from the running server gets is
// openapi.yaml as written: the file byte for byte at /openapi.yaml, and the same
// document in JSON at /openapi.json, with the file's operationIds in the file's order
// and every path with its operations.
func TestServedSpec(t *testing.T) {
	productionSafe(t)
	forEachStore(t, func(t *testing.T, e *env) {
		t.Run("yaml_is_the_file", func(t *testing.T) {
			status, header, body := e.do("GET", "/openapi.yaml", "", nil)
			if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "application/yaml") {
				t.Fatalf("%d %s", status, header.Get("Content-Type"))
			}
			if !bytes.Equal(body, accountd.OpenAPI) {
				t.Fatalf("/openapi.yaml (%d bytes) is not openapi.yaml (%d bytes)", len(body), len(accountd.OpenAPI))
			}
		})
		t.Run("json_is_the_file", func(t *testing.T) {
			status, header, body := e.do("GET", "/openapi.json", "", nil)
			if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %s", status, header.Get("Content-Type"))
			}
			// The same document, as an OpenAPI library independent of the server's
			// conversion reads each.
			fromFile, err := openapi3.NewLoader().LoadFromData(accountd.OpenAPI)
			if err != nil {
				t.Fatal(err)
			}
			served, err := openapi3.NewLoader().LoadFromData(body)
			if err != nil {
				t.Fatalf("/openapi.json does not load: %v", err)
			}
			want, _ := json.Marshal(fromFile)
			got, _ := json.Marshal(served)
			if !bytes.Equal(got, want) {
				t.Fatalf("/openapi.json differs from openapi.yaml")
			}
			// The file's operationIds, in its order (a client generated from either
			// has the same names), and no path item without an operation.
			wantIDs := regexp.MustCompile(`(?m)^\s+operationId: (\w+)`).FindAllStringSubmatch(string(accountd.OpenAPI), -1)
			gotIDs := regexp.MustCompile(`"operationId":"(\w+)"`).FindAllStringSubmatch(string(body), -1)
			if len(gotIDs) != len(wantIDs) || len(wantIDs) == 0 {
				t.Fatalf("%d operationIds served, %d in the file", len(gotIDs), len(wantIDs))
			}
			for i := range wantIDs {
				if gotIDs[i][1] != wantIDs[i][1] {
					t.Fatalf("operationId %d: served %q, the file says %q", i, gotIDs[i][1], wantIDs[i][1])
				}
			}
			for path, item := range served.Paths.Map() {
				if len(item.Operations()) == 0 {
					t.Errorf("%s has no operation", path)
				}
			}
		})
	})
}

// docsConfig is the part of Swagger UI's page that lists its documents.
var docsURLs = regexp.MustCompile(`(?m)^\s*urls: (\[.*\]),?$`)

// docsDocuments returns the documents /docs offers, by name, in the selector's order.
func (e *env) docsDocuments(t *testing.T) (names []string, urls map[string]string) {
	t.Helper()
	status, _, page := e.do("GET", "/docs/", "", nil)
	m := docsURLs.FindSubmatch(page)
	if status != http.StatusOK || m == nil {
		t.Fatalf("/docs/: %d, no urls in %s", status, page)
	}
	var entries []struct{ URL, Name string }
	if err := json.Unmarshal(m[1], &entries); err != nil {
		t.Fatal(err)
	}
	urls = map[string]string{}
	for _, en := range entries {
		names = append(names, en.Name)
		urls[en.Name] = en.URL
	}
	return names, urls
}

// TestDocsOfferEachAPI: Swagger UI's selector offers the canonical API and each enabled
// profile, and each document has exactly that API's operations and the security
// schemes they use, so that Authorize asks for that API's token and nothing else.
func TestDocsOfferEachAPI(t *testing.T) {
	productionSafe(t)
	file, err := openapi3.NewLoader().LoadFromData(accountd.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	// opsTagged lists the file's operationIds that keep says belong to an API.
	opsTagged := func(keep func(tag string) bool) []string {
		var ids []string
		for _, item := range file.Paths.Map() {
			for _, op := range item.Operations() {
				if keep(op.Tags[0]) {
					ids = append(ids, op.OperationID)
				}
			}
		}
		slices.Sort(ids)
		return ids
	}
	check := func(t *testing.T, e *env) {
		wantNames := []string{"accountd /v1"}
		for _, p := range e.cfg.Compat {
			wantNames = append(wantNames, p+" (compatibility profile)")
		}
		names, urls := e.docsDocuments(t)
		if !slices.Equal(names, wantNames) {
			t.Fatalf("/docs offers %q, want %q", names, wantNames)
		}
		for _, name := range names {
			status, _, body := e.do("GET", urls[name], "", nil)
			if status != http.StatusOK {
				t.Fatalf("%s: %d", urls[name], status)
			}
			doc, err := openapi3.NewLoader().LoadFromData(body)
			if err != nil {
				t.Fatalf("%s: %v", urls[name], err)
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Fatalf("%s is not valid OpenAPI: %v", urls[name], err)
			}
			keep := func(tag string) bool { return !strings.HasPrefix(tag, "compat-") }
			if profile, ok := strings.CutSuffix(name, " (compatibility profile)"); ok {
				keep = func(tag string) bool { return tag == "compat-"+profile }
			}
			var got []string
			used := map[string]bool{}
			for path, item := range doc.Paths.Map() {
				if len(item.Operations()) == 0 {
					t.Errorf("%s: %s has no operation", urls[name], path)
				}
				for _, op := range item.Operations() {
					got = append(got, op.OperationID)
					sec := doc.Security
					if op.Security != nil {
						sec = *op.Security
					}
					for _, req := range sec {
						for scheme := range req {
							used[scheme] = true
						}
					}
				}
			}
			slices.Sort(got)
			if want := opsTagged(keep); len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%s has operations %q, want %q", urls[name], got, want)
			}
			var declared []string
			for scheme := range doc.Components.SecuritySchemes {
				declared = append(declared, scheme)
				if !used[scheme] {
					t.Errorf("%s declares security scheme %s, which none of its operations takes: Authorize would ask for it", urls[name], scheme)
				}
			}
			for scheme := range used {
				if !slices.Contains(declared, scheme) {
					t.Errorf("%s: an operation takes security scheme %s, which it does not declare", urls[name], scheme)
				}
			}
			if len(used) != 1 {
				t.Errorf("%s: its operations take %d security schemes, want the one its API has", urls[name], len(used))
			}
		}
	}
	forEachStore(t, func(t *testing.T, e *env) {
		if len(e.cfg.Compat) < 2 {
			t.Fatalf("ACCOUNTD_COMPAT's default serves %q; this test wants several profiles", e.cfg.Compat)
		}
		check(t, e)
	})
	t.Run("only_enabled_profiles", func(t *testing.T) {
		forEachStoreWith(t, func(c *config.Config) { c.Compat = []string{"djoser"} }, func(t *testing.T, e *env) {
			check(t, e)
		})
	})
}
