package account

import (
	"net"
	"net/url"
	"slices"
	"strings"
)

// A client may ask for the links of the emails its request sends to open its own page
// rather than the configured one (the jwt-accounts API's verification_base_url). Where an
// emailed link points is a security decision: the link carries a token that activates an
// account or sets its password, so a link to a stranger's page hands that token to the
// stranger. The service therefore honours only pages whose origin the operator listed
// (Options.LinkOrigins, ACCOUNTD_ALLOWED_REDIRECT_ORIGINS), and nothing else a request
// carries (its Host or X-Forwarded-Host header, say) ever reaches a link.

// linkBaseField is the field a refused link base is reported under; each API names it
// in its own words.
const linkBaseField = "link_base"

// maxLinkBaseLen bounds a requested link base, which ends up in an email.
const maxLinkBaseLen = 2048

// EmailLinksUnder returns a Service like s whose emails link under base instead of under
// their configured page: the link of an email of a flow whose link template ends in its
// placeholders (a path such as "/{uid}/{token}/") becomes base, a slash and that path
// (see Message.LinkBase). Everything else is shared with s; it costs a copy of the
// Service struct, nothing more.
//
// base must be an absolute http or https URL without user info, query or fragment, whose
// origin is one of Options.LinkOrigins; otherwise the answer is a ValidationError on
// field "link_base" and nothing is stored or sent. An empty base returns s itself: the
// configured page.
func (s *Service) EmailLinksUnder(base string) (*Service, error) {
	if base == "" {
		return s, nil
	}
	origin, path, ok := splitLinkBase(base)
	if !ok {
		return nil, Invalid(linkBaseField, "format", "must be an absolute http or https URL without user, query or fragment")
	}
	if !slices.Contains(s.opt.LinkOrigins, origin) {
		return nil, Invalid(linkBaseField, "origin_not_allowed", "is not on a page this service may link to")
	}
	c := *s
	// Written back from its parts, the origin as browsers write it: the link is the
	// page asked for, in the form mail clients recognise as a link.
	c.linkBase = origin + path
	return &c, nil
}

// splitLinkBase returns the origin and the escaped path of a URL fit to be a link base:
// absolute http or https with a host, nothing but the path after it, and no character
// that could end or bend a link in an email (spaces, controls, backslashes, which some
// browsers read as slashes).
func splitLinkBase(raw string) (origin, path string, ok bool) {
	if len(raw) > maxLinkBaseLen || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return "", "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", "", false
	}
	origin, ok = OriginOf(raw)
	return origin, u.EscapedPath(), ok
}

// OriginOf returns the origin of an absolute http or https URL as browsers write it:
// scheme and host in lower case, and the port only when it is not the scheme's default
// ("https://app.example.com", "http://localhost:3000"). ok is false for any other URL,
// and for one whose host is empty or not a plain host name or IP address.
func OriginOf(raw string) (origin string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || strings.ContainsAny(host, "@/?#%") {
		return "", false
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 address keeps its brackets
	}
	return scheme + "://" + host, true
}
