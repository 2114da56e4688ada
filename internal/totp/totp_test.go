package totp

import (
	"bytes"
	"image/png"
	"net/url"
	"testing"
)

// TestRFC6238Vectors checks Code against the SHA-1 test vectors of RFC 6238 Appendix B
// (their last six digits): the secret is the ASCII "12345678901234567890", in base32.
func TestRFC6238Vectors(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	for unix, want := range map[int64]string{
		59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037",
	} {
		got, err := Keys{}.Code(secret, unix/period)
		if err != nil || got != want {
			t.Errorf("Code at %d = %q, %v; want %q", unix, got, err, want)
		}
	}
	if _, err := (Keys{}).Code("not base32!", 1); err == nil {
		t.Error("Code accepted a secret that is not base32")
	}
}

// TestGenerate: a new key names the issuer and account in its URI, carries the same
// secret, and its QR code is a PNG.
func TestGenerate(t *testing.T) {
	k, err := Keys{Issuer: "Acme"}.Generate("ada")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(k.URI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("URI %q", k.URI)
	}
	q := u.Query()
	if q.Get("secret") != k.Secret || q.Get("issuer") != "Acme" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URI parameters %v, secret %q", q, k.Secret)
	}
	if len(k.Secret) != 32 {
		t.Errorf("secret %q is not 160 bits of base32", k.Secret)
	}
	if _, err := png.Decode(bytes.NewReader(k.QRCodePNG)); err != nil {
		t.Errorf("QR code is not a PNG: %v", err)
	}
	other, err := Keys{Issuer: "Acme"}.Generate("ada")
	if err != nil || other.Secret == k.Secret {
		t.Errorf("two keys share a secret (%v)", err)
	}
}
