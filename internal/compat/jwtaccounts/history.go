package jwtaccounts

import (
	"net/http"
	"net/url"
	"strconv"

	gen "github.com/accountd/accountd/gen/compat/jwtaccounts"
	"github.com/accountd/accountd/internal/account"
)

// defaultPageSize is the events of a history page when the client asks for no number
// (page_size, at most account.MaxPageSize).
const defaultPageSize = 20

func eventOf(e account.Event) gen.JwtaEvent {
	return gen.JwtaEvent{Id: e.ID, Type: string(e.Type), At: e.At.UTC(), Ip: e.IP, UserAgent: e.UserAgent, Detail: e.Detail}
}

func eventsOf(events []account.Event) []gen.JwtaEvent {
	out := make([]gen.JwtaEvent, len(events))
	for i, e := range events {
		out[i] = eventOf(e)
	}
	return out
}

// JwtaDashboard answers the caller's account, profile, counts and latest events, which
// the account service gathers in two queries.
func (s *Server) JwtaDashboard(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	d, err := s.svc.Dashboard(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, gen.JwtaDashboard{
		Msg: sprintf(msgWelcome, d.User.Username), Username: d.User.Username, Email: d.User.Email,
		Profile: profileOf(d.User), ActiveSessions: int32(d.Counts.LiveSessions), FailedLogins30d: int32(d.Counts.FailedLogins),
		RecentHistory: eventsOf(d.Recent),
	})
}

// JwtaHistory answers a page of the caller's history, newest first, with the address
// of the next page as Django REST framework's cursor pagination gives it. The cursor
// is the last event id of the previous page, so pages neither repeat nor skip events
// while new ones are recorded.
func (s *Server) JwtaHistory(w http.ResponseWriter, r *http.Request, params gen.JwtaHistoryParams) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	size := defaultPageSize
	if params.PageSize != nil {
		if *params.PageSize < 1 || *params.PageSize > account.MaxPageSize {
			invalidField(w, "page_size", sprintf("Ensure this value is between 1 and %d.", account.MaxPageSize))
			return
		}
		size = *params.PageSize
	}
	var cursor int64
	if params.Cursor != nil {
		n, err := strconv.ParseInt(*params.Cursor, 10, 64)
		if err != nil || n < 1 {
			writeDetail(w, http.StatusBadRequest, msgBadCursor)
			return
		}
		cursor = n
	}
	page, err := s.svc.ListEvents(r.Context(), p.User.ID, cursor, size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := gen.JwtaHistoryPage{Results: eventsOf(page.Events)}
	if page.Next != 0 {
		q := url.Values{"cursor": {strconv.FormatInt(page.Next, 10)}, "page_size": {strconv.Itoa(size)}}
		next := s.publicURL + "/accounts/api/history/?" + q.Encode()
		out.Next = &next
	}
	writeJSON(w, http.StatusOK, out)
}
