package restregistration

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fieldErrors are DRF's validation errors: each field at fault with its messages.
type fieldErrors map[string][]string

func (e fieldErrors) add(field, msg string) { e[field] = append(e[field], msg) }

// Django REST framework's and Django's own messages, which this API's clients may show.
const (
	msgRequired = "This field is required."
	msgNull     = "This field may not be null."
	msgBlank    = "This field may not be blank."
	msgString   = "Not a valid string."
	msgInteger  = "A valid integer is required."
	msgBoolean  = "Must be a valid boolean."
	msgEmail    = "Enter a valid email address."
	msgUsername = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	msgTooLong  = "Ensure this field has no more than 150 characters."
	msgMismatch = "Passwords don't match"
)

// text returns field as a string, and whether the body has it. A number is taken as its
// digits, as DRF's CharField does; null and other types are errors.
func (b body) text(field string, errs fieldErrors) (string, bool) {
	v, present := b[field]
	switch v := v.(type) {
	case nil:
		if present {
			errs.add(field, msgNull)
		}
		return "", false
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	errs.add(field, msgString)
	return "", false
}

// optional returns field trimmed, as DRF's CharField trims, and whether it was given.
func (b body) optional(field string, errs fieldErrors) (string, bool) {
	v, ok := b.text(field, errs)
	return strings.TrimSpace(v), ok
}

// required returns field trimmed; missing and blank are errors.
func (b body) required(field string, errs fieldErrors) string {
	v, ok := b.optional(field, errs)
	b.mustHave(field, ok, v, errs)
	return v
}

// secret returns a password field as given: unlike DRF, accountd never trims passwords,
// so that a password works the same through every API of the service.
func (b body) secret(field string, errs fieldErrors) string {
	v, ok := b.text(field, errs)
	b.mustHave(field, ok, v, errs)
	return v
}

// mustHave reports a required field that is missing or blank (unless it is already at
// fault for its type).
func (b body) mustHave(field string, ok bool, v string, errs fieldErrors) {
	switch {
	case len(errs[field]) > 0:
	case !ok:
		errs.add(field, msgRequired)
	case strings.TrimSpace(v) == "":
		errs.add(field, msgBlank)
	}
}

// integer returns a required integer field: a JSON integer or a string of digits (form
// values and link parameters are strings).
func (b body) integer(field string, errs fieldErrors) int64 {
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
			errs.add(field, msgNull)
		} else {
			errs.add(field, msgRequired)
		}
		return 0
	default:
		errs.add(field, msgInteger)
		return 0
	}
	if err != nil {
		errs.add(field, msgInteger)
	}
	return n
}

// boolean returns an optional boolean field, read as DRF's BooleanField reads one.
func (b body) boolean(field string, errs fieldErrors) bool {
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
	errs.add(field, msgBoolean)
	return false
}

// usernamePattern is the Username schema of openapi.yaml: Django's username validator.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9@.+_-]+$`)

// checkUsername reports a username Django would refuse.
func checkUsername(v string, errs fieldErrors) {
	switch {
	case utf8.RuneCountInString(v) > 150:
		errs.add("username", msgTooLong)
	case v != "" && !usernamePattern.MatchString(v):
		errs.add("username", msgUsername)
	}
}

// checkEmail reports an address that is not a bare email, as the canonical API's email
// format does (net/mail, at most 254 characters).
func checkEmail(field, v string, errs fieldErrors) {
	if v == "" || len(errs[field]) > 0 {
		return
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v || len(v) > 254 {
		errs.add(field, msgEmail)
	}
}

// checkName reports a first or last name longer than the account keeps.
func checkName(field, v string, errs fieldErrors) {
	if utf8.RuneCountInString(v) > 150 {
		errs.add(field, msgTooLong)
	}
}
