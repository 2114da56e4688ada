// Package account is the domain of accountd: users, sessions, emailed tokens and the
// events that make up an account's history, and the Service that carries out every use
// case over them.
//
// The package knows nothing of HTTP, SQL or JSON. It depends on small interfaces (Store,
// PasswordHasher, AccessTokens, Mailer) that the app wires to real implementations, so
// the same Service serves the canonical API, every compatibility profile and the CLI.
//
// One file per use case, with every door into it: when a compatibility profile needs a
// use case with a twist (no current password, a user ID next to the token, a signed link
// instead of a stored token), the twist is an option or a form of Proof handled in the
// use case's own file, so a door that skips a rule the others keep shows there.
//
//	register.go        registration, and the conflicts some APIs report
//	activate.go        activation in every form of proof; resending the link
//	login.go           login, and the tokens every login and refresh hands out
//	session.go         authentication, token introspection, logout, listing sessions
//	refresh.go         refresh with rotation, and without (RefreshAccess)
//	password.go        forgotten password, reset in every form, change
//	email_change.go    email change with a link in every form, and at once
//	profile.go, delete.go, history.go, organizations.go, admin*.go
//
// proof.go and signed_links.go hold what an emailed link carries back; errors.go the
// closed list of domain errors; ports.go the interfaces the Service depends on.
package account
