package httpapi

import (
	"context"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// The staff operations (`x-accountd-role: staff`): the validator has already refused
// callers that are not staff, and the service checks again, with the superuser rules.

// staff is the caller as the actor of an administrative action.
func staff(ctx context.Context) account.Actor {
	return account.StaffActor(principal(ctx), meta(ctx))
}

// AdminListUsers pages through users.
func (s *Server) AdminListUsers(ctx context.Context, req gen.AdminListUsersRequestObject) (gen.AdminListUsersResponseObject, error) {
	p := req.Params
	in := account.UserListInput{
		UserFilter: account.UserFilter{
			Search: deref(p.Q), Active: p.Active, EmailVerified: p.EmailVerified,
			Role: account.Role(deref(p.Role)), OrganizationID: deref(p.OrganizationId),
		},
		Sort: account.UserSort(deref(p.Sort)), Cursor: deref(p.Cursor),
	}
	if p.Limit != nil {
		in.Limit = int(*p.Limit)
	}
	page, err := s.svc.AdminListUsers(ctx, staff(ctx), in)
	if err != nil {
		return nil, err
	}
	items, err := s.adminUsers(ctx, page.Users)
	if err != nil {
		return nil, err
	}
	out := gen.AdminListUsers200JSONResponse{Items: items}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return out, nil
}

// AdminCreateUser creates an account, optionally inviting its user.
func (s *Server) AdminCreateUser(ctx context.Context, req gen.AdminCreateUserRequestObject) (gen.AdminCreateUserResponseObject, error) {
	b := req.Body
	u, err := s.svc.AdminCreateUser(ctx, staff(ctx), account.NewUser{
		Username: b.Username, Email: string(b.Email), Password: deref(b.Password),
		FirstName: deref(b.FirstName), LastName: deref(b.LastName), OrganizationID: deref(b.OrganizationId),
		Role: account.Role(deref(b.Role)), Active: deref(b.Active), EmailVerified: deref(b.EmailVerified),
		SendInvitation: deref(b.SendInvitation),
	})
	if err != nil {
		return nil, err
	}
	a, err := s.adminUser(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.AdminCreateUser201JSONResponse(a), nil
}

// AdminGetUser returns one account.
func (s *Server) AdminGetUser(ctx context.Context, req gen.AdminGetUserRequestObject) (gen.AdminGetUserResponseObject, error) {
	u, err := s.svc.AdminGetUser(ctx, staff(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	a, err := s.adminUser(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.AdminGetUser200JSONResponse(a), nil
}

// AdminUpdateUser changes the fields given.
func (s *Server) AdminUpdateUser(ctx context.Context, req gen.AdminUpdateUserRequestObject) (gen.AdminUpdateUserResponseObject, error) {
	b := req.Body
	var email *string
	if b.Email != nil {
		e := string(*b.Email)
		email = &e
	}
	var role *account.Role
	if b.Role != nil {
		r := account.Role(*b.Role)
		role = &r
	}
	u, err := s.svc.AdminUpdateUser(ctx, staff(ctx), req.Id, account.UserChanges{
		Username: b.Username, Email: email, FirstName: b.FirstName, LastName: b.LastName,
		Bio: b.Bio, Country: b.Country, Profession: b.Profession, Thoughts: b.Thoughts, AvatarURL: b.AvatarUrl,
		OrganizationID: b.OrganizationId, Role: role, Active: b.Active, EmailVerified: b.EmailVerified,
	})
	if err != nil {
		return nil, err
	}
	a, err := s.adminUser(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.AdminUpdateUser200JSONResponse(a), nil
}

// AdminReplaceUser sets every field; those left out become empty.
func (s *Server) AdminReplaceUser(ctx context.Context, req gen.AdminReplaceUserRequestObject) (gen.AdminReplaceUserResponseObject, error) {
	b := req.Body
	u, err := s.svc.AdminReplaceUser(ctx, staff(ctx), req.Id, account.UserFields{
		Username: b.Username, Email: string(b.Email), FirstName: deref(b.FirstName), LastName: deref(b.LastName),
		Profile: account.Profile{
			Bio: deref(b.Bio), Country: deref(b.Country), Profession: deref(b.Profession),
			Thoughts: deref(b.Thoughts), AvatarURL: deref(b.AvatarUrl),
		},
		OrganizationID: deref(b.OrganizationId), Role: account.Role(b.Role), Active: b.Active,
		EmailVerified: deref(b.EmailVerified),
	})
	if err != nil {
		return nil, err
	}
	a, err := s.adminUser(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.AdminReplaceUser200JSONResponse(a), nil
}

// AdminDeleteUser deletes an account.
func (s *Server) AdminDeleteUser(ctx context.Context, req gen.AdminDeleteUserRequestObject) (gen.AdminDeleteUserResponseObject, error) {
	if err := s.svc.AdminDeleteUser(ctx, staff(ctx), req.Id); err != nil {
		return nil, err
	}
	return gen.AdminDeleteUser204Response{}, nil
}

// AdminLogoutUser ends every session of an account.
func (s *Server) AdminLogoutUser(ctx context.Context, req gen.AdminLogoutUserRequestObject) (gen.AdminLogoutUserResponseObject, error) {
	n, err := s.svc.AdminLogoutUser(ctx, staff(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return gen.AdminLogoutUser200JSONResponse{SessionsEnded: int32(n)}, nil
}

// AdminListUserEvents pages through an account's history.
func (s *Server) AdminListUserEvents(ctx context.Context, req gen.AdminListUserEventsRequestObject) (gen.AdminListUserEventsResponseObject, error) {
	limit, cursor, err := pageParams(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.AdminUserEvents(ctx, staff(ctx), req.Id, cursor, limit)
	if err != nil {
		return nil, err
	}
	out := gen.AdminListUserEvents200JSONResponse{Items: eventsOf(page.Events)}
	if page.Next != 0 {
		next := formatID(page.Next)
		out.NextCursor = &next
	}
	return out, nil
}

// AdminSendPasswordReset emails an account a reset link.
func (s *Server) AdminSendPasswordReset(ctx context.Context, req gen.AdminSendPasswordResetRequestObject) (gen.AdminSendPasswordResetResponseObject, error) {
	if err := s.svc.AdminSendPasswordReset(ctx, staff(ctx), req.Id); err != nil {
		return nil, err
	}
	return gen.AdminSendPasswordReset202JSONResponse{
		Status:  gen.AcceptedStatusAccepted,
		Message: "A password reset link is on its way to the account's address.",
	}, nil
}

// adminUser renders one account for staff.
func (s *Server) adminUser(ctx context.Context, u account.User) (gen.AdminUser, error) {
	users, err := s.adminUsers(ctx, []account.User{u})
	if err != nil {
		return gen.AdminUser{}, err
	}
	return users[0], nil
}

// adminUsers renders accounts for staff, reading the organizations once for the whole
// page rather than once per account.
func (s *Server) adminUsers(ctx context.Context, users []account.User) ([]gen.AdminUser, error) {
	var orgs map[int64]*account.Organization
	for _, u := range users {
		if u.OrganizationID == 0 || orgs != nil {
			continue
		}
		all, err := s.svc.Organizations(ctx)
		if err != nil {
			return nil, err
		}
		orgs = make(map[int64]*account.Organization, len(all))
		for i := range all {
			orgs[all[i].ID] = &all[i]
		}
	}
	out := make([]gen.AdminUser, len(users))
	for i, u := range users {
		out[i] = adminUserOf(u, orgs[u.OrganizationID])
	}
	return out, nil
}

func adminUserOf(u account.User, org *account.Organization) gen.AdminUser {
	a := accountOf(u, org)
	return gen.AdminUser{
		Id: a.Id, Username: a.Username, Email: a.Email, EmailVerified: a.EmailVerified, Active: a.Active,
		FirstName: a.FirstName, LastName: a.LastName, FullName: a.FullName,
		Bio: a.Bio, Country: a.Country, Profession: a.Profession, Thoughts: a.Thoughts, AvatarUrl: a.AvatarUrl,
		Organization: a.Organization, Role: gen.AdminUserRole(a.Role), Superuser: u.Superuser,
		DateJoined: a.DateJoined, LastLogin: a.LastLogin,
	}
}
