package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Tokens is what a login or a refresh hands out.
type Tokens struct {
	AccessToken     string
	AccessExpiresAt time.Time
	// AccessTTL is how long the access token is valid from its issue.
	AccessTTL        time.Duration
	RefreshToken     string
	RefreshExpiresAt time.Time
	SessionID        string
	// User is the session's user; after a refresh that rotated the token, its ID only
	// (the store reads no more of it then).
	User User
	// SessionToken is the login's session token, from a Service made by
	// WithSessionTokens only (session_token.go); "" otherwise.
	SessionToken string
	// Auth is how the session was last authenticated, as the access token says.
	Auth Authentication
}

// Login checks a username or email and password and starts a session.
//
// An unknown login and a wrong password both return ErrInvalidCredentials after the same
// amount of hashing work, so neither the answer nor its timing tells whether an account
// exists. An inactive account is reported (ErrInactive) only once the password is right.
//
// Guessing is bounded per account, whichever of its names is typed in whatever case,
// without letting a stranger lock the owner out (loginBudget).
func (s *Service) Login(ctx context.Context, login, password string, meta RequestMeta) (Tokens, error) {
	if err := s.limit(ctx, bucket{"login:ip", meta.IP, s.opt.Limits.LoginIP}); err != nil {
		s.opt.Observer.Login(LoginRateLimited)
		return Tokens{}, err
	}
	u, err := s.store.UserByLogin(ctx, login)
	known := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Tokens{}, err
	}
	// Counted before the password is checked, so that a burst of parallel guesses
	// cannot slip through together.
	attempts, err := s.loginBudget(ctx, login, u, known, meta)
	if err != nil {
		if limited := new(RateLimitError); errors.As(err, &limited) {
			s.opt.Observer.Login(LoginRateLimited)
		}
		return Tokens{}, err
	}
	if !known || attempts == nil {
		// An unknown name, or an account whose budget is spent under another of its
		// names (loginBudget): the password is not checked, and the answer and the work
		// are those of a wrong password.
		s.hasher.VerifyDummy(ctx, password)
		s.opt.Observer.Login(LoginInvalidCredentials)
		return Tokens{}, ErrInvalidCredentials
	}
	ok, rehash, err := s.hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		// The caller went away while waiting for a hashing slot: not a failed login.
		return Tokens{}, err
	}
	if err != nil && !ok {
		s.opt.Logger.WarnContext(ctx, "stored password hash unusable", "user_id", u.ID, "err", err)
	}
	now := s.now()
	if !ok {
		if err := record(ctx, s.store, u.ID, EventLoginFailed, now, meta, "wrong password"); err != nil {
			return Tokens{}, err
		}
		s.opt.Observer.Login(LoginInvalidCredentials)
		return Tokens{}, ErrInvalidCredentials
	}
	if !u.Active {
		s.opt.Observer.Login(LoginInactive)
		return Tokens{}, ErrInactive
	}
	// The password is right: this attempt was no failed guess, whether or not a second
	// factor must follow (guesses of that are bounded on their own, VerifyMFA). Left
	// counted, each of the owner's logins to an account with a second factor would
	// spend a slot, until the owner locked itself out.
	s.settleLoginBudget(ctx, attempts, now)
	newHash := ""
	if rehash {
		// Upgrade hashes with outdated parameters (or imported Django hashes) while the
		// plain password is at hand. Failing to do so is not worth failing the login.
		if h, err := s.hasher.Hash(ctx, password); err == nil {
			newHash = h
		}
	}
	// An account with a second factor goes no further with a password alone (mfa_login.go).
	if err := s.requireSecondFactor(ctx, u, now, meta); err != nil {
		if newHash != "" && errors.Is(err, ErrMFARequired) {
			// The plain password is at hand now, not when the second factor comes.
			s.upgradePasswordHash(ctx, u, newHash)
		}
		return Tokens{}, err
	}
	t, err := s.startSession(ctx, u.ID, newHash, now, meta, passwordOnly(now))
	if err != nil {
		return Tokens{}, err
	}
	s.opt.Observer.Login(LoginSucceeded)
	s.rememberDevice(u.ID, now, meta)
	return t, nil
}

// settleLoginBudget takes a login attempt whose password was right off the budgets it
// was counted in (loginBudget).
func (s *Service) settleLoginBudget(ctx context.Context, attempts []bucket, now time.Time) {
	for _, b := range attempts {
		switch {
		case b.rule.Limit <= 0:
		case b.name == strangersBudget:
			// Only this attempt is taken back: the failures counted before may be an
			// attacker's, who would otherwise get a fresh set of guesses at each of the
			// owner's logins.
			_ = s.opt.Limiter.Undo(ctx, b.key(), b.rule, now)
		default:
			// The owner's own budget (a device's, a known address's) starts afresh.
			_ = s.opt.Limiter.Reset(ctx, b.key())
		}
	}
}

