package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Setting is one row of the settings table: an ACCOUNTD_* environment variable, the
// command-line flag named after it (ACCOUNTD_DATABASE_URL → -database-url), its default
// and its usage, which --help and the README show, and how its text is read into a
// Config. The server's own rows are in this package; each compatibility profile brings
// its own (Profile).
type Setting struct {
	// Env is the environment variable: ACCOUNTD_ and the name in upper case.
	Env string
	// Default is the text used when neither the environment nor a flag gives one.
	Default string
	// Usage says in one line what the setting does, for -h and docs/configuration.md;
	// `backquotes` mark literal values (code in Markdown, dropped in -h).
	Usage string
	// Essential: the README's short table of the settings a newcomer sets first lists
	// it too (docs/configuration.md lists them all).
	Essential bool
	// Secret: the value may hold credentials (a URL's password), which String masks.
	Secret bool
	// Hidden: the whole value is a secret, which String prints as xxxxx.
	Hidden bool
	// Set reads the text into c, or says in a few words why it cannot; Load puts the
	// variable's name in front, so the message need not repeat it.
	Set func(c *Config, v string) error
}

// Profile is what config knows of a compatibility profile: the name ACCOUNTD_COMPAT
// takes, and the rows of its own settings (ACCOUNTD_<PROFILE>_*), which fill a Section.
// The profiles themselves (internal/compat/...) import config, so config cannot import
// them: the app hands their list to Load.
type Profile struct {
	Name     string
	Settings []Setting
}

// Section is the place in a Config for the settings of one compatibility profile, which
// config does not know: a T that the profile declares, filled by the profile's rows
// (Field) and read back when the profile is built.
//
//	var section = config.NewSection[Settings]("djoser")
//	section.In(&cfg).FrontendURL
type Section[T any] struct{ name string }

// NewSection returns the section of the profile called name; a profile declares its
// section once, in a package variable.
func NewSection[T any](name string) Section[T] { return Section[T]{name: name} }

// In returns the section's settings in c, to read or to change (tests do), zero until
// Load fills them. A copy of a Config shares its sections with the original, as it does
// its slices: change them on the Config that is passed on.
func (s Section[T]) In(c *Config) *T {
	if v, ok := c.sections[s.name].(*T); ok {
		return v
	}
	if c.sections == nil {
		c.sections = map[string]any{}
	}
	v := new(T)
	c.sections[s.name] = v
	return v
}

// Field returns the Set function of a profile's row: parse reads the text (String,
// Bool, Duration and the like, or the profile's own), and the value goes into the
// field of the section's settings that field points at.
func Field[T, V any](s Section[T], field func(*T) *V, parse func(string) (V, error)) func(*Config, string) error {
	return func(c *Config, v string) error {
		x, err := parse(v)
		if err != nil {
			return err
		}
		*field(s.In(c)) = x
		return nil
	}
}

// bind is Field for the server's own settings, which are fields of Config.
func bind[V any](field func(c *Config) *V, parse func(string) (V, error)) func(*Config, string) error {
	return func(c *Config, v string) error {
		x, err := parse(v)
		if err != nil {
			return err
		}
		*field(c) = x
		return nil
	}
}

func str(f func(c *Config) *string) func(*Config, string) error { return bind(f, String) }

func duration(f func(c *Config) *time.Duration) func(*Config, string) error {
	return bind(f, Duration)
}

func optionalDuration(f func(c *Config) *time.Duration) func(*Config, string) error {
	return bind(f, OptionalDuration)
}

func boolean(f func(c *Config) *bool) func(*Config, string) error { return bind(f, Bool) }

func integer(f func(c *Config) *int, min int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", v)
		}
		if n < min {
			return fmt.Errorf("must be at least %d, got %d", min, n)
		}
		*f(c) = n
		return nil
	}
}

func oneOf(f func(c *Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		for _, a := range allowed {
			if v == a {
				*f(c) = v
				return nil
			}
		}
		return fmt.Errorf("must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}
