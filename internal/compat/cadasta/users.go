package cadasta

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	gen "github.com/accountd/accountd/gen/compat/cadasta"
	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/compat/drf"
)

// The platform's users, for staff: the admin API's listing, reading and changing of
// accounts, with its rules (staff only; staff accounts a superuser's to change), in the
// platform's shape. The platform let any holder of its "superuser" policy in; accountd's
// staff and superusers are the ones the admin API knows.

// pageSize is the size of a page of users: the platform's page size once it paginated.
const pageSize = 100

// platformUser is the platform's representation of a user to staff.
type platformUser struct {
	Username      string         `json:"username"`
	FullName      string         `json:"full_name"`
	Email         string         `json:"email"`
	Organizations []organization `json:"organizations"`
	LastLogin     *string        `json:"last_login"`
	IsActive      bool           `json:"is_active"`
}

// organization is an organization a user belongs to.
type organization struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// userPage is Django REST framework's page-number pagination of users.
type userPage struct {
	Count    int            `json:"count"`
	Next     *string        `json:"next"`
	Previous *string        `json:"previous"`
	Results  []platformUser `json:"results"`
}

// platformUsers represents users, with the names of their organizations from orgs.
func platformUsers(users []account.User, orgs map[int64]string) []platformUser {
	out := make([]platformUser, 0, len(users))
	for _, u := range users {
		p := platformUser{
			Username: u.Username, FullName: fullNameOf(u), Email: u.Email, Organizations: []organization{},
			LastLogin: djangoTime(u.LastLogin), IsActive: u.Active,
		}
		if u.OrganizationID != 0 {
			p.Organizations = append(p.Organizations, organization{ID: u.OrganizationID, Name: orgs[u.OrganizationID]})
		}
		out = append(out, p)
	}
	return out
}

// organizationNames returns the names of the organizations users belong to: one query
// for the whole page, none when nobody on it belongs to one.
func (s *Server) organizationNames(ctx context.Context, users []account.User) (map[int64]string, error) {
	names := map[int64]string{}
	for _, u := range users {
		if u.OrganizationID != 0 {
			orgs, err := s.svc.Organizations(ctx)
			if err != nil {
				return nil, err
			}
			for _, o := range orgs {
				names[o.ID] = o.Name
			}
			break
		}
	}
	return names, nil
}

