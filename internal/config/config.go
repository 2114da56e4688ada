// Package config reads accountd's settings from ACCOUNTD_* environment variables and
// command-line flags (flags win), applies defaults and validates them, so that a bad
// setting stops the process at start with one line naming it.
//
// One table (Table) lists every setting: the server's own, declared here, and each
// compatibility profile's, which the profile declares in its own package (Profile,
// Section). The flags, String, Usage and the README's table all follow it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// Config is every setting of the server.
type Config struct {
	Addr            string
	DatabaseURL     string
	AutoMigrate     bool
	DBMaxOpenConns  int
	DBQueryTimeout  time.Duration
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	LogFormat       string
	LogLevel        string

	// DatabaseReplicaURL, when set, is a streaming replica of the PostgreSQL database
	// that serves the reads that tolerate lag (bunstore's replica.go).
	DatabaseReplicaURL string

	Mailer         string
	MailFrom       string
	ActivationURL  string
	ResetURL       string
	EmailChangeURL string
	// InvitationURL is the link of invitations to set a password; "" uses ResetURL,
	// whose page accepts invitation tokens too.
	InvitationURL string
	// The mail outbox's retries: the wait after the first failure, doubling up to
	// MailRetryMax, and the attempts before a message is given up.
	MailRetryBase   time.Duration
	MailRetryMax    time.Duration
	MailMaxAttempts int

	Issuer          string
	Audience        string
	SigningKeyFiles []string
	SigningAlg      string
	AccessTokenTTL  time.Duration
	SessionTTL      time.Duration
	ActivationTTL   time.Duration
	ResetTTL        time.Duration
	EmailChangeTTL  time.Duration
	InvitationTTL   time.Duration
	RefreshGrace    time.Duration
	// SessionsPerAccount caps an account's live sessions; a login beyond it ends the
	// oldest.
	SessionsPerAccount int
	// IdempotencyTTL is how long the answer to an Idempotency-Key request is kept.
	IdempotencyTTL time.Duration
	// CleanupInterval is how often each instance deletes what no longer matters (0: never);
	// CleanupRetention how long ended sessions, spent refresh tokens and used or expired
	// emailed tokens are kept; EventRetention, when positive, how long history events are.
	CleanupInterval  time.Duration
	CleanupRetention time.Duration
	EventRetention   time.Duration

	// MetricsAddr, when set, serves Prometheus metrics on this address, a listener of
	// its own: the API's port never serves them.
	MetricsAddr    string
	CORSOrigins    []string
	TrustedProxies []netip.Prefix
	// AllowedRedirectOrigins are the origins of the pages a client may ask emailed links
	// to open (a compatibility profile's verification_base_url), as account.OriginOf
	// writes them; none by default.
	AllowedRedirectOrigins []string

	// PprofAddr, when set, serves net/http/pprof on this loopback address (pprof.go).
	PprofAddr string

	// Compat lists the compatibility profiles to serve, by name. Each profile's own
	// settings are in a Section of the Config (see Profile).
	Compat []string
	// LinkSecret keys the HMAC of signed emailed links; empty: derived from the signing key.
	LinkSecret string

	RateLimitStore string
	Limits         account.Limits

	HideExistingEmails bool
	PasswordMinLength  int
	Argon2MemoryKiB    int
	Argon2Time         int
	Argon2Threads      int
	HashConcurrency    int

	// MFA holds the settings of second factors (mfa.go).
	MFA MFA

	// sections holds each compatibility profile's own settings, by profile (Section).
	sections map[string]any
	// table is every setting Load read, the profiles' included, and raw each one's text
	// as given, for String.
	table []Setting
	raw   map[string]string
}

// rule parses a rate limit: "N/window" such as "5/15m", or "off".
func rule(f func(c *Config) *account.Rule) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "off" || v == "0" {
			*f(c) = account.Rule{}
			return nil
		}
		n, w, ok := strings.Cut(v, "/")
		limit, err1 := strconv.Atoi(n)
		window, err2 := time.ParseDuration(w)
		if !ok || err1 != nil || err2 != nil || limit < 1 || window <= 0 {
			return fmt.Errorf("not a rate such as 5/15m, or off: %q", v)
		}
		*f(c) = account.Rule{Limit: limit, Window: window}
		return nil
	}
}

