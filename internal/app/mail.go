package app

import (
	"context"

	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/mail/outbox"
	"github.com/accountd/accountd/internal/store/bunstore"
)

// newOutbox returns the durable mail queue over the app's database, delivering through
// sender; onResult hears each delivery attempt's result ("sent", "failed", "dead") for
// metrics. Its worker starts with the app (startMail) and stops in Close.
//
// Emails go through the database rather than an in-memory queue so that a crash, a
// restart or a mail server that is down for hours loses none, and so that the request
// that triggers one waits for a single insert, never for the mail server.
func newOutbox(cfg config.Config, opt Options, store *bunstore.Store, sender mail.Sender, onResult func(string)) (*outbox.Outbox, error) {
	return outbox.New(store.DB(), sender, outbox.Options{
		RetryBase:    cfg.MailRetryBase,
		RetryMax:     cfg.MailRetryMax,
		MaxAttempts:  cfg.MailMaxAttempts,
		QueryTimeout: cfg.DBQueryTimeout,
		Logger:       opt.Logger,
		OnResult:     onResult,
	})
}

// FlushMail waits until no email is due and none is being sent: every email queued so
// far was handed to the sender, or failed and waits for its retry. Tests use it to read
// what was sent without sleeping.
func (a *App) FlushMail(ctx context.Context) error { return a.mail.Flush(ctx) }

// Outbox returns the app's mail outbox: Stats and Counters for metrics, Stopped to see
// that the worker has exited after Close.
func (a *App) Outbox() *outbox.Outbox { return a.mail }
