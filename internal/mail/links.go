package mail

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// placeholders are the names a link template may use between braces, and how each takes
// its value from the message. Adding one is a line here.
var placeholders = map[string]func(m account.Message) string{
	"token": func(m account.Message) string { return m.Token },
	// uid is the user ID as Django writes it in emailed links (urlsafe_base64_encode,
	// "uidb64"): URL-safe base64 of the decimal ID, without padding. User 5 is "NQ".
	"uid": func(m account.Message) string {
		if m.User.ID == 0 {
			return ""
		}
		return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(m.User.ID, 10)))
	},
	"user_id": func(m account.Message) string {
		if m.User.ID == 0 {
			return ""
		}
		return strconv.FormatInt(m.User.ID, 10)
	},
	// email is the address a link is about: for an email change, the new address (the
	// recipient of its confirmation, or the address the current one is asked to approve);
	// the recipient otherwise.
	"email": func(m account.Message) string {
		if m.NewEmail != "" {
			return m.NewEmail
		}
		return m.To
	},
	"username": func(m account.Message) string { return m.User.Username },
	// timestamp and signature are the parts of a stateless signed link (see
	// account.Message); empty, and so refused by render, on a message without one.
	"timestamp": func(m account.Message) string {
		if m.Timestamp == 0 {
			return ""
		}
		return strconv.FormatInt(m.Timestamp, 10)
	},
	"signature": func(m account.Message) string { return m.Signature },
}

// linkTemplate is a parsed link template such as
// "https://app.example.com/activate/{uid}/{token}": literal text and placeholders.
type linkTemplate struct {
	parts []linkPart
}

// linkPart is literal text, or the placeholder name when name is set.
type linkPart struct {
	literal, name string
}

// parseLinkTemplate parses and checks a link template: every placeholder is known, and
// the result is an absolute http or https URL.
func parseLinkTemplate(s string) (linkTemplate, error) {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return linkTemplate{}, fmt.Errorf("link template %q contains spaces or control characters", s)
	}
	var t linkTemplate
	for rest := s; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			t.parts = append(t.parts, linkPart{literal: rest})
			break
		}
		if open > 0 {
			t.parts = append(t.parts, linkPart{literal: rest[:open]})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return linkTemplate{}, fmt.Errorf("link template %q has an unclosed {", s)
		}
		name := rest[open+1 : open+end]
		if _, ok := placeholders[name]; !ok {
			return linkTemplate{}, fmt.Errorf("link template %q uses unknown placeholder {%s} (known: %s)", s, name, knownPlaceholders())
		}
		t.parts = append(t.parts, linkPart{name: name})
		rest = rest[open+end+1:]
	}

	// Check the shape with sample values: html/template would turn a link with another
	// scheme (javascript:, say) into "#ZgotmplZ" anyway, and a relative link is useless
	// in an email.
	sample := t.expand(func(string) string { return "x" })
	u, err := url.Parse(sample)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Contains(sample, "}") {
		return linkTemplate{}, fmt.Errorf("link template %q is not an absolute http or https URL", s)
	}
	return t, nil
}

// render fills in the placeholders from m. Each value is percent-encoded with every byte
// outside A-Z a-z 0-9 - _ . ~ escaped (a space as %20, not +), so it is safe both as a
// path segment and as a query value. Tokens are URL-safe already and pass unchanged.
func (t linkTemplate) render(m account.Message) (string, error) {
	var missing string
	link := t.expand(func(name string) string {
		v := placeholders[name](m)
		if v == "" && missing == "" {
			missing = name
		}
		return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
	})
	if missing != "" {
		// An empty value would make a link that cannot work; better to fail the send.
		return "", fmt.Errorf("link needs {%s}, but the message has no value for it", missing)
	}
	return link, nil
}

// rebase returns the template with its base, the literal text before its first
// placeholder, replaced by base and one slash (account.Message.LinkBase): for
// "https://app.example.com/activate/{uid}/{token}/" and base
// "https://other.example.com/verify", "https://other.example.com/verify/{uid}/{token}/".
// Only a template whose base is a URL path ending in a slash can be rebased, and base
// must be an absolute http or https URL with nothing after its path; the account
// service has checked its origin, and this is checked again so that no message can
// make the composer write a link of another shape.
func (t linkTemplate) rebase(base string) (linkTemplate, error) {
	if len(t.parts) < 2 || t.parts[0].name != "" || !strings.HasSuffix(t.parts[0].literal, "/") ||
		strings.ContainsAny(t.parts[0].literal, "?#") {
		return linkTemplate{}, errors.New("its link template cannot take another base: it must be a URL path ending in its placeholders")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		strings.ContainsFunc(base, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return linkTemplate{}, errors.New("its link base is not an absolute http or https URL with nothing after its path")
	}
	parts := append([]linkPart{{literal: strings.TrimRight(base, "/") + "/"}}, t.parts[1:]...)
	return linkTemplate{parts: parts}, nil
}

func (t linkTemplate) expand(value func(name string) string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name != "" {
			b.WriteString(value(p.name))
		} else {
			b.WriteString(p.literal)
		}
	}
	return b.String()
}

// knownPlaceholders lists the placeholder names for error messages: "{email}, {token}, ...".
func knownPlaceholders() string {
	names := slices.Sorted(maps.Keys(placeholders))
	for i, n := range names {
		names[i] = "{" + n + "}"
	}
	return strings.Join(names, ", ")
}
