package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseProc(t *testing.T) {
	t.Run("stat_cpu_after_a_command_with_spaces_and_parens", func(t *testing.T) {
		line := "4242 (accountd (x) y) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 125 0 0 20 0 9 0 100 0 0\n"
		got, err := parseStatCPU([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if want := 375 * time.Second / clockTicks; got != want {
			t.Fatalf("CPU = %v, want %v (utime 250 + stime 125 ticks)", got, want)
		}
	})
	t.Run("short_stat_refused", func(t *testing.T) {
		if _, err := parseStatCPU([]byte("1 (x) S 1 2")); err == nil {
			t.Fatal("no error for a truncated stat line")
		}
	})
	t.Run("status_rss_and_peak", func(t *testing.T) {
		m, err := parseStatusMemory(strings.NewReader("Name:\taccountd\nVmHWM:\t  90112 kB\nVmRSS:\t  40960 kB\nThreads:\t9\n"))
		if err != nil {
			t.Fatal(err)
		}
		if m.RSS != 40<<20 || m.Peak != 88<<20 {
			t.Fatalf("RSS %d peak %d, want 40 MiB and 88 MiB", m.RSS, m.Peak)
		}
	})
	t.Run("status_without_rss_refused", func(t *testing.T) {
		if _, err := parseStatusMemory(strings.NewReader("Name:\tzombie\n")); err == nil {
			t.Fatal("no error without VmRSS")
		}
	})
	t.Run("machine_busy_leaves_out_idle_iowait_and_guest", func(t *testing.T) {
		// user nice system idle iowait irq softirq steal guest guest_nice
		got, err := parseMachineBusy([]byte("cpu  100 10 50 9000 40 5 5 2 30 0\ncpu0 1 2 3 4\n"))
		if err != nil {
			t.Fatal(err)
		}
		if want := 172 * time.Second / clockTicks; got != want {
			t.Fatalf("busy = %v, want %v", got, want)
		}
	})
	t.Run("metric_value", func(t *testing.T) {
		body := []byte("# HELP go_goroutines x\ngo_goroutines_total 99\ngo_goroutines 12\ngo_sql_open_connections{db_name=\"accountd\"} 4\n")
		if g, c, none := metricValue(body, "go_goroutines"), metricValue(body, "go_sql_open_connections"), metricValue(body, "nope"); g != 12 || c != 4 || none != -1 {
			t.Fatalf("goroutines %v connections %v missing %v; want 12, 4, -1", g, c, none)
		}
	})
}
