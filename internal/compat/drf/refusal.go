package drf

import (
	"fmt"
	"net/http"
)

// Reason says why a body was refused.
type Reason int

// The reasons a body is refused.
const (
	// TooLarge: the body is over Reader.MaxBytes (413).
	TooLarge Reason = iota + 1
	// Unreadable: the connection failed while the body was read (400).
	Unreadable
	// UnsupportedMediaType: no parser takes the body's Content-Type (415).
	UnsupportedMediaType
	// MalformedJSON: the body is not JSON (400).
	MalformedJSON
	// MalformedForm: the form-encoded body does not parse (400; Reader.StrictForm only).
	MalformedForm
	// MalformedMultipart: the multipart body does not parse (400).
	MalformedMultipart
	// NotAnObject: the body is JSON, but not an object (400, as a non-field error).
	NotAnObject
)

// Refusal is a body DRF would not hand to a serializer, with what a profile needs to
// word its answer. It never holds the body itself, which may carry a password.
type Refusal struct {
	Reason Reason
	// Limit is Reader.MaxBytes (TooLarge).
	Limit int64
	// ContentType is the request's, cut to 100 bytes (UnsupportedMediaType).
	ContentType string
	// JSONError is Python's json message and the position of the fault, as DRF passes
	// them on: "Expecting value: line 1 column 10 (char 9)" (MalformedJSON).
	JSONError string
	// Type is Python's name for the JSON value's type, "NoneType" for null (NotAnObject).
	Type string
}

// Status is the HTTP status DRF answers the refusal with.
func (f *Refusal) Status() int {
	switch f.Reason {
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case UnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusBadRequest
}

// Message is DRF's message for the refusal: the `detail`, or for NotAnObject the
// entry of NonField.
func (f *Refusal) Message() string {
	switch f.Reason {
	case TooLarge:
		return fmt.Sprintf("Request body exceeded %d bytes.", f.Limit)
	case UnsupportedMediaType:
		return `Unsupported media type "` + f.ContentType + `" in request.`
	case MalformedJSON:
		return "JSON parse error - " + f.JSONError
	case MalformedForm:
		return "Form parse error - the body is not a valid form."
	case MalformedMultipart:
		return "Multipart form parse error - Invalid boundary in multipart: None"
	case NotAnObject:
		if f.Type == "NoneType" {
			return "No data provided"
		}
		return NotADictionary(f.Type)
	}
	return "The request body could not be read."
}

// NotADictionary is DRF's message for a body that is not an object, of Python type t.
func NotADictionary(t string) string {
	return "Invalid data. Expected a dictionary, but got " + t + "."
}
