package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/accountd/accountd/internal/account"
)

func eventIDs(events []account.Event) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func (s suite) listEvents(t *testing.T) {
	s.run(t, "newest_first_every_field", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		var added []account.Event
		for i, typ := range []account.EventType{account.EventRegistered, account.EventActivated, account.EventLoginFailed} {
			e := account.Event{
				UserID: alice.ID, Type: typ, At: at(time.Duration(i) * time.Minute),
				IP: fmt.Sprintf("192.0.2.%d", i), UserAgent: fmt.Sprintf("agent %d", i), Detail: fmt.Sprintf("detail %d", i),
			}
			noErr(t, "AddEvent", st.AddEvent(ctx(t), e))
			addEvent(t, st, bob.ID, typ, 0) // interleaved: another user's IDs in between
			added = append(added, e)
		}
		got, err := st.ListEvents(ctx(t), alice.ID, 0, 10)
		noErr(t, "ListEvents", err)
		if len(got) != len(added) {
			t.Fatalf("ListEvents = %d events, want %d", len(got), len(added))
		}
		for i := range got {
			want := added[len(added)-1-i]
			if got[i].ID <= 0 || (i > 0 && got[i].ID >= got[i-1].ID) {
				t.Errorf("ListEvents IDs = %v, want positive and strictly decreasing", eventIDs(got))
			}
			want.ID = got[i].ID
			same(t, fmt.Sprintf("ListEvents[%d]", i), got[i], want)
		}
	})
	s.run(t, "limit_and_before_id", func(t *testing.T, st account.Store) {
		u := createUser(t, st, "alice")
		for i := range 5 {
			addEvent(t, st, u.ID, account.EventLoginSucceeded, time.Duration(i)*time.Second)
		}
		all, err := st.ListEvents(ctx(t), u.ID, 0, 100)
		noErr(t, "ListEvents(all)", err)
		if len(all) != 5 {
			t.Fatalf("ListEvents(all) = %d events, want 5", len(all))
		}
		got, err := st.ListEvents(ctx(t), u.ID, 0, 2)
		noErr(t, "ListEvents(limit 2)", err)
		if fmt.Sprint(eventIDs(got)) != fmt.Sprint(eventIDs(all[:2])) {
			t.Errorf("ListEvents(limit 2) = %v, want %v", eventIDs(got), eventIDs(all[:2]))
		}
		got, err = st.ListEvents(ctx(t), u.ID, all[1].ID, 2)
		noErr(t, "ListEvents(before the 2nd)", err)
		if fmt.Sprint(eventIDs(got)) != fmt.Sprint(eventIDs(all[2:4])) {
			t.Errorf("ListEvents(before %d, limit 2) = %v, want %v", all[1].ID, eventIDs(got), eventIDs(all[2:4]))
		}
		got, err = st.ListEvents(ctx(t), u.ID, all[4].ID, 2)
		noErr(t, "ListEvents(before the oldest)", err)
		if len(got) != 0 {
			t.Errorf("ListEvents(before the oldest) = %v, want none", eventIDs(got))
		}
	})
	s.run(t, "cursor_pages_without_duplicates_or_gaps_while_events_added", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		for i := range 10 {
			addEvent(t, st, alice.ID, account.EventLoginFailed, time.Duration(i)*time.Second)
			addEvent(t, st, bob.ID, account.EventLoginFailed, time.Duration(i)*time.Second)
		}
		before, err := st.ListEvents(ctx(t), alice.ID, 0, 100)
		noErr(t, "ListEvents(all)", err)
		if len(before) != 10 {
			t.Fatalf("ListEvents(all) = %d events, want 10", len(before))
		}

		const pageSize = 3
		var walked []account.Event
		cursor := int64(0)
		for page := 0; ; page++ {
			if page > 10 {
				t.Fatalf("still paging after %d pages: the cursor does not advance", page)
			}
			got, err := st.ListEvents(ctx(t), alice.ID, cursor, pageSize)
			noErr(t, "ListEvents(page)", err)
			if len(got) > pageSize {
				t.Fatalf("page %d has %d events, want at most %d", page, len(got), pageSize)
			}
			if len(got) == 0 {
				break
			}
			walked = append(walked, got...)
			cursor = got[len(got)-1].ID
			// New events arrive between pages, for this user and another.
			addEvent(t, st, alice.ID, account.EventLoginSucceeded, time.Hour+time.Duration(page)*time.Second)
			addEvent(t, st, bob.ID, account.EventLoginSucceeded, time.Hour)
		}
		if fmt.Sprint(eventIDs(walked)) != fmt.Sprint(eventIDs(before)) {
			t.Errorf("paged IDs = %v, want exactly %v", eventIDs(walked), eventIDs(before))
		}
		for _, e := range walked {
			if e.UserID != alice.ID {
				t.Errorf("event %d of user %d in alice's history", e.ID, e.UserID)
			}
		}
		// The events added meanwhile are on a fresh first page, above the old ones.
		first, err := st.ListEvents(ctx(t), alice.ID, 0, 1)
		noErr(t, "ListEvents(fresh first page)", err)
		if len(first) != 1 || first[0].ID <= before[0].ID || first[0].Type != account.EventLoginSucceeded {
			t.Errorf("fresh first page = %+v, want one login_succeeded event newer than %d", first, before[0].ID)
		}
	})
	s.run(t, "none_empty", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		addEvent(t, st, bob.ID, account.EventRegistered, 0)
		got, err := st.ListEvents(ctx(t), alice.ID, 0, 10)
		noErr(t, "ListEvents", err)
		if len(got) != 0 {
			t.Errorf("ListEvents = %v, want none", eventIDs(got))
		}
	})
}