// serverSettings are the first rows of the table (see Table): the server, its mail,
// its tokens.
var serverSettings = []Setting{
	{Env: "ACCOUNTD_ADDR", Default: "127.0.0.1:8080", Essential: true, Usage: "address to listen on (host:port): by default this machine only (for `make run`, or behind a proxy on the same host); `:8080` listens on every interface", Set: str(func(c *Config) *string { return &c.Addr })},
	{Env: "ACCOUNTD_DATABASE_URL", Default: "./accountd.db", Secret: true, Essential: true, Usage: "the database: `postgres://user:pass@host/db`, `sqlite:///abs/path.db`, `sqlite::memory:` or a SQLite file path such as `./accountd.db`; behind PgBouncer in transaction mode (before 1.21), add `default_query_exec_mode=cache_describe` to the URL's parameters (docs/operations.md)",
		Set: databaseURL},
	{Env: "ACCOUNTD_DATABASE_REPLICA_URL", Secret: true, Usage: "optional streaming replica of the PostgreSQL database (`postgres://...`): it serves the reads that tolerate lag (the organizations, the admin listings, account histories, the signing keys at start); what a request just wrote, and everything else, is read from ACCOUNTD_DATABASE_URL, which also serves the replica's reads while it is down",
		Set: replicaURL},
	{Env: "ACCOUNTD_AUTO_MIGRATE", Default: "true", Usage: "apply pending migrations at start-up (else run `accountd migrate`)", Set: boolean(func(c *Config) *bool { return &c.AutoMigrate })},
	{Env: "ACCOUNTD_DB_MAX_OPEN_CONNS", Default: "20", Usage: "database connection pool size (PostgreSQL)", Set: integer(func(c *Config) *int { return &c.DBMaxOpenConns }, 1)},
	{Env: "ACCOUNTD_DB_QUERY_TIMEOUT", Default: "5s", Usage: "longest a database query may take before the request gets 503", Set: duration(func(c *Config) *time.Duration { return &c.DBQueryTimeout })},
	{Env: "ACCOUNTD_MAX_BODY_BYTES", Default: "65536", Usage: "largest request body accepted, in bytes (413 beyond)",
		Set: func(c *Config, v string) error {
			var n int
			if err := integer(func(*Config) *int { return &n }, 1024)(c, v); err != nil {
				return err
			}
			c.MaxBodyBytes = int64(n)
			return nil
		}},
	{Env: "ACCOUNTD_SHUTDOWN_TIMEOUT", Default: "15s", Usage: "how long in-flight requests may take to finish at shutdown", Set: duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{Env: "ACCOUNTD_METRICS_ADDR", Essential: true, Usage: "serve Prometheus metrics at `/metrics` on this address of their own (`127.0.0.1:9090`), never on the API's; empty turns them off. Any address is accepted, for a scraper on another host: keep it off the public network",
		Set: metricsAddr},
	{Env: "ACCOUNTD_PPROF_ADDR", Usage: "serve Go's `net/http/pprof` on this loopback address (`127.0.0.1:6060`) for profiling; only loopback addresses are accepted; empty turns it off",
		Set: pprofAddr},
	{Env: "ACCOUNTD_CORS_ORIGINS", Essential: true, Usage: "browser origins allowed to call the API, comma-separated (`https://app.example.com`); empty turns CORS off",
		Set: func(c *Config, v string) error {
			c.CORSOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o == "" {
					continue
				}
				if u, err := url.Parse(o); o != "*" && (err != nil || u.Scheme == "" || u.Host == "" || u.Path != "") {
					return fmt.Errorf("not an origin such as https://app.example.com: %q", o)
				}
				c.CORSOrigins = append(c.CORSOrigins, o)
			}
			return nil
		}},
	{Env: "ACCOUNTD_ALLOWED_REDIRECT_ORIGINS", Usage: "origins of the pages a client may ask emailed links to open (`verification_base_url`), comma-separated (`https://app.example.com`); empty: none, links open the configured pages",
		Set: redirectOrigins},
	{Env: "ACCOUNTD_TRUSTED_PROXIES", Essential: true, Usage: "networks of the load balancers whose `X-Forwarded-For` is believed, comma-separated CIDRs (`10.0.0.0/8`); from anyone else it is ignored",
		Set: func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				prefix, err := netip.ParsePrefix(p)
				if err != nil {
					if a, aerr := netip.ParseAddr(p); aerr == nil {
						prefix = netip.PrefixFrom(a, a.BitLen())
					} else {
						return fmt.Errorf("not a CIDR such as 10.0.0.0/8: %q", p)
					}
				}
				c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
			}
			return nil
		}},
	{Env: "ACCOUNTD_LOG_FORMAT", Default: "text", Usage: "`text` or `json`", Set: oneOf(func(c *Config) *string { return &c.LogFormat }, "text", "json")},
	{Env: "ACCOUNTD_LOG_LEVEL", Default: "info", Usage: "`debug`, `info`, `warn` or `error`", Set: oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error")},

	{Env: "ACCOUNTD_MAILER", Default: "console", Secret: true, Essential: true, Usage: "how emails leave: `console` (printed), `smtp://user:pass@host:587` (STARTTLS when offered), `smtps://...` (implicit TLS), or `dir:///path` (one `.eml` file per message, and a `.json` beside it)", Set: str(func(c *Config) *string { return &c.Mailer })},
	{Env: "ACCOUNTD_MAIL_FROM", Default: "accountd <no-reply@localhost>", Essential: true, Usage: "From address of emails", Set: str(func(c *Config) *string { return &c.MailFrom })},
	{Env: "ACCOUNTD_MAIL_RETRY_BASE", Default: "5s", Usage: "wait before retrying an email that failed to send; doubles on each failure", Set: duration(func(c *Config) *time.Duration { return &c.MailRetryBase })},
	{Env: "ACCOUNTD_MAIL_RETRY_MAX", Default: "1h", Usage: "longest wait between two attempts to send an email", Set: duration(func(c *Config) *time.Duration { return &c.MailRetryMax })},
	{Env: "ACCOUNTD_MAIL_MAX_ATTEMPTS", Default: "10", Usage: "attempts to send an email before it is given up (`dead` in the outbox)", Set: integer(func(c *Config) *int { return &c.MailMaxAttempts }, 1)},
	{Env: "ACCOUNTD_ACTIVATION_URL", Default: "http://localhost:3000/activate?token={token}", Essential: true, Usage: "activation link; placeholders `{token}` (required), `{uid}`, `{user_id}`, `{email}`, `{username}`",
		Set: str(func(c *Config) *string { return &c.ActivationURL })},
	{Env: "ACCOUNTD_PASSWORD_RESET_URL", Default: "http://localhost:3000/reset-password?token={token}", Essential: true, Usage: "password reset link, same placeholders",
		Set: str(func(c *Config) *string { return &c.ResetURL })},
	{Env: "ACCOUNTD_EMAIL_CHANGE_URL", Default: "http://localhost:3000/confirm-email?token={token}", Essential: true, Usage: "email change confirmation link, same placeholders",
		Set: str(func(c *Config) *string { return &c.EmailChangeURL })},
	{Env: "ACCOUNTD_INVITATION_URL", Usage: "link of the invitation sent to a user created by staff, to set a password (same placeholders); empty: the password reset link, whose page accepts invitation tokens too",
		Set: str(func(c *Config) *string { return &c.InvitationURL })},

	{Env: "ACCOUNTD_ISSUER", Default: "http://localhost:8080", Essential: true, Usage: "`iss` of access tokens: the service's public URL (set it in production)", Set: str(func(c *Config) *string { return &c.Issuer })},
	{Env: "ACCOUNTD_AUDIENCE", Default: "accountd", Usage: "`aud` of access tokens", Set: str(func(c *Config) *string { return &c.Audience })},
	{Env: "ACCOUNTD_SIGNING_KEY_FILE", Essential: true, Usage: "PEM private key file(s), comma-separated; the first signs, all verify. Empty: a key is generated once and kept in the database",
		Set: func(c *Config, v string) error {
			c.SigningKeyFiles = nil
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					c.SigningKeyFiles = append(c.SigningKeyFiles, f)
				}
			}
			return nil
		}},
	{Env: "ACCOUNTD_SIGNING_ALG", Default: "EdDSA", Usage: "algorithm of a generated key: `EdDSA`, `ES256` or `RS256`", Set: oneOf(func(c *Config) *string { return &c.SigningAlg }, "EdDSA", "ES256", "RS256")},
	{Env: "ACCOUNTD_ACCESS_TOKEN_TTL", Default: "15m", Usage: "lifetime of access tokens", Set: duration(func(c *Config) *time.Duration { return &c.AccessTokenTTL })},
	{Env: "ACCOUNTD_SESSION_TTL", Default: "720h", Usage: "a session ends when unused this long (each refresh extends it)", Set: duration(func(c *Config) *time.Duration { return &c.SessionTTL })},
	{Env: "ACCOUNTD_ACTIVATION_TTL", Default: "48h", Usage: "lifetime of activation links", Set: duration(func(c *Config) *time.Duration { return &c.ActivationTTL })},
	{Env: "ACCOUNTD_RESET_TTL", Default: "1h", Usage: "lifetime of password reset links", Set: duration(func(c *Config) *time.Duration { return &c.ResetTTL })},
	{Env: "ACCOUNTD_EMAIL_CHANGE_TTL", Default: "24h", Usage: "lifetime of email change links", Set: duration(func(c *Config) *time.Duration { return &c.EmailChangeTTL })},
	{Env: "ACCOUNTD_INVITATION_TTL", Default: "168h", Usage: "lifetime of invitation links", Set: duration(func(c *Config) *time.Duration { return &c.InvitationTTL })},
	{Env: "ACCOUNTD_SESSIONS_PER_ACCOUNT", Default: "100", Usage: "live sessions an account may have; a login beyond it ends the oldest",
		Set: integer(func(c *Config) *int { return &c.SessionsPerAccount }, 1)},
	{Env: "ACCOUNTD_IDEMPOTENCY_TTL", Default: "24h", Usage: "how long the answer to a request sent with an Idempotency-Key is kept for its retries",
		Set: duration(func(c *Config) *time.Duration { return &c.IdempotencyTTL })},
	{Env: "ACCOUNTD_CLEANUP_INTERVAL", Default: "10m", Usage: "how often each instance deletes ended sessions, spent tokens, expired answers and old events (off: never)",
		Set: optionalDuration(func(c *Config) *time.Duration { return &c.CleanupInterval })},
	{Env: "ACCOUNTD_CLEANUP_RETENTION", Default: "168h", Usage: "how long ended sessions, spent refresh tokens (and so reuse detection) and used or expired emailed tokens are kept",
		Set: duration(func(c *Config) *time.Duration { return &c.CleanupRetention })},
	{Env: "ACCOUNTD_EVENT_RETENTION", Default: "off", Usage: "delete history events older than this (off: keep them all)",
		Set: optionalDuration(func(c *Config) *time.Duration { return &c.EventRetention })},
	{Env: "ACCOUNTD_REFRESH_GRACE", Default: "10s", Usage: "a refresh token presented this soon after its session's chain moved past it is refused without ending the session; later it is theft (`0` disables)",
		Set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("not a duration such as 10s, or 0: %q", v)
			}
			c.RefreshGrace = d
			if d == 0 {
				c.RefreshGrace = -1 // the service reads 0 as "default"
			}
			return nil
		}},
}

