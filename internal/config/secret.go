package config

import "fmt"

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
