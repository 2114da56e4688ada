package cadasta

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/accountd/accountd/internal/compat/drf"
)

// body is a request body as DRF's parsers hand it to a serializer (drf.Body), with the
// platform's serializer fields to read it.
type body drf.Body

// readBody parses r's body as DRF's default parsers do. When the body cannot be used it
// answers in DRF's own words (400, 413 or 415) and returns false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body, bool) {
	b, refused := s.body.Read(w, r)
	switch {
	case refused == nil:
		return body(b), true
	case refused.Reason == drf.NotAnObject:
		invalidField(w, drf.NonField, refused.Message())
	default:
		writeJSON(w, refused.Status(), detail{Detail: refused.Message()})
	}
	return nil, false
}

// field says how to read one body field, as the DRF serializer field it stands for.
type field struct {
	name string
	// optional: a missing field is no error (a PATCH, or a field with a default).
	optional bool
	// blank: "" is a value (a CharField with allow_blank).
	blank bool
	// keepSpace: DRF trims CharFields unless told not to; passwords are read as sent.
	keepSpace bool
	// maxLen, when set, is the model field's max_length.
	maxLen int
	// text: a name or the like, which may hold no control character (a line break in
	// a name would end up in the text of emails).
	text bool
}

// Field sizes of the platform's user model.
const (
	usernameMaxLen = 30
	fullNameMaxLen = 130
	emailMaxLen    = 254
)

// str reads f as a DRF CharField: numbers become their text, other non-strings are
// refused, null is refused, and so are missing and blank values unless f allows them.
// ok is false when f was missing (and optional) or had an error. A NUL is refused in
// every field, as DRF's ProhibitNullCharactersValidator does: no text with one goes
// further.
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
	if strings.ContainsRune(value, 0) {
		errs.Add(f.name, msgNullCharacters)
		return "", false
	}
	if !f.keepSpace {
		value = strings.TrimSpace(value)
	}
	switch {
	case value == "" && f.blank:
		return "", true
	case value == "":
		errs.Add(f.name, drf.MsgBlank)
		return "", false
	case f.maxLen > 0 && utf8.RuneCountInString(value) > f.maxLen:
		errs.Add(f.name, drf.MaxLength(f.maxLen))
		return "", false
	case f.text && strings.ContainsFunc(value, unicode.IsControl):
		errs.Add(f.name, msgControl)
		return "", false
	}
	return value, true
}

// username reads a username as the platform's model field and serializer check it:
// at most 30 letters, digits and @/./+/-/_ (ASCII, as every accountd username), and not
// one of the names its web app's URLs reserve.
func (b body) username(errs *drf.Errors, f field) (string, bool) {
	f.maxLen = usernameMaxLen
	v, ok := b.str(errs, f)
	switch {
	case !ok:
		return "", false
	case !drf.ValidUsername(v):
		errs.Add(f.name, msgUsername)
		return "", false
	case strings.EqualFold(v, "add"), strings.EqualFold(v, "new"):
		errs.Add(f.name, msgReserved)
		return "", false
	}
	return v, true
}

// fullName reads the optional full_name: blank is a value.
func (b body) fullName(errs *drf.Errors) (string, bool) {
	return b.str(errs, field{name: "full_name", optional: true, blank: true, maxLen: fullNameMaxLen, text: true})
}

// email reads an email field as DRF's EmailField: a bare address, as the canonical API
// accepts them.
func (b body) email(errs *drf.Errors, f field) (string, bool) {
	f.maxLen = emailMaxLen
	v, ok := b.str(errs, f)
	if !ok {
		return "", false
	}
	if strings.ContainsFunc(v, unicode.IsControl) || !drf.ValidEmail(v) {
		errs.Add(f.name, drf.MsgEmail)
		return "", false
	}
	return v, true
}

// password reads a password field: exactly as sent.
func (b body) password(errs *drf.Errors, name string) (string, bool) {
	return b.str(errs, field{name: name, keepSpace: true})
}

// boolean reads an optional DRF BooleanField: JSON booleans, and the words and digits
// DRF takes from forms.
func (b body) boolean(errs *drf.Errors, name string) (value, ok bool) {
	v, present := b[name]
	if !present {
		return false, false
	}
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.TrimSpace(x) {
		case "true", "True", "TRUE", "1", "on":
			return true, true
		case "false", "False", "FALSE", "0", "off":
			return false, true
		}
	case json.Number:
		switch x.String() {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	}
	errs.Add(name, msgNotBoolean)
	return false, false
}

// unchanged checks an optional field the client may send but not change (DRF's answer:
// "Cannot update <name>"): same reports whether the value sent is the current one.
func (b body) unchanged(errs *drf.Errors, name string, same func(string) bool) {
	v, present := b[name]
	if !present {
		return
	}
	s, msg := drf.Char(v)
	if v == nil {
		s, msg = "", ""
	}
	if msg != "" || strings.ContainsRune(s, 0) || !same(strings.TrimSpace(s)) {
		errs.Add(name, "Cannot update "+name)
	}
}

// lastLoginUnchanged checks a last_login sent back: null or empty for none, or the
// current time in any ISO 8601 form DRF reads.
func (b body) lastLoginUnchanged(errs *drf.Errors, current time.Time) {
	v, present := b["last_login"]
	if !present {
		return
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
		if err != nil {
			errs.Add("last_login", msgDatetime)
			return
		}
		if !t.Equal(current.Truncate(time.Microsecond)) {
			errs.Add("last_login", "Cannot update last_login")
		}
		return
	}
	if (v != nil && v != "") || !current.IsZero() {
		errs.Add("last_login", "Cannot update last_login")
	}
}

// decodeUID reads djoser's uid: the user id in URL-safe base64, as Django's
// urlsafe_base64_encode writes it (without padding; padding is accepted too).
func decodeUID(uid string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(uid, "="))
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	return id, err == nil && id > 0
}

// djangoTime writes a time as DRF's DateTimeField does: ISO 8601 in UTC with Z, and
// microseconds when there are any; null for the zero time.
func djangoTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	layout := "2006-01-02T15:04:05Z"
	if t.Nanosecond() != 0 {
		layout = "2006-01-02T15:04:05.000000Z"
	}
	s := t.Format(layout)
	return &s
}
