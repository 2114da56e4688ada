package token

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// KeyStore persists signing keys when no key file is configured, so that restarts and
// other instances sign with the same key. account.Store satisfies it.
type KeyStore interface {
	SigningKeys(ctx context.Context) ([]account.SigningKey, error)
	// AddFirstSigningKey stores k unless a key of its algorithm is stored already, and
	// reports whether it did, atomically: of instances adding keys at once, one wins.
	AddFirstSigningKey(ctx context.Context, k account.SigningKey) (bool, error)
}

// loadKeyFiles reads every file; the first key signs.
func loadKeyFiles(paths []string) ([]*key, error) {
	keys := make([]*key, 0, len(paths))
	seen := make(map[string]string, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("token key file: %w", err)
		}
		k, err := parseKeyPEM(data)
		if err != nil {
			return nil, fmt.Errorf("token key file %s: %w", path, err)
		}
		if other, dup := seen[k.id]; dup {
			return nil, fmt.Errorf("token key files %s and %s hold the same key", other, path)
		}
		seen[k.id] = path
		keys = append(keys, k)
	}
	return keys, nil
}

// loadStoredKeys returns every stored key, signing key first: the oldest stored key of
// alg, generated and stored if there is none.
//
// Instances starting together on an empty store may each generate a key; the store
// keeps only the first (AddFirstSigningKey), and each instance reads the keys back
// after adding its own, so all of them sign with the key that was kept.
func loadStoredKeys(ctx context.Context, store KeyStore, alg string) ([]*key, error) {
	stored, err := store.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("token: load signing keys: %w", err)
	}
	if !slices.ContainsFunc(stored, func(k account.SigningKey) bool { return k.Algorithm == alg }) {
		pemBytes, err := GenerateKeyPEM(alg)
		if err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
		k, err := parseKeyPEM(pemBytes)
		if err != nil {
			return nil, fmt.Errorf("token: generated key: %w", err)
		}
		sk := account.SigningKey{ID: k.id, Algorithm: alg, Private: pemBytes, CreatedAt: time.Now().UTC()}
		if _, err := store.AddFirstSigningKey(ctx, sk); err != nil {
			return nil, fmt.Errorf("token: store signing key: %w", err)
		}
		if stored, err = store.SigningKeys(ctx); err != nil {
			return nil, fmt.Errorf("token: reload signing keys: %w", err)
		}
	}

	// Oldest first; ties broken by ID so every instance makes the same choice.
	stored = slices.Clone(stored)
	slices.SortFunc(stored, func(a, b account.SigningKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	keys := make([]*key, 0, len(stored))
	signing := -1
	for _, sk := range stored {
		k, err := parseKeyPEM(sk.Private)
		if err != nil {
			return nil, fmt.Errorf("token: stored signing key %s: %w", sk.ID, err)
		}
		// A row whose ID or algorithm disagrees with its key material is corrupt or
		// tampered with: refuse to start rather than publish or pin the wrong thing.
		if k.id != sk.ID {
			return nil, fmt.Errorf("token: stored signing key %s: ID is not the key's thumbprint %s", sk.ID, k.id)
		}
		if k.alg.String() != sk.Algorithm {
			return nil, fmt.Errorf("token: stored signing key %s: algorithm %s does not fit its %s key", sk.ID, sk.Algorithm, k.alg)
		}
		if signing < 0 && sk.Algorithm == alg {
			signing = len(keys)
		}
		keys = append(keys, k)
	}
	if signing < 0 {
		return nil, fmt.Errorf("token: no %s signing key in the store after adding one", alg)
	}
	// Signing key first, the others in age order.
	signer := keys[signing]
	return slices.Insert(slices.Delete(keys, signing, signing+1), 0, signer), nil
}
