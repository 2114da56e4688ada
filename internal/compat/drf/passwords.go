package drf

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/accountd/accountd/internal/account"
)

// maxPasswordLen is the longest password the account service takes.
const maxPasswordLen = 128

// PasswordMessages words the password policy's problems as Django's password validators
// do: accountd's policy decides, Django's phrases are what a Django API's clients show.
// minLen is ACCOUNTD_PASSWORD_MIN_LENGTH; password, username and email say which
// attribute a password too similar to one resembles.
func PasswordMessages(problems []account.FieldProblem, minLen int, password, username, email string) []string {
	msgs := make([]string, 0, len(problems))
	for _, p := range problems {
		switch p.Code {
		case "too_short":
			msgs = append(msgs, "This password is too short. It must contain at least "+strconv.Itoa(minLen)+" characters.")
		case "too_long":
			msgs = append(msgs, MaxLength(maxPasswordLen))
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
			msgs = append(msgs, Sentence("this password "+p.Message))
		}
	}
	return msgs
}

// Sentence turns a field problem's message ("is not valid", "this password must ...")
// into DRF's kind of sentence: capitalized, with a full stop.
func Sentence(msg string) string {
	msg = strings.TrimSpace(msg)
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
