package account

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// UserSort orders a listing of users; each key is paired with the ID, so the order is
// total and a position in it is exact.
type UserSort string

// The orders of a user listing; a leading '-' means descending.
const (
	SortDateJoined     UserSort = "date_joined"
	SortDateJoinedDesc UserSort = "-date_joined"
	// SortUsername orders by username without regard to case, in code point order.
	SortUsername     UserSort = "username"
	SortUsernameDesc UserSort = "-username"
)

// Valid reports whether s is one of the known orders.
func (s UserSort) Valid() bool {
	switch s {
	case SortDateJoined, SortDateJoinedDesc, SortUsername, SortUsernameDesc:
		return true
	}
	return false
}

// DefaultUserSort is the order of a listing that names none: newest first.
const DefaultUserSort = SortDateJoinedDesc

// UserFilter selects users. Zero fields select everything.
type UserFilter struct {
	// Search keeps users whose username, email or full name contains it, ignoring case.
	Search string
	// Active and EmailVerified, when set, keep users with that value.
	Active        *bool
	EmailVerified *bool
	// Role, when set, keeps users of that role (superusers have the staff role).
	Role Role
	// OrganizationID, when not 0, keeps the members of that organization.
	OrganizationID int64
}

// UserKey is a position in a sorted listing: the sort key and ID of a user. A page
// starts strictly after it.
type UserKey struct {
	// ID is 0 for the start of the listing.
	ID         int64
	DateJoined time.Time
	// Username is compared without regard to case, like the sort.
	Username string
}

// keyOf is u's position in a listing.
func keyOf(u User) UserKey {
	return UserKey{ID: u.ID, DateJoined: u.DateJoined, Username: u.Username}
}

// UserQuery asks the store for one page of users.
type UserQuery struct {
	UserFilter
	Sort  UserSort
	After UserKey
	Limit int
	// Offset skips that many users after After (see UserListInput.Page).
	Offset int
}

// UserListInput asks for one page of a user listing.
type UserListInput struct {
	UserFilter
	// Sort defaults to DefaultUserSort.
	Sort UserSort
	// Cursor is the Next of the previous page; "" for the first.
	Cursor string
	// Limit is the page size: 50 when 0, at most MaxPageSize.
	Limit int
	// Page, when above 0, asks for the page with that number (1 is the first) rather
	// than the one after Cursor, for APIs that page by number (Django REST framework's
	// page-number pagination). The store skips the users of the pages before it, so a
	// deep page costs more than a keyset page (Cursor) does.
	Page int
	// Count asks for the number of users the filters select, in UserPage.Count: one
	// more query.
	Count bool
}

// UserPage is one page of a user listing.
type UserPage struct {
	Users []User
	// Next is the cursor of the following page, "" on the last one.
	Next string
	// Count is the number of users the filters select, when UserListInput.Count asked.
	Count int
}

// AdminListUsers returns a page of users for staff. Pages are keyset pages: the cursor
// holds the position of the last user shown (its sort key and ID), so a listing walked
// while users are added shows every user that existed at the start exactly once.
func (s *Service) AdminListUsers(ctx context.Context, a Actor, in UserListInput) (UserPage, error) {
	if err := requireStaff(a); err != nil {
		return UserPage{}, err
	}
	if in.Sort == "" {
		in.Sort = DefaultUserSort
	}
	if !in.Sort.Valid() {
		return UserPage{}, Invalid("sort", "enum", "must be date_joined, -date_joined, username or -username")
	}
	if in.Role != "" && in.Role != RoleUser && in.Role != RoleStaff {
		return UserPage{}, Invalid("role", "enum", "must be user or staff")
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxPageSize)
	var after UserKey
	if in.Cursor != "" {
		var err error
		if after, err = decodeUserCursor(in.Cursor, in.Sort); err != nil {
			return UserPage{}, err
		}
	}
	offset := 0
	if in.Page > 0 {
		if in.Cursor != "" {
			return UserPage{}, Invalid("page", "conflict", "cannot be given with a cursor")
		}
		if in.Page > maxPageNumber/limit {
			return UserPage{}, Invalid("page", "range", "is beyond the last page")
		}
		offset = (in.Page - 1) * limit
	}
	in.Search = strings.TrimSpace(in.Search)
	if !utf8.ValidString(in.Search) || strings.ContainsFunc(in.Search, unicode.IsControl) {
		// The store separates the fields it searches with newlines, which a search
		// must not hold to match across them.
		return UserPage{}, Invalid("q", "pattern", "must not hold control characters")
	}
	page := UserPage{}
	if in.Count {
		n, err := s.store.CountUsers(ctx, in.UserFilter)
		if err != nil {
			return UserPage{}, err
		}
		page.Count = n
	}
	// One extra row tells whether there is a next page without a count query.
	users, err := s.store.ListUsers(ctx, UserQuery{UserFilter: in.UserFilter, Sort: in.Sort, After: after, Limit: limit + 1, Offset: offset})
	if err != nil {
		return UserPage{}, err
	}
	page.Users = users
	if len(users) > limit {
		page.Users = users[:limit]
		page.Next = encodeUserCursor(in.Sort, keyOf(page.Users[limit-1]))
	}
	return page, nil
}

