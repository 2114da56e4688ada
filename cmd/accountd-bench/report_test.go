package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestFormatting(t *testing.T) {
	for in, want := range map[time.Duration]string{
		0: "0", 812 * time.Microsecond: "812µs", 4312 * time.Microsecond: "4.31ms",
		43120 * time.Microsecond: "43.1ms", 431 * time.Millisecond: "431ms", 1200 * time.Millisecond: "1.20s",
	} {
		if got := fmtDuration(in); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := fmtCount(in); got != want {
			t.Errorf("fmtCount(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{42.04: "42.0", 99.96: "100.0", 100.4: "100", 12345.6: "12,346"} {
		if got := fmtRate(in); got != want {
			t.Errorf("fmtRate(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestTargetVerdict(t *testing.T) {
	for name, tc := range map[string]struct {
		t    Target
		want string
	}{
		"at_least_met":       {Target{Ratio: 0.6, Bound: 0.6}, "PASS"},
		"at_least_missed":    {Target{Ratio: 0.59, Bound: 0.6}, "FAIL"},
		"at_most_met":        {Target{Ratio: 5, Bound: 5, AtMost: true}, "PASS"},
		"at_most_missed":     {Target{Ratio: 5.01, Bound: 5, AtMost: true}, "FAIL"},
		"not_measured_is_na": {Target{NA: "not served", Bound: 0.6}, "n/a"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tc.t.Verdict(); got != tc.want {
				t.Fatalf("Verdict = %s, want %s", got, tc.want)
			}
		})
	}
}

func sampleOf(rps float64, p50, p99 time.Duration, errors int) *Sample {
	n := int(rps * 10)
	s := &Sample{Requests: n, Errors: errors, Elapsed: 10 * time.Second}
	for i := range n {
		s.Latencies = append(s.Latencies, p50)
		if i >= n*98/100 {
			s.Latencies[i] = p99
		}
	}
	return s
}

func testResults() *Results {
	pg := &StoreResults{Name: "PostgreSQL", Version: "15.20", Required: true, Users: 1000, BigUsers: 1_000_000}
	pg.Ceilings = []Row{{Key: ceilingSelect, Name: ceilingNames[ceilingSelect], Sample: sampleOf(10000, time.Millisecond, 3*time.Millisecond, 0)}}
	pg.Runs = [][]Row{{
		{Key: scenarioMe.Key, Name: scenarioMe.Name, Sample: sampleOf(7000, 2*time.Millisecond, 6*time.Millisecond, 0), Against: "(b)", AgainstRPS: 10000},
		{Key: scenarioLogin.Key, Name: scenarioLogin.Name, Sample: sampleOf(80, 400*time.Millisecond, 500*time.Millisecond, 0), Against: "(d)", AgainstRPS: 100},
		{Key: scenarioRefresh.Key, Name: scenarioRefresh.Name, Sample: sampleOf(2000, 8*time.Millisecond, 60*time.Millisecond, 2), Against: "(c)", AgainstRPS: 5000},
		{Key: scenarioDjoser.Key, Name: scenarioDjoser.Name, NA: "not served by this build (404)"},
	}}
	pg.Big = []Row{{Key: scenarioMe.Key, Name: scenarioMe.Name, Sample: sampleOf(6000, 2*time.Millisecond, 6*time.Millisecond, 0), Against: "1,000 users", AgainstRPS: 7000}}
	pg.Memory = []MemPoint{
		{Label: "after run 1", Memory: Memory{RSS: 40 << 20, Peak: 90 << 20}},
		{Label: "after run 2", Memory: Memory{RSS: 41 << 20, Peak: 90 << 20}},
		{Label: "after the whole run", Final: true, Memory: Memory{RSS: 70 << 20, Peak: 90 << 20}},
	}
	pg.Runs = append(pg.Runs, pg.Runs[0])
	res := &Results{Started: time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC), Settings: Settings{Users: 1000, Connections: 32}}
	res.Finished = res.Started.Add(5 * time.Minute)
	res.Stores = []*StoreResults{pg}
	pg.Targets = evaluate(pg)
	return res
}

func findTarget(t *testing.T, ts []Target, prefix string) Target {
	t.Helper()
	for _, x := range ts {
		if strings.HasPrefix(x.Name, prefix) {
			return x
		}
	}
	t.Fatalf("no target %q among %d", prefix, len(ts))
	return Target{}
}

func TestEvaluate(t *testing.T) {
	ts := testResults().Stores[0].Targets
	for name, tc := range map[string]struct {
		prefix, verdict string
		ratio           float64
	}{
		"me_vs_select_ratio":         {"GET /v1/me ≥", "PASS", 0.7},
		"login_vs_hash_ratio":        {"POST /v1/auth/login ≥", "FAIL", 0.8},
		"refresh_vs_insert_ratio":    {"POST /v1/auth/refresh ≥", "FAIL", 0.4},
		"tail_ratio":                 {"p99 ≤ 5 × p50: POST /v1/auth/refresh", "FAIL", 7.5},
		"errors_counted_every_run":   {"zero errors", "FAIL", 4},
		"rss_of_the_last_reading":    {"server RSS", "FAIL", 70},
		"growth_between_equal_runs":  {"no RSS growth", "PASS", 41.0 / 40},
		"scaling_is_slowdown_factor": {"GET /v1/me with 1,000,000", "PASS", 7000.0 / 6000},
		"missing_scenario_is_na":     {"p99 ≤ 5 × p50: GET /api/users/me/", "n/a", 0},
		"register_not_measured_na":   {"POST /v1/auth/register", "n/a", 0},
	} {
		t.Run(name, func(t *testing.T) {
			x := findTarget(t, ts, tc.prefix)
			if x.Verdict() != tc.verdict || (x.NA == "" && (x.Ratio < tc.ratio-1e-9 || x.Ratio > tc.ratio+1e-9)) {
				t.Fatalf("%s: %s %v, want %s %v", x.Name, x.Verdict(), x.Ratio, tc.verdict, tc.ratio)
			}
		})
	}
}

func TestFormatMarkdown(t *testing.T) {
	md := FormatMarkdown(testResults())
	for _, want := range []string{
		"# accountd bench, 2026-11-23 17:00 UTC",
		"## PostgreSQL 15.20",
		"| GET /v1/me | 7,000 | 2.00ms | 6.00ms | 6.00ms | 0 | 0.000 |  | 0.70× (b) | 0% |",
		"| GET /api/users/me/ (djoser) | n/a |",
		"| PASS | GET /v1/me ≥ 0.6 × ceiling (b) | 0.70× | ≥ 0.60× |",
		"| FAIL | server RSS ≤ 64 MiB after the whole run | 70.0 MiB | ≤ 64.0 MiB |",
		"| n/a | p99 ≤ 5 × p50: GET /api/users/me/ (djoser) | n/a |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestSpliceReadme(t *testing.T) {
	readme := "# accountd\n\n## Performance\n\nintro\n\n" + readmeBegin + "\nold table\n" + readmeEnd + "\n\n## Next\n"
	t.Run("replaces_between_markers_and_demotes_headings", func(t *testing.T) {
		out, err := spliceReadme(readme, "# bench\n\n## PostgreSQL\n\n| a |\n")
		if err != nil {
			t.Fatal(err)
		}
		want := "# accountd\n\n## Performance\n\nintro\n\n" + readmeBegin + "\n### bench\n\n#### PostgreSQL\n\n| a |\n" + readmeEnd + "\n\n## Next\n"
		if out != want {
			t.Fatalf("got\n%s\nwant\n%s", out, want)
		}
	})
	t.Run("no_markers_refused", func(t *testing.T) {
		if _, err := spliceReadme("# accountd\n", "# bench\n"); err == nil {
			t.Fatal("no error for a README without markers")
		}
	})
}

func TestFormatReadme(t *testing.T) {
	md := FormatReadme(testResults(), "bench/results/2026-11-23.md")
	for _, want := range []string{
		"Latest run, 2026-11-23:",
		"Full results (second run, memory): `bench/results/2026-11-23.md`.",
		"| GET /v1/me, 1,000,000 users | 6,000 |",
		"| PASS | GET /v1/me ≥ 0.6 × ceiling (b) | 0.70× | ≥ 0.60× |",
		"| n/a | p99 ≤ 5 × p50: GET /api/users/me/ (djoser) | n/a (not served by this build (404)) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("README section lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "run 2") || strings.HasPrefix(md, "#") {
		t.Errorf("README section has the second run or a heading of its own:\n%s", md)
	}
}

// TestPerformancePageHasMarkers: the page `make bench` writes its latest figures into by
// default (docs/performance.md, since the README was split) has the markers, so a run
// does not end with "not updated".
func TestPerformancePageHasMarkers(t *testing.T) {
	page, err := os.ReadFile("../../docs/performance.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spliceReadme(string(page), "table\n"); err != nil {
		t.Errorf("docs/performance.md: %v", err)
	}
}
