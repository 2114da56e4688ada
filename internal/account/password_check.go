package account

import "context"

// PasswordProblems applies the password policy to password for an account with the
// given username and email (either may be empty when not known yet) and returns the
// problems found, named field; nil when it is acceptable. APIs that report a weak
// password before checking anything else (as Django's validators do) call it first; the
// use cases apply the same policy again themselves.
func (s *Service) PasswordProblems(field, password, username, email string) []FieldProblem {
	return s.checkPassword(field, password, username, email)
}

// CheckCurrentPassword verifies the password the caller re-entered, for APIs that
// report a wrong one along with their other field errors before calling a use case. A
// wrong password is a problem with field "current_password".
func (s *Service) CheckCurrentPassword(ctx context.Context, p Principal, password string) error {
	return s.checkCurrentPassword(ctx, p.User, password, "current_password")
}
