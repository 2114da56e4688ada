package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) addEvent(t *testing.T) {
	s.run(t, "stored", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		for _, typ := range []account.EventType{account.EventRegistered, account.EventLoginSucceeded} {
			e := account.Event{UserID: u.ID, Type: typ, At: at(0), IP: "192.0.2.7", UserAgent: "storetest/1.0", Detail: "session s1"}
			noErr(t, "AddEvent", st.AddEvent(ctx(t), e))
		}
	})
	s.run(t, "unknown_user_refused", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		err := st.AddEvent(ctx(t), account.Event{UserID: u.ID + 1000, Type: account.EventLoginFailed, At: at(0)})
		if err == nil {
			t.Errorf("AddEvent for a user that does not exist: no error")
		}
	})
}

func (s suite) signingKeys(t *testing.T) {
	s.run(t, "none_stored_empty", func(t *testing.T, st account.Store) {
		keys, err := st.SigningKeys(ctx(t))
		noErr(t, "SigningKeys", err)
		if len(keys) != 0 {
			t.Errorf("SigningKeys = %d keys, want none", len(keys))
		}
	})
	s.run(t, "added_keys_read_back", func(t *testing.T, st account.Store) {
		k1 := account.SigningKey{ID: "k1", Algorithm: "EdDSA", Private: []byte("-----BEGIN PRIVATE KEY-----\n\x00\xff\n"), CreatedAt: at(-time.Hour)}
		k2 := account.SigningKey{ID: "k2", Algorithm: "RS256", Private: []byte("second"), CreatedAt: at(0)}
		noErr(t, "AddSigningKey(k1)", st.AddSigningKey(ctx(t), k1))
		noErr(t, "AddSigningKey(k2)", st.AddSigningKey(ctx(t), k2))
		keys, err := st.SigningKeys(ctx(t))
		noErr(t, "SigningKeys", err)
		byID := map[string]account.SigningKey{}
		for _, k := range keys {
			byID[k.ID] = k
		}
		if len(keys) != 2 || len(byID) != 2 {
			t.Fatalf("SigningKeys = %d keys %v, want k1 and k2", len(keys), keys)
		}
		same(t, "k1", byID["k1"], k1)
		same(t, "k2", byID["k2"], k2)
	})
	s.run(t, "first_key_of_an_algorithm_kept_once", func(t *testing.T, st account.Store) {
		// Instances starting together each add a key of their own: one must win, or
		// they would sign with keys the others do not know.
		const n = 8
		var wg sync.WaitGroup
		var won atomic.Int32
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				k := account.SigningKey{ID: fmt.Sprintf("k%d", i), Algorithm: "EdDSA", Private: []byte("p"), CreatedAt: at(0)}
				added, err := st.AddFirstSigningKey(ctx(t), k)
				if added {
					won.Add(1)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for _, err := range errs {
			noErr(t, "AddFirstSigningKey", err)
		}
		keys, err := st.SigningKeys(ctx(t))
		noErr(t, "SigningKeys", err)
		if won.Load() != 1 || len(keys) != 1 {
			t.Fatalf("%d callers added a key and %d keys are stored, want 1 and 1", won.Load(), len(keys))
		}
		other := account.SigningKey{ID: "rsa", Algorithm: "RS256", Private: []byte("r"), CreatedAt: at(0)}
		added, err := st.AddFirstSigningKey(ctx(t), other)
		noErr(t, "AddFirstSigningKey(RS256)", err)
		if !added {
			t.Fatal("the first key of another algorithm was not added")
		}
	})
	s.run(t, "existing_id_left_as_it_was", func(t *testing.T, st account.Store) {
		first := account.SigningKey{ID: "k1", Algorithm: "EdDSA", Private: []byte("first"), CreatedAt: at(0)}
		noErr(t, "AddSigningKey(first)", st.AddSigningKey(ctx(t), first))
		second := account.SigningKey{ID: "k1", Algorithm: "RS256", Private: []byte("second"), CreatedAt: at(time.Hour)}
		noErr(t, "AddSigningKey(same ID)", st.AddSigningKey(ctx(t), second))
		keys, err := st.SigningKeys(ctx(t))
		noErr(t, "SigningKeys", err)
		if len(keys) != 1 {
			t.Fatalf("SigningKeys = %d keys, want 1", len(keys))
		}
		same(t, "k1", keys[0], first)
	})
}

var errAbort = errors.New("storetest: abort the transaction")

func (s suite) inTx(t *testing.T) {
	s.run(t, "commit_keeps_writes", func(t *testing.T, st account.Store) {
		var created account.User
		err := st.InTx(ctx(t), func(tx account.Store) error {
			var err error
			created, err = tx.CreateUser(ctx(t), newUser("alice"))
			if err != nil {
				return err
			}
			// A transaction reads its own writes.
			_, err = tx.UserByID(ctx(t), created.ID)
			return err
		})
		noErr(t, "InTx", err)
		got, err := st.UserByLogin(ctx(t), "alice")
		noErr(t, "UserByLogin after commit", err)
		same(t, "user", got, created)
	})
	s.run(t, "error_rolls_back_and_is_returned", func(t *testing.T, st account.Store) {
		err := st.InTx(ctx(t), func(tx account.Store) error {
			if _, err := tx.CreateUser(ctx(t), newUser("alice")); err != nil {
				return err
			}
			return errAbort
		})
		wantErr(t, "InTx", err, errAbort)
		_, err = st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin after rollback", err, account.ErrNotFound)
	})
	s.run(t, "store_error_inside_rolls_back_and_is_returned", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		err := st.InTx(ctx(t), func(tx account.Store) error {
			if _, err := tx.CreateUser(ctx(t), newUser("alice")); err != nil {
				return err
			}
			dup := newUser("carol")
			dup.Email = "BOB@example.com"
			_, err := tx.CreateUser(ctx(t), dup)
			return err
		})
		wantErr(t, "InTx", err, account.ErrEmailTaken)
		_, err = st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin after rollback", err, account.ErrNotFound)
	})
	s.run(t, "panic_rolls_back", func(t *testing.T, st account.Store) {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InTx swallowed the panic")
				}
			}()
			_ = st.InTx(ctx(t), func(tx account.Store) error {
				if _, err := tx.CreateUser(ctx(t), newUser("alice")); err != nil {
					return err
				}
				panic("storetest: panic inside InTx")
			})
		}()
		_, err := st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin after panic", err, account.ErrNotFound)
	})
	s.run(t, "nested_commits_with_outer", func(t *testing.T, st account.Store) {
		err := st.InTx(ctx(t), func(tx account.Store) error {
			return tx.InTx(ctx(t), func(inner account.Store) error {
				_, err := inner.CreateUser(ctx(t), newUser("alice"))
				return err
			})
		})
		noErr(t, "InTx", err)
		_, err = st.UserByLogin(ctx(t), "alice")
		noErr(t, "UserByLogin", err)
	})
	s.run(t, "nested_rolls_back_with_outer", func(t *testing.T, st account.Store) {
		err := st.InTx(ctx(t), func(tx account.Store) error {
			err := tx.InTx(ctx(t), func(inner account.Store) error {
				_, err := inner.CreateUser(ctx(t), newUser("alice"))
				return err
			})
			if err != nil {
				return err
			}
			return errAbort
		})
		wantErr(t, "InTx", err, errAbort)
		_, err = st.UserByLogin(ctx(t), "alice")
		wantErr(t, "UserByLogin after rollback", err, account.ErrNotFound)
	})
}

func (s suite) ping(t *testing.T) {
	s.run(t, "answers", func(t *testing.T, st account.Store) {
		noErr(t, "Ping", st.Ping(ctx(t)))
		noErr(t, "Ping in a transaction", st.InTx(ctx(t), func(tx account.Store) error { return tx.Ping(ctx(t)) }))
	})
}
