package main

import (
	"math"
	"runtime"
	"slices"
	"time"
)

// Sample is what one timed drive of a scenario measured.
type Sample struct {
	// Requests counts the requests that got the expected answer; Errors the others
	// (wrong status, transport failure).
	Requests, Errors int
	// FirstErrors holds the first few distinct error messages, for the report.
	FirstErrors []string
	// Elapsed is the wall time of the measured window.
	Elapsed time.Duration
	// Latencies of the successful requests, sorted ascending.
	Latencies []time.Duration
	// CPU is the server process's user+system CPU time over the window, DBCPU that of
	// the database's backends (0 when unknown or in-process).
	CPU, DBCPU time.Duration
	// Elsewhere is the CPU time the rest of the machine used meanwhile: everything but
	// the server, its database backends and the bench itself. Work elsewhere makes the
	// figures move; the ratios, measured in alternating windows, less so.
	Elsewhere time.Duration
}

// ElsewhereShare is Elsewhere as a share of the machine's CPU time over the window.
func (s Sample) ElsewhereShare() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return s.Elsewhere.Seconds() / (s.Elapsed.Seconds() * float64(runtime.NumCPU()))
}

// RPS is successful requests per second.
func (s Sample) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// CPUPer1k is the server's CPU seconds per 1,000 successful requests.
func (s Sample) CPUPer1k() float64 { return per1k(s.CPU, s.Requests) }

// DBCPUPer1k is the database's CPU seconds per 1,000 successful requests.
func (s Sample) DBCPUPer1k() float64 { return per1k(s.DBCPU, s.Requests) }

func per1k(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return d.Seconds() * 1000 / float64(n)
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the sorted latencies by the
// nearest-rank method: the smallest value with at least p% of the values at or below
// it. It is always one of the measured values, never an interpolation; an empty
// sample has none and returns 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// P50, P99 and Max of the sample's latencies.
func (s Sample) P50() time.Duration { return Percentile(s.Latencies, 50) }

// P99 is the 99th percentile latency.
func (s Sample) P99() time.Duration { return Percentile(s.Latencies, 99) }

// Max is the slowest successful request.
func (s Sample) Max() time.Duration {
	if len(s.Latencies) == 0 {
		return 0
	}
	return s.Latencies[len(s.Latencies)-1]
}

// merge combines the per-connection recordings of one drive into a Sample (latencies
// sorted).
func merge(parts []workerTally, elapsed, cpu time.Duration) Sample {
	s := Sample{Elapsed: elapsed, CPU: cpu}
	n := 0
	for _, p := range parts {
		n += len(p.latencies)
	}
	s.Latencies = make([]time.Duration, 0, n)
	for _, p := range parts {
		s.Requests += len(p.latencies)
		s.Errors += p.errors
		s.Latencies = append(s.Latencies, p.latencies...)
		for _, e := range p.firstErrors {
			if len(s.FirstErrors) < maxErrorMessages && !slices.Contains(s.FirstErrors, e) {
				s.FirstErrors = append(s.FirstErrors, e)
			}
		}
	}
	slices.Sort(s.Latencies)
	return s
}

// maxErrorMessages bounds the distinct error messages kept per sample.
const maxErrorMessages = 3

// combine adds up samples of the same thing measured in several windows.
func combine(samples ...Sample) Sample {
	var out Sample
	n := 0
	for _, s := range samples {
		n += len(s.Latencies)
	}
	out.Latencies = make([]time.Duration, 0, n)
	for _, s := range samples {
		out.Requests += s.Requests
		out.Errors += s.Errors
		out.Elapsed += s.Elapsed
		out.CPU += s.CPU
		out.DBCPU += s.DBCPU
		out.Elsewhere += s.Elsewhere
		out.Latencies = append(out.Latencies, s.Latencies...)
		for _, e := range s.FirstErrors {
			if len(out.FirstErrors) < maxErrorMessages && !slices.Contains(out.FirstErrors, e) {
				out.FirstErrors = append(out.FirstErrors, e)
			}
		}
	}
	slices.Sort(out.Latencies)
	return out
}
