package djangoimport_test

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/store/bunstore"
	"github.com/accountd/accountd/internal/store/bunstore/bunstoretest"
	"github.com/accountd/accountd/internal/store/djangoimport"
	"github.com/accountd/accountd/internal/store/djangoimport/djangotest"
)

// EnvLargeRows changes how many generated rows TestImportLarge imports (default
// defaultLargeRows), to try a million, say.
const EnvLargeRows = "ACCOUNTD_IMPORT_TEST_ROWS"

// defaultLargeRows takes 5 to 15 seconds per database on two busy cores.
const defaultLargeRows = 100_000

// maxHeapGrowth bounds how much the live heap may grow while an import runs, whatever
// the table's size: rows are streamed and written a batch at a time.
const maxHeapGrowth = 48 << 20

// A large table imports in bounded memory, and every row arrives. The test log reports
// the time taken and the peak memory.
func TestImportLarge(t *testing.T) {
	rows := int64(defaultLargeRows)
	if v := os.Getenv(EnvLargeRows); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of rows", EnvLargeRows, v)
		}
		rows = n
	}
	forEachKind(t, func(t *testing.T, kind string) {
		// A file, not bunstoretest.Open's in-memory SQLite: a million users held in
		// memory by the target database would hide the importer's own footprint.
		st, err := bunstore.Open(t.Context(), bunstoretest.DSN(t, kind), bunstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		src := djangotest.New(t, kind)
		generated := time.Now()
		src.Generate(1, rows, djangotest.Hash(t, "pbkdf2_sha256", "generated"))
		t.Logf("%s: generated %d Django users with profiles in %s", kind, rows, time.Since(generated).Round(time.Millisecond))

		peak := watchHeap(t)
		started := time.Now()
		sum, err := djangoimport.Run(t.Context(), st, djangoimport.Options{Source: src.DSN, ProfileTable: djangotest.ProfileTable})
		took := time.Since(started)
		growth, baseline := peak()
		if err != nil {
			t.Fatal(err)
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		t.Logf("%s: imported %d rows in %s (%.0f rows/s); live heap %.1f MiB before, peak %.1f MiB above it; max RSS of the test process so far %.1f MiB",
			kind, sum.Imported, took.Round(time.Millisecond), float64(rows)/took.Seconds(),
			float64(baseline)/(1<<20), float64(growth)/(1<<20), float64(ru.Maxrss)/1024)
		wantCounts(t, sum, int(rows), 0, 0, 0)
		if n := countUsers(t, st); n != int(rows) {
			t.Fatalf("%d users in accountd, want %d", n, rows)
		}
		if growth > maxHeapGrowth {
			t.Fatalf("the heap grew by %d MiB during the import, more than %d MiB: rows are not streamed", growth>>20, maxHeapGrowth>>20)
		}
	})
}

// watchHeap samples the live heap every few milliseconds until the returned function
// is called, which reports how far the peak rose above the heap at the start.
func watchHeap(t *testing.T) (peak func() (growth, baseline uint64)) {
	t.Helper()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	baseline := read()
	var (
		mu   sync.Mutex
		max  = baseline
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if v := read(); v > max {
					mu.Lock()
					max = v
					mu.Unlock()
				}
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return max - baseline, baseline
	}
}
