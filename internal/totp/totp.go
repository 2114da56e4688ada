// Package totp makes TOTP secrets and computes their codes (RFC 6238: HMAC-SHA-1, six
// digits, 30-second steps, the parameters every authenticator app supports), on
// github.com/pquerna/otp. It implements account.TOTPKeys; the account service decides
// which steps to accept and spends them.
package totp

import (
	"bytes"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/accountd/accountd/internal/account"
)

// period is the length of a step, in seconds; account counts steps the same way.
const period = 30

// qrSize is the side of the QR code image, in pixels: large enough to scan from a
// screen, small enough to travel in a JSON answer.
const qrSize = 240

// Keys makes secrets labelled with Issuer, the name authenticator apps show beside the
// account's.
type Keys struct {
	Issuer string
}

var _ account.TOTPKeys = Keys{}

// Generate makes a 160-bit secret for accountName, with its otpauth:// URI and a QR
// code of it as a PNG.
func (k Keys) Generate(accountName string) (account.TOTPKey, error) {
	key, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer: k.Issuer, AccountName: accountName,
		Period: period, SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return account.TOTPKey{}, fmt.Errorf("totp: generate: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return account.TOTPKey{}, fmt.Errorf("totp: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return account.TOTPKey{}, fmt.Errorf("totp: QR code: %w", err)
	}
	return account.TOTPKey{Secret: key.Secret(), URI: key.URL(), QRCodePNG: buf.Bytes()}, nil
}

// Code returns the six-digit code of secret (base32) for step.
func (Keys) Code(secret string, step int64) (string, error) {
	code, err := pqtotp.GenerateCodeCustom(secret, time.Unix(step*period, 0), pqtotp.ValidateOpts{
		Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", fmt.Errorf("totp: code: %w", err)
	}
	return code, nil
}
