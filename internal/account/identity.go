package account

import (
	"net"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// The rules for what callers may write into an account, kept here so that every door
// (the canonical API, each compatibility profile, the administration API and the command
// line) applies the same ones: a profile's own checks come first and speak its language,
// but the service refuses whatever they let through.
//
// Login identifiers. Usernames and emails share one namespace (the store keeps them in
// one unique index): no account can take, shadow or block another's username or email.
// A username may contain @ only as the account's own email address, so that nobody can
// hold an address they do not own, as a username, before its owner registers it.
//
// Emails are stored in one normalized form, so that two accounts never show the same
// or a visually identical address (normalizeEmail).
//
// Text. Names, usernames, emails and the one-line profile fields refuse control
// characters (NUL, C0 and C1, CR and LF) and bidirectional overrides; the bio and
// thoughts keep tabs and line breaks but no other control character. Text that is not
// UTF-8 is refused everywhere. None of it could then break a database (PostgreSQL
// refuses NUL and invalid UTF-8), a log line or an email header.

// usernamePattern is the shape of a username, as openapi.yaml describes it: Django's
// username characters, in ASCII only, which leaves no room for invisible or confusable
// characters.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9@.+_-]{1,150}$`)

// maxEmailLength is the longest address SMTP carries (RFC 5321's 254 octets).
const maxEmailLength = 254

// Field problem codes of this file, besides "format" and "pattern".
const (
	// codeInvalidCharacter: a control, invisible or bidirectional-override character,
	// or text that is not UTF-8.
	codeInvalidCharacter = "invalid_character"
	// codeNotOwnEmail: a username with @ that is not the account's own email.
	codeNotOwnEmail = "not_own_email"
)

// emailDomains converts the domain of an address to its ASCII form (IDNA 2008 with the
// UTS #46 mapping for lookup: case folded, width and compatibility forms mapped), and
// refuses labels DNS would not carry.
var emailDomains = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.CheckJoiners(true), idna.VerifyDNSLength(true))

// normalizeEmail returns raw, trimmed, in the one form accountd stores and compares, or
// the problem with it (for field):
//
//   - no control, format (zero-width, bidirectional), default-ignorable or white-space
//     character anywhere, and valid UTF-8;
//   - the local part in ASCII only: a non-ASCII letter can look exactly like an ASCII
//     one (a Cyrillic а for a Latin a), and the mailer speaks SMTP without SMTPUTF8, so
//     such an address could not be written to anyway;
//   - the domain a host name, not an address literal ("[127.0.0.1]") nor a bare IP
//     address, converted with IDNA to its ASCII form, lower case ("xn--" labels for
//     non-ASCII ones): a look-alike domain then reads differently from the one it
//     imitates (exаmple.com, with a Cyrillic а, is stored as xn--exmple-4nf.com);
//   - the result a bare address as net/mail reads it, at most 254 characters.
//
// The local part keeps its case; uniqueness ignores case everywhere.
func normalizeEmail(field, raw string) (string, *FieldProblem) {
	bad := func(msg string) (string, *FieldProblem) {
		return "", &FieldProblem{Field: field, Code: "format", Message: msg}
	}
	s := strings.TrimSpace(raw)
	if !utf8.ValidString(s) || strings.ContainsFunc(s, invisible) {
		return "", &FieldProblem{Field: field, Code: codeInvalidCharacter,
			Message: "must not contain control, invisible or space characters"}
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return bad("must be an email address")
	}
	local, domain := s[:at], s[at+1:]
	for i := 0; i < len(local); i++ {
		if local[i] >= utf8.RuneSelf {
			return bad("must have only ASCII characters before the @")
		}
	}
	if strings.HasPrefix(domain, "[") || net.ParseIP(domain) != nil {
		return bad("must have a domain name after the @, not an IP address")
	}
	if strings.HasSuffix(domain, ".") {
		return bad("must be an email address")
	}
	ascii, err := emailDomains.ToASCII(domain)
	if err != nil {
		return bad("must have a valid domain name after the @")
	}
	s = local + "@" + strings.ToLower(ascii)
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || len(s) > maxEmailLength {
		return bad("must be an email address")
	}
	return s, nil
}

