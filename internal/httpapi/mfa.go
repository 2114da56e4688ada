package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// VerifyMfa completes a password login with a second factor.
func (s *Server) VerifyMfa(ctx context.Context, req gen.VerifyMfaRequestObject) (gen.VerifyMfaResponseObject, error) {
	b := req.Body
	f, err := secondFactor(b.Code, b.RecoveryCode, b.Passkey)
	if err != nil {
		return nil, err
	}
	t, err := s.svc.VerifyMFA(ctx, b.Challenge, f, meta(ctx))
	if err != nil {
		return nil, err
	}
	setUser(ctx, t.User.ID)
	return gen.VerifyMfa200JSONResponse(tokenPair(t)), nil
}

// StepUp proves again who the caller is and returns an access token that says so.
func (s *Server) StepUp(ctx context.Context, req gen.StepUpRequestObject) (gen.StepUpResponseObject, error) {
	b := req.Body
	f, err := secondFactor(b.Code, b.RecoveryCode, b.Passkey)
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	t, err := s.svc.StepUp(ctx, p, account.StepUpInput{Password: deref(b.Password), Factor: f, Ceremony: deref(b.Ceremony)}, meta(ctx))
	if err != nil {
		return nil, err
	}
	pair := tokenPair(t)
	return gen.StepUp200JSONResponse{
		AccessToken: pair.AccessToken, TokenType: string(pair.TokenType), ExpiresIn: pair.ExpiresIn,
		AuthTime: t.Auth.Time, Amr: t.Auth.Methods,
	}, nil
}

