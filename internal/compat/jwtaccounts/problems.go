package jwtaccounts

import (
	"errors"
	"strings"
	"unicode"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// fieldNames maps the account service's field names to this API's.
var fieldNames = map[string]string{
	"password_confirm": "confirm_password",
	"current_password": "old_password",
	"link_base":        fieldBaseURL,
	"avatar":           "profile_img",
	"avatar_url":       "profile_img",
}

// addProblems adds the field problems of a refused use case to errs, under this API's
// field names and in Django's words where Django has words for them. passwordField
// names the password the operation sets ("password" or "new_password").
func addProblems(errs *drf.Errors, problems []account.FieldProblem, passwordField string) {
	for _, p := range problems {
		name := p.Field
		if n, ok := fieldNames[name]; ok {
			name = n
		}
		if name == "password" || name == "new_password" {
			name = passwordField
		}
		errs.Add(name, message(p))
	}
}

// message words a field problem as Django does where it has words for it.
func message(p account.FieldProblem) string {
	switch p.Code {
	case "too_short", "too_long":
		// "This password is too short. It must be at least 10 characters."
		return "This password is " + strings.ReplaceAll(p.Code, "_", " ") + ". It " + p.Message + "."
	case "too_common":
		return "This password is too common."
	case "too_similar":
		return "The password is too similar to the username or the email."
	case "mismatch":
		return msgMismatch
	case "incorrect":
		return msgWrongPassword
	case "origin_not_allowed":
		return msgOriginRefused
	}
	switch p.Field {
	case "link_base", "avatar_url":
		return msgURL
	case "avatar":
		switch p.Code {
		case "too_large":
			return msgImageTooLarge
		case "required":
			return msgImageEmpty
		}
		return msgImageInvalid
	}
	return sentence("this field " + p.Message)
}

// sentence capitalizes msg and ends it with a full stop, as Django's messages are.
func sentence(msg string) string {
	r := []rune(msg)
	if len(r) == 0 {
		return "Invalid value."
	}
	r[0] = unicode.ToUpper(r[0])
	out := string(r)
	if !strings.HasSuffix(out, ".") {
		out += "."
	}
	return out
}

// asProblems returns the field problems of err, if it is a ValidationError.
func asProblems(err error) ([]account.FieldProblem, bool) {
	var ve *account.ValidationError
	if errors.As(err, &ve) {
		return ve.Problems, true
	}
	return nil, false
}
