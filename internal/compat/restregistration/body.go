package restregistration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// body is a request body read as Django REST framework reads one: a JSON object, whose
// values keep their JSON types, or a form, whose values are strings.
type body map[string]any

// readBody reads the body of r. When it cannot, it answers the client as DRF would
// (400, 413 or 415) and returns false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
			writeDetail(w, http.StatusRequestEntityTooLarge, "Request body too large.")
		} else {
			writeDetail(w, http.StatusBadRequest, "The request body could not be read.")
		}
		return nil, false
	}
	// DRF parses nothing when there is no content: an empty body is empty data, whatever
	// its content type, and the fields it lacks are reported as required.
	if len(bytes.TrimSpace(raw)) == 0 {
		return body{}, true
	}
	contentType := r.Header.Get("Content-Type")
	mediaType, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return decodeJSON(w, raw)
	case mediaType == "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(raw))
		if err != nil {
			writeDetail(w, http.StatusBadRequest, "Form parse error - the body is not a valid form.")
			return nil, false
		}
		return fromValues(values), true
	case mediaType == "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(raw), params["boundary"]).ReadForm(s.maxBody)
		if err != nil {
			writeDetail(w, http.StatusBadRequest, "Multipart form parse error - the body is not a valid form.")
			return nil, false
		}
		defer form.RemoveAll()
		return fromValues(form.Value), true
	}
	if len(contentType) > 100 {
		contentType = contentType[:100]
	}
	writeDetail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", contentType))
	return nil, false
}

// decodeJSON reads one JSON object; numbers keep their text, so that an integer field
// is read exactly.
func decodeJSON(w http.ResponseWriter, raw []byte) (body, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		_, err = dec.Token() // anything after the value is an error too
		if err == io.EOF {
			err = nil
		} else if err == nil {
			err = errors.New("trailing data")
		}
	}
	if err != nil {
		// Never the decoder's own message: it may quote the body, and so a password.
		writeDetail(w, http.StatusBadRequest, "JSON parse error - the body is not valid JSON.")
		return nil, false
	}
	obj, ok := v.(map[string]any)
	if !ok {
		writeFields(w, fieldErrors{"non_field_errors": {"Invalid data. Expected a dictionary, but got " + pythonType(v) + "."}})
		return nil, false
	}
	return body(obj), true
}

// pythonType names a JSON value's type as DRF's message does.
func pythonType(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case json.Number:
		return "int"
	case bool:
		return "bool"
	}
	return "NoneType"
}

// fromValues takes a form's values; of a field given more than once, the last counts,
// as with Django's QueryDict.
func fromValues(values map[string][]string) body {
	b := make(body, len(values))
	for k, vs := range values {
		if len(vs) > 0 {
			b[k] = vs[len(vs)-1]
		}
	}
	return b
}