// CadastaListUsers lists the platform's users for staff, a page at a time.
func (s *Server) CadastaListUsers(w http.ResponseWriter, r *http.Request, params gen.CadastaListUsersParams) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := account.StaffActor(p, s.meta(ctx))
	in := account.UserListInput{Sort: account.SortUsername, Limit: pageSize, Count: true}
	if params.Search != nil {
		in.Search = *params.Search
	}
	if params.IsActive != nil {
		switch strings.TrimSpace(*params.IsActive) {
		case "true", "True", "1":
			in.Active = new(true)
		case "false", "False", "0":
			in.Active = new(false)
		}
	}
	if params.Ordering != nil && strings.TrimSpace(*params.Ordering) == "-username" {
		in.Sort = account.SortUsernameDesc
	}
	page, found, err := s.pageNumber(ctx, actor, in, params.Page)
	if err == nil && !found {
		writeJSON(w, http.StatusNotFound, detail{Detail: msgInvalidPage})
		return
	}
	var listed account.UserPage
	if err == nil {
		in.Page = page
		listed, err = s.svc.AdminListUsers(ctx, actor, in)
	}
	pages := pageCount(listed.Count)
	var orgs map[int64]string
	if err == nil {
		orgs, err = s.organizationNames(ctx, listed.Users)
	}
	var ve *account.ValidationError
	switch {
	case errors.Is(err, account.ErrForbidden):
		writeJSON(w, http.StatusForbidden, detail{Detail: msgForbidden})
	case errors.As(err, &ve):
		var errs drf.Errors
		s.problemErrors(&errs, ve.Problems, map[string]string{"q": "search"}, "", "", account.User{})
		invalid(w, &errs)
	case err != nil:
		s.fail(w, r, err)
	case page > pages:
		// The listing shrank since its count: the page is past the end now.
		writeJSON(w, http.StatusNotFound, detail{Detail: msgInvalidPage})
	default:
		out := userPage{Count: listed.Count, Results: platformUsers(listed.Users, orgs)}
		if page < pages {
			out.Next = pageLink(r, page+1)
		}
		if page > 1 {
			out.Previous = pageLink(r, page-1)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// pageNumber reads the page asked for as Django's paginator does: a whole number from 1
// ("" for the first), or "last", which takes a first query to count the pages. found
// is false for anything else.
func (s *Server) pageNumber(ctx context.Context, actor account.Actor, in account.UserListInput, param *string) (page int, found bool, err error) {
	raw := ""
	if param != nil {
		raw = strings.TrimSpace(*param)
	}
	switch raw {
	case "":
		return 1, true, nil
	case "last":
		in.Limit = 1
		counted, err := s.svc.AdminListUsers(ctx, actor, in)
		if err != nil {
			return 0, false, err
		}
		return pageCount(counted.Count), true, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPage {
		return 0, false, nil
	}
	return n, true, nil
}

// maxPage is past the last page of any listing (100 million users), and far from the
// bounds of the account service's page numbers.
const maxPage = 1 << 20

// pageCount is the number of pages of count users: one at least, as Django's paginator
// gives an empty listing one empty page.
func pageCount(count int) int {
	return max(1, (count+pageSize-1)/pageSize)
}

// pageLink is the absolute link to page n of the listing r asked for, its other query
// parameters kept, as DRF's pagination builds it: page 1 has no page parameter.
func pageLink(r *http.Request, n int) *string {
	q := r.URL.Query()
	q.Del("page")
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		// Only the link in the caller's own answer follows the header.
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	link := u.String()
	return &link
}

// userNamed finds the user of a path for a staff caller: ErrForbidden for others,
// whatever the username.
func (s *Server) userNamed(ctx context.Context, actor account.Actor, username string) (account.User, error) {
	if !drf.ValidUsername(username) {
		// No account has this name. Asking for none still checks the caller first, so
		// that a non-staff caller is told 403 whatever the path.
		username = ""
	}
	return s.svc.AdminUserByUsername(ctx, actor, username)
}

// CadastaGetUser returns one user to staff.
func (s *Server) CadastaGetUser(w http.ResponseWriter, r *http.Request, username string) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	u, err := s.userNamed(ctx, account.StaffActor(p, s.meta(ctx)), username)
	if err != nil {
		s.userFailed(w, r, err, nil)
		return
	}
	s.writeUser(w, r, u)
}

// CadastaPatchUser changes a user's full name or active flag, for staff.
func (s *Server) CadastaPatchUser(w http.ResponseWriter, r *http.Request, username string) {
	s.updateUser(w, r, username, true)
}

// CadastaPutUser is CadastaPatchUser with username required.
func (s *Server) CadastaPutUser(w http.ResponseWriter, r *http.Request, username string) {
	s.updateUser(w, r, username, false)
}

// updateUser changes what staff may change in a user through this API: the full name
// and the active flag (false ends every session of the account at once). The username,
// email and last login may be sent, unchanged only, as the platform's later releases
// had it. The admin API's rules hold: staff accounts are a superuser's to change, and
// nobody deactivates themselves.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, username string, partial bool) {
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := account.StaffActor(p, s.meta(ctx))
	target, err := s.userNamed(ctx, actor, username)
	if err != nil {
		s.userFailed(w, r, err, nil)
		return
	}
	b, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var errs drf.Errors
	if _, sent := b["username"]; !sent && !partial {
		errs.Add("username", drf.MsgRequired)
	}
	b.unchanged(&errs, "username", func(v string) bool { return v == target.Username })
	var c account.UserChanges
	if full, ok := b.fullName(&errs); ok {
		first, last := splitFullName(full)
		c.FirstName, c.LastName = &first, &last
	}
	b.unchanged(&errs, "email", func(v string) bool { return strings.EqualFold(v, target.Email) })
	if active, ok := b.boolean(&errs, "is_active"); ok {
		c.Active = &active
	}
	b.lastLoginUnchanged(&errs, target.LastLogin)
	if !errs.Empty() {
		invalid(w, &errs)
		return
	}
	u, err := s.svc.AdminUpdateUser(ctx, actor, target.ID, c)
	if err != nil {
		s.userFailed(w, r, err, adminFields)
		return
	}
	s.writeUser(w, r, u)
}

// adminFields renames the admin API's problems to this API's fields (for problemErrors).
var adminFields = map[string]string{"active": "is_active", "first_name": "full_name", "last_name": "full_name"}

// writeUser answers one user, with its organization's name.
func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, u account.User) {
	orgs, err := s.organizationNames(r.Context(), []account.User{u})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, platformUsers([]account.User{u}, orgs)[0])
}

// userFailed answers a refused staff request on one user.
func (s *Server) userFailed(w http.ResponseWriter, r *http.Request, err error, renamed map[string]string) {
	var ve *account.ValidationError
	switch {
	case errors.Is(err, account.ErrForbidden):
		writeJSON(w, http.StatusForbidden, detail{Detail: msgForbidden})
	case errors.Is(err, account.ErrNotFound):
		writeJSON(w, http.StatusNotFound, detail{Detail: msgUserNotFound})
	case errors.As(err, &ve):
		var errs drf.Errors
		s.problemErrors(&errs, ve.Problems, renamed, "", "", account.User{})
		invalid(w, &errs)
	default:
		s.fail(w, r, err)
	}
}
