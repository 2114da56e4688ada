package account

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accountd/accountd/internal/password/common"
)

const (
	minPasswordLength        = 8
	defaultPasswordMinLength = 10
	maxPasswordLength        = 128
)

// PasswordProblems applies the password policy to password for an account with the
// given username and email (either may be empty when not known yet) and returns the
// problems found, named field; nil when it is acceptable. Every use case that sets a
// password applies it; APIs that report a weak password before checking anything else
// (djoser, as Django's validators do) call it first themselves.
func (s *Service) PasswordProblems(field, password, username, email string) []FieldProblem {
	n := utf8.RuneCountInString(password)
	switch {
	case n < s.opt.PasswordMinLength:
		return []FieldProblem{{Field: field, Code: "too_short",
			Message: "must be at least " + strconv.Itoa(s.opt.PasswordMinLength) + " characters"}}
	case n > maxPasswordLength:
		return []FieldProblem{{Field: field, Code: "too_long",
			Message: "must be at most " + strconv.Itoa(maxPasswordLength) + " characters"}}
	}
	lower := strings.ToLower(password)
	if (username != "" && lower == strings.ToLower(username)) || (email != "" && lower == strings.ToLower(email)) {
		return []FieldProblem{{Field: field, Code: "too_similar", Message: "must not be the username or the email"}}
	}
	if common.Contains(password) {
		return []FieldProblem{{Field: field, Code: "too_common", Message: "is one of the most common passwords; choose another"}}
	}
	return nil
}
