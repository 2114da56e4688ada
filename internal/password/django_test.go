package password

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Django's own test vectors, copied from tests/auth_tests/test_hashers.py of the Django
// repository (the 390000-iteration ones from Django 4.1's, the 30000-iteration ones from
// Django 1.10's; the argon2 ones from test_argon2 and test_argon2_version_upgrade).
// Each is verified with its password and refused with a wrong one.
func TestVerifyDjangoPublishedVectors(t *testing.T) {
	ctx := context.Background()
	h := New(DefaultParams, 0)
	cases := []struct {
		name, password, encoded string
	}{
		{"pbkdf2_sha256_seasalt", "lètmein", "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c="},
		{"pbkdf2_sha256_seasalt2", "lètmein", "pbkdf2_sha256$390000$seasalt2$geC/uZ92nRXDSjSxeoiBqYyRcrLzMm8xK3ro1QS1uo8="},
		{"pbkdf2_sha256_30000", "lètmein", "pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY="},
		{"pbkdf2_sha256_30000_seasalt2", "lètmein", "pbkdf2_sha256$30000$seasalt2$a75qzbogeVhNFeMqhdgyyoqGKpIzYUo651sq57RERew="},
		{"pbkdf2_sha1", "lètmein", "pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I="},
		{"pbkdf2_sha1_30000", "lètmein", "pbkdf2_sha1$30000$seasalt2$pMzU1zNPcydf6wjnJFbiVKwgULc="},
		{"argon2i_v19", "secret", "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q"},
		{"argon2id", "secret", "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantVerified(t, h, c.password, c.encoded)
		})
	}

	// Django's argon2i hash without a version field is argon2 1.0, which x/crypto does
	// not implement: reported as a scheme Verify cannot check, never as a match.
	t.Run("argon2i_version_1.0_unsupported", func(t *testing.T) {
		enc := "argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg"
		ok, rehash, err := h.Verify(ctx, "secret", enc)
		if ok || rehash || !errors.Is(err, ErrUnknownScheme) {
			t.Fatalf("Verify = %v, %v, %v; want false, false, ErrUnknownScheme", ok, rehash, err)
		}
		if name, verifiable := Scheme(enc); name != "argon2" || verifiable {
			t.Fatalf("Scheme = %q, %v; want argon2, false", name, verifiable)
		}
	})
}

// Hashes made in the test the way Django's hashers make them (django/contrib/auth/
// hashers.py), with Go's and x/crypto's primitives, for every kind Verify supports.
func TestVerifyDjangoComputed(t *testing.T) {
	h := New(DefaultParams, 0)
	for _, password := range []string{"correct horse", "lètmein ünïcödé", ""} {
		for kind, encoded := range djangoHashes(t, password) {
			t.Run(kind+"/"+fmt.Sprintf("%q", password), func(t *testing.T) {
				wantVerified(t, h, password, encoded)
				if name, verifiable := Scheme(encoded); !verifiable || name != strings.SplitN(kind, "_argon2", 2)[0] {
					t.Fatalf("Scheme(%s) = %q, %v", kind, name, verifiable)
				}
			})
		}
	}

	// bcrypt_sha256 hashes the SHA-256 of the password, so that bcrypt's 72-byte limit
	// does not make a long password's prefix enough (Django's test_bcrypt_sha256).
	t.Run("bcrypt_sha256_no_truncation", func(t *testing.T) {
		long := strings.Repeat("VSK0UYV6FFQVZ0KG88DYN9WADAADZO1CTSIVDJUNZSUML6IBX7LN7ZS3R5", 2)
		enc := djangoHashes(t, long)["bcrypt_sha256"]
		wantVerified(t, h, long, enc)
		if ok, _, err := h.Verify(context.Background(), long[:72], enc); ok || err != nil {
			t.Fatalf("the first 72 bytes verified: %v, %v", ok, err)
		}
	})
}

