package djoser

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// maxListedUsers bounds the staff listing, which djoser serves unpaginated: past it the
// list is cut (and the cut logged) rather than built without limit in memory.
const maxListedUsers = 10_000

// isStaff reports whether the caller may see every user, as djoser's HIDE_USERS lets
// staff do.
func isStaff(p account.Principal) bool {
	return p.User.Role == account.RoleStaff || p.User.Superuser
}

// DjoserListUsers lists the users the caller may see: itself, or every user for staff.
func (s *Server) DjoserListUsers(w http.ResponseWriter, r *http.Request) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if !isStaff(p) {
		writeJSON(w, http.StatusOK, []user{userOf(p.User)})
		return
	}
	ctx := r.Context()
	actor := account.StaffActor(p, s.meta(ctx))
	out := []user{}
	in := account.UserListInput{Sort: account.SortDateJoined, Limit: account.MaxPageSize}
	for {
		page, err := s.svc.AdminListUsers(ctx, actor, in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, u := range page.Users {
			out = append(out, userOf(u))
		}
		if page.Next == "" {
			break
		}
		if len(out) >= maxListedUsers {
			s.log.WarnContext(ctx, "djoser user listing cut short", "max", maxListedUsers)
			break
		}
		in.Cursor = page.Next
	}
	writeJSON(w, http.StatusOK, out)
}

// DjoserGetUser returns one user: the caller's own account, or any for staff. Any other
// id is 404, whether or not it exists.
func (s *Server) DjoserGetUser(w http.ResponseWriter, r *http.Request, id string) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(id, 10, 64)
	switch {
	case err != nil:
		writeJSON(w, http.StatusNotFound, detail{Detail: drf.MsgNotFound})
	case n == p.User.ID:
		writeJSON(w, http.StatusOK, userOf(p.User))
	case !isStaff(p):
		writeJSON(w, http.StatusNotFound, detail{Detail: drf.MsgNotFound})
	default:
		u, err := s.svc.AdminGetUser(r.Context(), account.StaffActor(p, s.meta(r.Context())), n)
		switch {
		case err == nil:
			writeJSON(w, http.StatusOK, userOf(u))
		case errors.Is(err, account.ErrNotFound), errors.Is(err, account.ErrForbidden):
			writeJSON(w, http.StatusNotFound, detail{Detail: drf.MsgNotFound})
		default:
			s.fail(w, r, err)
		}
	}
}

// DjoserListUsersNoSlash is DjoserListUsers without the trailing slash.
func (s *Server) DjoserListUsersNoSlash(w http.ResponseWriter, r *http.Request) {
	s.DjoserListUsers(w, r)
}

// DjoserGetUserNoSlash is DjoserGetUser without the trailing slash.
func (s *Server) DjoserGetUserNoSlash(w http.ResponseWriter, r *http.Request, id string) {
	s.DjoserGetUser(w, r, id)
}
