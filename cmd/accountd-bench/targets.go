package main

import (
	"fmt"
	"strings"
	"time"
)

// Results is everything one bench run measured.
type Results struct {
	Machine           Machine
	Settings          Settings
	Started, Finished time.Time
	// Slice is the length of the alternating windows.
	Slice  time.Duration
	Stores []*StoreResults
}

// StoreResults are the figures on one database.
type StoreResults struct {
	Name    string // PostgreSQL or SQLite
	Version string
	// Required: the bench fails when one of these targets fails (both stores since
	// issue 17: SQLite is what `make run` and small deployments use).
	Required bool
	Users    int
	BigUsers int
	// Ceilings (a) to (c), those measured on this database.
	Ceilings []Row
	// Runs are identical runs of every scenario; the first is the one the targets read.
	Runs [][]Row
	// Big is the scaling run with BigUsers users (nil when not run).
	Big     []Row
	Memory  []MemPoint
	Targets []Target
}

// Row is one line of a table: a ceiling or a scenario.
type Row struct {
	Key, Name string
	Sample    *Sample // nil when the scenario was not measured
	NA        string  // why it was not
	// Against names what the scenario was measured alongside, in alternating windows
	// (a ceiling, or the same scenario on fewer users), and AgainstRPS is that one's
	// rate over the same windows: the denominator of the scenario's ratio.
	Against    string
	AgainstRPS float64
	// Dropped counts the pairs of windows measured again because the machine was busy
	// elsewhere (see Interleave).
	Dropped int
}

// Ratio is the row's rate over the rate measured alongside it (0 when there is none).
func (r Row) Ratio() float64 {
	if r.Sample == nil || r.AgainstRPS <= 0 {
		return 0
	}
	return r.Sample.RPS() / r.AgainstRPS
}

// MemPoint is accountd's state after a run: memory, goroutines and open database
// connections (-1 when unknown), which must not grow from one run to the next.
type MemPoint struct {
	Label string
	// Final: the process's last reading, after the whole run.
	Final      bool
	Memory     Memory
	HeapInuse  float64
	Goroutines float64
	DBConns    float64
	// DBClosedIdle counts connections the pool closed because its idle limit was full:
	// churn, each one a new PostgreSQL backend to start later.
	DBClosedIdle float64
}

// Target is one requirement, its measured ratio and the bound it must meet.
type Target struct {
	Name string
	// Ratio is the measured value, compared with Bound: at most (AtMost) or at least.
	Ratio, Bound float64
	AtMost       bool
	// Unit follows the numbers: "×", " MiB", " errors".
	Unit string
	// Detail shows what the ratio was computed from.
	Detail string
	// NA: the target could not be measured (an operation not in this build).
	NA string
}

// Pass reports whether the target is met; an n/a target is not failed.
func (t Target) Pass() bool {
	if t.NA != "" {
		return true
	}
	if t.AtMost {
		return t.Ratio <= t.Bound
	}
	return t.Ratio >= t.Bound
}

// Verdict is PASS, FAIL or n/a.
func (t Target) Verdict() string {
	switch {
	case t.NA != "":
		return "n/a"
	case t.Pass():
		return "PASS"
	}
	return "FAIL"
}

func allPass(ts []Target) bool {
	for _, t := range ts {
		if !t.Pass() {
			return false
		}
	}
	return true
}

// The targets' bounds.
const (
	meVsSelect     = 0.6
	hashingVsArgon = 0.85
	// A refresh is one statement on PostgreSQL (three row writes, two of them HOT
	// updates), so it can come close to the one-INSERT ceiling; on SQLite it is a
	// transaction of several statements on the one connection.
	refreshVsInsertPG     = 0.75
	refreshVsInsertSQLite = 0.5
	tailBound             = 5
	rssBoundMiB           = 64
	// peakBoundMiB bounds the peak RSS of the whole run, a login flood included: the
	// hashing slots' memory (19 MiB each, one per core) over RSS at rest.
	peakBoundMiB = 96
	// rssGrowthBound allows for where the garbage collector happens to be when RSS is
	// read; a leak grows well past it.
	rssGrowthBound = 1.05
	scalingBound   = 1.2
)

func findRow(rows []Row, key string) *Row {
	for i := range rows {
		if rows[i].Key == key {
			return &rows[i]
		}
	}
	return nil
}

// vsCeiling is the target "row's rate ≥ bound × the ceiling measured alongside it".
func vsCeiling(name string, row *Row, bound float64) Target {
	t := Target{Name: name, Bound: bound, Unit: "×"}
	switch {
	case row == nil:
		t.NA = "not measured"
	case row.Sample == nil:
		t.NA = row.NA
	case row.AgainstRPS <= 0:
		t.NA = "no ceiling measured alongside"
	default:
		t.Ratio = row.Ratio()
		t.Detail = fmt.Sprintf("%s vs %s per second of %s, in alternating windows", fmtRate(row.Sample.RPS()), fmtRate(row.AgainstRPS), row.Against)
	}
	return t
}

