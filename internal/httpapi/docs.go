package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
	"go.yaml.in/yaml/v3"

	"github.com/accountd/accountd"
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
// Everything is built once here and served from memory; nothing is fetched from the
// internet at run time.
func mountDocs(r chi.Router, profiles []DocsProfile) error {
	var spec yaml.Node
	if err := yaml.Unmarshal(accountd.OpenAPI, &spec); err != nil {
		return fmt.Errorf("openapi.yaml: %w", err)
	}
	whole, err := specJSON(&spec)
	if err != nil {
		return err
	}
	serve := func(contentType string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write(body)
		}
	}
	r.Get("/openapi.json", serve("application/json", whole))
	r.Get("/openapi.yaml", serve("application/yaml", accountd.OpenAPI))

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
	r.Get("/docs", http.RedirectHandler("/docs/", http.StatusMovedPermanently).ServeHTTP)
	r.Handle("/docs/*", ui)
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