// rememberDevice gives the client that has just signed in to the user's account, by
// whichever way (a password, a second factor after it, a passkey), a new device token
// (RequestMeta.RememberDevice), so that a stranger's failed logins do not lock it out
// (loginBudget).
func (s *Service) rememberDevice(userID int64, now time.Time, meta RequestMeta) {
	if meta.RememberDevice == nil {
		return
	}
	if d := s.deviceToken(userID, now); d != "" {
		meta.RememberDevice(d)
	}
}

// The budgets of failed logins (Limits.LoginFailures each). The metrics label (the
// bucket's name) is the same for an account and an unknown name.
const (
	// strangersBudget is an account's budget for clients it does not know, or an
	// unknown login name's.
	strangersBudget = "login:failures"
	// deviceBudget is a budget of its own for each device the account signed in from
	// (its device token).
	deviceBudget = "login:device"
	// knownIPBudget is a budget of its own for each IP address the account signed in
	// from before.
	knownIPBudget = "login:known_ip"
)

// loginBudget counts a login attempt against its budgets and returns the buckets
// counted, or a RateLimitError when the budget is spent.
//
// A stranger's attempt (a client the account does not know) counts twice: in the
// budget of the name typed (its login key: the same for an account's name and for a
// name no account has) and, when the name is an account's, in the account's budget,
// whichever of its names was typed in whatever case. The name's budget alone decides
// the 429 and its Retry-After, so that they are the same whether or not an account
// exists. The account's budget bounds the guessing: once it is spent, an attempt under
// another of its names, whose own budget is not, is refused as an unknown name's would
// be answered, a wrong password after the same hashing work, without the password being
// checked (nil buckets, no error). A 429 there would tell a stranger who spent the
// budget under a username that the address typed next is that account's.
//
// Spending it only locks out strangers (OWASP's device cookie approach):
//   - a client that presents a device token (RequestMeta.Device) this account was given
//     at a successful login counts in a budget of that device's own, and never in the
//     strangers';
//   - a client from an IP address the account signed in from successfully within
//     TrustedClientTTL counts in a budget of that address's own once the strangers' is
//     spent (API clients often keep no cookies).
//
// Every budget is bounded, so guessing stays bounded: a stranger's by the account's
// budget, and devices and addresses can only be trusted after a login with the right
// password.
func (s *Service) loginBudget(ctx context.Context, login string, u User, known bool, meta RequestMeta) ([]bucket, error) {
	rule := s.opt.Limits.LoginFailures
	if rule.Limit <= 0 {
		return []bucket{}, nil
	}
	if known {
		if device, ok := s.checkDevice(meta.Device, u.ID); ok {
			b := bucket{deviceBudget, strconv.FormatInt(u.ID, 10) + ":" + device, rule}
			return []bucket{b}, s.limit(ctx, b)
		}
	}
	subject := "name:" + HashSecret(strings.ToLower(login))
	if key, ok := LoginKey(login); ok {
		subject = "name:" + HashSecret(key)
	}
	name := bucket{strangersBudget, subject, rule}
	counted := []bucket{name}
	now := s.now()
	nameAllowed, retry, err := s.opt.Limiter.Allow(ctx, name.key(), rule, now)
	if err != nil {
		return counted, err
	}
	accountAllowed := true
	if known {
		acct := bucket{strangersBudget, "account:" + strconv.FormatInt(u.ID, 10), rule}
		counted = append(counted, acct)
		if accountAllowed, _, err = s.opt.Limiter.Allow(ctx, acct.key(), rule, now); err != nil {
			return counted, err
		}
	}
	if nameAllowed && accountAllowed {
		return counted, nil
	}
	// Asked for an unknown name too (of user 0, who has no history), so that a spent
	// budget takes the same work whether or not the account exists.
	var id int64
	if known {
		id = u.ID
	}
	trusted, err := s.store.SignedInFrom(ctx, id, meta.IP, now.Add(-s.opt.TrustedClientTTL))
	if err != nil {
		return counted, err
	}
	if trusted && known && meta.IP != "" {
		b := bucket{knownIPBudget, strconv.FormatInt(u.ID, 10) + ":" + meta.IP, rule}
		return []bucket{b}, s.limit(ctx, b)
	}
	if !nameAllowed {
		s.opt.Observer.RateLimited(strangersBudget)
		return counted, &RateLimitError{RetryAfter: retry}
	}
	return nil, nil
}

