package ratelimit_test

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/ratelimit"
)

func TestParseRule(t *testing.T) {
	valid := []struct {
		in   string
		want ratelimit.Rule
		str  string
	}{
		{"10/1m", ratelimit.Rule{Limit: 10, Window: time.Minute}, "10/1m"},
		{"5/15m", ratelimit.Rule{Limit: 5, Window: 15 * time.Minute}, "5/15m"},
		{"100/1h", ratelimit.Rule{Limit: 100, Window: time.Hour}, "100/1h"},
		{"3/30s", ratelimit.Rule{Limit: 3, Window: 30 * time.Second}, "3/30s"},
		{"20/1d", ratelimit.Rule{Limit: 20, Window: 24 * time.Hour}, "20/1d"},
		{"20/24h", ratelimit.Rule{Limit: 20, Window: 24 * time.Hour}, "20/1d"},
		{"7/1h30m", ratelimit.Rule{Limit: 7, Window: 90 * time.Minute}, "7/90m"},
		{"1/1500ms", ratelimit.Rule{Limit: 1, Window: 1500 * time.Millisecond}, "1/1.5s"},
		{" 10 / 1m ", ratelimit.Rule{Limit: 10, Window: time.Minute}, "10/1m"},
		{"2147483647/1s", ratelimit.Rule{Limit: 2147483647, Window: time.Second}, "2147483647/1s"},
		{"off", ratelimit.Rule{}, "off"},
		{"OFF", ratelimit.Rule{}, "off"},
		{" Off ", ratelimit.Rule{}, "off"},
		{"0", ratelimit.Rule{}, "off"},
	}
	for _, tc := range valid {
		t.Run("valid/"+tc.in, func(t *testing.T) {
			got, err := ratelimit.ParseRule(tc.in)
			if err != nil {
				t.Fatalf("ParseRule(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseRule(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if got.Disabled() != (tc.want.Limit == 0) {
				t.Errorf("ParseRule(%q).Disabled() = %v", tc.in, got.Disabled())
			}
			if s := got.String(); s != tc.str {
				t.Errorf("String() = %q, want %q", s, tc.str)
			}
			// String is read back to the same rule.
			if again, err := ratelimit.ParseRule(got.String()); err != nil || again != got {
				t.Errorf("ParseRule(%q) = %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}

	invalid := []struct{ in, why string }{
		{"", "no \"/\""},
		{"10", "no \"/\""},
		{"10 per minute", "no \"/\""},
		{"0/1m", "limit must be between 1"}, // "off" or "allow nothing"? Neither is guessed.
		{"-1/1m", "limit must be between 1"},
		{"2147483648/1m", "limit must be between 1"},
		{"ten/1m", "limit is not a whole number"},
		{"1.5/1m", "limit is not a whole number"},
		{"10/", "window is not a duration"},
		{"10/m", "window is not a duration"},
		{"10/1 minute", "window is not a duration"},
		{"10/500ms", "window must be at least 1s"},
		{"10/-1m", "window must be at least 1s"},
		{"10/0s", "window must be at least 1s"},
		{"10/1.5d", "whole number of days"},
		{"10/0d", "whole number of days"},
		{"10/99999999d", "whole number of days"},
		{"on", "no \"/\""},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.in, func(t *testing.T) {
			got, err := ratelimit.ParseRule(tc.in)
			if err == nil {
				t.Fatalf("ParseRule(%q) = %+v, want an error", tc.in, got)
			}
			msg := err.Error()
			// The error says what went wrong and what form is expected.
			for _, want := range []string{tc.why, `"10/1m"`, `"off"`} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		})
	}
}

func TestRuleString(t *testing.T) {
	for _, tc := range []struct {
		r    ratelimit.Rule
		want string
	}{
		{ratelimit.Rule{}, "off"},
		{ratelimit.Rule{Window: time.Hour}, "off"},
		{ratelimit.Rule{Limit: 1, Window: 48 * time.Hour}, "1/2d"},
		{ratelimit.Rule{Limit: 1, Window: 36 * time.Hour}, "1/36h"},
		{ratelimit.Rule{Limit: 1, Window: 250 * time.Millisecond}, "1/250ms"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestRuleAsFlag(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var r ratelimit.Rule
	fs.TextVar(&r, "login-rate", ratelimit.Rule{Limit: 10, Window: time.Minute}, "login rate")
	if r != (ratelimit.Rule{Limit: 10, Window: time.Minute}) {
		t.Errorf("default = %+v", r)
	}
	if err := fs.Parse([]string{"-login-rate=5/15m"}); err != nil {
		t.Fatal(err)
	}
	if r != (ratelimit.Rule{Limit: 5, Window: 15 * time.Minute}) {
		t.Errorf("parsed = %+v", r)
	}
	fs.SetOutput(new(strings.Builder))
	if err := fs.Parse([]string{"-login-rate=5"}); err == nil {
		t.Error("bad flag value accepted")
	}
}
