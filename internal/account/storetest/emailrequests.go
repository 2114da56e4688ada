package storetest

import (
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) emailRequests(t *testing.T) {
	s.run(t, "queued_claimed_leased_deleted", func(t *testing.T, st account.Store) {
		for i, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			r := account.EmailRequest{Kind: account.EmailRequestPasswordReset, Email: email, Flow: "djoser", LinkBase: "https://app.example.com/x",
				Meta: account.RequestMeta{IP: "192.0.2.9", UserAgent: "storetest"}, CreatedAt: at(time.Duration(i) * time.Second)}
			noErr(t, "QueueEmailRequest", st.QueueEmailRequest(ctx(t), r))
		}
		now := at(time.Minute)
		got, err := st.ClaimEmailRequests(ctx(t), now, now.Add(time.Minute), 2)
		noErr(t, "ClaimEmailRequests", err)
		if len(got) != 2 || got[0].Email != "a@example.com" || got[1].Email != "b@example.com" {
			t.Fatalf("first claim = %+v, want a and b in the order queued", got)
		}
		if r := got[0]; r.Kind != account.EmailRequestPasswordReset || r.Flow != "djoser" || r.LinkBase != "https://app.example.com/x" ||
			r.Meta.IP != "192.0.2.9" || r.Meta.UserAgent != "storetest" || r.Attempts != 1 || !r.CreatedAt.Equal(at(0)) || r.ID == 0 {
			t.Errorf("claimed request = %+v", r)
		}
		// Leased: a second claim takes only what is left.
		got, err = st.ClaimEmailRequests(ctx(t), now, now.Add(time.Minute), 10)
		noErr(t, "ClaimEmailRequests", err)
		if len(got) != 1 || got[0].Email != "c@example.com" {
			t.Fatalf("second claim = %+v, want c alone", got)
		}
		noErr(t, "DeleteEmailRequest", st.DeleteEmailRequest(ctx(t), got[0].ID))
		// Once the lease is over, a and b are due again, with an attempt more.
		later := now.Add(2 * time.Minute)
		got, err = st.ClaimEmailRequests(ctx(t), later, later.Add(time.Minute), 10)
		noErr(t, "ClaimEmailRequests", err)
		if len(got) != 2 || got[0].Attempts != 2 || got[1].Attempts != 2 {
			t.Fatalf("claim after the lease = %+v, want a and b, second attempts", got)
		}
		for _, r := range got {
			noErr(t, "DeleteEmailRequest", st.DeleteEmailRequest(ctx(t), r.ID))
		}
		got, err = st.ClaimEmailRequests(ctx(t), later.Add(time.Hour), later.Add(2*time.Hour), 10)
		noErr(t, "ClaimEmailRequests", err)
		if len(got) != 0 {
			t.Fatalf("claim after every request was deleted = %+v", got)
		}
	})
}
