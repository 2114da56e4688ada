package httpapi

import (
	"context"
	"errors"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// Readiness reports whether the service can take traffic.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Server implements the canonical API over the account service. Each handler converts
// the decoded request, calls one service method and returns the documented response;
// errors go back to the strict server, whose error hook renders them (writeError).
type Server struct {
	svc   *account.Service
	jwks  gen.JWKSet
	ready Readiness
}

var _ gen.StrictServerInterface = (*Server)(nil)

// Register creates an account awaiting activation.
func (s *Server) Register(ctx context.Context, req gen.RegisterRequestObject) (gen.RegisterResponseObject, error) {
	b := req.Body
	u, err := s.svc.Register(ctx, account.RegisterInput{
		Username: b.Username, Email: string(b.Email), Password: b.Password,
		PasswordConfirm: deref(b.PasswordConfirm), FirstName: deref(b.FirstName), LastName: deref(b.LastName),
		OrganizationID: deref(b.OrganizationId), AcceptRetry: true,
	}, meta(ctx))
	if err != nil {
		return nil, err
	}
	return gen.Register201JSONResponse{
		Status:  gen.ActivationPending,
		Message: "Check your email to activate your account.",
		Account: gen.PendingAccount{
			Username: u.Username, Email: gen.Email(u.Email), FirstName: u.FirstName, LastName: u.LastName, Active: false,
		},
	}, nil
}

// Activate consumes an activation token.
func (s *Server) Activate(ctx context.Context, req gen.ActivateRequestObject) (gen.ActivateResponseObject, error) {
	u, err := s.svc.Activate(ctx, account.TokenProof(req.Body.Token), meta(ctx))
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.Activate200JSONResponse(a), nil
}

// ResendActivation emails a fresh activation link, revealing nothing about the address.
func (s *Server) ResendActivation(ctx context.Context, req gen.ResendActivationRequestObject) (gen.ResendActivationResponseObject, error) {
	if _, err := s.svc.ResendActivation(ctx, string(req.Body.Email), "", meta(ctx)); err != nil {
		return nil, err
	}
	return gen.ResendActivation202JSONResponse{
		Status:  gen.AcceptedStatusAccepted,
		Message: "If the address belongs to an account awaiting activation, a new link is on its way.",
	}, nil
}

// Login starts a session.
func (s *Server) Login(ctx context.Context, req gen.LoginRequestObject) (gen.LoginResponseObject, error) {
	t, err := s.svc.Login(ctx, req.Body.Login, req.Body.Password, meta(ctx))
	if err != nil {
		return nil, err
	}
	setUser(ctx, t.User.ID)
	return gen.Login200JSONResponse(tokenPair(t)), nil
}

// Refresh rotates a refresh token.
func (s *Server) Refresh(ctx context.Context, req gen.RefreshRequestObject) (gen.RefreshResponseObject, error) {
	t, err := s.svc.Refresh(ctx, req.Body.RefreshToken, meta(ctx))
	if err != nil {
		return nil, err
	}
	setUser(ctx, t.User.ID)
	return gen.Refresh200JSONResponse(tokenPair(t)), nil
}

// VerifyToken introspects a token; an invalid one is `{"active": false}`.
func (s *Server) VerifyToken(ctx context.Context, req gen.VerifyTokenRequestObject) (gen.VerifyTokenResponseObject, error) {
	introspect := s.svc.IntrospectAccess
	if req.Body.TokenTypeHint != nil && *req.Body.TokenTypeHint == gen.RefreshToken {
		introspect = s.svc.IntrospectRefresh
	}
	in, err := introspect(ctx, req.Body.Token)
	if errors.Is(err, account.ErrUnauthenticated) || errors.Is(err, account.ErrRefreshInvalid) {
		return gen.VerifyToken200JSONResponse{Active: false}, nil
	}
	if err != nil {
		return nil, err
	}
	sub := formatID(in.User.ID)
	exp, iat := in.Claims.ExpiresAt.Unix(), in.Claims.IssuedAt.Unix()
	return gen.VerifyToken200JSONResponse{
		Active: true, Sub: &sub, Sid: &in.SessionID, Username: &in.User.Username, Exp: &exp, Iat: &iat,
	}, nil
}

// Logout ends the caller's session, or all of them.
func (s *Server) Logout(ctx context.Context, req gen.LogoutRequestObject) (gen.LogoutResponseObject, error) {
	all := req.Body != nil && req.Body.All != nil && *req.Body.All
	if err := s.svc.Logout(ctx, principal(ctx), all, meta(ctx)); err != nil {
		return nil, err
	}
	return gen.Logout204Response{}, nil
}

// GetMe returns the caller's account; authentication has already loaded it.
func (s *Server) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	a, err := s.account(ctx, principal(ctx).User)
	if err != nil {
		return nil, err
	}
	return gen.GetMe200JSONResponse(a), nil
}

// UpdateMe changes profile fields.
func (s *Server) UpdateMe(ctx context.Context, req gen.UpdateMeRequestObject) (gen.UpdateMeResponseObject, error) {
	b := req.Body
	u, err := s.svc.UpdateProfile(ctx, principal(ctx).User.ID, account.ProfileChanges{
		Username: b.Username, FirstName: b.FirstName, LastName: b.LastName,
		Bio: b.Bio, Country: b.Country, Profession: b.Profession, Thoughts: b.Thoughts,
		AvatarURL: b.AvatarUrl, OrganizationID: b.OrganizationId,
	}, meta(ctx))
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.UpdateMe200JSONResponse(a), nil
}

// GetJWKS publishes the public signing keys.
func (s *Server) GetJWKS(context.Context, gen.GetJWKSRequestObject) (gen.GetJWKSResponseObject, error) {
	return gen.GetJWKS200JSONResponse(s.jwks), nil
}

// Healthz answers while the process runs.
func (s *Server) Healthz(context.Context, gen.HealthzRequestObject) (gen.HealthzResponseObject, error) {
	return gen.Healthz200JSONResponse{Status: gen.Ok}, nil
}

// Readyz answers 200 when the database is reachable and its schema current.
func (s *Server) Readyz(ctx context.Context, _ gen.ReadyzRequestObject) (gen.ReadyzResponseObject, error) {
	if err := s.ready.Ready(ctx); err != nil {
		return nil, &Problem{Code: gen.Unavailable, Detail: err.Error()}
	}
	return gen.Readyz200JSONResponse{Status: gen.Ok}, nil
}

// account renders a user, with its organization looked up when it has one. It reads the
// store, so it lives with the handlers rather than with the pure conversions of
// convert.go.
func (s *Server) account(ctx context.Context, u account.User) (gen.Account, error) {
	var org *account.Organization
	if u.OrganizationID != 0 {
		o, err := s.svc.Organization(ctx, u.OrganizationID)
		if err != nil {
			return gen.Account{}, err
		}
		org = &o
	}
	return accountOf(u, org), nil
}
