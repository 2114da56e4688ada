package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

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
	r.Get("/docs", http.RedirectHandler("/docs/", http.StatusMovedPermanently).ServeHTTP)
	r.Handle("/docs/*", ui)
	return nil
}

// Root points whoever opens the server's address to the docs: a browser follows the
// redirect to Swagger UI, and the body says where the docs and the spec are.
func (s *Server) Root(context.Context, gen.RootRequestObject) (gen.RootResponseObject, error) {
	return gen.Root302JSONResponse{
		Headers: gen.Root302ResponseHeaders{Location: "/docs/"},
		Body:    gen.ServiceIndex{Service: gen.Accountd, Docs: "/docs/", Openapi: "/openapi.yaml"},
	}, nil
}
