package account

import (
	"context"
	"errors"
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
	User             User
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
func (s *Service) Login(ctx context.Context, login, password string, meta RequestMeta) (Tokens, error) {
	// Attempts are counted per login name, known or not, so the slow-down answers the
	// same for accounts that exist and ones that don't. Counting before the password is
	// checked (and forgetting on success) keeps a burst of parallel guesses from slipping
	// through together.
	attempts := bucket{"login:name", strings.ToLower(login), s.opt.Limits.LoginFailures}
	if err := s.limit(ctx, bucket{"login:ip", meta.IP, s.opt.Limits.LoginIP}, attempts); err != nil {
		s.opt.Observer.Login(LoginRateLimited)
		return Tokens{}, err
	}
	u, err := s.store.UserByLogin(ctx, login)
	if errors.Is(err, ErrNotFound) {
		s.hasher.VerifyDummy(ctx, password)
		s.opt.Observer.Login(LoginInvalidCredentials)
		return Tokens{}, ErrInvalidCredentials
	}
	if err != nil {
		return Tokens{}, err
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
		return Tokens{}, err
	}
	t, err := s.startSession(ctx, u.ID, newHash, now, meta, passwordOnly(now))
	if err != nil {
		return Tokens{}, err
	}
	s.opt.Observer.Login(LoginSucceeded)
	if attempts.rule.Limit > 0 {
		_ = s.opt.Limiter.Reset(ctx, attempts.key())
	}
	return t, nil
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
