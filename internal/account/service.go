package account

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"
)

// DefaultTrustedClientTTL is Options.TrustedClientTTL's default.
const DefaultTrustedClientTTL = 90 * 24 * time.Hour

// Options tune the Service. Zero values take the defaults noted on each field.
type Options struct {
	// Now is the clock (default time.Now); tests inject a fixed one.
	Now func() time.Time
	// Logger receives operational messages (default slog.Default()). It never receives
	// passwords or tokens.
	Logger *slog.Logger

	// ActivationTTL is how long an activation link works (default 48h).
	ActivationTTL time.Duration
	// ResetTTL is how long a password reset link works (default 1h).
	ResetTTL time.Duration
	// EmailChangeTTL is how long an email change link works (default 24h).
	EmailChangeTTL time.Duration
	// InvitationTTL is how long an invitation to set a password works (default 7 days).
	InvitationTTL time.Duration
	// RefreshGrace is how long after a session's chain of refresh tokens moved past a
	// token that token may be presented again without counting as theft: it is refused,
	// and the session lives (default 10s; negative disables the grace). See Refresh.
	RefreshGrace time.Duration
	// RefreshKey keys the derivation of each refresh token's successor (Refresh). Every
	// instance on one database must use the same key, or a retried refresh that reaches
	// another instance is refused (default: a random key, for this process alone).
	RefreshKey []byte
	// Limiter counts requests for rate limits (default: no limits).
	Limiter Limiter
	// Limits are the rate limits Limiter enforces.
	Limits Limits
	// Observer hears about login outcomes and rate-limit refusals (default: nobody).
	Observer Observer
	// SessionTTL is how long a session lives without a refresh (default 30 days); each
	// refresh extends it.
	SessionTTL time.Duration
	// MaxSessions is how many live sessions an account may have (default 100): a login
	// beyond it ends the oldest, in the same transaction, whichever API it came through.
	MaxSessions int
	// HideExistingEmails makes registration with a taken email answer like a success and
	// email the address's owner instead, so registration cannot enumerate accounts.
	HideExistingEmails bool
	// PasswordMinLength is the shortest password accepted (default 10, never below 8).
	PasswordMinLength int
	// LinkSecret keys the HMAC of signed links (signed_links.go); without one, emails
	// carry no signed link and every signed link is refused. Device tokens (see Login)
	// are signed with a key derived from it; without one, none is given.
	LinkSecret []byte
	// TrustedClientTTL is how long a device token, or an IP address the account signed
	// in from, spares a client the lockout that strangers' failed logins cause (default
	// 90 days).
	TrustedClientTTL time.Duration
	// LinkOrigins are the origins ("https://app.example.com", see OriginOf) of the pages
	// a client may ask emailed links to open instead of the configured ones
	// (EmailLinksUnder); none by default.
	LinkOrigins []string
	// MFA tunes second factors (mfa.go).
	MFA MFAOptions
}

func (o *Options) setDefaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ActivationTTL <= 0 {
		o.ActivationTTL = 48 * time.Hour
	}
	if o.ResetTTL <= 0 {
		o.ResetTTL = time.Hour
	}
	if o.EmailChangeTTL <= 0 {
		o.EmailChangeTTL = 24 * time.Hour
	}
	if o.InvitationTTL <= 0 {
		o.InvitationTTL = 7 * 24 * time.Hour
	}
	if o.RefreshGrace == 0 {
		o.RefreshGrace = 10 * time.Second
	}
	if len(o.RefreshKey) == 0 {
		o.RefreshKey = make([]byte, 32)
		_, _ = rand.Read(o.RefreshKey)
	}
	if o.Limiter == nil {
		o.Limiter = noLimiter{}
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 30 * 24 * time.Hour
	}
	if o.TrustedClientTTL <= 0 {
		o.TrustedClientTTL = DefaultTrustedClientTTL
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 100
	}
	if o.PasswordMinLength < minPasswordLength {
		o.PasswordMinLength = defaultPasswordMinLength
	}
	o.MFA.setDefaults()
}

// Service carries out every account use case. It is safe for concurrent use.
type Service struct {
	store  Store
	hasher PasswordHasher
	tokens AccessTokens
	mailer Mailer
	opt    Options
	// sessionTokens: logins hand out session tokens (WithSessionTokens).
	sessionTokens bool
	// linkBase is where the links of this Service's emails point instead of their
	// configured page; "" on every Service but the copies EmailLinksUnder makes.
	linkBase string
	// requests wakes the worker of email requests (email_requests.go); shared by copies.
	requests *emailRequests
}

// New assembles a Service from its dependencies.
func New(store Store, hasher PasswordHasher, tokens AccessTokens, mailer Mailer, opt Options) *Service {
	opt.setDefaults()
	return &Service{store: store, hasher: hasher, tokens: tokens, mailer: mailer, opt: opt,
		requests: &emailRequests{wake: make(chan struct{}, 1)}}
}

// WithAccessTokens returns a Service like s whose logins sign access tokens with tokens
// and start sessions that last sessionTTL. It is for APIs without refresh tokens, whose
// one access token must live longer than the canonical API's: their session should end
// when that token does, not linger unusable (django-rest-registration). Everything else
// is shared with s.
func (s *Service) WithAccessTokens(tokens AccessTokens, sessionTTL time.Duration) *Service {
	c := *s
	c.tokens = tokens
	if sessionTTL > 0 {
		c.opt.SessionTTL = sessionTTL
	}
	return &c
}

func (s *Service) now() time.Time { return s.opt.Now().UTC() }

// record adds an event to a user's history.
func record(ctx context.Context, st Store, userID int64, typ EventType, at time.Time, meta RequestMeta, detail string) error {
	return st.AddEvent(ctx, Event{UserID: userID, Type: typ, At: at, IP: meta.IP, UserAgent: meta.UserAgent, Detail: detail})
}

// send queues an email in the transaction st is bound to (Store.Bind), so that it
// commits with the state change that promises it, or neither does: an answer that says
// an email is on its way is never given for one that was not queued (a database that
// went away between the two would otherwise leave an account without its activation
// email). The error is returned, and fails the transaction. Mailers that are not the
// outbox (a console, a test's recorder) deliver at once.
func (s *Service) send(ctx context.Context, st Store, m Message) error {
	s.signLink(&m)
	if m.Token != "" {
		m.LinkBase = s.linkBase // only an email with a token has a link worth pointing elsewhere
	}
	if err := s.mailer.Send(st.Bind(ctx), m); err != nil {
		s.opt.Logger.ErrorContext(ctx, "queueing email failed", "kind", m.Kind, "user_id", m.User.ID, "err", err)
		return err
	}
	return nil
}

// issueEmailToken stores a new emailed token for u and returns its plain form.
func (s *Service) issueEmailToken(ctx context.Context, st Store, u User, purpose TokenPurpose, email string, ttl time.Duration) (string, error) {
	plain, hash := newSecret()
	now := s.now()
	// Made after whatever voided u's links, it must not count as made before: the stamp
	// may be ahead of the clock (voidEmailedLinks).
	if now.Before(u.LinksVoidedAt) {
		now = u.LinksVoidedAt
	}
	err := st.CreateEmailToken(ctx, EmailToken{
		Hash: hash, UserID: u.ID, Purpose: purpose, Email: email,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
	return plain, err
}
