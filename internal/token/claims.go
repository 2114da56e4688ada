package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/accountd/accountd/internal/account"
)

// accessTokenType is the JWS "typ" of access tokens (RFC 9068 §2.1). Parse requires it,
// so that no other JWT signed with the same keys can pass for an access token.
const accessTokenType = "at+jwt"

// issuedClaims is the payload Issue writes. Fields are in the order they are marshaled.
type issuedClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	Expiry    int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	ID        string `json:"jti"`
	SessionID string `json:"sid"`
	// AuthTime and AMR (OpenID Connect Core §2, RFC 8176): when and how the session's
	// holder last authenticated. Left out for a session that has no record of it.
	AuthTime int64    `json:"auth_time,omitempty"`
	AMR      []string `json:"amr,omitempty"`
}

// parsedClaims is the payload Parse reads. Times are NumericDate seconds; a fractional
// value does not decode, which is fine since only Issue writes these tokens.
type parsedClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  audience `json:"aud"`
	Expiry    int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf"`
	ID        string   `json:"jti"`
	SessionID string   `json:"sid"`
	AuthTime  int64    `json:"auth_time"`
	AMR       []string `json:"amr"`
}

// audience is the "aud" claim, which RFC 7519 allows as a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(a))
}

// Issue signs an access token for the user's session, valid from now for TTL, carrying
// how the session was last authenticated, and returns it with its expiry (whole seconds,
// as in the token).
func (i *Issuer) Issue(userID int64, sessionID string, auth account.Authentication, now time.Time) (string, time.Time, error) {
	if userID <= 0 || sessionID == "" {
		return "", time.Time{}, errors.New("token: issue needs a user ID and a session ID")
	}
	// 128 random bits: unique without coordination.
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // crypto/rand.Read never fails.
	iat := now.Unix()
	exp := now.Add(i.ttl).Unix()
	payload, err := json.Marshal(issuedClaims{
		Issuer:    i.issuer,
		Subject:   strconv.FormatInt(userID, 10),
		Audience:  i.audience,
		Expiry:    exp,
		IssuedAt:  iat,
		ID:        base64.RawURLEncoding.EncodeToString(jti[:]),
		SessionID: sessionID,
		AuthTime:  unixOrZero(auth.Time),
		AMR:       auth.Methods,
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: marshal claims: %w", err)
	}
	if i.ed != nil {
		return i.ed.sign(payload), time.Unix(exp, 0).UTC(), nil
	}
	signed, err := jws.Sign(payload, i.signOpt)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: sign: %w", err)
	}
	return string(signed), time.Unix(exp, 0).UTC(), nil
}

// unixOrZero is t in Unix seconds, or 0 (left out) for the zero time.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
