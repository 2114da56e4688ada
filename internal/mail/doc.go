// Package mail delivers accountd's emails.
//
// It has two layers. A Sender moves a finished Envelope: Console prints it (development),
// SMTP hands it to a mail server, Dir writes .eml files (end-to-end tests, debugging), and
// Recorder keeps it in memory (tests). Open picks one from a mailer URL.
//
// Composer is the account.Mailer the service uses: it turns an account.Message into an
// Envelope from embedded templates and the link templates of the API the request came
// through, then hands it to a Sender.
//
// In the server that Sender is the durable outbox of package outbox, which stores the
// envelope in the database and delivers it through the configured transport in the
// background, with retries.
package mail
