package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The readers below turn a setting's text into a value, or say in a few words why they
// cannot (Load names the setting). The server's rows use them, and so do the
// compatibility profiles' rows, through Field.

// String reads any text, the empty one included.
func String(v string) (string, error) { return v, nil }

// Bool reads true or false (and the other spellings strconv.ParseBool takes).
func Bool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("not true or false: %q", v)
	}
	return b, nil
}

// Duration reads a positive duration such as 15m.
func Duration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("not a positive duration such as 15m or 48h: %q", v)
	}
	return d, nil
}

// OptionalDuration reads a positive duration, or "off" (or "0") for none, as 0.
func OptionalDuration(v string) (time.Duration, error) {
	if v == "off" || v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("not a positive duration such as 15m or 48h, or off: %q", v)
	}
	return d, nil
}

// DurationUpTo reads a positive duration no longer than limit.
func DurationUpTo(limit time.Duration) func(string) (time.Duration, error) {
	return func(v string) (time.Duration, error) {
		d, err := Duration(v)
		if err != nil {
			return 0, err
		}
		if d > limit {
			return 0, fmt.Errorf("must be at most %v, got %q", limit, v)
		}
		return d, nil
	}
}

// Containing reads a link template that must carry the given placeholders: a signed
// link without its signature, say, could never work. The mail package checks the rest
// of the template's shape when the app starts.
func Containing(required ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		for _, p := range required {
			if !strings.Contains(v, p) {
				return "", fmt.Errorf("must contain %s", strings.Join(required, ", "))
			}
		}
		return v, nil
	}
}
