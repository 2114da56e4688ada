package account

import (
	"context"
	"crypto/rand"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Passkeys (WebAuthn): registered by the signed-in account, they sign in alone
// (passkey_login.go) or serve as its second factor (mfa_login.go). The ceremonies
// themselves run in PasskeyCeremonies (internal/passkey); the Service keeps the
// credentials, the single-use ceremony state (MFAChallenge) and the history. A passkey
// counts as a second factor: once an account has one, its password alone no longer signs
// it in.

// maxPasskeyName bounds a passkey's name, in characters.
const maxPasskeyName = 64

// BeginPasskeyRegistration starts adding a passkey to the caller's account: it returns
// the ceremony's handle and the WebAuthn creation options. It needs a recent strong
// authentication, as every change of factors does.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, p Principal) (string, []byte, error) {
	pc := s.opt.MFA.Passkeys
	if pc == nil {
		return "", nil, ErrMFANotConfigured
	}
	st, err := s.store.MFAStatus(ctx, p.User.ID)
	if err != nil {
		return "", nil, err
	}
	if err := s.requireRecentAuth(p, st); err != nil {
		return "", nil, err
	}
	existing, err := s.store.ListPasskeys(ctx, p.User.ID)
	if err != nil {
		return "", nil, err
	}
	// One user handle per account, shared by its passkeys: an authenticator keeps one
	// passkey per account and site, and a sign-in names the account by it.
	var handle []byte
	if len(existing) > 0 {
		handle = existing[0].UserHandle
	} else {
		handle = make([]byte, 32)
		_, _ = rand.Read(handle)
	}
	options, state, err := pc.BeginRegistration(p.User, handle, existing)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	plain, hash := newSecret()
	err = s.store.CreateMFAChallenge(ctx, MFAChallenge{
		Hash: hash, Purpose: ChallengePasskeyRegistration, UserID: p.User.ID, SessionID: p.SessionID, State: state,
		CreatedAt: now, ExpiresAt: now.Add(s.opt.MFA.ChallengeTTL),
	})
	if err != nil {
		return "", nil, err
	}
	return plain, options, nil
}

// FinishPasskeyRegistration verifies the authenticator's response to the ceremony and
// stores the passkey under name (a default when empty). The ceremony works once, for the
// session that began it. The account's first factor comes with recovery codes, returned
// once, and ends its other sessions, as ConfirmTOTP does.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, p Principal, ceremony string, response []byte, name string, meta RequestMeta) (Passkey, []string, error) {
	pc := s.opt.MFA.Passkeys
	if pc == nil {
		return Passkey{}, nil, ErrMFANotConfigured
	}
	name, err := passkeyName(name)
	if err != nil {
		return Passkey{}, nil, err
	}
	now := s.now()
	c, err := s.openChallenge(ctx, ceremony, ChallengePasskeyRegistration, now)
	if err != nil {
		return Passkey{}, nil, err
	}
	if c.UserID != p.User.ID || c.SessionID != p.SessionID {
		return Passkey{}, nil, ErrMFAChallengeInvalid
	}
	// Spent before the response is checked: a ceremony's challenge is signed once.
	ok, err := s.store.ConsumeMFAChallenge(ctx, c.Hash, now)
	if err != nil {
		return Passkey{}, nil, err
	}
	if !ok {
		return Passkey{}, nil, ErrMFAChallengeInvalid
	}
	pk, err := pc.FinishRegistration(p.User, c.State, response)
	if err != nil {
		return Passkey{}, nil, err
	}
	pk.ID, pk.UserID, pk.Name, pk.CreatedAt = uuid.NewString(), p.User.ID, name, now
	if pk.Name == "" {
		pk.Name = "Passkey added " + now.Format("2006-01-02")
	}
	codes, err := s.factorAdded(ctx, p, func(tx Store) error { return tx.CreatePasskey(ctx, pk) },
		EventPasskeyRegistered, "passkey "+pk.ID+" ("+pk.Name+")", Authentication{}, now, meta)
	if err != nil {
		return Passkey{}, nil, err
	}
	return pk, codes, nil
}

// passkeyName trims a passkey's name and checks its length and characters.
func passkeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxPasskeyName {
		return "", Invalid("name", "too_long", "must be at most 64 characters")
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", Invalid("name", "format", "must not contain control characters")
	}
	return name, nil
}

// ListPasskeys returns the caller's passkeys, oldest first.
func (s *Service) ListPasskeys(ctx context.Context, p Principal) ([]Passkey, error) {
	return s.store.ListPasskeys(ctx, p.User.ID)
}

// RenamePasskey renames one of the caller's passkeys; another account's is ErrNotFound.
func (s *Service) RenamePasskey(ctx context.Context, p Principal, id, name string, meta RequestMeta) (Passkey, error) {
	name, err := passkeyName(name)
	if err != nil {
		return Passkey{}, err
	}
	if name == "" {
		return Passkey{}, Invalid("name", "required", "must not be empty")
	}
	var pk Passkey
	err = s.store.InTx(ctx, func(tx Store) error {
		var err error
		if pk, err = tx.RenamePasskey(ctx, p.User.ID, id, name); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventPasskeyRenamed, s.now(), meta, "passkey "+pk.ID+" ("+pk.Name+")")
	})
	return pk, err
}

// RemovePasskey removes one of the caller's passkeys (another account's is ErrNotFound).
// It needs a recent strong authentication; removing the account's last factor removes
// its recovery codes too.
func (s *Service) RemovePasskey(ctx context.Context, p Principal, id string, meta RequestMeta) error {
	st, err := s.store.MFAStatus(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if err := s.requireRecentAuth(p, st); err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(tx Store) error {
		if err := tx.DeletePasskey(ctx, p.User.ID, id); err != nil {
			return err
		}
		if err := s.dropCodesIfLast(ctx, tx, p.User.ID, now); err != nil {
			return err
		}
		return record(ctx, tx, p.User.ID, EventPasskeyRemoved, now, meta, "passkey "+id)
	})
}
