package config

import (
	"strings"
	"testing"
)

func TestUnknownVariables(t *testing.T) {
	table := Table(nil)
	got := UnknownVariables([]string{
		"ACCOUNTD_ADRR=:9090",                           // a typo: named, with the setting meant
		"ACCOUNTD_DATABASE_URL=postgres://x",            // a setting: nothing to say
		"ACCOUNTD_DATBASE_URL=postgres://a:s3cret@h/db", // value never repeated
		"ACCOUNTD_SOMETHING_ELSE_ENTIRELY=1",            // no guess: where the list is
		"PATH=/usr/bin", "ACCOUNTD=1",                   // not ACCOUNTD_*
		"ACCOUNTD_METRICS=true", // retired: what replaces it
	}, table)
	want := []string{
		"ACCOUNTD_ADRR is not a setting and is ignored (did you mean ACCOUNTD_ADDR?)",
		"ACCOUNTD_DATBASE_URL is not a setting and is ignored (did you mean ACCOUNTD_DATABASE_URL?)",
		"ACCOUNTD_METRICS is not a setting and is ignored: metrics left the API's port for a listener of their own: set ACCOUNTD_METRICS_ADDR (127.0.0.1:9090, say) to serve them",
		"ACCOUNTD_SOMETHING_ELSE_ENTIRELY is not a setting and is ignored (`accountd serve -h` lists the settings)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"ADDR", "ADDR", 0}, {"ADRR", "ADDR", 1}, {"ADR", "ADDR", 1}, {"ADDRS", "ADDR", 1},
		{"ISSUER", "ISUSER", 1}, {"", "ABC", 3}, {"KITTEN", "SITTING", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
