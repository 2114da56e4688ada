package drf

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

// MethodNotAllowed returns what adds to a router, for every path of spec that has
// operations, DRF's 405 for the methods the path does not serve: an Allow header and
// `{"detail": "Method \"X\" not allowed."}`, written by answer.
//
// Call it before mounting the generated handlers: chi lets a route for one method take
// over from a route for every method only when it is added later. OpenAPI and chi write
// path parameters alike.
func MethodNotAllowed(spec *openapi3.T, answer func(w http.ResponseWriter, status int, detail string)) func(chi.Router) {
	allowed := map[string]string{}
	for path, item := range spec.Paths.Map() {
		// The generated spec keeps every path of openapi.yaml, the other APIs' without
		// operations: those are not this profile's to answer. OPTIONS is not listed: DRF
		// describes a view there, which the profiles do not (CORS preflights are
		// answered before routing).
		if ops := item.Operations(); len(ops) > 0 {
			allowed[path] = strings.Join(slices.Sorted(maps.Keys(ops)), ", ")
		}
	}
	return func(r chi.Router) {
		for path, allow := range allowed {
			r.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", allow)
				answer(w, http.StatusMethodNotAllowed, `Method "`+r.Method+`" not allowed.`)
			})
		}
	}
}
