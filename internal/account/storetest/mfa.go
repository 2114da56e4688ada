package storetest

import (
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// newPasskey returns an unsaved passkey of the user with credential ID cred.
func newPasskey(id string, userID int64, cred string) account.Passkey {
	return account.Passkey{
		ID: id, UserID: userID, CredentialID: []byte("cred\x00\xff" + cred), UserHandle: []byte("handle\x00" + cred),
		PublicKey: []byte{0xa5, 0x01, 0x02, 0x03, 0x26}, AttestationType: "none", AAGUID: make([]byte, 16),
		Transports: []string{"internal", "hybrid"}, SignCount: 5, BackupEligible: true, BackupState: true,
		UserVerified: true, Name: "Laptop " + id, CreatedAt: at(-time.Hour),
	}
}

// mfaStatus reads the user's status, failing the test on an error.
func mfaStatus(t *testing.T, st account.Store, userID int64) account.MFAStatus {
	t.Helper()
	m, err := st.MFAStatus(ctx(t), userID)
	noErr(t, "MFAStatus", err)
	return m
}

func (s suite) totpFactors(t *testing.T) {
	s.run(t, "pending_until_a_step_is_used_then_each_step_once", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		f := account.TOTPFactor{UserID: alice.ID, SealedSecret: []byte("\x00sealed\xff"), CreatedAt: at(0)}
		noErr(t, "PutTOTPFactor", st.PutTOTPFactor(ctx(t), f))
		got, err := st.TOTPFactor(ctx(t), alice.ID)
		noErr(t, "TOTPFactor", err)
		same(t, "TOTPFactor", got, f)
		if mfaStatus(t, st, alice.ID).TOTP {
			t.Error("MFAStatus counts an unconfirmed factor")
		}
		ok, err := st.UseTOTPStep(ctx(t), alice.ID, 100, at(time.Minute))
		if err != nil || !ok {
			t.Fatalf("UseTOTPStep(100) = %v, %v; want true", ok, err)
		}
		for _, step := range []int64{100, 99} {
			if ok, err := st.UseTOTPStep(ctx(t), alice.ID, step, at(2*time.Minute)); err != nil || ok {
				t.Errorf("UseTOTPStep(%d) after 100 = %v, %v; want false", step, ok, err)
			}
		}
		if ok, err := st.UseTOTPStep(ctx(t), alice.ID, 101, at(3*time.Minute)); err != nil || !ok {
			t.Errorf("UseTOTPStep(101) = %v, %v; want true", ok, err)
		}
		got, err = st.TOTPFactor(ctx(t), alice.ID)
		noErr(t, "TOTPFactor", err)
		f.ConfirmedAt, f.LastStep = at(time.Minute), 101
		same(t, "TOTPFactor after use", got, f)
		if !mfaStatus(t, st, alice.ID).TOTP {
			t.Error("MFAStatus misses the confirmed factor")
		}
	})
	s.run(t, "put_replaces_a_pending_factor_delete_removes", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		noErr(t, "PutTOTPFactor", st.PutTOTPFactor(ctx(t), account.TOTPFactor{UserID: alice.ID, SealedSecret: []byte("one"), CreatedAt: at(0)}))
		two := account.TOTPFactor{UserID: alice.ID, SealedSecret: []byte("two"), CreatedAt: at(time.Minute)}
		noErr(t, "PutTOTPFactor(again)", st.PutTOTPFactor(ctx(t), two))
		got, err := st.TOTPFactor(ctx(t), alice.ID)
		noErr(t, "TOTPFactor", err)
		same(t, "TOTPFactor", got, two)
		noErr(t, "DeleteTOTPFactor", st.DeleteTOTPFactor(ctx(t), alice.ID))
		_, err = st.TOTPFactor(ctx(t), alice.ID)
		wantErr(t, "TOTPFactor(deleted)", err, account.ErrNotFound)
		wantErr(t, "DeleteTOTPFactor(none)", st.DeleteTOTPFactor(ctx(t), alice.ID), account.ErrNotFound)
	})
}

