package djoser

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// body is a request body as DRF's parsers hand it to a serializer: field names to JSON
// values (string, json.Number, bool, nil, []any, map[string]any), or to strings for a
// form.
type body map[string]any

// readBody parses r's body as DRF's default parsers do: JSON, form-encoded or multipart;
// an empty body, whatever its type, is no fields at all. When the body cannot be used it
// answers as DRF does (400, 413 or 415) and returns false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, detail{
			Detail: fmt.Sprintf("Request body exceeded %d bytes.", tooLarge.Limit)})
		return nil, false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, detail{Detail: "The request body could not be read."})
		return nil, false
	case len(raw) == 0:
		return body{}, true
	}
	contentType := r.Header.Get("Content-Type")
	mediaType, params, _ := mime.ParseMediaType(contentType)
	switch mediaType {
	case "application/json":
		return parseJSON(w, raw)
	case "application/x-www-form-urlencoded":
		// Django's QueryDict is lenient too: what parses is kept.
		values, _ := url.ParseQuery(string(raw))
		return formBody(values), true
	case "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(raw))
		r.Header.Set("Content-Type", mime.FormatMediaType(mediaType, params))
		if err := r.ParseMultipartForm(s.maxBody); err != nil {
			writeJSON(w, http.StatusBadRequest, detail{Detail: "Multipart form parse error - Invalid boundary in multipart: None"})
			return nil, false
		}
		return formBody(r.MultipartForm.Value), true
	}
	if len(contentType) > 100 {
		contentType = contentType[:100]
	}
	writeJSON(w, http.StatusUnsupportedMediaType, detail{Detail: `Unsupported media type "` + contentType + `" in request.`})
	return nil, false
}

// formBody keeps the last value of each field, as Django's QueryDict.get does.
func formBody(values map[string][]string) body {
	b := body{}
	for k, vs := range values {
		if len(vs) > 0 {
			b[k] = vs[len(vs)-1]
		}
	}
	return b
}

// parseJSON decodes a JSON object, answering as DRF does for anything else.
func parseJSON(w http.ResponseWriter, raw []byte) (body, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		msg, at := pythonJSONError(raw, err)
		jsonParseError(w, raw, msg, at)
		return nil, false
	}
	// The decoder stops at the end of the first value; Python's parser reads on.
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(raw[end:], " \t\r\n"); len(rest) > 0 {
		jsonParseError(w, raw, "Extra data", int64(len(raw)-len(rest)))
		return nil, false
	}
	switch v := v.(type) {
	case map[string]any:
		return body(v), true
	case nil:
		invalidField(w, nonField, "No data provided")
	default:
		invalidField(w, nonField, "Invalid data. Expected a dictionary, but got "+pythonType(v)+".")
	}
	return nil, false
}

// jsonParseError answers a body that is not JSON as DRF does, with the position worded
// as Python's json module words it ("Expecting value: line 1 column 10 (char 9)"). It
// never quotes the body itself.
func jsonParseError(w http.ResponseWriter, raw []byte, msg string, at int64) {
	at = max(0, min(at, int64(len(raw))))
	line, col := 1, 1
	for _, c := range raw[:at] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	writeJSON(w, http.StatusBadRequest, detail{
		Detail: fmt.Sprintf("JSON parse error - %s: line %d column %d (char %d)", msg, line, col, at)})
}

// pythonJSONError translates a Go JSON error into Python's message for the same fault,
// and the offset of the character at fault.
func pythonJSONError(raw []byte, err error) (msg string, at int64) {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		// The input ends inside a value.
		return "Expecting value", int64(len(raw))
	}
	at = se.Offset - 1
	switch text := se.Error(); {
	case strings.HasSuffix(text, "looking for beginning of object key string"):
		return "Expecting property name enclosed in double quotes", at
	case strings.HasSuffix(text, "after object key"):
		return "Expecting ':' delimiter", at
	case strings.HasSuffix(text, "after object key:value pair"), strings.HasSuffix(text, "after array element"):
		return "Expecting ',' delimiter", at
	case strings.Contains(text, "in string literal"):
		return "Invalid control character at", at
	case text == "unexpected end of JSON input":
		return "Expecting value", int64(len(raw))
	}
	return "Expecting value", at
}

// pythonType names a decoded JSON value's type as Python would.
func pythonType(v any) string {
	switch v := v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return "float"
		}
		return "int"
	case map[string]any:
		return "dict"
	}
	return "NoneType"
}