// securitySettings are the last rows of the table, after the compatibility profiles':
// signed links, rate limits and passwords.
var securitySettings = []Setting{
	{Env: "ACCOUNTD_LINK_SECRET", Hidden: true, Usage: "key of signed emailed links, 32 characters or more, printed masked. Empty: derived (HKDF) from the token signing key, so every instance agrees with nothing to configure; a new signing key then voids the links in flight",
		Set: linkSecret(func(c *Config) *string { return &c.LinkSecret })},
	{Env: "ACCOUNTD_RATE_LIMIT_STORE", Default: "memory", Usage: "where rate-limit counters live: `memory` (one instance) or `postgres` (shared by every instance on the database)",
		Set: oneOf(func(c *Config) *string { return &c.RateLimitStore }, "memory", "postgres")},
	{Env: "ACCOUNTD_RATE_LIMIT_LOGIN_IP", Default: "30/1m", Usage: "login attempts per client IP (`N/window`, or `off`)", Set: rule(func(c *Config) *account.Rule { return &c.Limits.LoginIP })},
	{Env: "ACCOUNTD_RATE_LIMIT_LOGIN_FAILURES", Default: "5/15m", Usage: "failed logins per account (whichever name is typed) from clients it does not know; past it they are slowed down until the window frees a slot, while each device and address the account signed in from has a budget of its own", Set: rule(func(c *Config) *account.Rule { return &c.Limits.LoginFailures })},
	{Env: "ACCOUNTD_RATE_LIMIT_REGISTER_IP", Default: "20/1h", Usage: "registrations per client IP", Set: rule(func(c *Config) *account.Rule { return &c.Limits.RegisterIP })},
	{Env: "ACCOUNTD_RATE_LIMIT_REFRESH_IP", Default: "120/1m", Usage: "token refreshes per client IP", Set: rule(func(c *Config) *account.Rule { return &c.Limits.RefreshIP })},
	{Env: "ACCOUNTD_RATE_LIMIT_EMAIL_IP", Default: "20/1h", Usage: "requests that send email (register, resend, forgot password, email change) per client IP", Set: rule(func(c *Config) *account.Rule { return &c.Limits.EmailIP })},
	{Env: "ACCOUNTD_RATE_LIMIT_EMAIL_ADDRESS", Default: "5/1h", Usage: "requests that send email per recipient address", Set: rule(func(c *Config) *account.Rule { return &c.Limits.EmailAddress })},

	{Env: "ACCOUNTD_HIDE_EXISTING_EMAILS", Default: "true", Usage: "registration with a taken email answers like a success and emails the owner", Set: boolean(func(c *Config) *bool { return &c.HideExistingEmails })},
	{Env: "ACCOUNTD_PASSWORD_MIN_LENGTH", Default: "10", Usage: "shortest new password accepted (8 at least); the validator and the served `/openapi.json` say the same", Set: integer(func(c *Config) *int { return &c.PasswordMinLength }, 8)},
	{Env: "ACCOUNTD_ARGON2_MEMORY_KIB", Default: "19456", Usage: "argon2id memory in KiB, at least the OWASP 19456", Set: integer(func(c *Config) *int { return &c.Argon2MemoryKiB }, 19456)},
	{Env: "ACCOUNTD_ARGON2_TIME", Default: "2", Usage: "argon2id passes (at least 2)", Set: integer(func(c *Config) *int { return &c.Argon2Time }, 2)},
	{Env: "ACCOUNTD_ARGON2_THREADS", Default: "1", Usage: "argon2id lanes", Set: integer(func(c *Config) *int { return &c.Argon2Threads }, 1)},
	{Env: "ACCOUNTD_HASH_CONCURRENCY", Default: "0", Usage: "password hashes computed at once (0: one per core)", Set: integer(func(c *Config) *int { return &c.HashConcurrency }, 0)},
}