func (s suite) recoveryCodes(t *testing.T) {
	s.run(t, "each_code_once_replace_voids_old_ones", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		noErr(t, "ReplaceRecoveryCodes", st.ReplaceRecoveryCodes(ctx(t), alice.ID, []string{"h1", "h2", "h3"}, at(0)))
		if n := mfaStatus(t, st, alice.ID).RecoveryCodesLeft; n != 3 {
			t.Errorf("RecoveryCodesLeft = %d, want 3", n)
		}
		if ok, err := st.UseRecoveryCode(ctx(t), bob.ID, "h1", at(time.Minute)); err != nil || ok {
			t.Errorf("UseRecoveryCode(another account's) = %v, %v; want false", ok, err)
		}
		if ok, err := st.UseRecoveryCode(ctx(t), alice.ID, "h1", at(time.Minute)); err != nil || !ok {
			t.Errorf("UseRecoveryCode = %v, %v; want true", ok, err)
		}
		if ok, err := st.UseRecoveryCode(ctx(t), alice.ID, "h1", at(2*time.Minute)); err != nil || ok {
			t.Errorf("UseRecoveryCode(again) = %v, %v; want false", ok, err)
		}
		if n := mfaStatus(t, st, alice.ID).RecoveryCodesLeft; n != 2 {
			t.Errorf("RecoveryCodesLeft = %d, want 2", n)
		}
		noErr(t, "ReplaceRecoveryCodes", st.ReplaceRecoveryCodes(ctx(t), alice.ID, []string{"h4"}, at(3*time.Minute)))
		if ok, err := st.UseRecoveryCode(ctx(t), alice.ID, "h2", at(4*time.Minute)); err != nil || ok {
			t.Errorf("UseRecoveryCode(replaced) = %v, %v; want false", ok, err)
		}
		noErr(t, "ReplaceRecoveryCodes(none)", st.ReplaceRecoveryCodes(ctx(t), alice.ID, nil, at(5*time.Minute)))
		if n := mfaStatus(t, st, alice.ID).RecoveryCodesLeft; n != 0 {
			t.Errorf("RecoveryCodesLeft = %d, want 0", n)
		}
	})
}

func (s suite) mfaChallenges(t *testing.T) {
	s.run(t, "consumed_once_failures_counted_expired_refused", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		c := account.MFAChallenge{Hash: "c1", Purpose: account.ChallengeLogin, UserID: alice.ID, SessionID: "s1",
			State: []byte("\x00state\xff"), CreatedAt: at(0), ExpiresAt: at(5 * time.Minute)}
		noErr(t, "CreateMFAChallenge", st.CreateMFAChallenge(ctx(t), c))
		got, err := st.MFAChallenge(ctx(t), "c1")
		noErr(t, "MFAChallenge", err)
		same(t, "MFAChallenge", got, c)
		for want := 1; want <= 2; want++ {
			if n, err := st.FailMFAChallenge(ctx(t), "c1"); err != nil || n != want {
				t.Errorf("FailMFAChallenge = %d, %v; want %d", n, err, want)
			}
		}
		if ok, err := st.ConsumeMFAChallenge(ctx(t), "c1", at(time.Minute)); err != nil || !ok {
			t.Errorf("ConsumeMFAChallenge = %v, %v; want true", ok, err)
		}
		if ok, err := st.ConsumeMFAChallenge(ctx(t), "c1", at(time.Minute)); err != nil || ok {
			t.Errorf("ConsumeMFAChallenge(again) = %v, %v; want false", ok, err)
		}
		got, err = st.MFAChallenge(ctx(t), "c1")
		noErr(t, "MFAChallenge", err)
		c.UsedAt, c.Failures = at(time.Minute), 2
		same(t, "MFAChallenge(used)", got, c)

		// A passkey sign-in's challenge has no account.
		late := account.MFAChallenge{Hash: "c2", Purpose: account.ChallengePasskeyLogin, CreatedAt: at(0), ExpiresAt: at(time.Minute)}
		noErr(t, "CreateMFAChallenge", st.CreateMFAChallenge(ctx(t), late))
		if ok, err := st.ConsumeMFAChallenge(ctx(t), "c2", at(time.Minute)); err != nil || ok {
			t.Errorf("ConsumeMFAChallenge(expired) = %v, %v; want false", ok, err)
		}
		_, err = st.MFAChallenge(ctx(t), "nope")
		wantErr(t, "MFAChallenge(unknown)", err, account.ErrNotFound)
	})
	s.run(t, "creating_removes_expired_ones", func(t *testing.T, st account.Store) {
		old := account.MFAChallenge{Hash: "old", Purpose: account.ChallengePasskeyLogin, CreatedAt: at(0), ExpiresAt: at(time.Minute)}
		noErr(t, "CreateMFAChallenge", st.CreateMFAChallenge(ctx(t), old))
		fresh := account.MFAChallenge{Hash: "new", Purpose: account.ChallengePasskeyLogin, CreatedAt: at(time.Hour), ExpiresAt: at(2 * time.Hour)}
		noErr(t, "CreateMFAChallenge", st.CreateMFAChallenge(ctx(t), fresh))
		_, err := st.MFAChallenge(ctx(t), "old")
		wantErr(t, "MFAChallenge(expired long ago)", err, account.ErrNotFound)
	})
}

