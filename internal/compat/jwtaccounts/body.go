package jwtaccounts

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/accountd/accountd/internal/compat/drf"
)

// body is a request body as DRF's parsers hand it to a serializer (drf.Body), with the
// document's serializer fields to read it.
type body drf.Body

// readBody parses r's body with rd as DRF's default parsers do. When the body cannot be
// used it answers in DRF's words (400, 413 or 415) and returns false.
func readBody(w http.ResponseWriter, r *http.Request, rd drf.Reader) (body, bool) {
	b, refused := rd.Read(w, r)
	switch {
	case refused == nil:
		return body(b), true
	case refused.Reason == drf.NotAnObject:
		invalidField(w, drf.NonField, refused.Message())
	default:
		// DRF's words, which never quote the body (it may hold a password).
		writeDetail(w, refused.Status(), refused.Message())
	}
	return nil, false
}

// field says how to read one body field, as the DRF serializer field it stands for.
type field struct {
	name string
	// optional: a missing field is no error (a partial update, or a field with a default).
	optional bool
	// blank: an empty value is allowed (a model CharField with blank=True).
	blank bool
	// keepSpace: DRF trims CharFields unless told not to; passwords are read as sent.
	keepSpace bool
	// maxLen, when set, is the model field's max_length.
	maxLen int
}

// str reads f as a DRF CharField: numbers become their text; null, other types, NUL
// characters and (unless f.blank) blank values are errors, and so is a missing value
// unless f.optional. ok is false when f was missing or had an error.
func (b body) str(errs *drf.Errors, f field) (value string, ok bool) {
	v, present := b[f.name]
	if !present {
		if !f.optional {
			errs.Add(f.name, drf.MsgRequired)
		}
		return "", false
	}
	value, msg := drf.Char(v)
	if msg != "" {
		errs.Add(f.name, msg)
		return "", false
	}
	if !f.keepSpace {
		value = strings.TrimSpace(value)
	}
	if value == "" && !f.blank {
		errs.Add(f.name, drf.MsgBlank)
		return "", false
	}
	if f.maxLen > 0 && utf8.RuneCountInString(value) > f.maxLen {
		errs.Add(f.name, drf.MaxLength(f.maxLen))
		return "", false
	}
	return value, true
}

// Field sizes of Django's user model.
const (
	usernameMaxLen = 150
	emailMaxLen    = 254
	urlMaxLen      = 2048
)

// email reads an email field as DRF's EmailField: a bare address, as the canonical API
// accepts them.
func (b body) email(errs *drf.Errors, name string) (string, bool) {
	v, ok := b.str(errs, field{name: name, maxLen: emailMaxLen})
	if ok && !drf.ValidEmail(v) {
		errs.Add(name, drf.MsgEmail)
		return "", false
	}
	return v, ok
}

// username reads a username field with Django's validator and message.
func (b body) username(errs *drf.Errors, name string) (string, bool) {
	v, ok := b.str(errs, field{name: name, maxLen: usernameMaxLen})
	if ok && !drf.ValidUsername(v) {
		errs.Add(name, drf.MsgUsername)
		return "", false
	}
	return v, ok
}

// password reads a password field: exactly as sent.
func (b body) password(errs *drf.Errors, name string) (string, bool) {
	return b.str(errs, field{name: name, keepSpace: true})
}

// baseURL reads the optional verification_base_url; blank counts as not given (the
// configured page). Whether it may be used is the account service's to say.
func (b body) baseURL(errs *drf.Errors) string {
	v, _ := b.str(errs, field{name: fieldBaseURL, optional: true, blank: true, maxLen: urlMaxLen})
	return v
}

// fieldBaseURL names the field with which the client chooses the page of its link.
const fieldBaseURL = "verification_base_url"

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
