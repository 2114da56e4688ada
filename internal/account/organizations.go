package account

import "context"

// Organizations lists every organization, by name.
func (s *Service) Organizations(ctx context.Context) ([]Organization, error) {
	return s.store.ListOrganizations(ctx)
}

// Organization returns one organization.
func (s *Service) Organization(ctx context.Context, id int64) (Organization, error) {
	return s.store.OrganizationByID(ctx, id)
}
