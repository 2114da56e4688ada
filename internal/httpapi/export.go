package httpapi

import (
	"context"

	"github.com/accountd/accountd/internal/account"
)

// RequestMeta returns who is calling, as the router's first middleware recorded it: the
// client IP (X-Forwarded-For believed only from trusted proxies) and the user agent.
// Compatibility profiles, mounted on the same router, get it through app (they do not
// import httpapi) and pass it to the account service as the canonical handlers do, so
// rate limits, sessions and events see the same caller whichever API is used.
func RequestMeta(ctx context.Context) account.RequestMeta { return meta(ctx) }
