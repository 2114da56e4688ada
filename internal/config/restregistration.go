package config

import (
	"fmt"
	"strings"
	"time"
)

// RestRegistration configures the rest-registration compatibility profile.
type RestRegistration struct {
	// The frontend pages its emailed links open, with the signed link's parameters.
	VerifyRegistrationURL string
	ResetPasswordURL      string
	VerifyEmailURL        string
	// TokenTTL is how long its login token lives: the API has no refresh token.
	TokenTTL time.Duration
	// ResetUnknownEmail404 answers 404 to a reset link asked for an unknown address.
	ResetUnknownEmail404 bool
}

// signedLinkURL reads a link template that must carry the given placeholders: a signed
// link without its signature, say, could never work. The mail package checks the rest
// of the template's shape when the app starts.
func signedLinkURL(f func(c *Config) *string, required ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		for _, p := range required {
			if !strings.Contains(v, p) {
				return fmt.Errorf("must contain %s", strings.Join(required, ", "))
			}
		}
		*f(c) = v
		return nil
	}
}

// durationUpTo reads a positive duration no longer than limit.
func durationUpTo(f func(c *Config) *time.Duration, limit time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		if err := duration(f)(c, v); err != nil {
			return err
		}
		if *f(c) > limit {
			return fmt.Errorf("must be at most %v, got %q", limit, v)
		}
		return nil
	}
}

// minLinkSecret is the shortest link secret accepted: with fewer characters than an
// HMAC-SHA256 key has bytes, the key would be the weak part.
const minLinkSecret = 32

// linkSecret reads the key of signed links: empty (derive one) or at least 32 characters.
func linkSecret(f func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v != "" && len(v) < minLinkSecret {
			// Never the value itself: it is a secret.
			return fmt.Errorf("must be at least %d characters, got %d", minLinkSecret, len(v))
		}
		*f(c) = v
		return nil
	}
}
