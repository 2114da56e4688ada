package account_test

import (
	"context"
	"testing"
)

func TestRegistrationConflictsHonoursHiddenEmails(t *testing.T) {
	f := newFixture(t) // HideExistingEmails on
	f.activeUser(t, "taken", "correct-horse-battery")
	user, email, err := f.svc.RegistrationConflicts(context.Background(), "TAKEN", "taken@example.com")
	if err != nil || !user || email {
		t.Fatalf("got username %v, email %v, %v; want the username only", user, email, err)
	}
}
