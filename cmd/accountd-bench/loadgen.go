package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Step sends one request of a scenario on the worker's connection and checks the
// answer; an error counts the request as failed.
type Step func(c *client) error

// NewWorker prepares worker i (0 ≤ i < connections): it may send untimed set-up
// requests on c (a login, say) and returns the worker's Step.
type NewWorker func(i int, c *client) (Step, error)

// Load says how hard and how long to drive.
type Load struct {
	Addr        string
	Connections int
	Warmup      time.Duration
	Duration    time.Duration
	// CPU reads the CPU time the server and its database (0 when unknown) have used
	// so far; it is read as the measured window opens and closes.
	CPU func() (server, db time.Duration, err error)
	// OnMeasure, when set, is called as the measured window opens (to start a
	// profile, say).
	OnMeasure func()
}

// The phases of a drive, read by the workers before each request.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// workerTally is what one worker recorded in the measured window.
type workerTally struct {
	latencies   []time.Duration
	errors      int
	firstErrors []string
}

// Driver runs a closed loop: Load.Connections workers, each with its own keep-alive
// connection, send requests back to back (a new one as soon as the last is answered).
// It runs in windows, each a warm-up then a measured time; between windows the workers
// rest with their connections and state (tokens, cursors) kept, so that two Drivers can
// take turns on the machine.
type Driver struct {
	load    Load
	clients []*client
	steps   []Step
}

// NewDriver prepares the workers: set-up requests (logins) run concurrently, outside
// any measurement.
func NewDriver(l Load, mk NewWorker) (*Driver, error) {
	d := &Driver{load: l, clients: make([]*client, l.Connections), steps: make([]Step, l.Connections)}
	var (
		setup    sync.WaitGroup
		setupErr = make([]error, l.Connections)
	)
	for i := range d.clients {
		d.clients[i] = newClient(l.Addr)
		setup.Go(func() {
			d.steps[i], setupErr[i] = mk(i, d.clients[i])
		})
	}
	setup.Wait()
	for i, err := range setupErr {
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("set up worker %d: %w", i, err)
		}
	}
	return d, nil
}

// Close drops the connections.
func (d *Driver) Close() {
	for _, c := range d.clients {
		c.Close()
	}
}

// Window drives for warmup, then measures for dur. Requests started in the measured
// time are counted; its length is the wall time between its opening and its closing.
func (d *Driver) Window(ctx context.Context, warmup, dur time.Duration) (Sample, error) {
	var phase atomic.Int32
	tallies := make([]workerTally, len(d.clients))
	var wg sync.WaitGroup
	for i := range d.clients {
		wg.Go(func() {
			t := &tallies[i]
			t.latencies = make([]time.Duration, 0, 1<<12)
			c, step := d.clients[i], d.steps[i]
			for {
				p := phase.Load()
				if p == phaseStop {
					return
				}
				start := time.Now()
				err := step(c)
				lat := time.Since(start)
				if p != phaseMeasure {
					continue
				}
				if err != nil {
					t.errors++
					if len(t.firstErrors) < maxErrorMessages {
						t.firstErrors = append(t.firstErrors, err.Error())
					}
					continue
				}
				t.latencies = append(t.latencies, lat)
			}
		})
	}

	stop := func() { phase.Store(phaseStop); wg.Wait() }
	if !sleepCtx(ctx, warmup) {
		stop()
		return Sample{}, ctx.Err()
	}
	cpu0, db0, err := d.load.CPU()
	if err != nil {
		stop()
		return Sample{}, err
	}
	// The machine's and the bench's own CPU, for the work done elsewhere meanwhile
	// (0 where /proc does not tell).
	machine0, _ := machineBusy()
	self0, _ := cpuTime(os.Getpid())
	phase.Store(phaseMeasure)
	start := time.Now()
	if d.load.OnMeasure != nil {
		d.load.OnMeasure()
	}
	ok := sleepCtx(ctx, dur)
	phase.Store(phaseStop)
	elapsed := time.Since(start)
	cpu1, db1, err := d.load.CPU()
	machine1, _ := machineBusy()
	self1, _ := cpuTime(os.Getpid())
	wg.Wait()
	if !ok {
		return Sample{}, ctx.Err()
	}
	if err != nil {
		return Sample{}, err
	}
	s := merge(tallies, elapsed, cpu1-cpu0)
	s.DBCPU = db1 - db0
	if machine0 > 0 && machine1 > 0 {
		s.Elsewhere = max(0, (machine1-machine0)-s.CPU-s.DBCPU-(self1-self0))
	}
	return s, nil
}

// Drive measures one scenario alone: a Driver's single window of l.Warmup and
// l.Duration.
func Drive(ctx context.Context, l Load, mk NewWorker) (Sample, error) {
	d, err := NewDriver(l, mk)
	if err != nil {
		return Sample{}, err
	}
	defer d.Close()
	return d.Window(ctx, l.Warmup, l.Duration)
}

// windowLog, when set, hears each pair of alternating windows (for -v).
var windowLog func(a, b Sample)

// Windowed is anything measured in windows: a Driver, or the argon2id hash rate.
type Windowed interface {
	Window(ctx context.Context, warmup, dur time.Duration) (Sample, error)
}

// maxElsewhere is the share of the machine's CPU that work elsewhere may take during a
// pair of alternating windows before the pair is measured again: more than that, and
// what it left to each side differed too much between the two windows to compare them.
const maxElsewhere = 0.15

// Interleave measures a and b in alternating windows of slice each until each has been
// measured for total, so that both see the same machine: slow changes in the work
// elsewhere on it (a build, another test run) land on both alike, and their ratio holds
// still where their absolute figures would not. A pair of windows during which other
// work took more than maxElsewhere of the machine is dropped and measured again, up to
// as many extra pairs as planned; if quiet pairs stay too few, all are kept. The first
// window of each warms up for warmup, the later ones for rewarm (connections and
// caches are already warm; the pools refill). It returns the samples and how many
// pairs it dropped.
func Interleave(ctx context.Context, a, b Windowed, total, slice, warmup, rewarm time.Duration) (Sample, Sample, int, error) {
	var quietA, quietB, allA, allB []Sample
	var done time.Duration
	planned := int((total + slice - 1) / slice)
	w := warmup
	for round := 0; done < total && round < 2*planned; round++ {
		d := min(slice, total-done)
		sa, err := a.Window(ctx, w, d)
		if err != nil {
			return Sample{}, Sample{}, 0, err
		}
		sb, err := b.Window(ctx, w, d)
		if err != nil {
			return Sample{}, Sample{}, 0, err
		}
		w = rewarm
		if windowLog != nil {
			windowLog(sa, sb)
		}
		allA, allB = append(allA, sa), append(allB, sb)
		if sa.ElsewhereShare() > maxElsewhere || sb.ElsewhereShare() > maxElsewhere {
			continue
		}
		quietA, quietB = append(quietA, sa), append(quietB, sb)
		done += d
	}
	if done < total {
		return combine(allA...), combine(allB...), 0, nil
	}
	return combine(quietA...), combine(quietB...), len(allA) - len(quietA), nil
}

// sleepCtx sleeps for d, or until ctx ends (then it returns false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
