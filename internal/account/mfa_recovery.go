package account

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
)

// Recovery codes stand in for a lost authenticator: ten single-use codes, shown once
// when the account gets its first factor (or new ones are asked for) and stored as
// hashes only. Each carries 50 random bits, so a fast hash is enough, as for emailed
// tokens, and the per-account limit on wrong codes leaves guessing hopeless. Using one is
// an event and an email to the owner: if it was not them, they know their password and
// a code are in someone's hands.

// recoveryCodeCount is how many codes a set holds.
const recoveryCodeCount = 10

// recoveryAlphabet is lower-case base32 without the digits 0, 1, 8 and 9, which read
// like letters.
const recoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// newRecoveryCodes returns a set of codes, as shown ("xxxxx-xxxxx"), and their hashes.
func newRecoveryCodes() (codes, hashes []string) {
	for range recoveryCodeCount {
		var b [10]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		var c strings.Builder
		for i, x := range b {
			if i == 5 {
				c.WriteByte('-')
			}
			c.WriteByte(recoveryAlphabet[x&31])
		}
		codes = append(codes, c.String())
		hashes = append(hashes, recoveryHash(c.String()))
	}
	return codes, hashes
}

// recoveryHash is the stored form of a code as typed: case, spaces and dashes ignored.
func recoveryHash(code string) string {
	c := strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(code)))
	return HashSecret("recovery:" + c)
}

// spendRecoveryCode spends one of u's unused recovery codes, records it and emails the
// owner; ErrMFACodeInvalid when code is none of them.
func (s *Service) spendRecoveryCode(ctx context.Context, u User, code string, now time.Time, meta RequestMeta) error {
	if len(code) > 64 {
		return ErrMFACodeInvalid
	}
	// The code spent, its event and the owner's notice commit together: a code is never
	// spent without the owner being told.
	return s.store.InTx(ctx, func(tx Store) error {
		ok, err := tx.UseRecoveryCode(ctx, u.ID, recoveryHash(code), now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrMFACodeInvalid
		}
		if err := record(ctx, tx, u.ID, EventRecoveryCodeUsed, now, meta, ""); err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageRecoveryCodeUsed, To: u.Email, User: u})
	})
}

// RegenerateRecoveryCodes replaces the caller's recovery codes with ten new ones and
// returns them; the old ones stop working. It needs a recent strong authentication; an
// account without a second factor has no use for codes (ErrNotFound).
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p Principal, meta RequestMeta) ([]string, error) {
	st, err := s.store.MFAStatus(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	if !st.Enabled() {
		return nil, ErrNotFound
	}
	if err := s.requireRecentAuth(p, st); err != nil {
		return nil, err
	}
	now := s.now()
	codes, hashes := newRecoveryCodes()
	err = s.store.InTx(ctx, func(tx Store) error {
		if err := tx.ReplaceRecoveryCodes(ctx, p.User.ID, hashes, now); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventRecoveryCodes, now, meta, "")
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}
