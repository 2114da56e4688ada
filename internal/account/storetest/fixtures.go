package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

// t0 is the suite's "now". Times have microsecond precision, the finest that
// PostgreSQL keeps, and inputs are given in a non-UTC zone: stores must hand back UTC.
var (
	t0   = time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	zone = time.FixedZone("UTC+2", 2*60*60)
)

// at returns t0 shifted by d, expressed in a zone other than UTC.
func at(d time.Duration) time.Time { return t0.Add(d).In(zone) }

func ctx(t *testing.T) context.Context { return t.Context() }

// newUser returns an unsaved user called name with every field set except LastLogin
// and OrganizationID (which needs an organization), and with the default role.
func newUser(name string) account.User {
	return account.User{
		Username:      name,
		Email:         name + "@example.com",
		EmailVerified: true,
		PasswordHash:  "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		Active:        true,
		FirstName:     "First " + name,
		LastName:      "Last " + name,
		Profile: account.Profile{
			Bio:        "Bio of " + name + " — ünïcödé, 'quotes', \\backslashes\\ and a ?0 placeholder",
			Country:    "FR",
			Profession: "Profession of " + name,
			Thoughts:   "Thoughts of " + name + "\nover two lines",
			AvatarURL:  "https://example.com/avatars/" + name + ".png",
		},
		Role:          account.RoleUser,
		DateJoined:    at(-48 * time.Hour),
		LinksVoidedAt: at(-24 * time.Hour),
		UpdatedAt:     at(-time.Hour),
	}
}

func createUser(t *testing.T, st account.Store, name string) account.User {
	t.Helper()
	u, err := st.CreateUser(ctx(t), newUser(name))
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func newOrganization(name, slug string) account.Organization {
	return account.Organization{Name: name, Slug: slug, CreatedAt: at(-72 * time.Hour)}
}

func createOrganization(t *testing.T, st account.Store, name, slug string) account.Organization {
	t.Helper()
	in := newOrganization(name, slug)
	o, err := st.CreateOrganization(ctx(t), in)
	if err != nil {
		t.Fatalf("CreateOrganization(%s): %v", name, err)
	}
	if o.ID <= 0 {
		t.Fatalf("CreateOrganization(%s): ID = %d, want a new positive ID", name, o.ID)
	}
	in.ID = o.ID
	same(t, "CreateOrganization result", o, in)
	return o
}

func newSession(id string, userID int64, expires time.Time) account.Session {
	return account.Session{
		ID:         id,
		UserID:     userID,
		CreatedAt:  at(-time.Hour),
		LastUsedAt: at(-time.Minute),
		ExpiresAt:  expires,
		IP:         "192.0.2.7",
		UserAgent:  "storetest/1.0",
		Auth:       account.Authentication{Methods: []string{"pwd", "otp", "mfa"}, Time: at(-time.Hour)},
	}
}

// addEvent stores an event of the given type at t0+d for the user.
func addEvent(t *testing.T, st account.Store, userID int64, typ account.EventType, d time.Duration) {
	t.Helper()
	e := account.Event{UserID: userID, Type: typ, At: at(d), IP: "192.0.2.7", UserAgent: "storetest/1.0", Detail: string(typ)}
	if err := st.AddEvent(ctx(t), e); err != nil {
		t.Fatalf("AddEvent(%s): %v", typ, err)
	}
}

func createSession(t *testing.T, st account.Store, id string, userID int64, expires time.Time) account.Session {
	t.Helper()
	sess := newSession(id, userID, expires)
	if err := st.CreateSession(ctx(t), sess); err != nil {
		t.Fatalf("CreateSession(%s): %v", id, err)
	}
	return sess
}

func newEmailToken(hash string, userID int64, purpose account.TokenPurpose, expires time.Time) account.EmailToken {
	return account.EmailToken{
		Hash:      hash,
		UserID:    userID,
		Purpose:   purpose,
		Email:     "to-" + hash + "@example.com",
		CreatedAt: at(-time.Minute),
		ExpiresAt: expires,
	}
}

func createEmailToken(t *testing.T, st account.Store, tok account.EmailToken) {
	t.Helper()
	if err := st.CreateEmailToken(ctx(t), tok); err != nil {
		t.Fatalf("CreateEmailToken(%s): %v", tok.Hash, err)
	}
}

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error = %v, want %v", what, err, want)
	}
}

// noErr stops the test on an unexpected error.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// same fails the test unless got and want, structs of the same type, agree field by
// field. Times agree when they are the same instant and got's is in UTC (the zero time
// counts as UTC); byte slices by content.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	for _, d := range diff(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Errorf("%s: %s", what, d)
	}
}

var timeType = reflect.TypeFor[time.Time]()

func diff(got, want reflect.Value) []string {
	var out []string
	for i := range got.NumField() {
		name := got.Type().Field(i).Name
		g, w := got.Field(i), want.Field(i)
		switch {
		case g.Type() == timeType:
			gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
			if !gt.Equal(wt) {
				out = append(out, fmt.Sprintf("%s = %v, want %v", name, gt, wt))
			} else if gt.Location() != time.UTC {
				out = append(out, fmt.Sprintf("%s = %v, want it in UTC", name, gt))
			}
		case g.Kind() == reflect.Struct:
			// A nested struct (Session.Auth) is compared field by field, its times too.
			for _, d := range diff(g, w) {
				out = append(out, name+"."+d)
			}
		case g.Kind() == reflect.Slice && g.Type().Elem().Kind() == reflect.Uint8:
			if !bytes.Equal(g.Bytes(), w.Bytes()) {
				out = append(out, fmt.Sprintf("%s = %q, want %q", name, g.Bytes(), w.Bytes()))
			}
		case !reflect.DeepEqual(g.Interface(), w.Interface()):
			out = append(out, fmt.Sprintf("%s = %#v, want %#v", name, g.Interface(), w.Interface()))
		}
	}
	return out
}
