package djoser

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accountd/accountd/internal/compat/drf"
)

// field says how to read one body field, as the DRF serializer field it stands for.
type field struct {
	name string
	// optional: a missing field is no error (a PATCH, or a field with a default).
	optional bool
	// keepSpace: DRF trims CharFields unless told not to; passwords are read as sent.
	keepSpace bool
	// maxLen, when set, is the model field's max_length.
	maxLen int
}

// str reads f as a DRF CharField: numbers become their text, other non-strings are
// refused, and null, blank and missing values are errors (missing only when required).
// ok is false when f was missing (and optional) or had an error.
func (b body) str(errs *drf.Errors, f field) (value string, ok bool) {
	v, present := b[f.name]
	switch {
	case !present && f.optional:
		return "", false
	case !present:
		errs.Add(f.name, drf.MsgRequired)
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
	if value == "" {
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
	nameMaxLen  = 150
	emailMaxLen = 254
)

// username reads a username field with Django's validator and message.
func (b body) username(errs *drf.Errors, f field) (string, bool) {
	f.maxLen = nameMaxLen
	v, ok := b.str(errs, f)
	if ok && !drf.ValidUsername(v) {
		errs.Add(f.name, drf.MsgUsername)
		return "", false
	}
	return v, ok
}

// email reads an email field as DRF's EmailField: a bare address, as the canonical API
// accepts them.
func (b body) email(errs *drf.Errors, f field) (string, bool) {
	f.maxLen = emailMaxLen
	v, ok := b.str(errs, f)
	if !ok {
		return "", false
	}
	if !drf.ValidEmail(v) {
		errs.Add(f.name, drf.MsgEmail)
		return "", false
	}
	return v, true
}

// password reads a password field: exactly as sent.
func (b body) password(errs *drf.Errors, name string) (string, bool) {
	return b.str(errs, field{name: name, keepSpace: true})
}

// pk reads an optional primary key, as DRF's PrimaryKeyRelatedField for a nullable
// foreign key: an integer or its text; null or "" for none (0). raw is the id as text,
// for the "does not exist" message.
func (b body) pk(errs *drf.Errors, name string) (id int64, raw string) {
	v, present := b[name]
	if !present || v == nil {
		return 0, ""
	}
	switch x := v.(type) {
	case string:
		raw = strings.TrimSpace(x)
		if raw == "" {
			return 0, ""
		}
	case json.Number:
		raw = x.String()
	default:
		errs.Add(name, "Incorrect type. Expected pk value, received "+drf.PythonType(v)+".")
		return 0, ""
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		errs.Add(name, "Incorrect type. Expected pk value, received "+drf.PythonType(v)+".")
		return 0, ""
	}
	if id <= 0 {
		errs.Add(name, pkMissing(raw))
		return 0, ""
	}
	return id, raw
}

// pkMissing is DRF's message for a primary key that names no row.
func pkMissing(raw string) string {
	return `Invalid pk "` + raw + `" - object does not exist.`
}
