package account

import (
	"context"
	"time"
)

// The events administrators leave in the history of the accounts they act on. Each
// names the acting staff user (Event.ActorID).
const (
	EventAdminCreated           EventType = "admin_created"
	EventAdminUpdated           EventType = "admin_updated"
	EventAdminRoleChanged       EventType = "admin_role_changed"
	EventAdminActivated         EventType = "admin_activated"
	EventAdminDeactivated       EventType = "admin_deactivated"
	EventAdminLogout            EventType = "admin_logout"
	EventAdminPasswordResetSent EventType = "admin_password_reset_sent"
	EventAdminInvitationSent    EventType = "admin_invitation_sent"
	// EventAdminDeletedUser goes to the acting admin's own history: the deleted
	// account's history goes with it.
	EventAdminDeletedUser EventType = "admin_deleted_user"
	// EventInvitationAccepted: the user set a password with an invitation link.
	EventInvitationAccepted EventType = "invitation_accepted"
)

// PurposeInvitation is the token of an invitation: a set-password token like a reset
// one, with its own email and a longer life. Accepting it also activates the account.
const PurposeInvitation TokenPurpose = "invitation"

// MessageInvitation invites a user created by an administrator to set a password.
const MessageInvitation MessageKind = "invitation"

// operatorAgent is the user agent recorded for actions taken at the command line.
const operatorAgent = "accountd (command line)"

// Actor is who carries out an administrative action: a staff user through an API, or
// the operator at the command line. The zero Actor may do nothing, so a caller that
// forgets to say who acts is refused rather than trusted.
type Actor struct {
	user     User
	meta     RequestMeta
	operator bool
}

// StaffActor is the caller p acting through an API request described by meta. The
// service checks p's role on every administrative action.
func StaffActor(p Principal, meta RequestMeta) Actor {
	return Actor{user: p.User, meta: meta}
}

// OperatorActor is whoever runs accountd's command line. They hold the database (and
// its credentials) already, so they hold every right, superuser ones included.
func OperatorActor() Actor {
	return Actor{operator: true, meta: RequestMeta{UserAgent: operatorAgent}}
}

// staff reports whether the actor may administer users at all.
func (a Actor) staff() bool {
	return a.operator || (a.user.ID != 0 && a.user.Active && (a.user.Role == RoleStaff || a.user.Superuser))
}

// superuser reports whether the actor may grant and remove staff and manage staff
// accounts.
func (a Actor) superuser() bool {
	return a.operator || (a.staff() && a.user.Superuser)
}

// id is the actor's user ID for events: 0 for the operator.
func (a Actor) id() int64 {
	if a.operator {
		return 0
	}
	return a.user.ID
}

// requireStaff refuses an actor that is not staff.
func requireStaff(a Actor) error {
	if !a.staff() {
		return ErrForbidden
	}
	return nil
}

// mayManage refuses an actor that may not change target. Staff and superuser accounts
// are managed by superusers only: otherwise a staff user could, say, redirect a
// superuser's email to an address of theirs and reset the password, taking over the
// higher role.
func mayManage(a Actor, target User) error {
	if err := requireStaff(a); err != nil {
		return err
	}
	if (target.Role == RoleStaff || target.Superuser) && !a.superuser() {
		return ErrForbidden
	}
	return nil
}

// manageInTx runs fn in one transaction with the account id, once a is found to be
// staff who may manage it (requireStaff first, so a user learns nothing of the account;
// then mayManage on the row fn will change, read in the same transaction).
func (s *Service) manageInTx(ctx context.Context, a Actor, id int64, fn func(tx Store, u User) error) error {
	if err := requireStaff(a); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Store) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if err := mayManage(a, u); err != nil {
			return err
		}
		return fn(tx, u)
	})
}

// recordBy adds an event to a user's history in the actor's name.
func recordBy(ctx context.Context, st Store, userID int64, typ EventType, at time.Time, a Actor, detail string) error {
	return st.AddEvent(ctx, Event{
		UserID: userID, Type: typ, At: at, IP: a.meta.IP, UserAgent: a.meta.UserAgent,
		Detail: detail, ActorID: a.id(),
	})
}

// logAction writes an administrative action to the operational log, with its actor.
func (s *Service) logAction(ctx context.Context, a Actor, msg string, args ...any) {
	who := []any{"actor_id", a.id()}
	if a.operator {
		who = []any{"actor", "command line"}
	}
	s.opt.Logger.InfoContext(ctx, msg, append(who, args...)...)
}
