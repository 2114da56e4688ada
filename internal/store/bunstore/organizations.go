package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/account"
)

// ListOrganizations returns every organization ordered by name, then ID. Names compare
// byte by byte (code point order) on both dialects: PostgreSQL is told COLLATE "C" so
// that the database's locale does not reorder them, matching SQLite's BINARY.
func (s *Store) ListOrganizations(ctx context.Context) ([]account.Organization, error) {
	order := "o.name, o.id"
	if s.dialect == Postgres {
		order = `o.name COLLATE "C", o.id`
	}
	var rows []organizationRow
	// The list may lag behind by what the replica has not replayed yet (replica.go).
	err := s.readMayLag(ctx, func(ctx context.Context, db bun.IDB) error {
		rows = nil
		return db.NewSelect().Model(&rows).OrderExpr(order).Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	orgs := make([]account.Organization, len(rows))
	for i, r := range rows {
		orgs[i] = r.domain()
	}
	return orgs, nil
}

// OrganizationByID returns the organization with this ID, or account.ErrNotFound.
func (s *Store) OrganizationByID(ctx context.Context, id int64) (account.Organization, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row organizationRow
	if err := s.db.NewSelect().Model(&row).Where("o.id = ?", id).Scan(ctx); err != nil {
		return account.Organization{}, translate(err)
	}
	return row.domain(), nil
}

// CreateOrganization inserts o, ignoring o.ID, and returns it with its new ID; a zero
// CreatedAt is taken as now. A name equal to another's ignoring case (ASCII case on
// SQLite, the database's locale on PostgreSQL: see the migration) is
// account.ErrOrganizationNameTaken, a slug already taken
// account.ErrOrganizationSlugTaken.
func (s *Store) CreateOrganization(ctx context.Context, o account.Organization) (account.Organization, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	row := organizationToRow(o)
	row.ID = 0 // the database assigns IDs
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return account.Organization{}, translate(err)
	}
	return row.domain(), nil
}

// UpdateOrganization writes o's name and slug to the row with o.ID and returns the row
// as stored: account.ErrNotFound if there is none, else the errors of
// CreateOrganization.
func (s *Store) UpdateOrganization(ctx context.Context, o account.Organization) (account.Organization, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := organizationToRow(o)
	n, err := rowsAffected(s.db.NewUpdate().Model(&row).Column("name", "slug").WherePK().Returning("*").Exec(ctx))
	switch {
	case err != nil:
		return account.Organization{}, err
	case n == 0:
		return account.Organization{}, account.ErrNotFound
	}
	return row.domain(), nil
}

// DeleteOrganization removes the organization; the foreign key sets its members'
// organization_id to NULL in the same statement. One that does not exist is
// account.ErrNotFound.
func (s *Store) DeleteOrganization(ctx context.Context, id int64) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := rowsAffected(s.db.NewDelete().Model((*organizationRow)(nil)).Where("id = ?", id).Exec(ctx))
	switch {
	case err != nil:
		return err
	case n == 0:
		return account.ErrNotFound
	}
	return nil
}
