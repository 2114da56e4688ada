// Command accountd-bench measures accountd against the ceilings of the machine it runs
// on, so that its results are ratios rather than absolute times.
//
//	accountd-bench [flags]                       the whole bench (make bench runs it)
//	accountd-bench ceiling -mode bare|select|insert|hash -addr ADDR [-db URL]
//	                                             serve one ceiling (started by the bench)
//
// The bench starts the real accountd binary as a child process (its CPU time and memory
// are read from /proc), first on a fresh PostgreSQL database (TEST_DATABASE_URL names
// the server, as .ci/postgres.sh provides it), then on SQLite. It seeds users straight
// into the database, then drives each scenario for a fixed time over a fixed number of
// keep-alive connections and reports requests/s, latency percentiles, errors, and the
// CPU per 1,000 requests of the server and of its PostgreSQL backends, beside the
// ceilings measured in the same run, each served by this binary as a child process: a
// bare net/http handler, one primary-key SELECT and one INSERT per request (the same
// driver and pool size), and one argon2id hash per request on all cores. A scenario with
// a target is measured in alternating windows with its ceiling, so that work elsewhere on
// the machine weighs on both alike; pairs of windows during which the machine was busy
// elsewhere are measured again. The scaling run compares a second accountd on a
// million users with the first the same way. Each target is printed with its ratio and
// PASS or FAIL; the results go to bench/results/<date>.md and the latest figures of
// docs/performance.md.
//
// The exit status is 1 when a target fails, on either store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "ceiling" {
		err = runCeiling(os.Args[2:], os.Stderr)
	} else {
		err = runBench(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "accountd-bench:", err)
		}
		os.Exit(1)
	}
}

// errTargetsFailed is returned when the run completed but a required target failed.
var errTargetsFailed = errors.New("a target failed (see above)")

// logf prints a progress line.
func logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "bench: "+format+"\n", args...)
}
