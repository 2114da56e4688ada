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
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
	"go.yaml.in/yaml/v3"

	"github.com/accountd/accountd/gen"
)

// mountDocs serves the spec as JSON and YAML and Swagger UI at /docs, all from the
// binary: nothing is fetched from the internet at run time. The spec is the server's
// own: with its password policy (loadSpec).
func mountDocs(r chi.Router, passwordMinLength int) error {
	doc, err := loadSpec(passwordMinLength)
	if err != nil {
		return err
	}
	specJSON, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode spec: %w", err)
	}
	var tree any
	if err := yaml.Unmarshal(specJSON, &tree); err != nil {
		return fmt.Errorf("convert spec: %w", err)
	}
	specYAML, err := yaml.Marshal(tree)
	if err != nil {
		return fmt.Errorf("convert spec: %w", err)
	}
	serve := func(contentType string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			publicCache(w.Header(), "no-cache")
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write(body)
		}
	}
	r.Get("/openapi.json", serve("application/json", specJSON))
	r.Get("/openapi.yaml", serve("application/yaml", specYAML))

	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "accountd API",
		SwaggerJSON: "/openapi.json",
		BasePath:    "/docs/",
		SettingsUI: map[string]string{
			// Keep the token across page reloads, so "Authorize" is done once.
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