func (s suite) counts(t *testing.T) {
	s.run(t, "live_sessions_events_and_failed_logins_since", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		createSession(t, st, "live1", alice.ID, at(time.Hour))
		createSession(t, st, "live2", alice.ID, at(time.Hour))
		createSession(t, st, "expired", alice.ID, at(-time.Second))
		createSession(t, st, "expiring_now", alice.ID, at(0))
		createSession(t, st, "revoked", alice.ID, at(time.Hour))
		noErr(t, "RevokeSession", st.RevokeSession(ctx(t), "revoked", at(-time.Second)))
		createSession(t, st, "bobs", bob.ID, at(time.Hour))

		since := -24 * time.Hour
		addEvent(t, st, alice.ID, account.EventRegistered, -48*time.Hour)
		addEvent(t, st, alice.ID, account.EventLoginFailed, since-time.Second) // before since
		addEvent(t, st, alice.ID, account.EventLoginFailed, since)             // at since: counted
		addEvent(t, st, alice.ID, account.EventLoginFailed, -time.Hour)
		addEvent(t, st, alice.ID, account.EventLoginFailed, 0)
		addEvent(t, st, alice.ID, account.EventLoginSucceeded, -time.Minute)
		addEvent(t, st, bob.ID, account.EventLoginFailed, -time.Hour)
		addEvent(t, st, bob.ID, account.EventLoginFailed, -time.Minute)

		got, err := st.Counts(ctx(t), alice.ID, at(0), at(since))
		noErr(t, "Counts", err)
		want := account.AccountCounts{LiveSessions: 2, Events: 6, FailedLogins: 3}
		if got != want {
			t.Errorf("Counts = %+v, want %+v", got, want)
		}
		// A later now and since: live1 and live2 expire at +1h.
		got, err = st.Counts(ctx(t), alice.ID, at(2*time.Hour), at(-30*time.Minute))
		noErr(t, "Counts(later)", err)
		want = account.AccountCounts{LiveSessions: 0, Events: 6, FailedLogins: 1}
		if got != want {
			t.Errorf("Counts(later) = %+v, want %+v", got, want)
		}
		// The zero time as since counts every failed login.
		got, err = st.Counts(ctx(t), alice.ID, at(0), time.Time{})
		noErr(t, "Counts(since the zero time)", err)
		want = account.AccountCounts{LiveSessions: 2, Events: 6, FailedLogins: 4}
		if got != want {
			t.Errorf("Counts(since the zero time) = %+v, want %+v", got, want)
		}
	})
	s.run(t, "no_activity_zero", func(t *testing.T, st account.Store) {
		alice, bob := createUser(t, st, "alice"), createUser(t, st, "bob")
		createSession(t, st, "bobs", bob.ID, at(time.Hour))
		addEvent(t, st, bob.ID, account.EventLoginFailed, 0)
		got, err := st.Counts(ctx(t), alice.ID, at(0), at(-time.Hour))
		noErr(t, "Counts", err)
		if got != (account.AccountCounts{}) {
			t.Errorf("Counts = %+v, want zeros", got)
		}
	})
}
