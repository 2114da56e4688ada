package httpapi

import (
	"context"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// AdminListOrganizations lists every organization.
func (s *Server) AdminListOrganizations(ctx context.Context, _ gen.AdminListOrganizationsRequestObject) (gen.AdminListOrganizationsResponseObject, error) {
	orgs, err := s.svc.AdminOrganizations(ctx, staff(ctx))
	if err != nil {
		return nil, err
	}
	items := make([]gen.AdminOrganization, len(orgs))
	for i, o := range orgs {
		items[i] = adminOrganizationOf(o)
	}
	return gen.AdminListOrganizations200JSONResponse{Items: items}, nil
}

// AdminCreateOrganization creates an organization, making a slug when none is given.
func (s *Server) AdminCreateOrganization(ctx context.Context, req gen.AdminCreateOrganizationRequestObject) (gen.AdminCreateOrganizationResponseObject, error) {
	o, err := s.svc.AdminCreateOrganization(ctx, staff(ctx), req.Body.Name, deref(req.Body.Slug))
	if err != nil {
		return nil, err
	}
	return gen.AdminCreateOrganization201JSONResponse(adminOrganizationOf(o)), nil
}

// AdminGetOrganization returns one organization.
func (s *Server) AdminGetOrganization(ctx context.Context, req gen.AdminGetOrganizationRequestObject) (gen.AdminGetOrganizationResponseObject, error) {
	o, err := s.svc.AdminOrganization(ctx, staff(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return gen.AdminGetOrganization200JSONResponse(adminOrganizationOf(o)), nil
}

// AdminUpdateOrganization renames an organization or changes its slug.
func (s *Server) AdminUpdateOrganization(ctx context.Context, req gen.AdminUpdateOrganizationRequestObject) (gen.AdminUpdateOrganizationResponseObject, error) {
	o, err := s.svc.AdminUpdateOrganization(ctx, staff(ctx), req.Id, account.OrganizationChanges{
		Name: req.Body.Name, Slug: req.Body.Slug,
	})
	if err != nil {
		return nil, err
	}
	return gen.AdminUpdateOrganization200JSONResponse(adminOrganizationOf(o)), nil
}

// AdminDeleteOrganization deletes an organization; one with members only with force.
func (s *Server) AdminDeleteOrganization(ctx context.Context, req gen.AdminDeleteOrganizationRequestObject) (gen.AdminDeleteOrganizationResponseObject, error) {
	if err := s.svc.AdminDeleteOrganization(ctx, staff(ctx), req.Id, deref(req.Params.Force)); err != nil {
		return nil, err
	}
	return gen.AdminDeleteOrganization204Response{}, nil
}

func adminOrganizationOf(o account.Organization) gen.AdminOrganization {
	return gen.AdminOrganization{Id: o.ID, Name: o.Name, Slug: o.Slug, CreatedAt: o.CreatedAt}
}
