// Package config reads accountd's settings from ACCOUNTD_* environment variables and
// command-line flags (flags win), applies defaults and validates them, so that a bad
// setting stops the process at start with one line naming it.
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

	Metrics        bool
	CORSOrigins    []string
	TrustedProxies []netip.Prefix

	// PprofAddr, when set, serves net/http/pprof on this loopback address (pprof.go).
	PprofAddr string

	// Compat lists the compatibility profiles to serve.
	Compat []string
	// RestReg configures the rest-registration profile (restregistration.go).
	RestReg RestRegistration
	// Djoser configures the djoser profile (djoser.go).
	Djoser Djoser
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

	// raw holds each setting as given, for String.
	raw map[string]string
}

// setting binds one field to its environment variable and flag.
type setting struct {
	env    string
	def    string
	usage  string
	secret bool // the value may hold credentials: printed masked
	hidden bool // the whole value is a secret: printed as xxxxx
	set    func(c *Config, v string) error
}

func str(f func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = v; return nil }
}

func integer(f func(c *Config) *int, min int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", v)
		}
		if n < min {
			return fmt.Errorf("must be at least %d, got %d", min, n)
		}
		*f(c) = n
		return nil
	}
}

func duration(f func(c *Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("not a positive duration such as 15m or 48h: %q", v)
		}
		*f(c) = d
		return nil
	}
}

func boolean(f func(c *Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("not true or false: %q", v)
		}
		*f(c) = b
		return nil
	}
}