func (s suite) passkeys(t *testing.T) {
	s.run(t, "stored_listed_found_renamed_deleted_by_owner_only", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		a1, a2 := newPasskey("a1", alice.ID, "1"), newPasskey("a2", alice.ID, "2")
		a2.CreatedAt, a2.Transports, a2.AAGUID = at(0), nil, nil
		noErr(t, "CreatePasskey", st.CreatePasskey(ctx(t), a1))
		noErr(t, "CreatePasskey", st.CreatePasskey(ctx(t), a2))
		dup := newPasskey("b1", bob.ID, "1")
		wantErr(t, "CreatePasskey(same credential)", st.CreatePasskey(ctx(t), dup), account.ErrPasskeyExists)

		list, err := st.ListPasskeys(ctx(t), alice.ID)
		noErr(t, "ListPasskeys", err)
		if len(list) != 2 {
			t.Fatalf("ListPasskeys = %d passkeys, want 2", len(list))
		}
		same(t, "ListPasskeys[0]", list[0], a1)
		same(t, "ListPasskeys[1]", list[1], a2)
		got, err := st.PasskeyByCredentialID(ctx(t), a2.CredentialID)
		noErr(t, "PasskeyByCredentialID", err)
		same(t, "PasskeyByCredentialID", got, a2)
		if m := mfaStatus(t, st, alice.ID); m.Passkeys != 2 || !m.Enabled() {
			t.Errorf("MFAStatus = %+v, want 2 passkeys", m)
		}

		_, err = st.RenamePasskey(ctx(t), bob.ID, "a1", "stolen")
		wantErr(t, "RenamePasskey(another account's)", err, account.ErrNotFound)
		renamed, err := st.RenamePasskey(ctx(t), alice.ID, "a1", "Phone")
		noErr(t, "RenamePasskey", err)
		a1.Name = "Phone"
		same(t, "RenamePasskey", renamed, a1)
		wantErr(t, "DeletePasskey(another account's)", st.DeletePasskey(ctx(t), bob.ID, "a1"), account.ErrNotFound)
		noErr(t, "DeletePasskey", st.DeletePasskey(ctx(t), alice.ID, "a1"))
		_, err = st.PasskeyByCredentialID(ctx(t), a1.CredentialID)
		wantErr(t, "PasskeyByCredentialID(deleted)", err, account.ErrNotFound)
	})
	s.run(t, "sign_counter_must_grow", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		p := newPasskey("p", alice.ID, "1")
		noErr(t, "CreatePasskey", st.CreatePasskey(ctx(t), p))
		for _, c := range []struct {
			count uint32
			want  bool
		}{{5, false}, {4, false}, {0, false}, {6, true}, {6, false}, {9, true}} {
			if ok, err := st.UsePasskey(ctx(t), "p", c.count, false, at(time.Minute)); err != nil || ok != c.want {
				t.Errorf("UsePasskey(%d) = %v, %v; want %v", c.count, ok, err, c.want)
			}
		}
		got, err := st.PasskeyByCredentialID(ctx(t), p.CredentialID)
		noErr(t, "PasskeyByCredentialID", err)
		p.SignCount, p.BackupState, p.LastUsedAt = 9, false, at(time.Minute)
		same(t, "passkey after use", got, p)

		zero := newPasskey("z", alice.ID, "2")
		zero.SignCount = 0
		noErr(t, "CreatePasskey", st.CreatePasskey(ctx(t), zero))
		for range 2 {
			if ok, err := st.UsePasskey(ctx(t), "z", 0, true, at(time.Minute)); err != nil || !ok {
				t.Errorf("UsePasskey(0) on a counter-less authenticator = %v, %v; want true", ok, err)
			}
		}
	})
}

