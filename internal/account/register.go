package account

import (
	"context"
	"errors"
	"strings"
	"time"
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
	// AcceptRetry answers a registration sent again (same username, email and password
	// as an account still awaiting activation) with that account instead of
	// ErrUsernameTaken: the canonical API does, so that a client retrying after a lost
	// answer is not refused its own account. Compatibility profiles whose documents
	// answer a repeated registration with a conflict (djoser) leave it false.
	AcceptRetry bool
}

// Register creates an inactive account and emails it an activation link.
//
// The username, email and names keep the rules of identity.go; a username that is
// another account's username or email, or held by a hidden registration (below), is
// ErrUsernameTaken, whatever else is wrong: usernames are public, and the answer must
// not depend on which check runs first.
//
// With HideExistingEmails, a taken email is not reported: the owner of the address gets
// an email instead and the caller gets the same answer as a success (a User with ID 0),
// so the endpoint reveals nothing about who has an account. Such a registration holds its
// username for the activation window, as a real one would: registering that username
// again is ErrUsernameTaken, exactly as after a real registration, and sending the same
// registration again gets the same success, as the retry rule gives a real one
// (usernameTaken). A username that is the registration's own email, held by another
// account, is a taken email too, never ErrUsernameTaken, which would say that the
// address has an account. It does the same work as a real registration (one password
// hash, a write, an email queued), so the time taken does not tell either.
func (s *Service) Register(ctx context.Context, in RegisterInput, meta RequestMeta) (User, error) {
	if err := s.limit(ctx, bucket{"register:ip", meta.IP, s.opt.Limits.RegisterIP}); err != nil {
		return User{}, err
	}
	email, emailProblem := normalizeEmail("email", in.Email)
	var usernameProblem *FieldProblem
	if emailProblem == nil || !usernamePattern.MatchString(in.Username) {
		usernameProblem = checkUsername("username", in.Username, email)
	}
	if err := problems(append(textProblems(&in.FirstName, &in.LastName, nil, nil, nil, nil, nil), usernameProblem, emailProblem)...); err != nil {
		return User{}, err
	}
	in.Email = email
	if err := s.emailLimits(ctx, meta, in.Email); err != nil {
		return User{}, err
	}
	if problems := s.PasswordProblems("password", in.Password, in.Username, in.Email); problems != nil {
		return User{}, &ValidationError{Problems: problems}
	}
	if in.PasswordConfirm != "" && in.PasswordConfirm != in.Password {
		return User{}, Invalid("password_confirm", "mismatch", "must equal password")
	}
	now := s.now()
	if first, settled, err := s.usernameTaken(ctx, in, now); err != nil || settled {
		return first, err
	}
	// Hash before looking at the database, so a taken email costs the same time as a
	// fresh registration.
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	pending := pendingUser(in, now)
	pending.PasswordHash = hash
	// The account, its activation token, its event and its activation email, in one
	// transaction: a 201 always has its email queued.
	token, tokenHash := newSecret()
	var created User
	err = s.store.InTx(ctx, func(tx Store) error {
		var err error
		created, err = tx.CreateAccount(ctx, pending,
			EmailToken{Hash: tokenHash, Purpose: PurposeActivation, Email: pending.Email, CreatedAt: now, ExpiresAt: now.Add(s.opt.ActivationTTL)},
			Event{Type: EventRegistered, At: now, IP: meta.IP, UserAgent: meta.UserAgent})
		if err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageActivation, To: created.Email, User: created, Token: token, Flow: in.Flow})
	})
	if errors.Is(err, ErrNotFound) {
		err = Invalid("organization_id", "not_found", "is not an existing organization")
	}
	if s.opt.HideExistingEmails && s.hiddenConflict(err, in) {
		if errors.Is(err, ErrEmailTaken) {
			// Hold the username as the account would have, for as long as its
			// activation link would work, with what a retry must match. Someone may
			// have taken it since: then it is taken, as for any registration.
			return s.hiddenRegistration(ctx, in, now, &Reservation{
				Username: in.Username, Email: in.Email, PasswordHash: hash, FirstName: in.FirstName, LastName: in.LastName,
				CreatedAt: now, ExpiresAt: now.Add(s.opt.ActivationTTL),
			})
		}
		return s.hiddenRegistration(ctx, in, now, nil)
	}
	if err != nil {
		return User{}, err
	}
	return created, nil
}

// pendingUser is the account a registration asks for, without its password hash.
func pendingUser(in RegisterInput, now time.Time) User {
	return User{
		Username: in.Username, Email: in.Email,
		FirstName: in.FirstName, LastName: in.LastName, OrganizationID: in.OrganizationID, Role: RoleUser,
		DateJoined: now, LinksVoidedAt: now, UpdatedAt: now,
	}
}

// hiddenRegistration answers a registration refused only because its email is taken,
// with HideExistingEmails: the owner of the address is told, and the caller gets the
// account it asked for, as if it had been created, without an ID. The reservation of
// the username, when given, and the owner's email commit together.
func (s *Service) hiddenRegistration(ctx context.Context, in RegisterInput, now time.Time, hold *Reservation) (User, error) {
	err := s.store.InTx(ctx, func(tx Store) error {
		if hold != nil {
			if err := tx.ReserveUsername(ctx, *hold); err != nil {
				return err
			}
		}
		return s.warnOwner(ctx, tx, in.Email, in.Flow)
	})
	if err != nil {
		return User{}, err
	}
	return pendingUser(in, now), nil
}

// hiddenConflict reports whether err refused a registration only because its email is
// taken: ErrEmailTaken, or ErrUsernameTaken for a username that is the email itself
// (the one form of username with @ allowed), which the address's owner holds.
func (s *Service) hiddenConflict(err error, in RegisterInput) bool {
	return errors.Is(err, ErrEmailTaken) ||
		errors.Is(err, ErrUsernameTaken) && strings.EqualFold(in.Username, in.Email)
}

