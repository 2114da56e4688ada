package djoser

import (
	"net/http"

	"github.com/accountd/accountd/internal/compat/drf"
)

// body is a request body as DRF's parsers hand it to a serializer (drf.Body), with
// djoser's serializer fields to read it (fields.go).
type body drf.Body

// readBody parses r's body as DRF's default parsers do. When the body cannot be used it
// answers in DRF's own words (400, 413 or 415) and returns false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body, bool) {
	b, refused := s.body.Read(w, r)
	switch {
	case refused == nil:
		return body(b), true
	case refused.Reason == drf.NotAnObject:
		invalidField(w, drf.NonField, refused.Message())
	default:
		writeJSON(w, refused.Status(), detail{Detail: refused.Message()})
	}
	return nil, false
}
