package restregistration

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accountd/accountd/internal/compat/drf"
)

// This API's own messages, and DRF's where the djoser profile needs none of them.
const (
	msgInteger  = "A valid integer is required."
	msgBoolean  = "Must be a valid boolean."
	msgMismatch = "Passwords don't match"
)

// text returns field as a string, and whether the body has it. A number is taken as its
// digits, as DRF's CharField does; null and other types are errors.
func (b body) text(field string, errs *drf.Errors) (string, bool) {
	v, present := b[field]
	if !present {
		return "", false
	}
	s, msg := drf.Char(v)
	if msg != "" {
		errs.Add(field, msg)
		return "", false
	}
	return s, true
}

// optional returns field trimmed, as DRF's CharField trims, and whether it was given.
func (b body) optional(field string, errs *drf.Errors) (string, bool) {
	v, ok := b.text(field, errs)
	return strings.TrimSpace(v), ok
}

// required returns field trimmed; missing and blank are errors.
func (b body) required(field string, errs *drf.Errors) string {
	v, ok := b.optional(field, errs)
	b.mustHave(field, ok, v, errs)
	return v
}

// secret returns a password field as given: unlike DRF, accountd never trims passwords,
// so that a password works the same through every API of the service.
func (b body) secret(field string, errs *drf.Errors) string {
	v, ok := b.text(field, errs)
	b.mustHave(field, ok, v, errs)
	return v
}

// mustHave reports a required field that is missing or blank (unless it is already at
// fault for its type).
func (b body) mustHave(field string, ok bool, v string, errs *drf.Errors) {
	switch {
	case errs.Has(field):
	case !ok:
		errs.Add(field, drf.MsgRequired)
	case strings.TrimSpace(v) == "":
		errs.Add(field, drf.MsgBlank)
	}
}

// integer returns a required integer field: a JSON integer or a string of digits (form
// values and link parameters are strings).
func (b body) integer(field string, errs *drf.Errors) int64 {
	v, present := b[field]
	var n int64
	var err error
	switch v := v.(type) {
	case json.Number:
		n, err = v.Int64()
	case string:
		n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	case nil:
		if present {
			errs.Add(field, drf.MsgNull)
		} else {
			errs.Add(field, drf.MsgRequired)
		}
		return 0
	default:
		errs.Add(field, msgInteger)
		return 0
	}
	if err != nil {
		errs.Add(field, msgInteger)
	}
	return n
}

// boolean returns an optional boolean field, read as DRF's BooleanField reads one.
func (b body) boolean(field string, errs *drf.Errors) bool {
	switch v := b[field].(type) {
	case nil:
		return false
	case bool:
		return v
	case json.Number, string:
		s, _ := v.(string)
		if n, ok := v.(json.Number); ok {
			s = n.String()
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "t", "yes", "y", "on", "1":
			return true
		case "false", "f", "no", "n", "off", "0":
			return false
		}
	}
	errs.Add(field, msgBoolean)
	return false
}

// checkUsername reports a username Django would refuse.
func checkUsername(v string, errs *drf.Errors) {
	switch {
	case utf8.RuneCountInString(v) > 150:
		errs.Add("username", drf.MaxLength(150))
	case v != "" && !drf.ValidUsername(v):
		errs.Add("username", drf.MsgUsername)
	}
}

// checkEmail reports an address that is not a bare email, as the canonical API's email
// format does (net/mail, at most 254 characters).
func checkEmail(field, v string, errs *drf.Errors) {
	if v == "" || errs.Has(field) {
		return
	}
	if !drf.ValidEmail(v) || len(v) > 254 {
		errs.Add(field, drf.MsgEmail)
	}
}

// checkName reports a first or last name longer than the account keeps.
func checkName(field, v string, errs *drf.Errors) {
	if utf8.RuneCountInString(v) > 150 {
		errs.Add(field, drf.MaxLength(150))
	}
}
