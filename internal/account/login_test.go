package account_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestLoginUnknownUserDoesTheHashingWork(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.Login(context.Background(), "nobody", "whatever-password", account.RequestMeta{})
	if !errors.Is(err, account.ErrInvalidCredentials) {
		t.Fatalf("err = %v", err)
	}
	if f.hasher.dummy.Load() != 1 {
		t.Fatalf("dummy verifications = %d, want 1", f.hasher.dummy.Load())
	}
}

// djangoHash encodes pw the way Django's PBKDF2PasswordHasher does.
func djangoHash(t *testing.T, pw, salt string, iterations int) string {
	key, err := pbkdf2.Key(sha256.New, pw, []byte(salt), iterations, 32)
	if err != nil {
		t.Fatal(err)
	}
	return "pbkdf2_sha256$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key)
}

// An account with a second factor stops at the challenge, where the password is at
// hand for the last time: its outdated hash is upgraded there, or it would stay outdated
// for as long as the owner uses a second factor.
func TestLoginUpgradesHashWhenSecondFactorFollows(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.store.CreateUser(ctx, account.User{
		Username: "guarded", Email: "guarded@example.com", Active: true,
		PasswordHash: djangoHash(t, "legacy-password-2", "othersalt", 1000),
		DateJoined:   f.now, LinksVoidedAt: f.now, UpdatedAt: f.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.PutTOTPFactor(ctx, account.TOTPFactor{UserID: u.ID, SealedSecret: []byte("sealed"), CreatedAt: f.now, ConfirmedAt: f.now}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, "guarded", "legacy-password-2", account.RequestMeta{}); !errors.Is(err, account.ErrMFARequired) {
		t.Fatalf("login of an account with a second factor: %v, want ErrMFARequired", err)
	}
	after, _ := f.store.UserByID(ctx, u.ID)
	if !strings.HasPrefix(after.PasswordHash, "$argon2id$") {
		t.Fatalf("hash not upgraded at the challenge: %q", after.PasswordHash)
	}
}

func TestLoginUpgradesImportedDjangoHash(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.store.CreateUser(ctx, account.User{
		Username: "imported", Email: "imported@example.com", Active: true,
		PasswordHash: djangoHash(t, "legacy-password-1", "somesalt", 1000),
		DateJoined:   f.now, LinksVoidedAt: f.now, UpdatedAt: f.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, "imported@example.com", "legacy-password-1", account.RequestMeta{}); err != nil {
		t.Fatalf("login with the Django password: %v", err)
	}
	after, _ := f.store.UserByID(ctx, u.ID)
	if !strings.HasPrefix(after.PasswordHash, "$argon2id$") {
		t.Fatalf("hash not upgraded: %q", after.PasswordHash)
	}
	if _, err := f.svc.Login(ctx, "imported", "legacy-password-1", account.RequestMeta{}); err != nil {
		t.Fatalf("login after the upgrade: %v", err)
	}
}
