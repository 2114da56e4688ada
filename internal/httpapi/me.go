package httpapi

import (
	"context"
	"strconv"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// ChangePassword replaces the caller's password; other sessions end.
func (s *Server) ChangePassword(ctx context.Context, req gen.ChangePasswordRequestObject) (gen.ChangePasswordResponseObject, error) {
	err := s.svc.ChangePassword(ctx, principal(ctx), req.Body.CurrentPassword, req.Body.NewPassword, meta(ctx))
	if err != nil {
		return nil, err
	}
	return gen.ChangePassword204Response{}, nil
}

// RequestEmailChange sends a confirmation link to the new address.
func (s *Server) RequestEmailChange(ctx context.Context, req gen.RequestEmailChangeRequestObject) (gen.RequestEmailChangeResponseObject, error) {
	err := s.svc.RequestEmailChange(ctx, principal(ctx), account.EmailChangeRequest{NewEmail: string(req.Body.NewEmail), Password: req.Body.Password}, meta(ctx))
	if err != nil {
		return nil, err
	}
	return gen.RequestEmailChange202JSONResponse{
		Status:  gen.AcceptedStatusAccepted,
		Message: "A confirmation link is on its way to the new address.",
	}, nil
}

// ConfirmEmailChange applies a confirmed email change.
func (s *Server) ConfirmEmailChange(ctx context.Context, req gen.ConfirmEmailChangeRequestObject) (gen.ConfirmEmailChangeResponseObject, error) {
	p := principal(ctx)
	u, err := s.svc.ConfirmEmailChange(ctx, account.TokenProof(req.Body.Token), &p, "", meta(ctx))
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.ConfirmEmailChange200JSONResponse(a), nil
}

// ListMySessions pages through the caller's live sessions and marks the current one.
func (s *Server) ListMySessions(ctx context.Context, req gen.ListMySessionsRequestObject) (gen.ListMySessionsResponseObject, error) {
	p := principal(ctx)
	limit := 50
	if req.Params.Limit != nil {
		limit = int(*req.Params.Limit)
	}
	page, err := s.svc.ListSessions(ctx, p, deref(req.Params.Cursor), limit)
	if err != nil {
		return nil, err
	}
	out := gen.ListMySessions200JSONResponse{Items: make([]gen.Session, len(page.Sessions))}
	for i, sess := range page.Sessions {
		out.Items[i] = sessionOf(sess, p.SessionID)
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return out, nil
}

// RevokeMySession ends one of the caller's sessions.
func (s *Server) RevokeMySession(ctx context.Context, req gen.RevokeMySessionRequestObject) (gen.RevokeMySessionResponseObject, error) {
	if err := s.svc.RevokeSession(ctx, principal(ctx), req.Id.String(), meta(ctx)); err != nil {
		return nil, err
	}
	return gen.RevokeMySession204Response{}, nil
}

// ListMyEvents pages through the caller's history.
func (s *Server) ListMyEvents(ctx context.Context, req gen.ListMyEventsRequestObject) (gen.ListMyEventsResponseObject, error) {
	limit, cursor, err := pageParams(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListEvents(ctx, principal(ctx).User.ID, cursor, limit)
	if err != nil {
		return nil, err
	}
	out := gen.ListMyEvents200JSONResponse{Items: eventsOf(page.Events)}
	if page.Next != 0 {
		next := strconv.FormatInt(page.Next, 10)
		out.NextCursor = &next
	}
	return out, nil
}

// GetMyDashboard returns the account, its counts and its latest events.
func (s *Server) GetMyDashboard(ctx context.Context, _ gen.GetMyDashboardRequestObject) (gen.GetMyDashboardResponseObject, error) {
	d, err := s.svc.Dashboard(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, d.User)
	if err != nil {
		return nil, err
	}
	out := gen.GetMyDashboard200JSONResponse{Account: a, RecentEvents: eventsOf(d.Recent)}
	out.Counts.ActiveSessions = int32(d.Counts.LiveSessions)
	out.Counts.Events = int32(d.Counts.Events)
	out.Counts.FailedLogins30d = int32(d.Counts.FailedLogins)
	return out, nil
}

// DeleteMe deletes the caller's account.
func (s *Server) DeleteMe(ctx context.Context, req gen.DeleteMeRequestObject) (gen.DeleteMeResponseObject, error) {
	if err := s.svc.DeleteAccount(ctx, principal(ctx), req.Body.Password, meta(ctx)); err != nil {
		return nil, err
	}
	return gen.DeleteMe204Response{}, nil
}

// ListOrganizations lists the organizations a user may join.
func (s *Server) ListOrganizations(ctx context.Context, _ gen.ListOrganizationsRequestObject) (gen.ListOrganizationsResponseObject, error) {
	orgs, err := s.svc.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]gen.Organization, len(orgs))
	for i, o := range orgs {
		items[i] = organizationOf(o)
	}
	return gen.ListOrganizations200JSONResponse{Items: items}, nil
}

// pageParams reads the limit (default 50) and the cursor (an event or row ID).
func pageParams(limit *gen.Limit, cursor *gen.Cursor) (int, int64, error) {
	n := 50
	if limit != nil {
		n = int(*limit)
	}
	var c int64
	if cursor != nil && *cursor != "" {
		var err error
		if c, err = strconv.ParseInt(*cursor, 10, 64); err != nil || c <= 0 {
			return 0, 0, account.Invalid("cursor", "format", "is not a cursor this API gave out")
		}
	}
	return n, c, nil
}
