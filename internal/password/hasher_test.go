package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// Hasher is what account.New takes as its PasswordHasher. The check lives in a test so
// that the package itself does not import account (internal/houserules' import rules).
var _ account.PasswordHasher = (*Hasher)(nil)

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := New(DefaultParams, 0)
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	if parts := strings.Split(enc, "$"); len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("salt/key not 16/32 bytes in unpadded base64: %q", enc)
	}

	t.Run("right_password", func(t *testing.T) {
		ok, rehash, err := h.Verify(ctx, "correct horse", enc)
		if !ok || rehash || err != nil {
			t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
	})
	t.Run("wrong_password", func(t *testing.T) {
		ok, rehash, err := h.Verify(ctx, "correct horsf", enc)
		if ok || rehash || err != nil {
			t.Fatalf("Verify = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	})
	t.Run("fresh_salt_each_time", func(t *testing.T) {
		enc2, err := h.Hash(ctx, "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if enc2 == enc {
			t.Fatal("two hashes of one password are equal")
		}
	})
}

func TestVerifyRehashWhenParamsChange(t *testing.T) {
	ctx := context.Background()
	stronger := DefaultParams
	stronger.Time = 3
	old := New(DefaultParams, 0)
	enc, err := old.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := New(stronger, 0).Verify(ctx, "pw", enc)
	if !ok || !rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	// A wrong password never asks for a rehash.
	ok, rehash, err = New(stronger, 0).Verify(ctx, "px", enc)
	if ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

// Hashes written by other implementations verify (and are upgraded to our parameters).
func TestVerifyKnownHashes(t *testing.T) {
	ctx := context.Background()
	h := New(DefaultParams, 0)
	cases := []struct {
		name, password, encoded string
	}{
		// phc-winner-argon2 src/test.c: "password", salt "somesalt".
		{"argon2id_reference", "password", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"},
		{"argon2id_reference_small", "password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"},
		// Django's Argon2PasswordHasher: "argon2" + the PHC string.
		{"django_argon2", "password", "argon2$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"},
		// python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'secret',b'salt',1000)).decode())"
		{"django_pbkdf2", "secret", "pbkdf2_sha256$1000$salt$qN+JnzxPIE2WfgrWPAkph8EAVeuwF7PZ0ordIY1Peq0="},
		// Non-ASCII password: Django hashes its UTF-8 bytes.
		{"django_pbkdf2_utf8", "pässwörd", "pbkdf2_sha256$1000$yBvNo2bT5UXc$aoDdgTX3Zt4UGJg6Ec6Crh2nlKqp4/3g/7Laez366lk="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, c.password, c.encoded)
			if !ok || !rehash || err != nil {
				t.Fatalf("Verify = %v, %v, %v; want true, true, nil", ok, rehash, err)
			}
			ok, rehash, err = h.Verify(ctx, c.password+"x", c.encoded)
			if ok || rehash || err != nil {
				t.Fatalf("wrong password: Verify = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

func TestVerifyEmptyEncoded(t *testing.T) {
	ok, rehash, err := New(DefaultParams, 0).Verify(context.Background(), "", "")
	if ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func TestVerifyBadEncoded(t *testing.T) {
	const pw = "hunter2-secret"
	h := New(DefaultParams, 0)
	cases := []struct {
		name, encoded string
		want          error
	}{
		{"bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", ErrUnknownScheme},
		{"plain_text", pw, ErrUnknownScheme},
		{"pbkdf2_sha1_short_key", "pbkdf2_sha1$1000$salt$abc", ErrMalformedHash},
		{"md5", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3", ErrUnknownScheme},
		{"argon2i", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", ErrUnknownScheme},
		{"argon2id_old_version", "$argon2id$v=16$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedHash},
		{"argon2id_missing_part", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ", ErrMalformedHash},
		{"argon2id_params_order", "$argon2id$v=19$t=2,m=256,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedHash},
		{"argon2id_huge_memory", "$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedHash},
		{"argon2id_zero_threads", "$argon2id$v=19$m=256,t=2,p=0$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedHash},
		{"argon2id_padded_salt", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", ErrMalformedHash},
		{"pbkdf2_no_iterations", "pbkdf2_sha256$$salt$qN+JnzxPIE2WfgrWPAkph8EAVeuwF7PZ0ordIY1Peq0=", ErrMalformedHash},
		{"pbkdf2_too_many_iterations", "pbkdf2_sha256$999999999$salt$qN+JnzxPIE2WfgrWPAkph8EAVeuwF7PZ0ordIY1Peq0=", ErrMalformedHash},
		{"pbkdf2_short_key", "pbkdf2_sha256$1000$salt$qN+JnzxPIE2Wfg==", ErrMalformedHash},
		{"pbkdf2_extra_part", "pbkdf2_sha256$1000$salt$x$qN+JnzxPIE2WfgrWPAkph8EAVeuwF7PZ0ordIY1Peq0=", ErrMalformedHash},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), pw, c.encoded)
			if ok || rehash || !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, %v, %v; want false, false, %v", ok, rehash, err, c.want)
			}
			if strings.Contains(err.Error(), pw) {
				t.Fatalf("error %q contains the password", err)
			}
		})
	}
}

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams.Validate(); err != nil {
		t.Fatalf("DefaultParams: %v", err)
	}
	weaker := []func(*Params){
		func(p *Params) { p.Memory = 19*1024 - 1 },
		func(p *Params) { p.Time = 1 },
		func(p *Params) { p.Threads = 0 },
		func(p *Params) { p.SaltLen = 8 },
		func(p *Params) { p.KeyLen = 8 },
		func(p *Params) { p.Memory = 1 << 30 }, // 1 TiB: a typo, not a choice
	}
	for i, weaken := range weaker {
		p := DefaultParams
		weaken(&p)
		if p.Validate() == nil {
			t.Errorf("case %d: %+v accepted", i, p)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted weak parameters")
		}
	}()
	New(Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
}

// At most maxConcurrent hashes and verifications run at once.
func TestConcurrencyBound(t *testing.T) {
	const limit, callers = 2, 8
	h := New(DefaultParams, limit)
	var running, peak atomic.Int32
	// The hook runs while a slot is held; its sleep widens the window in which an
	// unbounded hasher would let more callers overlap.
	h.hook = func() {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
	}
	enc, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				_, _ = h.Hash(context.Background(), "pw")
			case 1:
				_, _, _ = h.Verify(context.Background(), "pw", enc)
			default:
				h.VerifyDummy(context.Background(), "pw")
			}
		})
	}
	wg.Wait()
	if got := peak.Load(); got != limit {
		t.Fatalf("peak concurrency %d, want %d", got, limit)
	}
}

// A caller waiting for a slot gives up when its context ends.
func TestWaitRespectsContext(t *testing.T) {
	h := New(DefaultParams, 1)
	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	h.hook = func() {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release // hold the only slot
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = h.Hash(context.Background(), "pw")
	}()
	<-entered
	defer func() { close(release); <-done }()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	errs := make(chan error, 2)
	go func() {
		_, err := h.Hash(ctx, "pw")
		errs <- err
		_, _, err = h.Verify(ctx, "pw", "pbkdf2_sha256$1000$salt$qN+JnzxPIE2WfgrWPAkph8EAVeuwF7PZ0ordIY1Peq0=")
		errs <- err
	}()
	for _, call := range []string{"Hash", "Verify"} {
		select {
		case err := <-errs:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s while full: err = %v, want DeadlineExceeded", call, err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s still waiting after its context ended", call)
		}
	}
}

// An already cancelled context costs no hash, even when a slot is free.
func TestCancelledContextCostsNothing(t *testing.T) {
	h := New(DefaultParams, 1)
	var slots atomic.Int32
	h.hook = func() { slots.Add(1) }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Repeated because a select between a free slot and a done context picks at random.
	for range 20 {
		if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Hash with cancelled ctx: err = %v, want Canceled", err)
		}
	}
	if n := slots.Load(); n != 0 {
		t.Fatalf("%d hashes ran for a cancelled context", n)
	}
}

// VerifyDummy costs about as much as verifying a real hash with the same parameters.
// TestVerifyDummyCost checks, without a stopwatch (timed tests fail on busy machines),
// that a dummy verification does the same work as a real one: the same argon2id
// parameters and sizes, under the same concurrency bound.
func TestVerifyDummyCost(t *testing.T) {
	ctx := context.Background()
	h := New(DefaultParams, 1)
	enc, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	real, err := parseArgon2id(enc)
	if err != nil {
		t.Fatal(err)
	}
	if h.dummy.params != real.params || len(h.dummy.salt) != len(real.salt) || len(h.dummy.key) != len(real.key) {
		t.Fatalf("dummy %+v differs from a real hash %+v", h.dummy.params, real.params)
	}
	// It waits for a hashing slot like every other verification.
	ws, err := h.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { h.VerifyDummy(ctx, "wrong"); close(done) }()
	select {
	case <-done:
		t.Fatal("VerifyDummy ran without a hashing slot")
	case <-time.After(50 * time.Millisecond):
	}
	h.release(ws)
	<-done
}

// A flood of hashes works in the slots' memory: with two slots, twenty hashes and
// verifications make two workspaces in all (x/crypto allocated 19 MiB per hash, which
// the collector let pile up to several times the memory of the hashes in flight). A
// verification of an imported hash with more memory than configured grows one
// workspace for once; it is not kept at that size. A lull gives them all back.
func TestHashingReusesSlotMemory(t *testing.T) {
	ctx := context.Background()
	h := New(DefaultParams, 2)
	enc, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if i%2 == 0 {
				_, _ = h.Hash(ctx, "pw")
			} else {
				_, _, _ = h.Verify(ctx, "pw", enc)
			}
		})
	}
	wg.Wait()
	if n := h.workspacesMade.Load(); n > 2 {
		t.Fatalf("21 hashes on 2 slots made %d workspaces, want at most 2", n)
	}
	if n := len(h.workspaces); n > 2 {
		t.Fatalf("%d idle workspaces kept for 2 slots", n)
	}

	bigger := DefaultParams
	bigger.Memory *= 2
	imported, err := New(bigger, 1).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	h.dropWorkspaces()
	if ok, rehash, err := h.Verify(ctx, "pw", imported); !ok || !rehash || err != nil {
		t.Fatalf("Verify of a hash with more memory: %v %v %v", ok, rehash, err)
	}
	if n := len(h.workspaces); n != 0 {
		t.Fatalf("the workspace grown to %d KiB was kept", bigger.Memory)
	}
}

func BenchmarkHash(b *testing.B) {
	h := New(DefaultParams, 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDjango(b *testing.B) {
	// Django 5.2's default iteration count, to size the cost of imported accounts.
	h := New(DefaultParams, 1)
	ctx := context.Background()
	enc := "pbkdf2_sha256$1000000$salt$qN+JnzxPIE2WfgrWPAkph8EAVeuwF7PZ0ordIY1Peq0="
	for b.Loop() {
		if _, _, err := h.Verify(ctx, "secret", enc); err != nil {
			b.Fatal(err)
		}
	}
}
