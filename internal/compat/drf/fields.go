package drf

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// The messages of DRF and Django that both APIs' clients show to people.
const (
	MsgRequired      = "This field is required."
	MsgNull          = "This field may not be null."
	MsgBlank         = "This field may not be blank."
	MsgNotString     = "Not a valid string."
	MsgEmail         = "Enter a valid email address."
	MsgUsername      = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	MsgUsernameTaken = "A user with that username already exists."
	MsgEmailTaken    = "user with this email address already exists."
	MsgNotFound      = "Not found."
	// MsgNullCharacters is the message of Django's ProhibitNullCharactersValidator,
	// which every CharField runs.
	MsgNullCharacters = "Null characters are not allowed."
)

// MaxLength is DRF's message for a value longer than a field's max_length.
func MaxLength(n int) string {
	return "Ensure this field has no more than " + strconv.Itoa(n) + " characters."
}

// Char takes a present field's value as DRF's CharField does: a string as it is, a
// number as its text. msg is DRF's message for null, another type, or a string holding
// a NUL character, which CharField refuses (and which PostgreSQL cannot store in text).
func Char(v any) (s, msg string) {
	switch v := v.(type) {
	case nil:
		return "", MsgNull
	case string:
		if strings.ContainsRune(v, 0) {
			return "", MsgNullCharacters
		}
		return v, ""
	case json.Number:
		return v.String(), ""
	}
	return "", MsgNotString
}

// usernamePattern is Django's username validator in ASCII, as the canonical API's
// Username schema has it: letters, digits and @/./+/-/_.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9@.+_-]+$`)

// ValidUsername reports whether Django's username validator accepts s.
func ValidUsername(s string) bool { return usernamePattern.MatchString(s) }

// FieldMessage words a field problem the account service found with a username or an
// email as Django does (MsgUsername, MsgEmail), and any other with fallback. Profiles
// check fields in their own words first; these are the service's own rules, which
// every API keeps (identity.go in the account package).
func FieldMessage(p account.FieldProblem, fallback string) string {
	switch {
	case p.Code == "pattern" && p.Field == "username":
		return MsgUsername
	case p.Code == "format" && (p.Field == "email" || p.Field == "new_email"):
		return MsgEmail
	}
	return fallback
}

// ValidEmail reports whether s is a bare address, as the canonical API's email format
// wants (no display name, no angle brackets). Length is the caller's to check.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
