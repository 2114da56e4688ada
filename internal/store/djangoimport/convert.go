package djangoimport

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accountd/accountd/internal/account"
)

// candidate is a Django user as accountd would store it, before it is matched against
// the users accountd has.
type candidate struct {
	user account.User
	// avatarKnown is false when the avatar could not be imported (a relative path and
	// no --media-url): the import leaves accountd's value as it is.
	avatarKnown bool
}

// usernamePattern and the limits below are openapi.yaml's (components Username, Email,
// Name, Bio, Country, Profession, Thoughts and avatar_url): accountd stores only what its
// API could have stored, so that every answer about an imported user matches the
// contract.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9@.+_-]{1,150}$`)

var maxLengths = map[string]int{
	"first_name": 150, "last_name": 150,
	"bio": 2000, "country": 100, "profession": 150, "thoughts": 2000, "avatar": 2048,
}

// converter turns rows of the user query into candidates.
type converter struct {
	plan *plan
	// organizations maps the Django IDs of organizations to accountd's.
	organizations map[int64]int64
	mediaURL      string
}

// convert reads one row. A row accountd cannot take is a Skip instead.
func (c *converter) convert(vals []any) (candidate, *Skip) {
	p := c.plan
	get := func(field string) (any, bool) {
		i, ok := p.index[field]
		if !ok {
			return nil, false
		}
		return vals[i], true
	}
	id, ok := asInt(vals[p.index["id"]])
	if !ok || id < 1 {
		return candidate{}, &Skip{Reason: ReasonInvalid, Detail: fmt.Sprintf("id %v is not a positive integer", vals[p.index["id"]])}
	}
	skip := func(reason, format string, args ...any) (candidate, *Skip) {
		return candidate{}, &Skip{ID: id, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}

	text := map[string]string{}
	for _, f := range []string{"username", "email", "password", "first_name", "last_name", "bio", "country", "profession", "thoughts", "avatar"} {
		v, read := get(f)
		if !read {
			continue
		}
		s, ok := asString(v)
		if !ok {
			return skip(ReasonInvalid, "%s: cannot read %T as text", f, v)
		}
		if f != "password" {
			// Django strips form input; a stray space in a column would make a
			// username nobody can type.
			s = strings.TrimSpace(s)
		}
		if max, limited := maxLengths[f]; limited && utf8.RuneCountInString(s) > max {
			return skip(ReasonInvalid, "%s is longer than %d characters", f, max)
		}
		text[f] = s
	}
	flags := map[string]bool{}
	for _, f := range []struct {
		name string
		def  bool
	}{{"is_active", true}, {"is_staff", false}, {"is_superuser", false}, {"email_verified", false}} {
		v, _ := get(f.name)
		b, ok := asBool(v, f.def)
		if !ok {
			return skip(ReasonInvalid, "%s: cannot read %v as true or false", f.name, v)
		}
		flags[f.name] = b
	}
	times := map[string]time.Time{}
	for _, f := range []string{"date_joined", "last_login"} {
		v, _ := get(f)
		t, ok := asTime(v)
		if !ok {
			return skip(ReasonInvalid, "%s: cannot read %v as a time", f, v)
		}
		times[f] = t
	}

	username, email := text["username"], text["email"]
	switch {
	case !usernamePattern.MatchString(username):
		return skip(ReasonInvalid, "username %q is not 1 to 150 letters, digits and @ . + - _", username)
	case email == "":
		return skip(ReasonNoEmail, "user %q has no email address", username)
	case !validEmail(email):
		return skip(ReasonInvalid, "email %q is not an email address", email)
	case times["date_joined"].IsZero():
		return skip(ReasonInvalid, "date_joined is empty")
	}

	active := flags["is_active"]
	u := account.User{
		ID: id, Username: username, Email: email, PasswordHash: text["password"],
		FirstName: text["first_name"], LastName: text["last_name"],
		Active: active,
		// An account that is inactive but was used (it has a last login) was switched
		// off, in Django's admin say: held inactive, so that its user cannot activate it
		// again by email. One that never logged in is taken as awaiting activation, as
		// djoser and django-rest-registration leave new accounts.
		Deactivated: !active && !times["last_login"].IsZero(),
		// Django's email-verifying flows (djoser, django-rest-registration) activate an
		// account by its emailed link, so an active account's address was verified.
		EmailVerified: active,
		Superuser:     flags["is_superuser"],
		Role:          account.RoleUser,
		DateJoined:    times["date_joined"],
		LastLogin:     times["last_login"],
		Profile: account.Profile{
			Bio: text["bio"], Country: text["country"], Profession: text["profession"], Thoughts: text["thoughts"],
		},
	}
	if p.has("email_verified") {
		u.EmailVerified = flags["email_verified"]
	}
	// accountd's superusers are staff too.
	if flags["is_staff"] || flags["is_superuser"] {
		u.Role = account.RoleStaff
	}
	cand := candidate{user: u, avatarKnown: true}
	if avatar := text["avatar"]; avatar != "" {
		switch {
		case httpURL(avatar):
			cand.user.Profile.AvatarURL = avatar
		case c.mediaURL != "":
			// Django's ImageField keeps the path under MEDIA_ROOT; MEDIA_URL serves it.
			joined := strings.TrimRight(c.mediaURL, "/") + "/" + strings.TrimLeft(avatar, "/")
			if !httpURL(joined) || utf8.RuneCountInString(joined) > maxLengths["avatar"] {
				return skip(ReasonInvalid, "avatar %q does not make an http or https URL of at most %d characters under --media-url", avatar, maxLengths["avatar"])
			}
			cand.user.Profile.AvatarURL = joined
		default:
			cand.avatarKnown = false
		}
	}
	if v, read := get("organization"); read && c.organizations != nil && v != nil {
		djangoID, ok := asInt(v)
		if !ok {
			return skip(ReasonInvalid, "organization: cannot read %v as an ID", v)
		}
		cand.user.OrganizationID = c.organizations[djangoID] // 0 when it was not imported
	}
	return cand, nil
}

// validEmail is the check of accountd's API (and of its contract tests): one plain
// address, at most 254 bytes.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// httpURL is accountd's rule for avatars: an absolute http or https URL with a host.
func httpURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(raw, " \t\r\n")
}