// LoginKey returns the key by which an account is found from a login, a username or an
// email: an address accountd accepts, in its normalized form (normalizeEmail), anything
// else as typed, and either in lower case, as the store keeps its keys. ok is false for
// text no account can have, such as a control character or text that is not UTF-8:
// stores then answer ErrNotFound without asking the database, which refuses some of it.
func LoginKey(login string) (key string, ok bool) {
	if strings.Contains(login, "@") {
		if e, p := normalizeEmail("login", login); p == nil {
			return strings.ToLower(e), true
		}
	}
	if login == "" || !utf8.ValidString(login) || strings.ContainsFunc(login, invisible) {
		return "", false
	}
	return strings.ToLower(login), true
}

// checkUsername returns the problem with username as the name of an account whose
// email is email (normalized), or nil.
func checkUsername(field, username, email string) *FieldProblem {
	if !usernamePattern.MatchString(username) {
		return &FieldProblem{Field: field, Code: "pattern", Message: "must be 1 to 150 letters, digits and @ . + - _"}
	}
	if strings.Contains(username, "@") && !strings.EqualFold(username, email) {
		return &FieldProblem{Field: field, Code: codeNotOwnEmail,
			Message: "may contain @ only when it is the account's own email address"}
	}
	return nil
}

// oneLine reports the problem with field's value s, a name or another one-line field,
// or nil: no control character (CR and LF included), no line or paragraph separator and
// no bidirectional embedding, override or isolate, which can make text read backwards
// where it is shown (an email greeting, a staff listing).
func oneLine(field, s string) *FieldProblem {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || bidiControl(r)
	}) {
		return &FieldProblem{Field: field, Code: codeInvalidCharacter, Message: "must not contain control characters or line breaks"}
	}
	return nil
}

// multiLine reports the problem with field's value s, free text that may keep tabs and
// line breaks, or nil: no other control character (NUL included).
func multiLine(field, s string) *FieldProblem {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
	}) {
		return &FieldProblem{Field: field, Code: codeInvalidCharacter, Message: "must not contain control characters"}
	}
	return nil
}

// invisible reports a character that has no place in an identifier: a control, a
// format character (zero-width spaces and joiners, bidirectional marks, the BOM), any
// other default-ignorable code point (Hangul fillers, variation selectors) or white
// space.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r)
}

// bidiControl reports the bidirectional embeddings, overrides and isolates.
func bidiControl(r rune) bool {
	return '\u202a' <= r && r <= '\u202e' || '\u2066' <= r && r <= '\u2069'
}

// problems collects the field problems found, skipping nils, as a *ValidationError, or
// nil when there are none.
func problems(found ...*FieldProblem) error {
	var out []FieldProblem
	for _, p := range found {
		if p != nil {
			out = append(out, *p)
		}
	}
	if out == nil {
		return nil
	}
	return &ValidationError{Problems: out}
}

// textProblems checks what a profile change writes besides the username: names and the
// one-line fields on one line, the bio and thoughts as free text, the avatar an http(s)
// URL.
func textProblems(first, last, country, profession, bio, thoughts, avatar *string) []*FieldProblem {
	var out []*FieldProblem
	check := func(field string, v *string, rule func(field, s string) *FieldProblem) {
		if v != nil {
			out = append(out, rule(field, *v))
		}
	}
	check("first_name", first, oneLine)
	check("last_name", last, oneLine)
	check("country", country, oneLine)
	check("profession", profession, oneLine)
	check("bio", bio, multiLine)
	check("thoughts", thoughts, multiLine)
	if avatar != nil && *avatar != "" && (oneLine("avatar_url", *avatar) != nil || !httpURL(*avatar)) {
		out = append(out, &FieldProblem{Field: "avatar_url", Code: "format", Message: "must be an http or https URL"})
	}
	return out
}