// djangoHashes returns password hashed by each Django hasher that accountd verifies,
// computed the way Django computes them, keyed by Django's algorithm name (argon2 twice:
// "argon2" for argon2id, Django's default, and "argon2_argon2i" for the older variant).
// Iterations and costs are small to keep tests fast; they are read from the hash.
func djangoHashes(t testing.TB, password string) map[string]string {
	t.Helper()
	salt := randomSalt(t)
	pbkdf2Hash := func(name string, digest func() hash.Hash, size int) string {
		key, err := pbkdf2.Key(digest, password, []byte(salt), 1000, size)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s$%d$%s$%s", name, 1000, salt, base64.StdEncoding.EncodeToString(key))
	}
	bcryptHash := func(name string, secret []byte) string {
		crypt, err := bcrypt.GenerateFromPassword(secret, bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		// Python's bcrypt writes $2b$; x/crypto $2a$, the same algorithm for passwords
		// under 255 bytes.
		return name + "$" + strings.Replace(string(crypt), "$2a$", "$2b$", 1)
	}
	sum := sha256.Sum256([]byte(password))
	// argon2-cffi's defaults in Django's Argon2PasswordHasher: time_cost 2,
	// memory_cost 102400, parallelism 8, hash_len 32, salt as its ASCII bytes. Smaller
	// memory here, to keep the test light: the parameters travel in the hash.
	const m, tc, p = 1024, 2, 8
	argon2Hash := func(variant string, key []byte) string {
		return fmt.Sprintf("argon2$%s$v=19$m=%d,t=%d,p=%d$%s$%s", variant, m, tc, p,
			base64.RawStdEncoding.EncodeToString([]byte(salt)), base64.RawStdEncoding.EncodeToString(key))
	}
	return map[string]string{
		"pbkdf2_sha256": pbkdf2Hash("pbkdf2_sha256", sha256.New, sha256.Size),
		"pbkdf2_sha1":   pbkdf2Hash("pbkdf2_sha1", sha1.New, sha1.Size),
		// The bcrypt library Django called read the first 72 bytes only (newer ones refuse
		// longer passwords); x/crypto refuses them.
		"bcrypt":         bcryptHash("bcrypt", []byte(password)[:min(len(password), 72)]),
		"bcrypt_sha256":  bcryptHash("bcrypt_sha256", []byte(hex.EncodeToString(sum[:]))),
		"argon2":         argon2Hash("argon2id", argon2.IDKey([]byte(password), []byte(salt), tc, m, p, 32)),
		"argon2_argon2i": argon2Hash("argon2i", argon2.Key([]byte(password), []byte(salt), tc, m, p, 32)),
	}
}

// randomSalt is a salt as Django makes them: 22 characters of letters and digits.
func randomSalt(t testing.TB) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 22)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// wantVerified fails unless encoded verifies password and asks to be rehashed, and
// refuses a different password without asking.
func wantVerified(t *testing.T, h *Hasher, password, encoded string) {
	t.Helper()
	ctx := context.Background()
	ok, rehash, err := h.Verify(ctx, password, encoded)
	if !ok || !rehash || err != nil {
		t.Fatalf("Verify(right password) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	for _, wrong := range []string{password + "z", " " + password, strings.ToUpper(password) + "X"} {
		ok, rehash, err = h.Verify(ctx, wrong, encoded)
		if ok || rehash || err != nil {
			t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, nil", wrong, ok, rehash, err)
		}
	}
}

// A Django account without a usable password ("!" and 40 random characters, or an empty
// password column) matches no password at all, not even the stored string itself, and
// costs a full dummy verification so that its answer takes as long as a wrong password's.
// Hashes Verify cannot use cost the same.
func TestVerifyUnusableCostsADummy(t *testing.T) {
	h := New(DefaultParams, 1)
	var slots atomic.Int32
	h.hook = func() { slots.Add(1) }
	unusable := "!" + strings.Repeat("aZ3", 13) + "x"
	cases := []struct {
		name, encoded string
		want          error
	}{
		{"django_unusable", unusable, nil},
		{"django_unusable_bare", "!", nil},
		{"empty", "", nil},
		{"unknown_scheme", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3", ErrUnknownScheme},
		{"malformed", "pbkdf2_sha256$x$salt$key", ErrMalformedHash},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, guess := range []string{c.encoded, "", "!", "lètmein"} {
				before := slots.Load()
				ok, rehash, err := h.Verify(context.Background(), guess, c.encoded)
				if ok || rehash || !errors.Is(err, c.want) {
					t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, %v", guess, ok, rehash, err, c.want)
				}
				if n := slots.Load() - before; n != 1 {
					t.Fatalf("Verify(%q) ran %d verifications, want 1 (the dummy)", guess, n)
				}
			}
		})
	}
}

func TestScheme(t *testing.T) {
	cases := []struct {
		encoded, name string
		verifiable    bool
	}{
		{"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "argon2id", true},
		{"pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=", "pbkdf2_sha256", true},
		{"pbkdf2_sha256$390000$seasalt$short", "pbkdf2_sha256", false},
		{"md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3", "md5", false},
		{"sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b", "sha1", false},
		{"88a434c88cca4e900f7874cd98123f43", "unknown", false}, // unsalted MD5
		{"Secret Password$with$dollars", "unknown", false},     // never echoes data
		{"!", "unusable", false},
		{"", "none", false},
		// Bare modular crypt bcrypt, not Django's form: named by its identifier.
		{"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "2b", false},
	}
	for _, c := range cases {
		if name, verifiable := Scheme(c.encoded); name != c.name || verifiable != c.verifiable {
			t.Errorf("Scheme(%q) = %q, %v; want %q, %v", c.encoded, name, verifiable, c.name, c.verifiable)
		}
	}
}