// Flag is the command-line form of the setting, without its dash:
// ACCOUNTD_DATABASE_URL → database-url.
func (s Setting) Flag() string { return flagName(s.Env) }

func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "ACCOUNTD_")), "_", "-")
}

// Table is every setting, in the order the README documents them: the server's own,
// ACCOUNTD_COMPAT, each compatibility profile's rows in the order given, then signed
// links, rate limits and passwords, then second factors. Flags, String and Usage all follow it.
func Table(profiles []Profile) []Setting {
	rows := slices.Clone(serverSettings)
	rows = append(rows, compatSetting(profiles))
	for _, p := range profiles {
		rows = append(rows, p.Settings...)
	}
	rows = append(rows, securitySettings...)
	return append(rows, mfaSettings...)
}

// compatSetting is ACCOUNTD_COMPAT, whose values are the names of the profiles.
func compatSetting(profiles []Profile) Setting {
	var known []string
	for _, p := range profiles {
		known = append(known, p.Name)
	}
	list := strings.Join(known, ", ")
	return Setting{Env: "ACCOUNTD_COMPAT", Default: "all", Essential: true, Usage: "compatibility profiles to serve: `all`, `none`, or a comma-separated list of their names (`" + strings.Join(known, "`, `") + "`)",
		Set: func(c *Config, v string) error {
			switch v {
			case "all":
				c.Compat = slices.Clone(known)
				return nil
			case "none":
				c.Compat = nil
				return nil
			}
			c.Compat = nil
			for _, name := range strings.Split(v, ",") {
				name = strings.TrimSpace(name)
				if !slices.Contains(known, name) {
					return fmt.Errorf("unknown profile %q (known: %s)", name, list)
				}
				c.Compat = append(c.Compat, name)
			}
			return nil
		}}
}

