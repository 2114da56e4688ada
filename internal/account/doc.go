// Package account is the domain of accountd: users, sessions, emailed tokens and the
// events that make up an account's history, and the Service that carries out every use
// case over them.
//
// The package knows nothing of HTTP, SQL or JSON. It depends on small interfaces (Store,
// PasswordHasher, AccessTokens, Mailer) that the app wires to real implementations, so
// the same Service serves the canonical API, every compatibility profile and the CLI.
package account
