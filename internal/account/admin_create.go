package account

import (
	"context"
	"errors"
)

// NewUser is an account an administrator creates.
type NewUser struct {
	Username string
	Email    string
	// Password is the initial password; "" leaves the account without a usable one
	// until the user sets one through an invitation or a reset link.
	Password  string
	FirstName string
	LastName  string
	// OrganizationID is the organization to join, 0 for none.
	OrganizationID int64
	// Role defaults to RoleUser. Only a superuser may create staff.
	Role Role
	// Superuser may be set by a superuser (or the operator) only; it implies RoleStaff.
	Superuser bool
	// Active accounts can log in at once; others wait for an administrator, or for the
	// user to accept an invitation.
	Active bool
	// EmailVerified says the administrator vouches for the address.
	EmailVerified bool
	// SendInvitation emails a link with which the user sets a password (and which
	// activates the account once used).
	SendInvitation bool
}

// checkIdentity checks a username and an email address for one account, and returns
// the email in its normalized form (identity.go).
func checkIdentity(username, email string) (string, error) {
	email, emailProblem := normalizeEmail("email", email)
	var usernameProblem *FieldProblem
	if emailProblem == nil {
		usernameProblem = checkUsername("username", username, email)
	} else if !usernamePattern.MatchString(username) {
		usernameProblem = checkUsername("username", username, "")
	}
	return email, problems(usernameProblem, emailProblem)
}

// checkRole refuses a role that is not known.
func checkRole(r Role) error {
	if r != RoleUser && r != RoleStaff {
		return Invalid("role", "enum", "must be user or staff")
	}
	return nil
}

// AdminCreateUser creates an account on an administrator's behalf, optionally active
// and optionally inviting the user by email to set a password. The event names the
// administrator.
func (s *Service) AdminCreateUser(ctx context.Context, a Actor, in NewUser) (User, error) {
	if err := requireStaff(a); err != nil {
		return User{}, err
	}
	if in.Role == "" {
		in.Role = RoleUser
	}
	if in.Superuser {
		// A superuser is staff by definition: every staff check then holds for them.
		in.Role = RoleStaff
	}
	if err := checkRole(in.Role); err != nil {
		return User{}, err
	}
	if (in.Role == RoleStaff || in.Superuser) && !a.superuser() {
		return User{}, ErrForbidden
	}
	var err error
	if in.Email, err = checkIdentity(in.Username, in.Email); err != nil {
		return User{}, err
	}
	if err := problems(textProblems(&in.FirstName, &in.LastName, nil, nil, nil, nil, nil)...); err != nil {
		return User{}, err
	}
	var hash string
	if in.Password != "" {
		if problems := s.PasswordProblems("password", in.Password, in.Username, in.Email); problems != nil {
			return User{}, &ValidationError{Problems: problems}
		}
		var err error
		if hash, err = s.hasher.Hash(ctx, in.Password); err != nil {
			return User{}, err
		}
	}
	now := s.now()
	var created User
	err = s.store.InTx(ctx, func(tx Store) error {
		var err error
		created, err = tx.CreateUser(ctx, User{
			Username: in.Username, Email: in.Email, EmailVerified: in.EmailVerified, PasswordHash: hash,
			Active: in.Active, Deactivated: !in.Active, FirstName: in.FirstName, LastName: in.LastName, OrganizationID: in.OrganizationID,
			Role: in.Role, Superuser: in.Superuser, DateJoined: now, LinksVoidedAt: now, UpdatedAt: now,
		})
		if errors.Is(err, ErrNotFound) {
			return Invalid("organization_id", "not_found", "is not an existing organization")
		}
		if err != nil {
			return err
		}
		if err := recordBy(ctx, tx, created.ID, EventAdminCreated, now, a, "role "+string(created.Role)); err != nil {
			return err
		}
		if !in.SendInvitation {
			return nil
		}
		token, err := s.invite(ctx, tx, a, created)
		if err != nil {
			return err
		}
		return s.send(ctx, tx, Message{Kind: MessageInvitation, To: created.Email, User: created, Token: token})
	})
	if err != nil {
		return User{}, err
	}
	s.logAction(ctx, a, "user created by an administrator", "user_id", created.ID, "role", created.Role)
	return created, nil
}

// invite issues an invitation token for u, replacing earlier ones, and records it.
// Admin-triggered emails skip the per-IP email limits: staff are trusted, and one
// administrator creating a class of students must not be throttled like a stranger.
func (s *Service) invite(ctx context.Context, tx Store, a Actor, u User) (string, error) {
	if err := tx.DeleteEmailTokens(ctx, u.ID, PurposeInvitation); err != nil {
		return "", err
	}
	token, err := s.issueEmailToken(ctx, tx, u, PurposeInvitation, u.Email, s.opt.InvitationTTL)
	if err != nil {
		return "", err
	}
	return token, recordBy(ctx, tx, u.ID, EventAdminInvitationSent, s.now(), a, "")
}
