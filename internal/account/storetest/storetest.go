// Package storetest is the test suite every account.Store implementation must pass.
// An implementation's own tests call Run with a function that opens a fresh, empty,
// migrated store; every subtest opens its own, so they share nothing.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) account.Store { return openFresh(t) })
//	}
//
// Subtests are named by outcome (TestStore/CreateUser/duplicate_email_any_case_ErrEmailTaken).
package storetest

import (
	"testing"

	"github.com/accountd/accountd/internal/account"
)

// Run runs the suite. open must return a new, empty store for each call and release it
// through t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) account.Store) {
	s := suite{open: open}
	t.Run("CreateUser", s.createUser)
	t.Run("CreateAccount", s.createAccount)
	t.Run("UserByID", s.userByID)
	t.Run("UserByLogin", s.userByLogin)
	t.Run("UserByEmail", s.userByEmail)
	t.Run("UpdateUser", s.updateUser)
	t.Run("DeleteUser", s.deleteUser)
	t.Run("LoginNames", s.loginNames)
	t.Run("ConsumeEmailToken", s.consumeEmailToken)
	t.Run("DeleteEmailTokens", s.deleteEmailTokens)
	t.Run("StartSession", s.startSession)
	t.Run("SessionUser", s.sessionUser)
	t.Run("TouchSession", s.touchSession)
	t.Run("RevokeSession", s.revokeSession)
	t.Run("RevokeUserSessions", s.revokeUserSessions)
	t.Run("RevokeOtherSessions", s.revokeOtherSessions)
	t.Run("RevokeUserSession", s.revokeUserSession)
	t.Run("ListSessions", s.listSessions)
	t.Run("RefreshToken", s.refreshToken)
	t.Run("MarkRefreshTokenUsed", s.markRefreshTokenUsed)
	t.Run("RotateRefreshToken", s.rotateRefreshToken)
	t.Run("AddEvent", s.addEvent)
	t.Run("ListEvents", s.listEvents)
	t.Run("Counts", s.counts)
	t.Run("Organizations", s.organizations)
	t.Run("ManageOrganizations", s.manageOrganizations)
	t.Run("ListUsers", s.listUsers)
	t.Run("EventActor", s.eventActor)
	t.Run("SigningKeys", s.signingKeys)
	t.Run("Avatars", s.avatars)
	t.Run("TOTPFactors", s.totpFactors)
	t.Run("RecoveryCodes", s.recoveryCodes)
	t.Run("MFAChallenges", s.mfaChallenges)
	t.Run("Passkeys", s.passkeys)
	t.Run("SecondFactors", s.secondFactors)
	t.Run("EmailRequests", s.emailRequests)
	t.Run("InTx", s.inTx)
	t.Run("Ping", s.ping)
}

type suite struct {
	open func(t *testing.T) account.Store
}

// run runs one outcome on a fresh store, in parallel with its siblings.
func (s suite) run(t *testing.T, name string, test func(t *testing.T, st account.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		test(t, s.open(t))
	})
}
