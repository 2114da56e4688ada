package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rule allows Limit events per Window. The zero Rule, like any Rule with Limit 0, is
// disabled: it allows everything.
type Rule struct {
	Limit  int
	Window time.Duration
}

// ruleForm is what ParseRule accepts, for its error messages.
const ruleForm = `want "<limit>/<window>" such as "10/1m", "5/15m", "100/1h" or "20/1d" ` +
	`(limit a whole number from 1, window a duration from 1s: s, m, h or whole days d), ` +
	`or "off" (or "0") to disable the limit`

// ParseRule parses a rule as written in configuration: "<limit>/<window>" such as
// "10/1m", "5/15m" or "100/1h", where the window is a Go duration of at least one second
// ("90s", "1h30m") or a whole number of days ("1d"). "off" or "0" give a disabled rule.
// "0/1m" is refused rather than guessed at: it could mean "off" or "allow nothing".
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") || s == "0" {
		return Rule{}, nil
	}
	bad := func(why string) (Rule, error) {
		return Rule{}, fmt.Errorf("ratelimit: invalid rule %q: %s; %s", s, why, ruleForm)
	}
	limitText, windowText, ok := strings.Cut(s, "/")
	if !ok {
		return bad("no \"/\" between limit and window")
	}
	limit, err := strconv.Atoi(strings.TrimSpace(limitText))
	if err != nil {
		return bad("limit is not a whole number")
	}
	if limit < 1 || limit > math.MaxInt32 {
		return bad(fmt.Sprintf("limit must be between 1 and %d", math.MaxInt32))
	}
	window, err := parseWindow(strings.TrimSpace(windowText))
	if err != nil {
		return bad(err.Error())
	}
	if window < time.Second {
		return bad("window must be at least 1s")
	}
	r := Rule{Limit: limit, Window: window}
	if err := r.validate(); err != nil {
		return bad(err.Error())
	}
	return r, nil
}

// parseWindow parses a Go duration or a whole number of days ("7d").
func parseWindow(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > math.MaxInt64/int(24*time.Hour) {
			return 0, errors.New("window in days must be a whole number of days such as 1d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("window is not a duration")
	}
	return d, nil
}

// Disabled reports whether r allows everything (Limit 0).
func (r Rule) Disabled() bool { return r.Limit == 0 }

// String returns r in the form ParseRule reads: "off" when disabled, else "10/1m".
func (r Rule) String() string {
	if r.Disabled() {
		return "off"
	}
	return strconv.Itoa(r.Limit) + "/" + formatWindow(r.Window)
}

// formatWindow writes d in its largest whole unit ("15m", "2h", "1d"), which ParseRule
// reads back; other durations as time.Duration writes them.
func formatWindow(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d > 0 && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return d.String()
}

// MarshalText implements encoding.TextMarshaler with String's form.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseRule, so that a Rule can be
// a configuration value (flag.TextVar, environment decoding).
func (r *Rule) UnmarshalText(text []byte) error {
	parsed, err := ParseRule(string(text))
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// validate checks an enabled rule built in code (ParseRule's rules always pass). The
// counters work in whole microseconds, PostgreSQL's resolution, and the PostgreSQL
// counter columns are 32-bit.
func (r Rule) validate() error {
	switch {
	case r.Limit < 0:
		return fmt.Errorf("ratelimit: rule %d/%s: negative limit (use 0 to disable)", r.Limit, r.Window)
	case r.Limit > math.MaxInt32:
		return fmt.Errorf("ratelimit: rule %d/%s: limit above %d", r.Limit, r.Window, math.MaxInt32)
	case r.Window < time.Microsecond || r.Window%time.Microsecond != 0:
		return fmt.Errorf("ratelimit: rule %d/%s: window must be a positive whole number of microseconds", r.Limit, r.Window)
	}
	return nil
}
