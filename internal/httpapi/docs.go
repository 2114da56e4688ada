package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
	"go.yaml.in/yaml/v3"

	"github.com/accountd/accountd"
	"github.com/accountd/accountd/gen"
)

// DocsProfile is an enabled compatibility profile, for /docs: Swagger UI offers its
// operations (those tagged Tag) as a document of their own.
type DocsProfile struct {
	// Name is the profile's ACCOUNTD_COMPAT name ("djoser"); Tag its operations' tag
	// in openapi.yaml ("compat-djoser").
	Name, Tag string
}

// mountDocs serves openapi.yaml as written (/openapi.yaml byte for byte, /openapi.json
// the same document in JSON) and Swagger UI at /docs, which offers one document per API
// in its selector: the canonical API, then each enabled profile, each with only its own
// operations and security schemes, so that Authorize asks for the token that API takes.
// The one value a server may set differently is its password policy's minimum length
// (servedSpec). Everything is built once here and served from memory; nothing is
// fetched from the internet at run time.
func mountDocs(r chi.Router, profiles []DocsProfile, passwordMinLength int) error {
	file, err := servedSpec(accountd.OpenAPI, passwordMinLength)
	if err != nil {
		return err
	}
	var spec yaml.Node
	if err := yaml.Unmarshal(file, &spec); err != nil {
		return fmt.Errorf("openapi.yaml: %w", err)
	}
	whole, err := specJSON(&spec)
	if err != nil {
		return err
	}
	serve := func(contentType string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			publicCache(w.Header(), "no-cache")
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write(body)
		}
	}
	r.Get("/openapi.json", serve("application/json", whole))
	r.Get("/openapi.yaml", serve("application/yaml", file))

	type entry struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	}
	var entries []entry
	for _, api := range docsAPIs(profiles) {
		doc, err := apiDocument(&spec, api)
		if err != nil {
			return err
		}
		body, err := specJSON(doc)
		if err != nil {
			return err
		}
		path := "/docs/apis/" + api.Slug + ".json"
		r.Get(path, serve("application/json", body))
		entries = append(entries, entry{URL: path, Name: api.Name})
	}
	urls, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	primary, _ := json.Marshal(entries[0].Name)
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "accountd API",
		SwaggerJSON: entries[0].URL,
		BasePath:    "/docs/",
		// The top bar holds the selector of the documents.
		ShowTopBar: true,
		SettingsUI: map[string]string{
			"urls":               string(urls),
			`"urls.primaryName"`: string(primary),
			// Keep the tokens across page reloads, so "Authorize" is done once per API.
			"persistAuthorization": "true",
		},
	})
	csp, err := docsPolicy(ui)
	if err != nil {
		return err
	}
	r.Get("/docs", http.RedirectHandler("/docs/", http.StatusMovedPermanently).ServeHTTP)
	r.Handle("/docs/*", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		publicCache(h, "no-cache")
		h.Set("Content-Security-Policy", csp)
		ui.ServeHTTP(w, r)
	}))
	return nil
}

// docsAPIs lists the documents /docs offers: the canonical API (every operation not
// tagged compat-*), then each enabled profile in the order given.
func docsAPIs(profiles []DocsProfile) []docsAPI {
	apis := []docsAPI{{
		Name: "accountd /v1", Slug: "v1", Title: "accountd",
		Keep: func(tags []string) bool {
			return !slices.ContainsFunc(tags, func(t string) bool { return strings.HasPrefix(t, compatTagPrefix) })
		},
	}}
	for _, p := range profiles {
		tag := p.Tag
		apis = append(apis, docsAPI{
			Name: p.Name + " (compatibility profile)", Slug: p.Name,
			Title: "accountd: the " + p.Name + " compatibility profile",
			Description: "The " + p.Name + " API as accountd serves it, at that API's own paths and in its own " +
				"shapes, over the same accounts as the canonical API (`/v1`, the first document in the " +
				"selector above). The whole contract, every API in one file: [/openapi.yaml](/openapi.yaml).",
			Keep: func(tags []string) bool { return slices.Contains(tags, tag) },
		})
	}
	return apis
}

// inlineCode finds the inline scripts and styles of a page: tags without attributes,
// as Swagger UI's page writes them (its files are <script src=...> and <link>).
var inlineCode = regexp.MustCompile(`(?s)<(script|style)>(.*?)</(?:script|style)>`)

// docsPolicy is the Content-Security-Policy of Swagger UI's pages: everything from this
// origin only, no plugins, no framing, and of inline code only the scripts and styles
// of the page as served, by their SHA-256, so that nothing injected into it can run.
// The page is the same on every request (its settings are fixed at start-up), so it is
// rendered once here and hashed; a Swagger UI upgrade that changes it changes the hashes
// with it. Images and fonts may be data: URLs, which Swagger UI's stylesheet uses.
func docsPolicy(ui http.Handler) (string, error) {
	page := &pageRecorder{header: http.Header{}}
	ui.ServeHTTP(page, httptestRequest("/docs/"))
	if page.status != http.StatusOK {
		return "", fmt.Errorf("docs: Swagger UI's page answered %d", page.status)
	}
	sources := map[string][]string{"script": {"'self'"}, "style": {"'self'"}}
	for _, m := range inlineCode.FindAllStringSubmatch(page.body.String(), -1) {
		sum := sha256.Sum256([]byte(m[2]))
		sources[m[1]] = append(sources[m[1]], "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(sources["script"], " "),
		"style-src " + strings.Join(sources["style"], " "),
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; "), nil
}

// httptestRequest is a GET of path, to render a page in-process.
func httptestRequest(path string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, path, nil)
	return r
}

// pageRecorder keeps what a handler writes, to render a page in-process.
type pageRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header { return p.header }
func (p *pageRecorder) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *pageRecorder) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return p.body.Write(b)
}

// Root points whoever opens the server's address to the docs: a browser follows the
// redirect to Swagger UI, and the body says where the docs and the spec are.
func (s *Server) Root(context.Context, gen.RootRequestObject) (gen.RootResponseObject, error) {
	return gen.Root302JSONResponse{
		Headers: gen.Root302ResponseHeaders{Location: "/docs/"},
		Body:    gen.ServiceIndex{Service: gen.Accountd, Docs: "/docs/", Openapi: "/openapi.yaml"},
	}, nil
}
