package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// The namespace of login names (see account.Store): the login_names table holds every
// account's username key and email key, and the usernames hidden registrations reserve,
// under one primary key. Writes that give an account names check them first, so that
// the error says which name is taken (the username before the email, on every
// database), and then claim them in the same transaction as the account's row; the
// primary key stops any race the check missed.

// loginNameRow is a row of login_names: a name held by an account (UserID) or reserved
// until ExpiresAt, with what a retry of the reserving registration must match (the
// other fields, empty for an account's name).
type loginNameRow struct {
	bun.BaseModel `bun:"table:login_names,alias:n"`

	NameKey      string    `bun:"name_key,pk"`
	UserID       int64     `bun:"user_id,nullzero"`
	ExpiresAt    time.Time `bun:"expires_at,nullzero"`
	Username     string    `bun:"username,nullzero"`
	Email        string    `bun:"email,nullzero"`
	PasswordHash string    `bun:"password_hash,nullzero"`
	FirstName    string    `bun:"first_name,nullzero"`
	LastName     string    `bun:"last_name,nullzero"`
	CreatedAt    time.Time `bun:"created_at,nullzero"`
}

// reservation is the reservation r holds.
func (r loginNameRow) reservation() account.Reservation {
	return account.Reservation{
		Username: r.Username, Email: r.Email, PasswordHash: r.PasswordHash, FirstName: r.FirstName, LastName: r.LastName,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
}

// loginName is a name an account wants, and the error that says it is taken.
type loginName struct {
	key   string
	taken error
}

// namesOf are the login names of u: its username's key, then its email's unless it is
// the same (a username that is the account's own email).
func namesOf(u account.User) []loginName {
	names := []loginName{{caseKey(u.Username), account.ErrUsernameTaken}}
	if e := emailCaseKey(u.Email); e != names[0].key {
		names = append(names, loginName{e, account.ErrEmailTaken})
	}
	return names
}

// writeTime is the time a write happens at, for judging reservations: the user's
// UpdatedAt, which every write of the service sets, or the clock for one without.
func writeTime(u account.User) time.Time {
	if u.UpdatedAt.IsZero() {
		return time.Now()
	}
	return u.UpdatedAt
}

// checkNames returns the taken error of the first of names that is held at now by
// anyone but the user userID (0 for a user not yet stored): another account, or a live
// reservation. Expired reservations of those names are deleted on the way.
func (s *Store) checkNames(ctx context.Context, userID int64, names []loginName, now time.Time) error {
	if len(names) == 0 {
		return nil
	}
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = n.key
	}
	var rows []loginNameRow
	if err := s.db.NewSelect().Model(&rows).Where("n.name_key IN (?)", bun.In(keys)).Scan(ctx); err != nil {
		return translate(err)
	}
	held := make(map[string]loginNameRow, len(rows))
	for _, r := range rows {
		held[r.NameKey] = r
	}
	for _, n := range names {
		r, ok := held[n.key]
		switch {
		case !ok, userID != 0 && r.UserID == userID:
		case r.UserID == 0 && !now.Before(r.ExpiresAt):
			// An expired reservation holds nothing: clear it, unless it was renewed
			// meanwhile.
			if _, err := s.db.NewDelete().Model((*loginNameRow)(nil)).
				Where("name_key = ? AND user_id IS NULL AND expires_at <= ?", n.key, dbTime(now)).
				Exec(ctx); err != nil {
				return translate(err)
			}
		default:
			return n.taken
		}
	}
	return nil
}

// claimNames gives names to the user userID. A name someone took since checkNames looked
// is its taken error, without failing the statement (which would end a PostgreSQL
// transaction).
func (s *Store) claimNames(ctx context.Context, userID int64, names []loginName) error {
	for _, n := range names {
		inserted, err := rowsAffected(s.db.NewInsert().Model(&loginNameRow{NameKey: n.key, UserID: userID}).
			On("CONFLICT (name_key) DO NOTHING").Exec(ctx))
		if err != nil {
			return err
		}
		if inserted == 1 {
			continue
		}
		var holder loginNameRow
		if err := s.db.NewSelect().Model(&holder).Where("n.name_key = ?", n.key).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return n.taken // held a moment ago, and released since: still a clash
			}
			return translate(err)
		}
		if holder.UserID != userID {
			return n.taken
		}
	}
	return nil
}

