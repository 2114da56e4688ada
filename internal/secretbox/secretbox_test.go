package secretbox

import (
	"bytes"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("JBSWY3DPEHPK3PXP"), []byte("user 1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatal("the sealed value holds the secret in clear")
	}
	again, _ := b.Seal([]byte("JBSWY3DPEHPK3PXP"), []byte("user 1"))
	if bytes.Equal(sealed, again) {
		t.Error("two seals of the same secret are equal: the nonce is not random")
	}
	plain, err := b.Open(sealed, []byte("user 1"))
	if err != nil || string(plain) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", plain, err)
	}

	// Attacks: another account's data, another key, a flipped bit, a truncation.
	if _, err := b.Open(sealed, []byte("user 2")); err == nil {
		t.Error("opened with another account's associated data")
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(sealed, []byte("user 1")); err == nil {
		t.Error("opened with another key")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := b.Open(tampered, []byte("user 1")); err == nil {
		t.Error("opened a tampered value")
	}
	for _, short := range [][]byte{nil, sealed[:5], sealed[:len(sealed)-1]} {
		if _, err := b.Open(short, []byte("user 1")); err == nil {
			t.Errorf("opened a truncated value of %d bytes", len(short))
		}
	}
}

func TestParseKey(t *testing.T) {
	want := bytes.Repeat([]byte{0xab}, KeySize)
	for _, s := range []string{
		strings.Repeat("ab", 32), strings.Repeat("AB", 32),
		"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=", "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s",
	} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "short", strings.Repeat("ab", 31), strings.Repeat("a", 64) + "zz"} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
	if _, err := New(make([]byte, 16)); err == nil {
		t.Error("New accepted a 16-byte key")
	}
}
