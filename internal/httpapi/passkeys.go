package httpapi

import (
	"context"
	"encoding/json"

	"github.com/accountd/accountd/gen"
)

// BeginPasskeyLogin starts a sign-in with a passkey alone.
func (s *Server) BeginPasskeyLogin(ctx context.Context, _ gen.BeginPasskeyLoginRequestObject) (gen.BeginPasskeyLoginResponseObject, error) {
	ceremony, options, err := s.svc.BeginPasskeyLogin(ctx, meta(ctx))
	if err != nil {
		return nil, err
	}
	c, err := passkeyCeremony(ceremony, options)
	return gen.BeginPasskeyLogin200JSONResponse(c), err
}

// FinishPasskeyLogin signs in with a passkey's assertion.
func (s *Server) FinishPasskeyLogin(ctx context.Context, req gen.FinishPasskeyLoginRequestObject) (gen.FinishPasskeyLoginResponseObject, error) {
	credential, err := json.Marshal(req.Body.Credential)
	if err != nil {
		return nil, err
	}
	t, err := s.svc.FinishPasskeyLogin(ctx, req.Body.Ceremony, credential, meta(ctx))
	if err != nil {
		return nil, err
	}
	setUser(ctx, t.User.ID)
	return gen.FinishPasskeyLogin200JSONResponse(tokenPair(t)), nil
}

// ListMyPasskeys lists the caller's passkeys.
func (s *Server) ListMyPasskeys(ctx context.Context, _ gen.ListMyPasskeysRequestObject) (gen.ListMyPasskeysResponseObject, error) {
	keys, err := s.svc.ListPasskeys(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	return gen.ListMyPasskeys200JSONResponse{Items: passkeysOf(keys)}, nil
}

// BeginPasskeyRegistration starts adding a passkey.
func (s *Server) BeginPasskeyRegistration(ctx context.Context, _ gen.BeginPasskeyRegistrationRequestObject) (gen.BeginPasskeyRegistrationResponseObject, error) {
	ceremony, options, err := s.svc.BeginPasskeyRegistration(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	c, err := passkeyCeremony(ceremony, options)
	return gen.BeginPasskeyRegistration200JSONResponse(c), err
}

// RegisterPasskey stores a passkey whose creation answers the ceremony.
func (s *Server) RegisterPasskey(ctx context.Context, req gen.RegisterPasskeyRequestObject) (gen.RegisterPasskeyResponseObject, error) {
	b := req.Body
	credential, err := json.Marshal(b.Credential)
	if err != nil {
		return nil, err
	}
	pk, codes, err := s.svc.FinishPasskeyRegistration(ctx, principal(ctx), b.Ceremony, credential, deref(b.Name), meta(ctx))
	if err != nil {
		return nil, err
	}
	return gen.RegisterPasskey201JSONResponse{Passkey: passkeyOf(pk), RecoveryCodes: orNone(codes)}, nil
}

// RenamePasskey renames one of the caller's passkeys.
func (s *Server) RenamePasskey(ctx context.Context, req gen.RenamePasskeyRequestObject) (gen.RenamePasskeyResponseObject, error) {
	pk, err := s.svc.RenamePasskey(ctx, principal(ctx), req.Id, req.Body.Name, meta(ctx))
	if err != nil {
		return nil, err
	}
	return gen.RenamePasskey200JSONResponse(passkeyOf(pk)), nil
}

// RemovePasskey removes one of the caller's passkeys.
func (s *Server) RemovePasskey(ctx context.Context, req gen.RemovePasskeyRequestObject) (gen.RemovePasskeyResponseObject, error) {
	if err := s.svc.RemovePasskey(ctx, principal(ctx), req.Id, meta(ctx)); err != nil {
		return nil, err
	}
	return gen.RemovePasskey204Response{}, nil
}
