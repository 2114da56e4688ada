package storetest

import (
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) createAccount(t *testing.T) {
	const purpose = account.PurposeActivation
	token := func() account.EmailToken { return newEmailToken("h1", 0, purpose, at(time.Hour)) }
	event := func() account.Event {
		return account.Event{Type: account.EventRegistered, At: at(0), IP: "192.0.2.7", UserAgent: "storetest/register"}
	}
	s.run(t, "stores_user_token_and_event", func(t *testing.T, st account.Store) {
		createUser(t, st, "bob")
		in := newUser("alice")
		in.ID = 4242 // ignored: the store assigns IDs
		got, err := st.CreateAccount(ctx(t), in, token(), event())
		noErr(t, "CreateAccount", err)
		if got.ID <= 0 || got.ID == 4242 {
			t.Fatalf("CreateAccount: ID = %d, want a new positive ID", got.ID)
		}
		want := in
		want.ID = got.ID
		same(t, "CreateAccount result", got, want)
		read, err := st.UserByID(ctx(t), got.ID)
		noErr(t, "UserByID", err)
		same(t, "UserByID", read, want)

		tok, err := st.ConsumeEmailToken(ctx(t), "h1", purpose, at(0))
		noErr(t, "ConsumeEmailToken", err)
		wantTok := token()
		wantTok.UserID, wantTok.UsedAt = got.ID, at(0)
		same(t, "emailed token", tok, wantTok)
		events, err := st.ListEvents(ctx(t), got.ID, 0, 10)
		noErr(t, "ListEvents", err)
		if len(events) != 1 {
			t.Fatalf("ListEvents = %d events, want the registration's", len(events))
		}
		wantEvent := event()
		wantEvent.ID, wantEvent.UserID = events[0].ID, got.ID
		same(t, "event", events[0], wantEvent)
	})
	s.run(t, "with_organization", func(t *testing.T, st account.Store) {
		org := createOrganization(t, st, "Org", "org")
		in := newUser("alice")
		in.OrganizationID = org.ID
		got, err := st.CreateAccount(ctx(t), in, token(), event())
		noErr(t, "CreateAccount", err)
		if got.OrganizationID != org.ID {
			t.Errorf("OrganizationID = %d, want %d", got.OrganizationID, org.ID)
		}
	})
	s.run(t, "duplicate_email_ErrEmailTaken_nothing_stored", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		in := newUser("alice2")
		in.Email = "ALICE@example.com"
		_, err := st.CreateAccount(ctx(t), in, token(), event())
		wantErr(t, "CreateAccount", err, account.ErrEmailTaken)
		_, err = st.ConsumeEmailToken(ctx(t), "h1", purpose, at(0))
		wantErr(t, "ConsumeEmailToken of the refused account's token", err, account.ErrTokenInvalid)
	})
	s.run(t, "duplicate_username_ErrUsernameTaken", func(t *testing.T, st account.Store) {
		createUser(t, st, "alice")
		in := newUser("Alice")
		in.Email = "other@example.com"
		_, err := st.CreateAccount(ctx(t), in, token(), event())
		wantErr(t, "CreateAccount", err, account.ErrUsernameTaken)
	})
	s.run(t, "unknown_organization_ErrNotFound_nothing_stored", func(t *testing.T, st account.Store) {
		in := newUser("alice")
		in.OrganizationID = 4242
		_, err := st.CreateAccount(ctx(t), in, token(), event())
		wantErr(t, "CreateAccount", err, account.ErrNotFound)
		if _, err := st.UserByLogin(ctx(t), "alice"); err == nil {
			t.Error("the refused account was stored")
		}
	})
}