// maxPageNumber bounds the users a page number may skip: far more than any listing
// holds, and far from overflowing an int.
const maxPageNumber = 1 << 30

// AdminGetUser returns one user, for staff.
func (s *Service) AdminGetUser(ctx context.Context, a Actor, id int64) (User, error) {
	if err := requireStaff(a); err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, id)
}

// AdminUserByUsername returns the user with this username (ignoring case), for staff.
// An email is not a username: it finds no one.
func (s *Service) AdminUserByUsername(ctx context.Context, a Actor, username string) (User, error) {
	if err := requireStaff(a); err != nil {
		return User{}, err
	}
	u, err := s.store.UserByLogin(ctx, username)
	if err != nil {
		return User{}, err
	}
	if !strings.EqualFold(u.Username, username) {
		return User{}, ErrNotFound
	}
	return u, nil
}

// AdminUserEvents returns a page of a user's history, for staff; see ListEvents.
func (s *Service) AdminUserEvents(ctx context.Context, a Actor, userID, cursor int64, limit int) (EventPage, error) {
	if err := requireStaff(a); err != nil {
		return EventPage{}, err
	}
	// An unknown user is not found, rather than an empty history.
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return EventPage{}, err
	}
	return s.ListEvents(ctx, userID, cursor, limit)
}

// The cursor is opaque to clients: "u1." and URL-safe base64 of the sort, the ID and
// the sort key, separated by a byte no key holds. Naming the sort lets a cursor used
// with another order be refused instead of silently starting in the wrong place. A
// forged cursor gains nothing: it is only a position, and every filter still applies.
const (
	userCursorPrefix = "u1."
	userCursorSep    = "\x1f"
)

func encodeUserCursor(sort UserSort, k UserKey) string {
	key := k.Username
	if sort == SortDateJoined || sort == SortDateJoinedDesc {
		key = k.DateJoined.UTC().Format(time.RFC3339Nano)
	}
	raw := string(sort) + userCursorSep + strconv.FormatInt(k.ID, 10) + userCursorSep + key
	return userCursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeUserCursor(cursor string, sort UserSort) (UserKey, error) {
	bad := Invalid("cursor", "format", "is not a cursor this API gave out")
	enc, ok := strings.CutPrefix(cursor, userCursorPrefix)
	if !ok {
		return UserKey{}, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return UserKey{}, bad
	}
	parts := strings.SplitN(string(raw), userCursorSep, 3)
	if len(parts) != 3 {
		return UserKey{}, bad
	}
	if UserSort(parts[0]) != sort {
		return UserKey{}, Invalid("cursor", "mismatch", "was given out for another sort order; start again without it")
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 {
		return UserKey{}, bad
	}
	k := UserKey{ID: id, Username: parts[2]}
	if sort == SortDateJoined || sort == SortDateJoinedDesc {
		if k.DateJoined, err = time.Parse(time.RFC3339Nano, parts[2]); err != nil {
			return UserKey{}, bad
		}
		k.Username = ""
	}
	return k, nil
}
