package httpapi

import (
	"context"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// ForgotPassword emails a reset link, revealing nothing about the address.
func (s *Server) ForgotPassword(ctx context.Context, req gen.ForgotPasswordRequestObject) (gen.ForgotPasswordResponseObject, error) {
	if err := s.svc.ForgotPassword(ctx, string(req.Body.Email), "", meta(ctx)); err != nil {
		return nil, err
	}
	return gen.ForgotPassword202JSONResponse{
		Status:  gen.AcceptedStatusAccepted,
		Message: "If the address belongs to an account, a reset link is on its way.",
	}, nil
}

// ResetPassword sets a new password with an emailed token.
func (s *Server) ResetPassword(ctx context.Context, req gen.ResetPasswordRequestObject) (gen.ResetPasswordResponseObject, error) {
	if _, err := s.svc.ResetPassword(ctx, account.TokenProof(req.Body.Token), req.Body.NewPassword, meta(ctx)); err != nil {
		return nil, err
	}
	return gen.ResetPassword204Response{}, nil
}