// Load reads the settings of Table(profiles) from getenv and args (flags override the
// environment) and validates them. Errors name the setting at fault in one line. The
// app passes the profiles it registers (app.LoadConfig); config cannot know them itself,
// since they import it.
func Load(args []string, getenv func(string) string, output io.Writer, profiles []Profile) (Config, error) {
	var c Config
	table := Table(profiles)
	values := map[string]string{}
	for _, s := range table {
		values[s.Env] = s.Default
		if v := getenv(s.Env); v != "" {
			values[s.Env] = v
		}
	}
	// The flag package's own messages are not printed: a mistake is the one line of the
	// returned error, and -h writes the settings table (Usage) to output.
	fs := flag.NewFlagSet("accountd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, s := range table {
		env := s.Env
		fs.Func(flagName(env), s.Usage, func(v string) error { values[env] = v; return nil })
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			Usage(output, table)
			return c, err
		}
		return c, fmt.Errorf("config: %w (`accountd serve -h` lists the settings)", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("config: unexpected argument %q (settings are flags such as -database-url URL; `accountd serve -h` lists them)", fs.Arg(0))
	}
	c.table, c.raw = table, values
	for _, s := range table {
		if err := s.Set(&c, values[s.Env]); err != nil {
			return c, fmt.Errorf("config: %s: %w", s.Env, err)
		}
	}
	return c, c.Validate()
}

