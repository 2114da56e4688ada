package drf

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

func TestMethodNotAllowed(t *testing.T) {
	spec := &openapi3.T{Paths: openapi3.NewPaths(
		openapi3.WithPath("/users/{id}/", &openapi3.PathItem{Get: &openapi3.Operation{}, Patch: &openapi3.Operation{}}),
		openapi3.WithPath("/other/", &openapi3.PathItem{}), // another API's path: not answered
	)}
	var got string
	r := chi.NewRouter()
	MethodNotAllowed(spec, func(w http.ResponseWriter, status int, detail string) {
		got = detail
		w.WriteHeader(status)
	})(r)
	r.Get("/users/{id}/", func(w http.ResponseWriter, _ *http.Request) {})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("DELETE", "/users/5/", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, PATCH" || got != `Method "DELETE" not allowed.` {
		t.Errorf("405: %d Allow %q detail %q", w.Code, w.Header().Get("Allow"), got)
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/users/5/", nil))
	if w.Code != http.StatusOK {
		t.Errorf("a served method, added later, takes over: %d", w.Code)
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/other/", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("a path without operations: %d", w.Code)
	}
}
