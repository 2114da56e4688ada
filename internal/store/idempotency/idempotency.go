// Package idempotency remembers the first answer to a request sent with an
// Idempotency-Key header, so that a client that retries (after a timeout, a cut
// connection or an ambiguous 503) gets that answer again instead of a second effect: a
// second account, a second email, a refused refresh. The records live in the database
// (table idempotency_keys), shared by every instance.
//
// Nothing a client sends is stored in a usable form. A record's key is an HMAC of the
// caller's scope and the client's key; its fingerprint, which tells a retry from another
// request under the same key, an HMAC of the request under a key derived from the
// client's key; and the answer, which may hold tokens, is sealed with AES-256-GCM under
// another key derived from it. Reading the table, even with the server's secret, yields
// nothing without the client's key, which is never stored.
package idempotency

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Options tune a Store. Zero fields take the defaults noted.
type Options struct {
	// TTL is how long an answer is kept and replayed (default 24h).
	TTL time.Duration
	// Lease is how long a first request may be in flight before a retry may take its
	// place (default 1m): longer than any request runs, so that a retry never runs next
	// to the first, short enough that a request whose instance died does not hold its
	// key long.
	Lease time.Duration
	// QueryTimeout bounds each query (default 5s).
	QueryTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Store keeps the records. It is safe for concurrent use.
type Store struct {
	db     *bun.DB
	secret []byte
	opt    Options
}

// ErrUnavailable wraps every failure to reach the records: the request then answers
// 503 rather than run without the protection the client asked for.
var ErrUnavailable = errors.New("idempotency records unavailable")

// New returns a Store over db (its migrations create the table), deriving every key
// from secret, which all instances must share.
func New(db *bun.DB, secret []byte, opt Options) *Store {
	if opt.TTL <= 0 {
		opt.TTL = 24 * time.Hour
	}
	if opt.Lease <= 0 {
		opt.Lease = time.Minute
	}
	if opt.QueryTimeout <= 0 {
		opt.QueryTimeout = 5 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Store{db: db, secret: secret, opt: opt}
}

// Request is one client key in one scope: the record's ID and the keys that fingerprint
// the request and seal its answer.
type Request struct {
	id            string
	fingerprintBy []byte
	sealBy        []byte
}

// For derives the Request of the client's key in scope (the caller: a user, or for an
// anonymous request the operation). The same key in another scope is another record,
// so one caller can never reach another's answer.
func (s *Store) For(scope, clientKey string) Request {
	root := mac(s.secret, []byte("scope"), []byte(scope), []byte(clientKey))
	return Request{
		id:            hex.EncodeToString(mac(root, []byte("record id"))),
		fingerprintBy: mac(root, []byte("fingerprint")),
		sealBy:        mac(root, []byte("seal")),
	}
}

// Fingerprint identifies what a request asks for (its parts: method, path, body), so
// that a retry can be told from another request sent under the same key.
func (r Request) Fingerprint(parts ...[]byte) string {
	return hex.EncodeToString(mac(r.fingerprintBy, parts...))
}

// mac is HMAC-SHA256 of parts under key, each part prefixed by its length so that no two
// lists of parts run together into the same input.
func mac(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [8]byte
		for i, l := 0, len(p); i < 8; i, l = i+1, l>>8 {
			n[i] = byte(l)
		}
		h.Write(n[:])
		h.Write(p)
	}
	return h.Sum(nil)
}

// seal encrypts an answer with AES-256-GCM under the request's key, bound to its record.
func (r Request) seal(plain []byte) []byte {
	gcm := r.gcm()
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, []byte(r.id))
}

