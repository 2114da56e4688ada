package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/accountd/accountd/internal/account"
)

// redirectOrigins reads ACCOUNTD_ALLOWED_REDIRECT_ORIGINS: the origins of the pages a
// client may ask emailed links to open (account.Options.LinkOrigins), comma-separated.
// Each must be an origin alone, scheme and host (and port), and is kept as browsers
// write it (account.OriginOf), which is how requested pages are compared with it. A
// wildcard is refused: it would let any page receive the tokens the links carry.
func redirectOrigins(c *Config, v string) error {
	c.AllowedRedirectOrigins = nil
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		u, err := url.Parse(o)
		origin, ok := account.OriginOf(o)
		if err != nil || !ok || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("not an origin such as https://app.example.com: %q", o)
		}
		c.AllowedRedirectOrigins = append(c.AllowedRedirectOrigins, origin)
	}
	return nil
}
