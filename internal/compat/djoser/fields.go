package djoser

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
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
func (b body) str(errs *fieldErrors, f field) (value string, ok bool) {
	v, present := b[f.name]
	switch {
	case !present && f.optional:
		return "", false
	case !present:
		errs.add(f.name, msgRequired)
		return "", false
	case v == nil:
		errs.add(f.name, msgNull)
		return "", false
	}
	switch x := v.(type) {
	case string:
		value = x
	case json.Number:
		value = x.String()
	default:
		errs.add(f.name, msgNotString)
		return "", false
	}
	if !f.keepSpace {
		value = strings.TrimSpace(value)
	}
	if value == "" {
		errs.add(f.name, msgBlank)
		return "", false
	}
	if f.maxLen > 0 && utf8.RuneCountInString(value) > f.maxLen {
		errs.add(f.name, "Ensure this field has no more than "+strconv.Itoa(f.maxLen)+" characters.")
		return "", false
	}
	return value, true
}

// Field sizes of Django's user model.
const (
	nameMaxLen  = 150
	emailMaxLen = 254
)

// usernamePattern is the canonical API's username rule: Django's letters, digits and
// @/./+/-/_, in ASCII.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9@.+_-]+$`)

// username reads a username field with Django's validator and message.
func (b body) username(errs *fieldErrors, f field) (string, bool) {
	f.maxLen = nameMaxLen
	v, ok := b.str(errs, f)
	if ok && !usernamePattern.MatchString(v) {
		errs.add(f.name, msgUsername)
		return "", false
	}
	return v, ok
}

// email reads an email field as DRF's EmailField: a bare address, as the canonical API
// accepts them.
func (b body) email(errs *fieldErrors, f field) (string, bool) {
	f.maxLen = emailMaxLen
	v, ok := b.str(errs, f)
	if !ok {
		return "", false
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		errs.add(f.name, msgEmail)
		return "", false
	}
	return v, true
}

// password reads a password field: exactly as sent.
func (b body) password(errs *fieldErrors, name string) (string, bool) {
	return b.str(errs, field{name: name, keepSpace: true})
}

// pk reads an optional primary key, as DRF's PrimaryKeyRelatedField for a nullable
// foreign key: an integer or its text; null or "" for none (0). raw is the id as text,
// for the "does not exist" message.
func (b body) pk(errs *fieldErrors, name string) (id int64, raw string) {
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
		errs.add(name, "Incorrect type. Expected pk value, received "+pythonType(v)+".")
		return 0, ""
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		errs.add(name, "Incorrect type. Expected pk value, received "+pythonType(v)+".")
		return 0, ""
	}
	if id <= 0 {
		errs.add(name, pkMissing(raw))
		return 0, ""
	}
	return id, raw
}

// pkMissing is DRF's message for a primary key that names no row.
func pkMissing(raw string) string {
	return `Invalid pk "` + raw + `" - object does not exist.`
}
