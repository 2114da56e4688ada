package account

import (
	"context"
	"time"
)

// MaxPageSize bounds every list.
const MaxPageSize = 200

// EventPage is one page of an account's history.
type EventPage struct {
	Events []Event
	// Next is the cursor of the next page, 0 on the last one.
	Next int64
}

// ListEvents returns a page of the user's history, newest first, starting below the
// event ID cursor (0 for the newest).
func (s *Service) ListEvents(ctx context.Context, userID, cursor int64, limit int) (EventPage, error) {
	limit = min(max(limit, 1), MaxPageSize)
	// One extra row tells whether there is a next page without a count query.
	events, err := s.store.ListEvents(ctx, userID, cursor, limit+1)
	if err != nil {
		return EventPage{}, err
	}
	page := EventPage{Events: events}
	if len(events) > limit {
		page.Events = events[:limit]
		page.Next = page.Events[limit-1].ID
	}
	return page, nil
}

// Dashboard is everything an account page shows, in one call.
type Dashboard struct {
	User   User
	Counts AccountCounts
	Recent []Event
}

// dashboardRecent is how many events the dashboard shows.
const dashboardRecent = 5

// Dashboard gathers the caller's account, counts and latest events in two queries.
func (s *Service) Dashboard(ctx context.Context, p Principal) (Dashboard, error) {
	now := s.now()
	counts, err := s.store.Counts(ctx, p.User.ID, now, now.Add(-30*24*time.Hour))
	if err != nil {
		return Dashboard{}, err
	}
	recent, err := s.store.ListEvents(ctx, p.User.ID, 0, dashboardRecent)
	if err != nil {
		return Dashboard{}, err
	}
	return Dashboard{User: p.User, Counts: counts, Recent: recent}, nil
}
