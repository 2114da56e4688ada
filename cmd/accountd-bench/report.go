package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fmtDuration prints a latency with three significant digits: 812µs, 4.31ms, 1.20s.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64) + "µs"
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
	case d < 100*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

// fmtRate prints requests per second: whole numbers from 100 up, one decimal below.
func fmtRate(r float64) string {
	if r < 100 {
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return fmtCount(int(r + 0.5))
}

// fmtCount prints n with thousands separators: 1,000,000.
func fmtCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtRatio prints a target's ratio with its unit.
func fmtRatio(v float64, unit string) string {
	switch unit {
	case " errors":
		return strconv.Itoa(int(v)) + unit
	case " MiB":
		return strconv.FormatFloat(v, 'f', 1, 64) + unit
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + unit
}

// bound prints a target's bound: "≥ 0.60×", "≤ 64.0 MiB".
func (t Target) bound() string {
	op := "≥"
	if t.AtMost {
		op = "≤"
	}
	return op + " " + fmtRatio(t.Bound, t.Unit)
}

const tableHeader = "| | req/s | p50 | p99 | max | errors | CPU s / 1k req: server | database | ratio | busy elsewhere |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n"

func tableRow(b *strings.Builder, r Row) {
	if r.Sample == nil {
		fmt.Fprintf(b, "| %s | n/a | | | | | | | %s | |\n", r.Name, r.NA)
		return
	}
	s := r.Sample
	ratio := ""
	if r.AgainstRPS > 0 {
		ratio = fmt.Sprintf("%.2f× %s", r.Ratio(), r.Against)
		if r.Dropped > 0 {
			ratio += fmt.Sprintf(" (%d busy pairs again)", r.Dropped)
		}
	}
	cpu, db := strconv.FormatFloat(s.CPUPer1k(), 'f', 3, 64), strconv.FormatFloat(s.DBCPUPer1k(), 'f', 3, 64)
	if s.DBCPU == 0 {
		db = "" // SQLite runs inside the server
	}
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %d | %s | %s | %s | %.0f%% |\n", r.Name, fmtRate(s.RPS()),
		fmtDuration(s.P50()), fmtDuration(s.P99()), fmtDuration(s.Max()), s.Errors, cpu, db, ratio, 100*s.ElsewhereShare())
}

// FormatMarkdown writes the results file: machine, versions, settings, a table per
// database, and the targets with their ratios.
func FormatMarkdown(res *Results) string {
	var b strings.Builder
	m, set := res.Machine, res.Settings
	fmt.Fprintf(&b, "# accountd bench, %s\n\n", res.Started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- Machine: %s, %d cores, %.1f GiB, Linux %s; load average %s at the start\n", m.CPU, m.Cores, m.MemoryGB, m.Kernel, m.LoadAvg)
	fmt.Fprintf(&b, "- Versions: %s, accountd %s", m.Go, m.Commit)
	if m.Postgres != "" {
		fmt.Fprintf(&b, ", PostgreSQL %s", m.Postgres)
	}
	if m.SQLite != "" {
		fmt.Fprintf(&b, ", SQLite %s", m.SQLite)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- Load: %d keep-alive connections, each scenario measured for %s (login and register, one hash each, in windows half as long, three times as long on PostgreSQL) after %s of warm-up; "+
		"ratios compare with what ran in alternating %s windows alongside; %s users seeded; database pool %d (2 × cores unless -pool says otherwise; accountd's default is 20); argon2id m=%d KiB t=%d p=%d; rate limits off; emails to the console (/dev/null)\n",
		set.Connections, set.Duration, set.Warmup, res.Slice, fmtCount(set.Users), set.Pool, set.Argon2.Memory, set.Argon2.Time, set.Argon2.Threads)
	fmt.Fprintf(&b, "- Took %s. Reproduce with `make bench` (flags: `make bench BENCHFLAGS='-d 8s -c 32'`).\n\n",
		res.Finished.Sub(res.Started).Round(time.Second))

	for _, sr := range res.Stores {
		fmt.Fprintf(&b, "## %s %s\n\n", sr.Name, sr.Version)
		b.WriteString(tableHeader)
		for _, r := range sr.Ceilings {
			tableRow(&b, r)
		}
		if len(sr.Runs) > 0 {
			for _, r := range sr.Runs[0] {
				tableRow(&b, r)
			}
		}
		b.WriteString("\n")
		if len(sr.Runs) > 1 {
			b.WriteString("The same scenarios again, run 2 (for memory growth):\n\n")
			b.WriteString(tableHeader)
			for _, r := range sr.Runs[1] {
				tableRow(&b, r)
			}
			b.WriteString("\n")
		}
		if sr.Big != nil {
			fmt.Fprintf(&b, "With %s users (bulk-loaded with COPY):\n\n", fmtCount(sr.BigUsers))
			b.WriteString(tableHeader)
			for _, r := range sr.Big {
				tableRow(&b, r)
			}
			b.WriteString("\n")
		}
		if len(sr.Memory) > 0 {
			fmt.Fprintf(&b, "accountd's memory after %s at rest:\n\n", restBeforeSnapshot)
			b.WriteString("| accountd | RSS | peak RSS | heap in use | goroutines | DB connections |\n|---|---:|---:|---:|---:|---:|\n")
			for _, p := range sr.Memory {
				fmt.Fprintf(&b, "| %s | %.1f MiB | %.1f MiB | %.1f MiB | %g | %g |\n", p.Label, mib(p.Memory.RSS), mib(p.Memory.Peak),
					p.HeapInuse/(1<<20), p.Goroutines, p.DBConns)
			}
			b.WriteString("\n")
		}
		if len(sr.Targets) > 0 {
			if sr.Required {
				fmt.Fprintf(&b, "Targets on %s:\n\n", sr.Name)
			} else {
				fmt.Fprintf(&b, "The same targets on %s (reported, not required):\n\n", sr.Name)
			}
			b.WriteString("| | target | measured | bound | from |\n|---|---|---:|---:|---|\n")
			for _, t := range sr.Targets {
				measured, detail := fmtRatio(t.Ratio, t.Unit), t.Detail
				if t.NA != "" {
					measured, detail = "n/a", t.NA
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", t.Verdict(), t.Name, measured, t.bound(), detail)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// writeResults writes the report to dir/<date>.md (a later run the same day replaces
// it) and returns the path.
func writeResults(dir string, started time.Time, report string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, started.UTC().Format("2006-01-02")+".md")
	return path, os.WriteFile(path, []byte(report), 0o644)
}

// The generated table of docs/performance.md (the -readme flag) sits between these
// markers.
const (
	readmeBegin = "<!-- bench:begin (written by make bench) -->"
	readmeEnd   = "<!-- bench:end -->"
)

// FormatReadme is docs/performance.md's shorter form of the report: the first run's table and
// the targets on each database, the scaling run, and where the full results are.
func FormatReadme(res *Results, resultsPath string) string {
	var b strings.Builder
	m, set := res.Machine, res.Settings
	fmt.Fprintf(&b, "Latest run, %s: %s, %d cores, load average %s at the start; %s",
		res.Started.UTC().Format("2006-01-02"), m.CPU, m.Cores, m.LoadAvg, m.Go)
	if m.Postgres != "" {
		fmt.Fprintf(&b, ", PostgreSQL %s", m.Postgres)
	}
	if m.SQLite != "" {
		fmt.Fprintf(&b, ", SQLite %s", m.SQLite)
	}
	fmt.Fprintf(&b, "; %d connections, %s per scenario, %s users, pool %d.", set.Connections, set.Duration, fmtCount(set.Users), set.Pool)
	if resultsPath != "" {
		fmt.Fprintf(&b, " Full results (second run, memory): `%s`.", filepath.ToSlash(resultsPath))
	}
	b.WriteString("\n\n")
	for _, sr := range res.Stores {
		fmt.Fprintf(&b, "%s %s:\n\n", sr.Name, sr.Version)
		b.WriteString(tableHeader)
		for _, r := range sr.Ceilings {
			tableRow(&b, r)
		}
		if len(sr.Runs) > 0 {
			for _, r := range sr.Runs[0] {
				tableRow(&b, r)
			}
		}
		for _, r := range sr.Big {
			r.Name += ", " + fmtCount(sr.BigUsers) + " users"
			tableRow(&b, r)
		}
		b.WriteString("\n")
		if sr.Required && len(sr.Targets) > 0 {
			b.WriteString("| | target | measured | bound |\n|---|---|---:|---:|\n")
			for _, t := range sr.Targets {
				measured := fmtRatio(t.Ratio, t.Unit)
				if t.NA != "" {
					measured = "n/a (" + t.NA + ")"
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.Verdict(), t.Name, measured, t.bound())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// updateReadme replaces the text between the markers in the page at path (the README
// once, docs/performance.md now) with the short report.
func updateReadme(path string, res *Results, resultsPath string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := spliceReadme(string(b), FormatReadme(res, resultsPath))
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

func spliceReadme(readme, report string) (string, error) {
	i := strings.Index(readme, readmeBegin)
	j := strings.Index(readme, readmeEnd)
	if i < 0 || j < i {
		return "", errors.New("no " + readmeBegin + " ... " + readmeEnd + " markers")
	}
	var body strings.Builder
	for line := range strings.Lines(report) {
		if strings.HasPrefix(line, "#") {
			line = "##" + line
		}
		body.WriteString(line)
	}
	return readme[:i+len(readmeBegin)] + "\n" + body.String() + readme[j:], nil
}
