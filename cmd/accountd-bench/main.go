// Command accountd-bench measures accountd against the ceilings of the machine it runs
// on, so that its results are ratios rather than absolute times.
//
//	accountd-bench [flags]                       the whole bench (make bench runs it)
//	accountd-bench ceiling -mode bare|select|insert -addr ADDR [-db URL]
//	                                             serve one ceiling (started by the bench)
//
// The bench starts the real accountd binary as a child process (its CPU time and memory
// are read from /proc), first on a fresh PostgreSQL database (TEST_DATABASE_URL names
// the server, as .ci/postgres.sh provides it), then on SQLite. It seeds users straight
// into the database, then drives each scenario for a fixed time over a fixed number of
// keep-alive connections and reports requests/s, latency percentiles, errors and server
// CPU per 1,000 requests, beside the ceilings measured in the same run: a bare net/http
// handler, one primary-key SELECT and one INSERT per request (the same driver and pool
// size, served by this binary as a child process), and the argon2id hash rate on all
// cores. Each target is printed with its ratio and PASS or FAIL; the results go to
// bench/results/<date>.md and the README's performance section.
//
// The exit status is 1 when a PostgreSQL target fails.
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
var errTargetsFailed = errors.New("a PostgreSQL target failed (see above)")

// logf prints a progress line.
func logf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "bench: "+format+"\n", args...)
}
