package restregistration

import (
	"fmt"
	"net/http"

	"github.com/accountd/accountd/internal/compat/drf"
)

// body is a request body read as Django REST framework reads one (drf.Body), with this
// API's field readers (fields.go).
type body drf.Body

// readBody reads the body of r. When it cannot, it answers the client as DRF would
// (400, 413 or 415), in this API's words, and returns false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body, bool) {
	b, refused := s.body.Read(w, r)
	if refused == nil {
		return body(b), true
	}
	switch refused.Reason {
	case drf.TooLarge:
		writeDetail(w, refused.Status(), "Request body too large.")
	case drf.UnsupportedMediaType:
		writeDetail(w, refused.Status(), fmt.Sprintf("Unsupported media type %q in request.", refused.ContentType))
	case drf.MalformedJSON:
		// Never the decoder's own message: it may quote the body, and so a password.
		writeDetail(w, refused.Status(), "JSON parse error - the body is not valid JSON.")
	case drf.MalformedMultipart:
		writeDetail(w, refused.Status(), "Multipart form parse error - the body is not a valid form.")
	case drf.NotAnObject:
		got := refused.Type
		if got == "float" {
			got = "int" // this API has always named every number so
		}
		writeField(w, drf.NonField, drf.NotADictionary(got))
	default: // Unreadable, MalformedForm: DRF's words are this API's
		writeDetail(w, refused.Status(), refused.Message())
	}
	return nil, false
}