// usernameTaken settles a registration whose username is held before anything is
// written (settled is true): ErrUsernameTaken, whatever the email, since usernames are
// public and a taken one is always reported. Except:
//
//   - A registration sent again: a client that retries after an answer it never saw (a
//     503 whose transaction committed, a cut connection) must get its account, not 409
//     for it. It is the same registration when the account with this username has this
//     email and password, is still awaiting activation (never activated, deactivated or
//     logged in to) and was created within the activation window; the answer is then
//     that account, as the first attempt answered, and no second email goes out.
//   - The same for a hidden registration (its email was taken): the reservation of its
//     username keeps its email and password hash, and a retry that matches them gets
//     the same success again, with no second email, exactly as a real retry does;
//     otherwise the name is taken, as a real account's is.
//   - With HideExistingEmails, a username that is the registration's own email: an
//     account holds it, so the address has an account, which must not be said. The
//     registration is answered as hidden (the owner told, the caller's success), as
//     when that account holds the address as its email only (see Register).
//
// Either way it costs one password hash (Verify, or VerifyDummy when the holder cannot
// be this registration), as a registration that goes ahead does (Hash), so the time of
// the answer says nothing about the account's email or state.
func (s *Service) usernameTaken(ctx context.Context, in RegisterInput, now time.Time) (u User, settled bool, err error) {
	u, err = s.store.UserByLogin(ctx, in.Username)
	switch {
	case errors.Is(err, ErrNotFound):
		return s.reservedUsername(ctx, in, now)
	case err != nil:
		return User{}, false, err
	case !strings.EqualFold(u.Username, in.Username):
		// The name is another account's email, and so this registration's own (a
		// username with @ is nothing else): the hidden path, through Register.
		return User{}, false, nil
	}
	taken := func() (User, bool, error) {
		if s.opt.HideExistingEmails && strings.EqualFold(in.Username, in.Email) {
			u, err := s.hiddenRegistration(ctx, in, now, nil)
			return u, true, err
		}
		return User{}, true, ErrUsernameTaken
	}
	candidate := in.AcceptRetry && strings.EqualFold(u.Email, in.Email) && !u.Active && !u.Deactivated && u.LastLogin.IsZero() &&
		u.PasswordHash != "" && now.Sub(u.DateJoined) < s.opt.ActivationTTL
	if !candidate {
		s.hasher.VerifyDummy(ctx, in.Password)
		return taken()
	}
	ok, _, err := s.hasher.Verify(ctx, in.Password, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return User{}, true, err
	}
	if !ok {
		return taken()
	}
	return u, true, nil
}

// reservedUsername is usernameTaken for a username no account holds: settled when a
// hidden registration's reservation holds it, with the same answers a real account
// awaiting activation would give.
func (s *Service) reservedUsername(ctx context.Context, in RegisterInput, now time.Time) (User, bool, error) {
	r, err := s.store.ReservationOf(ctx, in.Username, now)
	switch {
	case errors.Is(err, ErrNotFound):
		return User{}, false, nil
	case err != nil:
		return User{}, false, err
	}
	if !in.AcceptRetry || !strings.EqualFold(r.Email, in.Email) || r.PasswordHash == "" {
		s.hasher.VerifyDummy(ctx, in.Password)
		return User{}, true, ErrUsernameTaken
	}
	ok, _, err := s.hasher.Verify(ctx, in.Password, r.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return User{}, true, err
	}
	if !ok {
		return User{}, true, ErrUsernameTaken
	}
	// What the first attempt answered, as a real retry gets the stored account.
	first := pendingUser(RegisterInput{Username: r.Username, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName}, r.CreatedAt)
	return first, true, nil
}

// warnOwner tells the owner of email that someone tried to register it again, in the
// transaction of tx.
func (s *Service) warnOwner(ctx context.Context, tx Store, email, flow string) error {
	owner, err := tx.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		// Deleted since, or the address is held as a username (an account's former
		// email, kept as its name): nobody to tell.
		s.opt.Logger.InfoContext(ctx, "taken email has no owner to tell", "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	return s.send(ctx, tx, Message{Kind: MessageAccountExists, To: owner.Email, User: owner, Flow: flow})
}

// RegistrationConflicts reports which of a registration's username and email are not
// free, for APIs that report every taken field at once (djoser, with Django REST
// framework's field errors) after Register refused one. A username is taken when it is
// any account's username or email, or held by a hidden registration: the one namespace
// of login names. The email is looked at only without HideExistingEmails: with it,
// emailTaken is always false, so no caller can leak what the setting hides.
func (s *Service) RegistrationConflicts(ctx context.Context, username, email string) (usernameTaken, emailTaken bool, err error) {
	if username != "" && usernamePattern.MatchString(username) {
		if usernameTaken, err = s.store.LoginNameTaken(ctx, username, s.now()); err != nil {
			return false, false, err
		}
	}
	if email != "" && !s.opt.HideExistingEmails {
		_, err := s.store.UserByEmail(ctx, email)
		switch {
		case err == nil:
			emailTaken = true
		case !errors.Is(err, ErrNotFound):
			return false, false, err
		}
	}
	return usernameTaken, emailTaken, nil
}

// EmailRegistered reports whether an account has this email. Only a compatibility
// profile whose document reveals it, and whose operator asked for that, should call it
// (django-rest-registration's "User not found" to a reset request): every flow of the
// service answers alike for known and unknown addresses.
func (s *Service) EmailRegistered(ctx context.Context, email string) (bool, error) {
	_, err := s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
