package account

import (
	"context"
	"errors"
	"strings"
)

// RegisterInput is what a new user gives.
type RegisterInput struct {
	Username string
	Email    string
	Password string
	// PasswordConfirm, when not empty, must equal Password.
	PasswordConfirm string
	FirstName       string
	LastName        string
	// OrganizationID is the organization to join, 0 for none.
	OrganizationID int64
	// Flow names the API the request came through, for the link format of the email.
	Flow string
}

// Register creates an inactive account and emails it an activation link.
//
// With HideExistingEmails, a taken email is not reported: the owner of the address gets
// an email instead and the caller gets the same answer as a success (a User with ID 0),
// so the endpoint reveals nothing about who has an account. A taken username is reported;
// usernames are public.
func (s *Service) Register(ctx context.Context, in RegisterInput, meta RequestMeta) (User, error) {
	in.Email = strings.TrimSpace(in.Email)
	if err := s.limit(ctx, bucket{"register:ip", meta.IP, s.opt.Limits.RegisterIP}); err != nil {
		return User{}, err
	}
	if err := s.emailLimits(ctx, meta, in.Email); err != nil {
		return User{}, err
	}
	if problems := s.checkPassword("password", in.Password, in.Username, in.Email); problems != nil {
		return User{}, &ValidationError{Problems: problems}
	}
	if in.PasswordConfirm != "" && in.PasswordConfirm != in.Password {
		return User{}, Invalid("password_confirm", "mismatch", "must equal password")
	}
	// Hash before looking at the database, so a taken email costs the same time as a
	// fresh registration.
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	pending := User{
		Username: in.Username, Email: in.Email, PasswordHash: hash,
		FirstName: in.FirstName, LastName: in.LastName, OrganizationID: in.OrganizationID, Role: RoleUser,
		DateJoined: now, PasswordChangedAt: now, UpdatedAt: now,
	}
	// The account, its activation token and its event, in one store call.
	token, tokenHash := newSecret()
	created, err := s.store.CreateAccount(ctx, pending,
		EmailToken{Hash: tokenHash, Purpose: PurposeActivation, Email: pending.Email, CreatedAt: now, ExpiresAt: now.Add(s.opt.ActivationTTL)},
		Event{Type: EventRegistered, At: now, IP: meta.IP, UserAgent: meta.UserAgent})
	if errors.Is(err, ErrNotFound) {
		err = Invalid("organization_id", "not_found", "is not an existing organization")
	}
	if errors.Is(err, ErrEmailTaken) && s.opt.HideExistingEmails {
		s.warnOwner(ctx, in.Email, in.Flow)
		pending.PasswordHash = ""
		return pending, nil
	}
	if err != nil {
		return User{}, err
	}
	s.send(ctx, Message{Kind: MessageActivation, To: created.Email, User: created, Token: token, Flow: in.Flow})
	return created, nil
}

// warnOwner tells the owner of email that someone tried to register it again.
func (s *Service) warnOwner(ctx context.Context, email, flow string) {
	owner, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		s.opt.Logger.WarnContext(ctx, "taken email vanished before its owner could be told", "err", err)
		return
	}
	s.send(ctx, Message{Kind: MessageAccountExists, To: owner.Email, User: owner, Flow: flow})
}