// deviceToken returns a device token for the user at now: an HMAC-signed note of the
// user, the time and a random device ID, which the client presents at its next logins
// (RequestMeta.Device). It is no credential: it only says which budget of failed logins
// a client counts in. "" when the service has no LinkSecret to sign with.
func (s *Service) deviceToken(userID int64, now time.Time) string {
	if len(s.opt.LinkSecret) == 0 {
		return ""
	}
	payload := make([]byte, 16, 16+deviceIDBytes+sha256.Size)
	binary.BigEndian.PutUint64(payload, uint64(userID))
	binary.BigEndian.PutUint64(payload[8:], uint64(now.Unix()))
	payload = append(payload, make([]byte, deviceIDBytes)...)
	_, _ = rand.Read(payload[16:])
	return base64.RawURLEncoding.EncodeToString(append(payload, s.deviceMAC(payload)...))
}

// deviceIDBytes is the size of a device token's random device ID.
const deviceIDBytes = 16

// checkDevice reports whether token is a genuine device token of the user, issued within
// TrustedClientTTL, and returns its device ID.
func (s *Service) checkDevice(token string, userID int64) (device string, ok bool) {
	if token == "" || len(s.opt.LinkSecret) == 0 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 16+deviceIDBytes+sha256.Size {
		return "", false
	}
	payload, mac := raw[:16+deviceIDBytes], raw[16+deviceIDBytes:]
	if !hmac.Equal(mac, s.deviceMAC(payload)) || int64(binary.BigEndian.Uint64(payload)) != userID {
		return "", false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(payload[8:])), 0)
	if now := s.now(); issued.After(now.Add(time.Minute)) || now.Sub(issued) > s.opt.TrustedClientTTL {
		return "", false
	}
	return hex.EncodeToString(payload[16:]), true
}

// deviceMAC is the HMAC-SHA256 of a device token's payload, under a key of its own
// derived from LinkSecret, so that no signed link can pass for a device token.
func (s *Service) deviceMAC(payload []byte) []byte {
	k := hmac.New(sha256.New, s.opt.LinkSecret)
	k.Write([]byte("accountd device token v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write(payload)
	return m.Sum(nil)
}

// startSession records the login of the user with this ID at now (with newHash, when
// not empty, as the password's new hash), authenticated by auth, and starts a session
// with its first refresh token and access token. The store does the writes in one step,
// ending the account's oldest sessions beyond MaxSessions with them.
func (s *Service) startSession(ctx context.Context, userID int64, newHash string, now time.Time, meta RequestMeta, auth Authentication) (Tokens, error) {
	sess := Session{
		ID: uuid.NewString(), UserID: userID,
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.opt.SessionTTL),
		IP: meta.IP, UserAgent: meta.UserAgent, Auth: auth,
	}
	var sessionToken string
	if s.sessionTokens {
		sessionToken, sess.ID = newSessionToken()
	}
	plain, hash := newSecret()
	rt := RefreshToken{Hash: hash, SessionID: sess.ID, UserID: userID, CreatedAt: now, ExpiresAt: sess.ExpiresAt}
	event := Event{UserID: userID, Type: EventLoginSucceeded, At: now, IP: meta.IP, UserAgent: meta.UserAgent, Detail: "methods: " + auth.String()}
	u, err := s.store.StartSession(ctx, sess, rt, newHash, event, s.opt.MaxSessions)
	if err != nil {
		return Tokens{}, err
	}
	t, err := s.handOut(u, sess, plain, sess.ExpiresAt, now)
	t.SessionToken = sessionToken
	return t, err
}

// handOut signs an access token at now for user u's session sess and returns it with
// the refresh token (plain, expiring at refreshExpires) that goes with it. Every login
// and refresh ends here.
func (s *Service) handOut(u User, sess Session, refreshToken string, refreshExpires, now time.Time) (Tokens, error) {
	sessionID := sess.ID
	access, exp, err := s.tokens.Issue(u.ID, sessionID, sess.Auth, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{
		AccessToken: access, AccessExpiresAt: exp, AccessTTL: exp.Sub(now),
		RefreshToken: refreshToken, RefreshExpiresAt: refreshExpires,
		SessionID: sessionID, User: u, Auth: sess.Auth,
	}, nil
}

// upgradePasswordHash replaces u's stored hash by newHash, a fresh hash of the password
// just verified, unless the stored hash changed meanwhile (a password change or reset
// won: its hash is the one to keep). A failure only leaves the old hash in place, which
// still verifies.
func (s *Service) upgradePasswordHash(ctx context.Context, u User, newHash string) {
	err := s.store.InTx(ctx, func(tx Store) error {
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil || cur.PasswordHash != u.PasswordHash {
			return err
		}
		cur.PasswordHash = newHash
		_, err = tx.UpdateUser(ctx, cur)
		return err
	})
	if err != nil {
		s.opt.Logger.WarnContext(ctx, "upgrading a password hash failed", "user_id", u.ID, "err", err)
	}
}