func oneOf(f func(c *Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		for _, a := range allowed {
			if v == a {
				*f(c) = v
				return nil
			}
		}
		return fmt.Errorf("must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}

// CompatProfiles names every compatibility profile accountd can serve.
var CompatProfiles = []string{"rest-registration", "djoser"}

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

// settings is the table of every setting, in the order the README documents them.
var settings = []setting{
	{env: "ACCOUNTD_ADDR", def: ":8080", usage: "address to listen on", set: str(func(c *Config) *string { return &c.Addr })},
	{env: "ACCOUNTD_DATABASE_URL", def: "./accountd.db", secret: true, usage: "postgres://..., sqlite:///path, sqlite::memory: or a SQLite file path",
		set: str(func(c *Config) *string { return &c.DatabaseURL })},
	{env: "ACCOUNTD_AUTO_MIGRATE", def: "true", usage: "apply pending migrations at start-up", set: boolean(func(c *Config) *bool { return &c.AutoMigrate })},
	{env: "ACCOUNTD_DB_MAX_OPEN_CONNS", def: "20", usage: "database connection pool size (PostgreSQL)", set: integer(func(c *Config) *int { return &c.DBMaxOpenConns }, 1)},
	{env: "ACCOUNTD_DB_QUERY_TIMEOUT", def: "5s", usage: "longest a database query may take before the request gets 503", set: duration(func(c *Config) *time.Duration { return &c.DBQueryTimeout })},
	{env: "ACCOUNTD_MAX_BODY_BYTES", def: "65536", usage: "largest request body accepted",
		set: func(c *Config, v string) error {
			var n int
			if err := integer(func(*Config) *int { return &n }, 1024)(c, v); err != nil {
				return err
			}
			c.MaxBodyBytes = int64(n)
			return nil
		}},
	{env: "ACCOUNTD_SHUTDOWN_TIMEOUT", def: "15s", usage: "how long in-flight requests may take to finish at shutdown", set: duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{env: "ACCOUNTD_METRICS", def: "true", usage: "serve Prometheus metrics at /metrics", set: boolean(func(c *Config) *bool { return &c.Metrics })},
	{env: "ACCOUNTD_PPROF_ADDR", usage: "serve net/http/pprof on this loopback address (127.0.0.1:6060) for profiling; empty turns it off",
		set: pprofAddr},
	{env: "ACCOUNTD_CORS_ORIGINS", usage: "browser origins allowed to call the API, comma-separated (https://app.example.com); empty turns CORS off",
		set: func(c *Config, v string) error {
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
	{env: "ACCOUNTD_TRUSTED_PROXIES", usage: "networks of the load balancers whose X-Forwarded-For is believed, comma-separated CIDRs (10.0.0.0/8)",
		set: func(c *Config, v string) error {
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
	{env: "ACCOUNTD_LOG_FORMAT", def: "text", usage: "text or json", set: oneOf(func(c *Config) *string { return &c.LogFormat }, "text", "json")},
	{env: "ACCOUNTD_LOG_LEVEL", def: "info", usage: "debug, info, warn or error", set: oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error")},

	{env: "ACCOUNTD_MAILER", def: "console", secret: true, usage: "console, smtp://user:pass@host:port, smtps://... or dir:///path", set: str(func(c *Config) *string { return &c.Mailer })},
	{env: "ACCOUNTD_MAIL_FROM", def: "accountd <no-reply@localhost>", usage: "From address of emails", set: str(func(c *Config) *string { return &c.MailFrom })},
	{env: "ACCOUNTD_MAIL_RETRY_BASE", def: "5s", usage: "wait before retrying an email that failed to send; doubles on each failure", set: duration(func(c *Config) *time.Duration { return &c.MailRetryBase })},
	{env: "ACCOUNTD_MAIL_RETRY_MAX", def: "1h", usage: "longest wait between two attempts to send an email", set: duration(func(c *Config) *time.Duration { return &c.MailRetryMax })},
	{env: "ACCOUNTD_MAIL_MAX_ATTEMPTS", def: "10", usage: "attempts to send an email before it is given up (dead)", set: integer(func(c *Config) *int { return &c.MailMaxAttempts }, 1)},
	{env: "ACCOUNTD_ACTIVATION_URL", def: "http://localhost:3000/activate?token={token}", usage: "activation link template ({token}, {uid}, {user_id}, {email}, {username})",
		set: str(func(c *Config) *string { return &c.ActivationURL })},
	{env: "ACCOUNTD_PASSWORD_RESET_URL", def: "http://localhost:3000/reset-password?token={token}", usage: "password reset link template (same placeholders)",
		set: str(func(c *Config) *string { return &c.ResetURL })},
	{env: "ACCOUNTD_EMAIL_CHANGE_URL", def: "http://localhost:3000/confirm-email?token={token}", usage: "email change confirmation link template (same placeholders)",
		set: str(func(c *Config) *string { return &c.EmailChangeURL })},
	{env: "ACCOUNTD_INVITATION_URL", usage: "link of invitations to set a password, sent to users created by staff (same placeholders); empty: the password reset link",
		set: str(func(c *Config) *string { return &c.InvitationURL })},

	{env: "ACCOUNTD_ISSUER", def: "http://localhost:8080", usage: "iss claim of access tokens", set: str(func(c *Config) *string { return &c.Issuer })},
	{env: "ACCOUNTD_AUDIENCE", def: "accountd", usage: "aud claim of access tokens", set: str(func(c *Config) *string { return &c.Audience })},
	{env: "ACCOUNTD_SIGNING_KEY_FILE", usage: "PEM private key file(s), comma-separated; the first signs. Empty: a key is generated and kept in the database",
		set: func(c *Config, v string) error {
			c.SigningKeyFiles = nil
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					c.SigningKeyFiles = append(c.SigningKeyFiles, f)
				}
			}
			return nil
		}},
	{env: "ACCOUNTD_SIGNING_ALG", def: "EdDSA", usage: "algorithm of generated signing keys: EdDSA, ES256 or RS256", set: oneOf(func(c *Config) *string { return &c.SigningAlg }, "EdDSA", "ES256", "RS256")},
	{env: "ACCOUNTD_ACCESS_TOKEN_TTL", def: "15m", usage: "lifetime of access tokens", set: duration(func(c *Config) *time.Duration { return &c.AccessTokenTTL })},
	{env: "ACCOUNTD_SESSION_TTL", def: "720h", usage: "a session ends when unused this long (each refresh extends it)", set: duration(func(c *Config) *time.Duration { return &c.SessionTTL })},
	{env: "ACCOUNTD_ACTIVATION_TTL", def: "48h", usage: "lifetime of activation links", set: duration(func(c *Config) *time.Duration { return &c.ActivationTTL })},
	{env: "ACCOUNTD_RESET_TTL", def: "1h", usage: "lifetime of password reset links", set: duration(func(c *Config) *time.Duration { return &c.ResetTTL })},
	{env: "ACCOUNTD_EMAIL_CHANGE_TTL", def: "24h", usage: "lifetime of email change links", set: duration(func(c *Config) *time.Duration { return &c.EmailChangeTTL })},
	{env: "ACCOUNTD_INVITATION_TTL", def: "168h", usage: "lifetime of invitation links", set: duration(func(c *Config) *time.Duration { return &c.InvitationTTL })},
	{env: "ACCOUNTD_REFRESH_GRACE", def: "10s", usage: "a spent refresh token presented again this soon is a concurrent refresh, not theft (0 disables)",
		set: func(c *Config, v string) error {
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

	{env: "ACCOUNTD_COMPAT", def: "all", usage: "compatibility profiles to serve: all, none, or a comma-separated list (" + strings.Join(CompatProfiles, ", ") + ")",
		set: func(c *Config, v string) error {
			switch v {
			case "all":
				c.Compat = CompatProfiles
				return nil
			case "none":
				c.Compat = nil
				return nil
			}
			c.Compat = nil
			for _, name := range strings.Split(v, ",") {
				name = strings.TrimSpace(name)
				if !slices.Contains(CompatProfiles, name) {
					return fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(CompatProfiles, ", "))
				}
				c.Compat = append(c.Compat, name)
			}
			return nil
		}},
	{env: "ACCOUNTD_RESTREG_VERIFY_REGISTRATION_URL", def: "http://localhost:3000/verify-user/?user_id={user_id}&timestamp={timestamp}&signature={signature}",
		usage: "rest-registration: registration verification link ({user_id}, {timestamp} and {signature} required)",
		set:   signedLinkURL(func(c *Config) *string { return &c.RestReg.VerifyRegistrationURL }, "{user_id}", "{timestamp}", "{signature}")},
	{env: "ACCOUNTD_RESTREG_RESET_PASSWORD_URL", def: "http://localhost:3000/reset-password/?user_id={user_id}&timestamp={timestamp}&signature={signature}",
		usage: "rest-registration: reset password link ({user_id}, {timestamp} and {signature} required)",
		set:   signedLinkURL(func(c *Config) *string { return &c.RestReg.ResetPasswordURL }, "{user_id}", "{timestamp}", "{signature}")},
	{env: "ACCOUNTD_RESTREG_VERIFY_EMAIL_URL", def: "http://localhost:3000/verify-email/?user_id={user_id}&email={email}&timestamp={timestamp}&signature={signature}",
		usage: "rest-registration: new email verification link ({user_id}, {email}, {timestamp} and {signature} required)",
		set:   signedLinkURL(func(c *Config) *string { return &c.RestReg.VerifyEmailURL }, "{user_id}", "{email}", "{timestamp}", "{signature}")},
	{env: "ACCOUNTD_RESTREG_TOKEN_TTL", def: "24h", usage: "rest-registration: lifetime of the login token, which has no refresh (at most 24h)",
		set: durationUpTo(func(c *Config) *time.Duration { return &c.RestReg.TokenTTL }, 24*time.Hour)},
	{env: "ACCOUNTD_RESTREG_RESET_UNKNOWN_EMAIL_404", def: "false", usage: "rest-registration: answer 404 to a reset link asked for an unknown email, as the document does (tells who has an account)",
		set: boolean(func(c *Config) *bool { return &c.RestReg.ResetUnknownEmail404 })},
	{env: "ACCOUNTD_DJOSER_FRONTEND_URL", def: "http://localhost:3000/", usage: "djoser: the web app its emailed links open (djoser's PROTOCOL and DOMAIN)",
		set: frontendURL(func(c *Config) *string { return &c.Djoser.FrontendURL })},
	{env: "ACCOUNTD_DJOSER_ACTIVATION_PATH", def: "activate/{uid}/{token}", usage: "djoser: activation link path under the frontend URL (djoser's ACTIVATION_URL; {uid} and {token} required)",
		set: linkPath(func(c *Config) *string { return &c.Djoser.ActivationPath })},
	{env: "ACCOUNTD_DJOSER_RESET_PATH", def: "password/reset/confirm/{uid}/{token}", usage: "djoser: password reset link path under the frontend URL (djoser's PASSWORD_RESET_CONFIRM_URL; {uid} and {token} required)",
		set: linkPath(func(c *Config) *string { return &c.Djoser.ResetPath })},
	{env: "ACCOUNTD_LINK_SECRET", hidden: true, usage: "key of signed emailed links (32+ characters); empty: derived from the token signing key",
		set: linkSecret(func(c *Config) *string { return &c.LinkSecret })},
	{env: "ACCOUNTD_RATE_LIMIT_STORE", def: "memory", usage: "where rate-limit counters live: memory (one instance) or postgres (shared by instances on one PostgreSQL)",
		set: oneOf(func(c *Config) *string { return &c.RateLimitStore }, "memory", "postgres")},
	{env: "ACCOUNTD_RATE_LIMIT_LOGIN_IP", def: "30/1m", usage: "login attempts per client IP (N/window, or off)", set: rule(func(c *Config) *account.Rule { return &c.Limits.LoginIP })},
	{env: "ACCOUNTD_RATE_LIMIT_LOGIN_FAILURES", def: "5/15m", usage: "failed logins per login name before it is slowed down", set: rule(func(c *Config) *account.Rule { return &c.Limits.LoginFailures })},
	{env: "ACCOUNTD_RATE_LIMIT_REGISTER_IP", def: "20/1h", usage: "registrations per client IP", set: rule(func(c *Config) *account.Rule { return &c.Limits.RegisterIP })},
	{env: "ACCOUNTD_RATE_LIMIT_REFRESH_IP", def: "120/1m", usage: "token refreshes per client IP", set: rule(func(c *Config) *account.Rule { return &c.Limits.RefreshIP })},
	{env: "ACCOUNTD_RATE_LIMIT_EMAIL_IP", def: "20/1h", usage: "email-sending requests per client IP", set: rule(func(c *Config) *account.Rule { return &c.Limits.EmailIP })},
	{env: "ACCOUNTD_RATE_LIMIT_EMAIL_ADDRESS", def: "5/1h", usage: "email-sending requests per recipient address", set: rule(func(c *Config) *account.Rule { return &c.Limits.EmailAddress })},

	{env: "ACCOUNTD_HIDE_EXISTING_EMAILS", def: "true", usage: "registration with a taken email answers like a success and emails the owner", set: boolean(func(c *Config) *bool { return &c.HideExistingEmails })},
	{env: "ACCOUNTD_PASSWORD_MIN_LENGTH", def: "10", usage: "shortest password accepted (8 at least)", set: integer(func(c *Config) *int { return &c.PasswordMinLength }, 8)},
	{env: "ACCOUNTD_ARGON2_MEMORY_KIB", def: "19456", usage: "argon2id memory in KiB (OWASP minimum 19456)", set: integer(func(c *Config) *int { return &c.Argon2MemoryKiB }, 19456)},
	{env: "ACCOUNTD_ARGON2_TIME", def: "2", usage: "argon2id passes (minimum 2)", set: integer(func(c *Config) *int { return &c.Argon2Time }, 2)},
	{env: "ACCOUNTD_ARGON2_THREADS", def: "1", usage: "argon2id lanes", set: integer(func(c *Config) *int { return &c.Argon2Threads }, 1)},
	{env: "ACCOUNTD_HASH_CONCURRENCY", def: "0", usage: "password hashes computed at once (0: one per core)", set: integer(func(c *Config) *int { return &c.HashConcurrency }, 0)},
}

// flagName is the command-line form of a setting: ACCOUNTD_DATABASE_URL → -database-url.
func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "ACCOUNTD_")), "_", "-")
}

// Load reads the settings from getenv and args (flags override the environment) and
// validates them. Errors name the setting at fault in one line.
func Load(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	var c Config
	values := map[string]string{}
	for _, s := range settings {
		values[s.env] = s.def
		if v := getenv(s.env); v != "" {
			values[s.env] = v
		}
	}
	fs := flag.NewFlagSet("accountd", flag.ContinueOnError)
	fs.SetOutput(output)
	for _, s := range settings {
		env := s.env
		fs.Func(flagName(env), s.usage+" (env "+env+")", func(v string) error { values[env] = v; return nil })
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.raw = values
	for _, s := range settings {
		if err := s.set(&c, values[s.env]); err != nil {
			return c, fmt.Errorf("config: %s: %w", s.env, err)
		}
	}
	return c, c.Validate()
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
	return nil
}

// String lists the settings as KEY=value lines, with credentials masked, for logs.
func (c Config) String() string {
	var b strings.Builder
	for _, s := range settings {
		v := c.raw[s.env]
		if s.secret {
			v = Mask(v)
		}
		if s.hidden && v != "" {
			v = "xxxxx"
		}
		fmt.Fprintf(&b, "%s=%s\n", s.env, v)
	}
	return b.String()
}

// Mask hides the password of a URL (postgres://u:secret@h → postgres://u:xxxxx@h). It
// works on the text rather than on url.Parse, which misreads a password holding an
// unencoded '/', '?' or '#' as the port or path and would let it through.
func Mask(raw string) string {
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

// Usage writes the table of settings, for --help and the README.
func Usage(w io.Writer) {
	for _, s := range settings {
		fmt.Fprintf(w, "  %-32s -%-24s default %q\n      %s\n", s.env, flagName(s.env), s.def, s.usage)
	}
}
