package djoser

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// maxPasswordLen is the longest password the account service takes.
const maxPasswordLen = 128

// djangoPasswordMessages words the password policy's problems as Django's password
// validators do: accountd's policy decides, Django's phrases are what djoser clients show.
func (s *Server) djangoPasswordMessages(problems []account.FieldProblem, password, username, email string) []string {
	msgs := make([]string, 0, len(problems))
	for _, p := range problems {
		switch p.Code {
		case "too_short":
			msgs = append(msgs, "This password is too short. It must contain at least "+strconv.Itoa(s.minLen)+" characters.")
		case "too_long":
			msgs = append(msgs, "Ensure this field has no more than "+strconv.Itoa(maxPasswordLen)+" characters.")
		case "too_common":
			msgs = append(msgs, "This password is too common.")
		case "too_similar":
			// Django names the attribute the password resembles by its verbose name.
			attr := "username"
			if email != "" && strings.EqualFold(password, email) && !strings.EqualFold(password, username) {
				attr = "email address"
			}
			msgs = append(msgs, "The password is too similar to the "+attr+".")
		default:
			msgs = append(msgs, sentence(p.Message))
		}
	}
	return msgs
}

// sentence turns a field problem's message ("must be ...") into a sentence about the
// password, for a rule Django has no words for.
func sentence(msg string) string {
	if msg == "" {
		return "This password is not allowed."
	}
	return capitalize("this password " + msg)
}

// capitalize turns a field problem's message ("is not valid") into DRF's kind of
// sentence ("Is not valid.").
func capitalize(msg string) string {
	if msg == "" {
		return "Invalid value."
	}
	r := []rune(msg)
	r[0] = unicode.ToUpper(r[0])
	out := string(r)
	if !strings.HasSuffix(out, ".") {
		out += "."
	}
	return out
}

// passwordErrors adds field problems to errs: password problems under passwordField in
// Django's words, a confirmation mismatch as DRF's non-field error, a wrong current
// password in djoser's words, anything else under its own name.
func (s *Server) passwordErrors(errs *drf.Errors, problems []account.FieldProblem, passwordField, password, username, email string) {
	var pw []account.FieldProblem
	for _, p := range problems {
		switch p.Field {
		case "password", "new_password":
			pw = append(pw, p)
		case "password_confirm":
			errs.Add(drf.NonField, msgMismatch)
		case "current_password":
			errs.Add("current_password", msgWrongPassword)
		default:
			errs.Add(p.Field, drf.FieldMessage(p, capitalize(p.Message)))
		}
	}
	if len(pw) > 0 {
		errs.Add(passwordField, s.djangoPasswordMessages(pw, password, username, email)...)
	}
}