// BeginPasskeyStepUp starts a step-up with one of the caller's passkeys.
func (s *Server) BeginPasskeyStepUp(ctx context.Context, _ gen.BeginPasskeyStepUpRequestObject) (gen.BeginPasskeyStepUpResponseObject, error) {
	ceremony, options, err := s.svc.BeginPasskeyStepUp(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	c, err := passkeyCeremony(ceremony, options)
	return gen.BeginPasskeyStepUp200JSONResponse(c), err
}

// GetMyMfa reports the caller's second factors.
func (s *Server) GetMyMfa(ctx context.Context, _ gen.GetMyMfaRequestObject) (gen.GetMyMfaResponseObject, error) {
	st, err := s.svc.MFAStatus(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	return gen.GetMyMfa200JSONResponse(mfaStatusOf(st)), nil
}

// BeginTotp starts adding a TOTP authenticator.
func (s *Server) BeginTotp(ctx context.Context, _ gen.BeginTotpRequestObject) (gen.BeginTotpResponseObject, error) {
	k, err := s.svc.BeginTOTP(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	return gen.BeginTotp201JSONResponse{
		Secret: k.Secret, OtpauthUri: k.URI,
		QrCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(k.QRCodePNG),
	}, nil
}

// ConfirmTotp enables the TOTP authenticator with a first code.
func (s *Server) ConfirmTotp(ctx context.Context, req gen.ConfirmTotpRequestObject) (gen.ConfirmTotpResponseObject, error) {
	codes, err := s.svc.ConfirmTOTP(ctx, principal(ctx), req.Body.Code, meta(ctx))
	if err != nil {
		return nil, err
	}
	return gen.ConfirmTotp200JSONResponse{RecoveryCodes: orNone(codes)}, nil
}

// RemoveTotp removes the TOTP authenticator.
func (s *Server) RemoveTotp(ctx context.Context, req gen.RemoveTotpRequestObject) (gen.RemoveTotpResponseObject, error) {
	if err := s.svc.RemoveTOTP(ctx, principal(ctx), deref(req.Body.Password), deref(req.Body.Code), meta(ctx)); err != nil {
		return nil, err
	}
	return gen.RemoveTotp204Response{}, nil
}

// RegenerateRecoveryCodes replaces the caller's recovery codes.
func (s *Server) RegenerateRecoveryCodes(ctx context.Context, _ gen.RegenerateRecoveryCodesRequestObject) (gen.RegenerateRecoveryCodesResponseObject, error) {
	codes, err := s.svc.RegenerateRecoveryCodes(ctx, principal(ctx), meta(ctx))
	if err != nil {
		return nil, err
	}
	return gen.RegenerateRecoveryCodes200JSONResponse{RecoveryCodes: codes}, nil
}

// AdminGetUserMfa lists a user's second factors.
func (s *Server) AdminGetUserMfa(ctx context.Context, req gen.AdminGetUserMfaRequestObject) (gen.AdminGetUserMfaResponseObject, error) {
	st, keys, err := s.svc.AdminMFA(ctx, staff(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	m := mfaStatusOf(st)
	return gen.AdminGetUserMfa200JSONResponse{
		Enabled: m.Enabled, Totp: m.Totp, Passkeys: m.Passkeys, RecoveryCodesLeft: m.RecoveryCodesLeft, PasskeyList: passkeysOf(keys),
	}, nil
}

// AdminResetUserMfa removes every second factor of a user.
func (s *Server) AdminResetUserMfa(ctx context.Context, req gen.AdminResetUserMfaRequestObject) (gen.AdminResetUserMfaResponseObject, error) {
	if err := s.svc.AdminResetMFA(ctx, staff(ctx), req.Id); err != nil {
		return nil, err
	}
	return gen.AdminResetUserMfa204Response{}, nil
}

// secondFactor reads one second factor from a request's fields.
func secondFactor(code, recovery *string, passkey *gen.PublicKeyCredential) (account.SecondFactor, error) {
	f := account.SecondFactor{Code: deref(code), RecoveryCode: deref(recovery)}
	if passkey != nil {
		b, err := json.Marshal(passkey)
		if err != nil {
			return f, err
		}
		f.Passkey = b
	}
	return f, nil
}

// passkeyCeremony renders a ceremony's handle and options.
func passkeyCeremony(ceremony string, options []byte) (gen.PasskeyCeremony, error) {
	c := gen.PasskeyCeremony{Ceremony: ceremony}
	err := json.Unmarshal(options, &c.Options)
	return c, err
}

func mfaStatusOf(st account.MFAStatus) gen.MfaStatus {
	return gen.MfaStatus{Enabled: st.Enabled(), Totp: st.TOTP, Passkeys: int32(st.Passkeys), RecoveryCodesLeft: int32(st.RecoveryCodesLeft)}
}

func passkeyOf(p account.Passkey) gen.Passkey {
	out := gen.Passkey{
		Id: p.ID, Name: p.Name, CreatedAt: p.CreatedAt, BackupEligible: p.BackupEligible, BackupState: p.BackupState,
		Transports: orNone(p.Transports),
	}
	if !p.LastUsedAt.IsZero() {
		t := p.LastUsedAt
		out.LastUsedAt = &t
	}
	return out
}

func passkeysOf(keys []account.Passkey) []gen.Passkey {
	out := make([]gen.Passkey, len(keys))
	for i, k := range keys {
		out[i] = passkeyOf(k)
	}
	return out
}

// orNone is s, or an empty list for nil: the spec's arrays are never null.
func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mfaChallengeOf renders the challenge of a login that needs a second factor.
func mfaChallengeOf(e *account.MFAChallengeError) *gen.MfaChallenge {
	c := &gen.MfaChallenge{Challenge: e.Challenge, ExpiresAt: e.ExpiresAt.UTC().Truncate(time.Second)}
	for _, m := range e.Methods {
		c.Methods = append(c.Methods, gen.MfaChallengeMethods(m))
	}
	if len(e.PasskeyOptions) > 0 {
		var o map[string]interface{}
		if json.Unmarshal(e.PasskeyOptions, &o) == nil {
			c.PasskeyOptions = &o
		}
	}
	return c
}
