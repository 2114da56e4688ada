package bunstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// likeEscape is the escape character of ListUsers' LIKE pattern. Not a backslash: Bun
// and the two databases would each need it escaped their own way.
const likeEscape = "!"

// likeContains is a LIKE pattern that matches any text containing s literally.
func likeContains(s string) string {
	r := strings.NewReplacer(likeEscape, likeEscape+likeEscape, "%", likeEscape+"%", "_", likeEscape+"_")
	return "%" + r.Replace(s) + "%"
}

// ListUsers returns a page of users for a staff listing: those matching q's filters, in
// q.Sort order with the ID breaking ties, strictly after the position q.After. The
// position is compared as a row value, (key, id) > (?, ?), which both databases answer
// with a range read of the (key, id) index in either direction: the thousandth page
// costs what the first does, where an OFFSET would read and skip every row before it.
// q.Offset skips that many rows all the same, for the APIs that page by number
// (Django REST framework's page-number pagination): they pay that cost.
//
// The search compares search_key, folded in Go, with the search folded the same way,
// so case is ignored alike on both dialects (SQLite's LIKE folds ASCII only, and
// PostgreSQL's not at all). Usernames sort by their folded key in code point order.
func (s *Store) ListUsers(ctx context.Context, q account.UserQuery) ([]account.User, error) {
	if q.Limit <= 0 {
		return []account.User{}, nil
	}
	var key string
	var after any
	switch q.Sort {
	case account.SortDateJoined, account.SortDateJoinedDesc:
		key, after = "u.date_joined", dbTime(q.After.DateJoined)
	case account.SortUsername, account.SortUsernameDesc:
		key, after = "u.username_key", caseKey(q.After.Username)
		if s.dialect == Postgres {
			// As the index is declared: the database's locale must not reorder keys.
			key += ` COLLATE "C"`
		}
	default:
		return nil, fmt.Errorf("bunstore: ListUsers: unknown sort %q", q.Sort)
	}
	cmp, dir := ">", "ASC"
	if strings.HasPrefix(string(q.Sort), "-") {
		cmp, dir = "<", "DESC"
	}

	var rows []userRow
	// An admin listing may lag behind by what the replica has not replayed yet
	// (replica.go).
	err := s.readMayLag(ctx, func(ctx context.Context, db bun.IDB) error {
		rows = nil
		sel := filterUsers(db.NewSelect().Model(&rows), q.UserFilter)
		if q.After.ID != 0 {
			sel = sel.Where("("+key+", u.id) "+cmp+" (?, ?)", after, q.After.ID)
		}
		sel = sel.OrderExpr(key + " " + dir + ", u.id " + dir).Limit(int64(q.Limit))
		if q.Offset > 0 {
			sel = sel.Offset(int64(q.Offset))
		}
		return sel.Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	users := make([]account.User, len(rows))
	for i, r := range rows {
		users[i] = r.domain()
	}
	return users, nil
}

// CountUsers returns how many users match f: one COUNT over the rows ListUsers would
// page through.
func (s *Store) CountUsers(ctx context.Context, f account.UserFilter) (int, error) {
	var n int64
	// As ListUsers, from the replica when there is one (replica.go).
	err := s.readMayLag(ctx, func(ctx context.Context, db bun.IDB) (err error) {
		n, err = filterUsers(db.NewSelect().Model((*userRow)(nil)), f).Count(ctx)
		return err
	})
	return int(n), err
}

// filterUsers adds f's conditions to a query over users (alias u).
func filterUsers(sel *bun.SelectQuery, f account.UserFilter) *bun.SelectQuery {
	if f.Search != "" {
		sel = sel.Where("u.search_key LIKE ? ESCAPE '"+likeEscape+"'", likeContains(caseKey(f.Search)))
	}
	if f.Active != nil {
		sel = sel.Where("u.active = ?", *f.Active)
	}
	if f.EmailVerified != nil {
		sel = sel.Where("u.email_verified = ?", *f.EmailVerified)
	}
	if f.Role != "" {
		sel = sel.Where("u.role = ?", string(f.Role))
	}
	if f.OrganizationID != 0 {
		sel = sel.Where("u.organization_id = ?", f.OrganizationID)
	}
	return sel
}
