package drf

import (
	"reflect"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func TestPasswordMessages(t *testing.T) {
	problems := []account.FieldProblem{
		{Code: "too_short"}, {Code: "too_long"}, {Code: "too_common"}, {Code: "too_similar"},
		{Code: "no_digit", Message: "must hold a digit"},
	}
	got := PasswordMessages(problems, 12, "x", "ada", "ada@example.com")
	want := []string{
		"This password is too short. It must contain at least 12 characters.",
		"Ensure this field has no more than 128 characters.",
		"This password is too common.",
		"The password is too similar to the username.",
		"This password must hold a digit.",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := PasswordMessages(problems[3:4], 12, "ADA@example.com", "ada", "ada@example.com"); got[0] != "The password is too similar to the email address." {
		t.Fatalf("similar to the email: %q", got)
	}
}