func (s suite) secondFactors(t *testing.T) {
	s.run(t, "delete_removes_every_factor_code_and_challenge", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		for _, u := range []account.User{alice, bob} {
			noErr(t, "PutTOTPFactor", st.PutTOTPFactor(ctx(t), account.TOTPFactor{UserID: u.ID, SealedSecret: []byte("s"), CreatedAt: at(0)}))
			if _, err := st.UseTOTPStep(ctx(t), u.ID, 1, at(0)); err != nil {
				t.Fatal(err)
			}
			noErr(t, "CreatePasskey", st.CreatePasskey(ctx(t), newPasskey(u.Username, u.ID, u.Username)))
			noErr(t, "ReplaceRecoveryCodes", st.ReplaceRecoveryCodes(ctx(t), u.ID, []string{"h" + u.Username}, at(0)))
			noErr(t, "CreateMFAChallenge", st.CreateMFAChallenge(ctx(t), account.MFAChallenge{
				Hash: "c" + u.Username, Purpose: account.ChallengeLogin, UserID: u.ID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}))
		}
		had, err := st.DeleteSecondFactors(ctx(t), alice.ID)
		if err != nil || !had {
			t.Fatalf("DeleteSecondFactors = %v, %v; want true", had, err)
		}
		if m := mfaStatus(t, st, alice.ID); m != (account.MFAStatus{}) {
			t.Errorf("MFAStatus after delete = %+v, want none", m)
		}
		_, err = st.MFAChallenge(ctx(t), "calice")
		wantErr(t, "MFAChallenge(deleted)", err, account.ErrNotFound)
		if m := mfaStatus(t, st, bob.ID); !m.TOTP || m.Passkeys != 1 || m.RecoveryCodesLeft != 1 {
			t.Errorf("bob's MFAStatus = %+v, want untouched", m)
		}
		if had, err := st.DeleteSecondFactors(ctx(t), alice.ID); err != nil || had {
			t.Errorf("DeleteSecondFactors(again) = %v, %v; want false", had, err)
		}
	})
	s.run(t, "set_session_auth", func(t *testing.T, st account.Store) {
		alice := createUser(t, st, "alice")
		sess := createSession(t, st, "s1", alice.ID, at(time.Hour))
		auth := account.Authentication{Methods: []string{"pwd", "hwk"}, Time: at(time.Minute)}
		noErr(t, "SetSessionAuth", st.SetSessionAuth(ctx(t), "s1", auth))
		got, _, err := st.SessionUser(ctx(t), "s1", at(0))
		noErr(t, "SessionUser", err)
		sess.Auth = auth
		same(t, "session", got, sess)
		wantErr(t, "SetSessionAuth(unknown)", st.SetSessionAuth(ctx(t), "nope", auth), account.ErrNotFound)
	})
}