// evaluate checks sr against the targets. The ratios come from the first run, where each
// scenario with a target was measured in alternating windows with its ceiling.
func evaluate(sr *StoreResults) []Target {
	if len(sr.Runs) == 0 {
		return nil
	}
	run := sr.Runs[0]
	refreshBound := refreshVsInsertPG
	if sr.Name == "SQLite" {
		refreshBound = refreshVsInsertSQLite
	}
	ts := []Target{
		vsCeiling(scenarioMe.Name+" ≥ 0.6 × ceiling (b)", findRow(run, scenarioMe.Key), meVsSelect),
		vsCeiling(scenarioLogin.Name+" ≥ 0.85 × ceiling (d)", findRow(run, scenarioLogin.Key), hashingVsArgon),
		vsCeiling(scenarioRegister.Name+" ≥ 0.85 × ceiling (d)", findRow(run, scenarioRegister.Key), hashingVsArgon),
		vsCeiling(fmt.Sprintf("%s ≥ %g × ceiling (c)", scenarioRefresh.Name, refreshBound), findRow(run, scenarioRefresh.Key), refreshBound),
	}

	// Tails in the first run and the scaling run; errors in every drive.
	bigLabel := fmtCount(sr.BigUsers) + " users"
	type drive struct {
		label string
		row   Row
	}
	var drives []drive
	for i, rows := range sr.Runs {
		for _, r := range rows {
			drives = append(drives, drive{fmt.Sprintf("run %d", i+1), r})
		}
	}
	for _, r := range sr.Big {
		drives = append(drives, drive{bigLabel, r})
	}
	errCount := 0
	var errWhere []string
	for _, d := range drives {
		if d.row.Sample == nil {
			continue
		}
		if d.label == "run 1" || d.label == bigLabel {
			t := Target{Name: "p99 ≤ 5 × p50: " + d.row.Name, Bound: tailBound, AtMost: true, Unit: "×"}
			if d.label == bigLabel {
				t.Name += ", " + d.label
			}
			if s := d.row.Sample; s.P50() > 0 {
				t.Ratio = float64(s.P99()) / float64(s.P50())
				t.Detail = fmt.Sprintf("p99 %s, p50 %s", fmtDuration(s.P99()), fmtDuration(s.P50()))
			}
			ts = append(ts, t)
		}
		if n := d.row.Sample.Errors; n > 0 {
			errCount += n
			errWhere = append(errWhere, fmt.Sprintf("%s (%s): %d", d.row.Name, d.label, n))
		}
	}
	for _, d := range drives {
		if d.row.Sample == nil && d.label == "run 1" {
			ts = append(ts, Target{Name: "p99 ≤ 5 × p50: " + d.row.Name, Bound: tailBound, AtMost: true, Unit: "×", NA: d.row.NA})
		}
	}
	errTarget := Target{Name: "zero errors, every scenario and run", Ratio: float64(errCount), AtMost: true, Unit: " errors"}
	if errCount > 0 {
		errTarget.Detail = strings.Join(errWhere, "; ")
	}
	ts = append(ts, errTarget)

	// Memory: the largest RSS of any accountd process at its end, and growth from one
	// identical run to the next.
	var last *MemPoint
	var finals []string
	for i := range sr.Memory {
		p := &sr.Memory[i]
		if !p.Final {
			continue
		}
		finals = append(finals, fmt.Sprintf("%s %.1f MiB (peak %.1f)", p.Label, mib(p.Memory.RSS), mib(p.Memory.Peak)))
		if last == nil || p.Memory.RSS > last.Memory.RSS {
			last = p
		}
	}
	var peak *MemPoint
	for i := range sr.Memory {
		if p := &sr.Memory[i]; peak == nil || p.Memory.Peak > peak.Memory.Peak {
			peak = p
		}
	}
	if peak != nil {
		ts = append(ts, Target{Name: "server peak RSS ≤ 96 MiB, the whole run (login floods included)", Ratio: mib(peak.Memory.Peak),
			Bound: peakBoundMiB, AtMost: true, Unit: " MiB",
			Detail: fmt.Sprintf("the highest, %s; RSS at rest %.1f MiB", peak.Label, mib(peak.Memory.RSS))})
	}
	if last != nil {
		ts = append(ts, Target{Name: "server RSS ≤ 64 MiB after the whole run", Ratio: mib(last.Memory.RSS), Bound: rssBoundMiB,
			AtMost: true, Unit: " MiB", Detail: strings.Join(finals, "; ")})
	}
	if len(sr.Memory) >= 2 && len(sr.Runs) >= 2 {
		m1, m2 := sr.Memory[0], sr.Memory[1]
		ts = append(ts, Target{Name: "no RSS growth across two identical runs (≤ 1.05×)", Ratio: float64(m2.Memory.RSS) / float64(m1.Memory.RSS),
			Bound: rssGrowthBound, AtMost: true, Unit: "×",
			Detail: fmt.Sprintf("%.1f → %.1f MiB; goroutines %g → %g; DB connections %g → %g",
				mib(m1.Memory.RSS), mib(m2.Memory.RSS), m1.Goroutines, m2.Goroutines, m1.DBConns, m2.DBConns)})
	}

	// Scaling: each scenario on a million users was measured alongside the same
	// scenario on the thousand-user database; the ratio is how many times slower.
	for _, sc := range bigScenarios {
		if sr.Big == nil {
			break
		}
		t := Target{Name: fmt.Sprintf("%s with %s users within 1.2× of %s", sc.Name, fmtCount(sr.BigUsers), fmtCount(sr.Users)),
			Bound: scalingBound, AtMost: true, Unit: "×"}
		switch big := findRow(sr.Big, sc.Key); {
		case big == nil:
			t.NA = "not measured"
		case big.Sample == nil:
			t.NA = big.NA
		case big.Sample.RPS() <= 0 || big.AgainstRPS <= 0:
			t.Ratio = 999
		default:
			t.Ratio = big.AgainstRPS / big.Sample.RPS()
			t.Detail = fmt.Sprintf("%s req/s with %s, %s with %s (alternating windows)",
				fmtRate(big.AgainstRPS), fmtCount(sr.Users), fmtRate(big.Sample.RPS()), fmtCount(sr.BigUsers))
		}
		ts = append(ts, t)
	}
	return ts
}
