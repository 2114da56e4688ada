package httpapi

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// This file holds the pure conversions from domain values to the generated models: no
// I/O and no request state. A rendering that needs either (Server.account reads the
// organization) lives with the handlers.

// accountOf renders a user with its organization, nil for none.
func accountOf(u account.User, org *account.Organization) gen.Account {
	a := gen.Account{
		Id: u.ID, Username: u.Username, Email: gen.Email(u.Email), EmailVerified: u.EmailVerified,
		Active: u.Active, FirstName: u.FirstName, LastName: u.LastName, FullName: u.FullName(),
		Bio: u.Profile.Bio, Country: u.Profile.Country, Profession: u.Profile.Profession,
		Thoughts: u.Profile.Thoughts, AvatarUrl: u.Profile.AvatarURL,
		Role: gen.AccountRole(u.Role), DateJoined: u.DateJoined,
	}
	if a.Role == "" {
		a.Role = gen.AccountRole(account.RoleUser)
	}
	if org != nil {
		o := organizationOf(*org)
		a.Organization = &o
	}
	if !u.LastLogin.IsZero() {
		t := u.LastLogin
		a.LastLogin = &t
	}
	return a
}

func organizationOf(o account.Organization) gen.Organization {
	return gen.Organization{Id: o.ID, Name: o.Name, Slug: o.Slug}
}

func sessionOf(s account.Session, current string) gen.Session {
	return gen.Session{
		Id: uuid.MustParse(s.ID), CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt, ExpiresAt: s.ExpiresAt,
		Ip: s.IP, UserAgent: s.UserAgent, Current: s.ID == current,
	}
}

func eventsOf(events []account.Event) []gen.Event {
	out := make([]gen.Event, len(events))
	for i, e := range events {
		out[i] = gen.Event{Id: e.ID, Type: gen.EventType(e.Type), At: e.At, Ip: e.IP, UserAgent: e.UserAgent, Detail: e.Detail}
		if e.ActorID != 0 {
			out[i].Actor = &gen.AdminActor{Id: e.ActorID, Username: e.ActorUsername}
		}
	}
	return out
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

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