// open decrypts what seal wrote.
func (r Request) open(sealed []byte) ([]byte, error) {
	gcm := r.gcm()
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("idempotency: sealed answer too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(r.id))
}

func (r Request) gcm() cipher.AEAD {
	block, err := aes.NewCipher(r.sealBy) // 32 bytes: AES-256, never fails
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

// State is what Begin found.
type State int

// The states of Begin.
const (
	// Started: the caller holds the key and runs the request, then calls Finish with
	// its answer or Release.
	Started State = iota
	// Replay: the request was answered before; Begin returns that answer.
	Replay
	// InFlight: the first request is still running; retry after the time Begin returns.
	InFlight
	// Mismatch: the key was used for another request.
	Mismatch
)

// Begin looks up r: a key never seen (or whose record expired) is taken for this request
// (Started); otherwise its answer (Replay), or InFlight, or Mismatch when fingerprint
// differs from the first request's.
func (s *Store) Begin(ctx context.Context, r Request, fingerprint string) (State, []byte, time.Time, error) {
	for range 3 {
		now := s.opt.Now().UTC()
		took, err := s.exec(ctx, `INSERT INTO idempotency_keys (key, fingerprint, response, created_at, expires_at)
			VALUES (?, ?, NULL, ?, ?) ON CONFLICT (key) DO NOTHING`, r.id, fingerprint, now, now.Add(s.opt.Lease))
		if err != nil {
			return 0, nil, time.Time{}, err
		}
		if took {
			return Started, nil, time.Time{}, nil
		}
		var row struct {
			Fingerprint string    `bun:"fingerprint"`
			Response    []byte    `bun:"response"`
			ExpiresAt   time.Time `bun:"expires_at"`
		}
		qctx, cancel := context.WithTimeout(ctx, s.opt.QueryTimeout)
		err = s.db.NewRaw(`SELECT fingerprint, response, expires_at FROM idempotency_keys WHERE key = ?`, r.id).Scan(qctx, &row)
		cancel()
		if errors.Is(err, sql.ErrNoRows) {
			continue // deleted in between: try again
		}
		if err != nil {
			return 0, nil, time.Time{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		if !row.ExpiresAt.After(now) {
			// Expired: an answer past its time, or a first request whose instance died.
			// Take it over, unless another retry just did.
			took, err := s.exec(ctx, `UPDATE idempotency_keys SET fingerprint = ?, response = NULL, created_at = ?, expires_at = ?
				WHERE key = ? AND expires_at <= ?`, fingerprint, now, now.Add(s.opt.Lease), r.id, now)
			if err != nil {
				return 0, nil, time.Time{}, err
			}
			if took {
				return Started, nil, time.Time{}, nil
			}
			continue
		}
		if !hmac.Equal([]byte(row.Fingerprint), []byte(fingerprint)) {
			return Mismatch, nil, time.Time{}, nil
		}
		if row.Response == nil {
			return InFlight, nil, row.ExpiresAt, nil
		}
		answer, err := r.open(row.Response)
		if err != nil {
			// Sealed under another secret (a new signing key): as good as forgotten.
			if err := s.forget(ctx, r); err != nil {
				return 0, nil, time.Time{}, err
			}
			continue
		}
		return Replay, answer, time.Time{}, nil
	}
	return 0, nil, time.Time{}, fmt.Errorf("%w: the record kept changing", ErrUnavailable)
}

// Finish stores the answer to r's request, sealed, for the TTL.
func (s *Store) Finish(ctx context.Context, r Request, answer []byte) error {
	now := s.opt.Now().UTC()
	_, err := s.exec(ctx, `UPDATE idempotency_keys SET response = ?, expires_at = ? WHERE key = ? AND response IS NULL`,
		r.seal(answer), now.Add(s.opt.TTL), r.id)
	return err
}

// Release gives r's key up without an answer (the request failed in a way a retry may
// not), so that a retry runs the request again.
func (s *Store) Release(ctx context.Context, r Request) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency_keys WHERE key = ? AND response IS NULL`, r.id)
	return err
}

// forget deletes r's record whatever its state.
func (s *Store) forget(ctx context.Context, r Request) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency_keys WHERE key = ?`, r.id)
	return err
}

// Purge deletes up to batch expired records per statement, up to maxBatches
// statements, and returns how many went. Any number of instances may purge at once.
func (s *Store) Purge(ctx context.Context, batch, maxBatches int) (int, error) {
	lock := ""
	if s.db.Dialect().Name() == dialect.PG {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	total := 0
	for range maxBatches {
		qctx, cancel := context.WithTimeout(ctx, s.opt.QueryTimeout)
		res, err := s.db.NewRaw(`DELETE FROM idempotency_keys WHERE key IN
			(SELECT key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?`+lock+`)`, s.opt.Now().UTC(), batch).Exec(qctx)
		cancel()
		if err != nil {
			return total, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if int(n) < batch {
			break
		}
	}
	return total, nil
}

// exec runs one statement and reports whether it changed a row.
func (s *Store) exec(ctx context.Context, query string, args ...any) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opt.QueryTimeout)
	defer cancel()
	res, err := s.db.NewRaw(query, args...).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n > 0, nil
}
