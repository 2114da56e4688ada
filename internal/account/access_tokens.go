package account

import "time"

// WithAccessTokens returns a Service like s whose logins sign access tokens with tokens
// and start sessions that last sessionTTL. It is for APIs without refresh tokens, whose
// one access token must live longer than the canonical API's: their session should end
// when that token does, not linger unusable. Everything else is shared with s.
func (s *Service) WithAccessTokens(tokens AccessTokens, sessionTTL time.Duration) *Service {
	c := *s
	c.tokens = tokens
	if sessionTTL > 0 {
		c.opt.SessionTTL = sessionTTL
	}
	return &c
}
