package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

func accountOf(u account.User) gen.Account {
	a := gen.Account{
		Id: u.ID, Username: u.Username, Email: gen.Email(u.Email), EmailVerified: u.EmailVerified,
		Active: u.Active, FirstName: u.FirstName, LastName: u.LastName, FullName: u.FullName(),
		DateJoined: u.DateJoined,
	}
	if !u.LastLogin.IsZero() {
		t := u.LastLogin
		a.LastLogin = &t
	}
	return a
}

func tokenPair(t account.Tokens) gen.TokenPair {
	return gen.TokenPair{
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		TokenType:    gen.Bearer,
		// Rounded up: the token's exp is whole seconds, the clock is not.
		ExpiresIn: int32(max(1, (t.AccessTTL+time.Second-1)/time.Second)),
	}
}

// setUser tells the access log who the caller turned out to be.
func setUser(ctx context.Context, id int64) {
	if info, ok := ctx.Value(requestInfoKey).(*requestInfo); ok {
		info.userID = id
	}
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
