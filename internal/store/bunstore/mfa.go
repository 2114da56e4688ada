package bunstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// totpFactorRow is an account's TOTP authenticator (account.TOTPFactor).
type totpFactorRow struct {
	bun.BaseModel `bun:"table:totp_factors,alias:tf"`

	UserID       int64     `bun:"user_id,pk"`
	SealedSecret []byte    `bun:"sealed_secret"`
	CreatedAt    time.Time `bun:"created_at"`
	ConfirmedAt  time.Time `bun:"confirmed_at,nullzero"`
	LastStep     int64     `bun:"last_step"`
}

// recoveryCodeRow is one recovery code's hash.
type recoveryCodeRow struct {
	bun.BaseModel `bun:"table:recovery_codes,alias:rc"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id"`
	Hash      string    `bun:"hash"`
	CreatedAt time.Time `bun:"created_at"`
	UsedAt    time.Time `bun:"used_at,nullzero"`
}

// mfaChallengeRow is a challenge or ceremony (account.MFAChallenge).
type mfaChallengeRow struct {
	bun.BaseModel `bun:"table:mfa_challenges,alias:mc"`

	Hash      string    `bun:"hash,pk"`
	Purpose   string    `bun:"purpose"`
	UserID    int64     `bun:"user_id,nullzero"`
	SessionID string    `bun:"session_id"`
	State     []byte    `bun:"state"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
	UsedAt    time.Time `bun:"used_at,nullzero"`
	Failures  int       `bun:"failures"`
}

// passkeyRow is a WebAuthn credential (account.Passkey).
type passkeyRow struct {
	bun.BaseModel `bun:"table:passkeys,alias:pk"`

	ID              string    `bun:"id,pk"`
	UserID          int64     `bun:"user_id"`
	CredentialID    []byte    `bun:"credential_id"`
	UserHandle      []byte    `bun:"user_handle"`
	PublicKey       []byte    `bun:"public_key"`
	AttestationType string    `bun:"attestation_type"`
	AAGUID          []byte    `bun:"aaguid"`
	Transports      string    `bun:"transports"`
	SignCount       int64     `bun:"sign_count"`
	BackupEligible  bool      `bun:"backup_eligible"`
	BackupState     bool      `bun:"backup_state"`
	UserVerified    bool      `bun:"user_verified"`
	Name            string    `bun:"name"`
	CreatedAt       time.Time `bun:"created_at"`
	LastUsedAt      time.Time `bun:"last_used_at,nullzero"`
}

func (r passkeyRow) domain() account.Passkey {
	return account.Passkey{
		ID: r.ID, UserID: r.UserID, CredentialID: r.CredentialID, UserHandle: r.UserHandle, PublicKey: r.PublicKey,
		AttestationType: r.AttestationType, AAGUID: r.AAGUID, Transports: fields(r.Transports),
		SignCount: uint32(r.SignCount), BackupEligible: r.BackupEligible, BackupState: r.BackupState,
		UserVerified: r.UserVerified, Name: r.Name, CreatedAt: domainTime(r.CreatedAt), LastUsedAt: domainTime(r.LastUsedAt),
	}
}

// orEmpty is b, or an empty slice for nil: Bun writes a nil slice as NULL, which the NOT
// NULL byte columns refuse.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// mfaStatusSQL counts the account's confirmed TOTP factor, passkeys and unused recovery
// codes, the user's ID being the placeholder id.
func mfaStatusSQL(id string) string {
	return `SELECT
	(SELECT count(*) FROM totp_factors WHERE user_id = ` + id + ` AND confirmed_at IS NOT NULL) AS totp,
	(SELECT count(*) FROM passkeys WHERE user_id = ` + id + `) AS passkeys,
	(SELECT count(*) FROM recovery_codes WHERE user_id = ` + id + ` AND used_at IS NULL) AS codes`
}

// MFAStatus counts the account's confirmed TOTP factor, passkeys and unused recovery
// codes in one query: on every login, so prepared on PostgreSQL (hot.go).
func (s *Store) MFAStatus(ctx context.Context, userID int64) (account.MFAStatus, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out struct {
		TOTP     int `bun:"totp"`
		Passkeys int `bun:"passkeys"`
		Codes    int `bun:"codes"`
	}
	var err error
	if s.hot != nil {
		err = scanOne(s.queryPrepared(ctx, s.hot.mfaStatus, userID))(&out.TOTP, &out.Passkeys, &out.Codes)
	} else {
		err = s.db.NewRaw(mfaStatusSQL("?"), userID, userID, userID).Scan(ctx, &out)
	}
	if err != nil {
		return account.MFAStatus{}, translate(err)
	}
	return account.MFAStatus{TOTP: out.TOTP > 0, Passkeys: out.Passkeys, RecoveryCodesLeft: out.Codes}, nil
}

// TOTPFactor returns the account's TOTP factor; account.ErrNotFound.
func (s *Store) TOTPFactor(ctx context.Context, userID int64) (account.TOTPFactor, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var r totpFactorRow
	if err := s.db.NewSelect().Model(&r).Where("tf.user_id = ?", userID).Scan(ctx); err != nil {
		return account.TOTPFactor{}, translate(err)
	}
	return account.TOTPFactor{
		UserID: r.UserID, SealedSecret: r.SealedSecret, CreatedAt: domainTime(r.CreatedAt),
		ConfirmedAt: domainTime(r.ConfirmedAt), LastStep: r.LastStep,
	}, nil
}

// PutTOTPFactor replaces an unconfirmed factor of the account with f, in one
// transaction.
func (s *Store) PutTOTPFactor(ctx context.Context, f account.TOTPFactor) error {
	return s.InTx(ctx, func(st account.Store) error {
		tx := st.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		if _, err := tx.db.NewDelete().Model((*totpFactorRow)(nil)).
			Where("user_id = ?", f.UserID).Where("confirmed_at IS NULL").Exec(ctx); err != nil {
			return translate(err)
		}
		row := totpFactorRow{
			UserID: f.UserID, SealedSecret: orEmpty(f.SealedSecret), CreatedAt: dbTime(f.CreatedAt),
			ConfirmedAt: dbTime(f.ConfirmedAt), LastStep: f.LastStep,
		}
		_, err := tx.db.NewInsert().Model(&row).Exec(ctx)
		return translate(err)
	})
}

// UseTOTPStep spends step in one conditional UPDATE, so that of two requests with the
// same code exactly one succeeds.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64, now time.Time) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewUpdate().Model((*totpFactorRow)(nil)).
		Set("last_step = ?", step).
		Set("confirmed_at = COALESCE(confirmed_at, ?)", dbTime(now)).
		Where("user_id = ?", userID).Where("last_step < ?", step).
		Exec(ctx))
	return n == 1, err
}

// DeleteTOTPFactor removes the account's TOTP factor; account.ErrNotFound if none.
func (s *Store) DeleteTOTPFactor(ctx context.Context, userID int64) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewDelete().Model((*totpFactorRow)(nil)).Where("user_id = ?", userID).Exec(ctx))
	if err == nil && n == 0 {
		return account.ErrNotFound
	}
	return err
}

// ReplaceRecoveryCodes swaps the account's codes for hashes in one transaction.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, now time.Time) error {
	return s.InTx(ctx, func(st account.Store) error {
		tx := st.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		if _, err := tx.db.NewDelete().Model((*recoveryCodeRow)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return translate(err)
		}
		if len(hashes) == 0 {
			return nil
		}
		rows := make([]recoveryCodeRow, len(hashes))
		for i, h := range hashes {
			rows[i] = recoveryCodeRow{UserID: userID, Hash: h, CreatedAt: dbTime(now)}
		}
		_, err := tx.db.NewInsert().Model(&rows).Exec(ctx)
		return translate(err)
	})
}

// UseRecoveryCode spends an unused code in one conditional UPDATE.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewUpdate().Model((*recoveryCodeRow)(nil)).
		Set("used_at = ?", dbTime(now)).
		Where("user_id = ?", userID).Where("hash = ?", hash).Where("used_at IS NULL").
		Exec(ctx))
	return n == 1, err
}

// CreateMFAChallenge stores c, and first removes the challenges that expired before
// c was made: they can never be used, and nothing else would remove them.
func (s *Store) CreateMFAChallenge(ctx context.Context, c account.MFAChallenge) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.db.NewDelete().Model((*mfaChallengeRow)(nil)).Where("expires_at < ?", dbTime(c.CreatedAt)).Exec(ctx); err != nil {
		return translate(err)
	}
	row := mfaChallengeRow{
		Hash: c.Hash, Purpose: string(c.Purpose), UserID: c.UserID, SessionID: c.SessionID, State: orEmpty(c.State),
		CreatedAt: dbTime(c.CreatedAt), ExpiresAt: dbTime(c.ExpiresAt), UsedAt: dbTime(c.UsedAt), Failures: c.Failures,
	}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// MFAChallenge returns a challenge by hash; account.ErrNotFound.
func (s *Store) MFAChallenge(ctx context.Context, hash string) (account.MFAChallenge, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var r mfaChallengeRow
	if err := s.db.NewSelect().Model(&r).Where("mc.hash = ?", hash).Scan(ctx); err != nil {
		return account.MFAChallenge{}, translate(err)
	}
	return account.MFAChallenge{
		Hash: r.Hash, Purpose: account.ChallengePurpose(r.Purpose), UserID: r.UserID, SessionID: r.SessionID, State: r.State,
		CreatedAt: domainTime(r.CreatedAt), ExpiresAt: domainTime(r.ExpiresAt), UsedAt: domainTime(r.UsedAt), Failures: r.Failures,
	}, nil
}

// FailMFAChallenge adds a failure and returns the count, in one statement.
func (s *Store) FailMFAChallenge(ctx context.Context, hash string) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var failures int
	err := s.db.NewUpdate().Model((*mfaChallengeRow)(nil)).
		Set("failures = failures + 1").Where("hash = ?", hash).
		Returning("failures").Scan(ctx, &failures)
	return failures, translate(err)
}

// ConsumeMFAChallenge spends an unused, unexpired challenge in one conditional UPDATE.
func (s *Store) ConsumeMFAChallenge(ctx context.Context, hash string, now time.Time) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewUpdate().Model((*mfaChallengeRow)(nil)).
		Set("used_at = ?", dbTime(now)).
		Where("hash = ?", hash).Where("used_at IS NULL").Where("expires_at > ?", dbTime(now)).
		Exec(ctx))
	return n == 1, err
}

// CreatePasskey stores p; a credential ID stored before is account.ErrPasskeyExists.
func (s *Store) CreatePasskey(ctx context.Context, p account.Passkey) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := passkeyRow{
		ID: p.ID, UserID: p.UserID, CredentialID: orEmpty(p.CredentialID), UserHandle: orEmpty(p.UserHandle),
		PublicKey: orEmpty(p.PublicKey), AttestationType: p.AttestationType, AAGUID: p.AAGUID,
		Transports: strings.Join(p.Transports, " "), SignCount: int64(p.SignCount),
		BackupEligible: p.BackupEligible, BackupState: p.BackupState, UserVerified: p.UserVerified,
		Name: p.Name, CreatedAt: dbTime(p.CreatedAt), LastUsedAt: dbTime(p.LastUsedAt),
	}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return translate(err)
}

// ListPasskeys returns the account's passkeys, oldest first.
func (s *Store) ListPasskeys(ctx context.Context, userID int64) ([]account.Passkey, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []passkeyRow
	if err := s.db.NewSelect().Model(&rows).Where("pk.user_id = ?", userID).OrderExpr("pk.created_at, pk.id").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]account.Passkey, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// PasskeyByCredentialID returns a passkey by its credential ID; account.ErrNotFound.
func (s *Store) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (account.Passkey, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var r passkeyRow
	if err := s.db.NewSelect().Model(&r).Where("pk.credential_id = ?", credentialID).Scan(ctx); err != nil {
		return account.Passkey{}, translate(err)
	}
	return r.domain(), nil
}

// UsePasskey records a sign-in in one conditional UPDATE: the counter must grow (or stay
// 0 on both sides, for authenticators without one), so that of two assertions with the
// same counter, from an authenticator and its clone, at most one passes.
func (s *Store) UsePasskey(ctx context.Context, id string, signCount uint32, backupState bool, now time.Time) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q := s.db.NewUpdate().Model((*passkeyRow)(nil)).
		Set("sign_count = ?", int64(signCount)).Set("backup_state = ?", backupState).Set("last_used_at = ?", dbTime(now)).
		Where("id = ?", id)
	if signCount == 0 {
		q = q.Where("sign_count = 0")
	} else {
		q = q.Where("sign_count < ?", int64(signCount))
	}
	n, err := rowsAffected(q.Exec(ctx))
	return n == 1, err
}

// RenamePasskey renames the account's passkey and returns it; account.ErrNotFound.
func (s *Store) RenamePasskey(ctx context.Context, userID int64, id, name string) (account.Passkey, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row passkeyRow
	n, err := rowsAffected(s.db.NewUpdate().Model(&row).Set("name = ?", name).
		Where("user_id = ?", userID).Where("id = ?", id).Returning("*").Exec(ctx))
	switch {
	case err != nil:
		return account.Passkey{}, err
	case n == 0:
		return account.Passkey{}, account.ErrNotFound
	}
	return row.domain(), nil
}

// DeletePasskey removes the account's passkey; account.ErrNotFound.
func (s *Store) DeletePasskey(ctx context.Context, userID int64, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewDelete().Model((*passkeyRow)(nil)).Where("user_id = ?", userID).Where("id = ?", id).Exec(ctx))
	if err == nil && n == 0 {
		return account.ErrNotFound
	}
	return err
}

// SetSessionAuth records the session's latest authentication; account.ErrNotFound.
func (s *Store) SetSessionAuth(ctx context.Context, sessionID string, auth account.Authentication) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("auth_time = ?", dbTime(auth.Time)).Set("amr = ?", strings.Join(auth.Methods, " ")).
		Where("id = ?", sessionID).Exec(ctx))
	if err == nil && n == 0 {
		return account.ErrNotFound
	}
	return err
}

// DeleteSecondFactors removes the account's factors, codes and challenges in one
// transaction.
func (s *Store) DeleteSecondFactors(ctx context.Context, userID int64) (bool, error) {
	var had bool
	err := s.InTx(ctx, func(st account.Store) error {
		tx := st.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		var removed int64
		for _, model := range []any{(*totpFactorRow)(nil), (*passkeyRow)(nil)} {
			n, err := rowsAffected(tx.db.NewDelete().Model(model).Where("user_id = ?", userID).Exec(ctx))
			if err != nil {
				return err
			}
			removed += n
		}
		for _, model := range []any{(*recoveryCodeRow)(nil), (*mfaChallengeRow)(nil)} {
			if _, err := tx.db.NewDelete().Model(model).Where("user_id = ?", userID).Exec(ctx); err != nil {
				return translate(err)
			}
		}
		had = removed > 0
		return nil
	})
	return had, err
}