// moveNames moves the login names of the stored user (whose keys are oldUsername and
// oldEmail) to those of u: the names u no longer has are released, the new ones claimed,
// or it fails with the taken error of the first new name held by someone else.
func (s *Store) moveNames(ctx context.Context, u account.User, oldUsername, oldEmail string) error {
	var claim []loginName
	for _, n := range namesOf(u) {
		if n.key != oldUsername && n.key != oldEmail {
			claim = append(claim, n)
		}
	}
	var release []string
	for _, old := range []string{oldUsername, oldEmail} {
		if old != caseKey(u.Username) && old != emailCaseKey(u.Email) {
			release = append(release, old)
		}
	}
	if len(claim) == 0 && len(release) == 0 {
		return nil
	}
	if err := s.checkNames(ctx, u.ID, claim, writeTime(u)); err != nil {
		return err
	}
	if len(release) > 0 {
		if _, err := s.db.NewDelete().Model((*loginNameRow)(nil)).
			Where("user_id = ? AND name_key IN (?)", u.ID, bun.In(release)).Exec(ctx); err != nil {
			return translate(err)
		}
	}
	return s.claimNames(ctx, u.ID, claim)
}

// ReserveUsername holds r.Username for no account until r.ExpiresAt, with what a retry
// of its registration must match; see account.Store.
func (s *Store) ReserveUsername(ctx context.Context, r account.Reservation) error {
	name := loginName{caseKey(r.Username), account.ErrUsernameTaken}
	return s.InTx(ctx, func(txs account.Store) error {
		tx := txs.(*Store)
		ctx, cancel := tx.bound(ctx)
		defer cancel()
		if err := tx.checkNames(ctx, 0, []loginName{name}, r.CreatedAt); err != nil {
			return err
		}
		inserted, err := rowsAffected(tx.db.NewInsert().
			Model(&loginNameRow{
				NameKey: name.key, ExpiresAt: dbTime(r.ExpiresAt), Username: r.Username, Email: r.Email,
				PasswordHash: r.PasswordHash, FirstName: r.FirstName, LastName: r.LastName, CreatedAt: dbTime(r.CreatedAt),
			}).
			On("CONFLICT (name_key) DO NOTHING").Exec(ctx))
		switch {
		case err != nil:
			return err
		case inserted == 0:
			return account.ErrUsernameTaken
		}
		return nil
	})
}

// ReservationOf returns the reservation holding username at now; see account.Store.
func (s *Store) ReservationOf(ctx context.Context, username string, now time.Time) (account.Reservation, error) {
	key, ok := account.LoginKey(username)
	if !ok {
		return account.Reservation{}, account.ErrNotFound
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row loginNameRow
	var err error
	if s.hot != nil {
		// PostgreSQL: prepared once per connection (hot.go), as every registration
		// looks here.
		err = s.queryRow(ctx, &s.hot.reservation, []any{key, dbTime(now)}, &row)
	} else {
		err = s.db.NewSelect().Model(&row).
			Where("n.name_key = ? AND n.user_id IS NULL AND n.expires_at > ?", key, dbTime(now)).
			Scan(ctx)
	}
	if err != nil {
		return account.Reservation{}, translate(err)
	}
	return row.reservation(), nil
}

// LoginNameTaken reports whether name is held at now; see account.Store.
func (s *Store) LoginNameTaken(ctx context.Context, name string, now time.Time) (bool, error) {
	key, ok := account.LoginKey(name)
	if !ok {
		return false, nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.db.NewSelect().Model((*loginNameRow)(nil)).
		Where("n.name_key = ? AND (n.user_id IS NOT NULL OR n.expires_at > ?)", key, dbTime(now)).
		Count(ctx)
	if err != nil {
		return false, translate(err)
	}
	return n > 0, nil
}

// createUserInTx is CreateUser within a transaction: the names checked, the user
// inserted, the names claimed.
func (s *Store) createUserInTx(ctx context.Context, u account.User) (account.User, error) {
	names := namesOf(u)
	if err := s.checkNames(ctx, 0, names, writeTime(u)); err != nil {
		return account.User{}, err
	}
	row := userToRow(u)
	row.ID = 0 // the database assigns IDs
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return account.User{}, translate(err)
	}
	if err := s.claimNames(ctx, row.ID, names); err != nil {
		return account.User{}, err
	}
	return row.domain(), nil
}

// errNamesUnsettled is returned when a new account's names kept being taken and freed
// while it was being stored; the caller may try again.
var errNamesUnsettled = fmt.Errorf("%w: login names changed while the account was being stored", account.ErrUnavailable)