// databaseURL reads ACCOUNTD_DATABASE_URL: a URL whose scheme names the database, or a
// path to a SQLite file. A bare word is neither: SQLite would quietly create a database
// file named after it (ACCOUNTD_DATABASE_URL=garbage made ./garbage), so a value that
// has no scheme must look like a path, with a slash or a SQLite file's extension. The
// value is not quoted back: a mangled URL may hold a password.
func databaseURL(c *Config, v string) error {
	scheme, _, hasScheme := strings.Cut(v, ":")
	switch {
	case v == "":
		return errors.New("must not be empty")
	case hasScheme && strings.Contains(v, "://") && scheme != "postgres" && scheme != "postgresql" && scheme != "sqlite":
		return fmt.Errorf("unsupported scheme %q (want postgres://, sqlite: or a SQLite file path)", scheme)
	case hasScheme && (scheme == "postgres" || scheme == "postgresql" || scheme == "sqlite" || scheme == "file"):
	case strings.ContainsRune(v, '/') || sqliteFile(v):
	default:
		return errors.New("neither a database URL (postgres://user:pass@host/db, sqlite:///path/accountd.db) nor a path to a SQLite file (./accountd.db)")
	}
	c.DatabaseURL = v
	return nil
}

// replicaURL reads ACCOUNTD_DATABASE_REPLICA_URL: empty, or a PostgreSQL URL.
func replicaURL(c *Config, v string) error {
	scheme, _, _ := strings.Cut(v, "://")
	if v != "" && scheme != "postgres" && scheme != "postgresql" {
		return errors.New("must be a PostgreSQL URL (postgres://user:pass@host/db): only PostgreSQL has replicas")
	}
	c.DatabaseReplicaURL = v
	return nil
}

// sqliteFile reports whether a name without a directory ends like a SQLite file.
func sqliteFile(name string) bool {
	name, _, _ = strings.Cut(name, "?")
	for _, ext := range []string{".db", ".sqlite", ".sqlite3", ".db3"} {
		if strings.HasSuffix(strings.ToLower(name), ext) && len(name) > len(ext) {
			return true
		}
	}
	return false
}

// Validate checks what single settings cannot check alone.
func (c Config) Validate() error {
	if c.DatabaseURL == "" {
		return errors.New("config: ACCOUNTD_DATABASE_URL: must not be empty")
	}
	if !strings.Contains(c.ActivationURL, "{token}") {
		return errors.New("config: ACCOUNTD_ACTIVATION_URL: must contain {token}")
	}
	if !strings.Contains(c.ResetURL, "{token}") {
		return errors.New("config: ACCOUNTD_PASSWORD_RESET_URL: must contain {token}")
	}
	if c.InvitationURL != "" && !strings.Contains(c.InvitationURL, "{token}") {
		return errors.New("config: ACCOUNTD_INVITATION_URL: must contain {token}")
	}
	if !strings.Contains(c.EmailChangeURL, "{token}") {
		return errors.New("config: ACCOUNTD_EMAIL_CHANGE_URL: must contain {token}")
	}
	if c.DatabaseReplicaURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres") {
		return errors.New("config: ACCOUNTD_DATABASE_REPLICA_URL: needs ACCOUNTD_DATABASE_URL to be a PostgreSQL URL")
	}
	if c.RateLimitStore == "postgres" && !strings.HasPrefix(c.DatabaseURL, "postgres") {
		return errors.New("config: ACCOUNTD_RATE_LIMIT_STORE: postgres needs ACCOUNTD_DATABASE_URL to be a PostgreSQL URL")
	}
	if c.MailRetryMax < c.MailRetryBase {
		return errors.New("config: ACCOUNTD_MAIL_RETRY_MAX: must not be shorter than ACCOUNTD_MAIL_RETRY_BASE")
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Scheme == "" {
		return errors.New("config: ACCOUNTD_ISSUER: must be an absolute URL such as https://accounts.example.com")
	}
	if c.Audience == "" {
		return errors.New("config: ACCOUNTD_AUDIENCE: must not be empty")
	}
	return c.validateMFA()
}

// String lists the settings as KEY=value lines, with credentials masked, for logs.
func (c Config) String() string {
	var b strings.Builder
	for _, s := range c.table {
		v := c.raw[s.Env]
		if s.Secret {
			v = Mask(v)
		}
		if s.Hidden && v != "" {
			v = "xxxxx"
		}
		fmt.Fprintf(&b, "%s=%s\n", s.Env, v)
	}
	return b.String()
}

// Mask hides the password of a URL (postgres://u:secret@h → postgres://u:xxxxx@h). It
// works on the text rather than on url.Parse, which misreads a password holding an
// unencoded '/', '?' or '#' as the port or path and would let it through.
//
// A password given as a parameter (postgres://h/db?password=secret, which PostgreSQL
// accepts too) is masked the same way.
func Mask(raw string) string {
	return maskParams(maskUserinfo(raw))
}

func maskUserinfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// maskParams hides the value of every password parameter after the "?".
func maskParams(raw string) string {
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	params := strings.Split(query, "&")
	for i, p := range params {
		name, _, hasValue := strings.Cut(p, "=")
		if hasValue && strings.Contains(strings.ToLower(name), "password") {
			params[i] = name + "=xxxxx"
		}
	}
	return base + "?" + strings.Join(params, "&")
}
