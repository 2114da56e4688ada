package app

import (
	"context"
	"fmt"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/config"
	"github.com/accountd/accountd/internal/mail"
	"github.com/accountd/accountd/internal/mail/outbox"
	"github.com/accountd/accountd/internal/metrics"
	"github.com/accountd/accountd/internal/store/bunstore"
)

// newMailer returns the service's mailer, which composes each email (its template,
// link and expiry) and queues it in the outbox, and the outbox itself, whose worker
// delivers through ACCOUNTD_MAILER (or opt.Sender) and counts the results in m. New
// starts the worker last; Close stops it.
func newMailer(cfg config.Config, opt Options, store *bunstore.Store, m *metrics.Metrics) (*outbox.Outbox, *mail.Composer, error) {
	sender := opt.Sender
	if sender == nil {
		var err error
		if sender, err = mail.Open(cfg.Mailer, opt.Stdout); err != nil {
			return nil, nil, fmt.Errorf("config: ACCOUNTD_MAILER: %w", err)
		}
	}
	queue, err := newOutbox(cfg, opt, store, sender, m.Email)
	if err != nil {
		return nil, nil, err
	}
	composer, err := mail.NewComposer(queue, mail.ComposerConfig{
		From:  cfg.MailFrom,
		Links: mailLinks(cfg),
		Expiry: map[account.MessageKind]time.Duration{
			account.MessageActivation:            cfg.ActivationTTL,
			account.MessagePasswordReset:         cfg.ResetTTL,
			account.MessageEmailChange:           cfg.EmailChangeTTL,
			account.MessageEmailChangeOldAddress: cfg.EmailChangeTTL,
			account.MessageInvitation:            cfg.InvitationTTL,
		},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("config: mail links: %w", err)
	}
	return queue, composer, nil
}

// mailLinks are the link templates of the emails, by flow and kind: the canonical API's
// under "", and each registered profile's under its name (whether it is served or not,
// so that a bad template stops the start either way).
func mailLinks(cfg config.Config) map[string]map[account.MessageKind]string {
	canonical := map[account.MessageKind]string{
		account.MessageActivation:    cfg.ActivationURL,
		account.MessagePasswordReset: cfg.ResetURL,
		account.MessageEmailChange:   cfg.EmailChangeURL,
	}
	// Without an invitation link of its own, the composer gives invitations the password
	// reset link: the reset page sets a password with an invitation token just as well.
	if cfg.InvitationURL != "" {
		canonical[account.MessageInvitation] = cfg.InvitationURL
	}
	links := map[string]map[account.MessageKind]string{"": canonical}
	for _, p := range profiles {
		links[p.Name()] = p.Links(cfg)
	}
	return links
}

// newOutbox returns the durable mail queue over the app's database, delivering through
// sender; onResult hears each delivery attempt's result ("sent", "failed", "dead") for
// metrics. Its worker starts last in New and stops in Close.
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
		// Prepared as the store's own hot statements are, and in their mode, which
		// the database URL may set for a pooler.
		PostgresExecMode: store.HotExecMode(),
	})
}

// FlushMail waits until no email is due and none is being sent: every email queued so
// far was handed to the sender, or failed and waits for its retry. Tests use it to read
// what was sent without sleeping.
// Email requests (forgot password, resend activation) are carried out first, so that
// their emails are in the outbox.
func (a *App) FlushMail(ctx context.Context) error {
	if err := a.Service.FlushEmailRequests(ctx); err != nil {
		return err
	}
	return a.mail.Flush(ctx)
}

// startEmailRequests runs the worker that carries out email requests (account's
// email_requests.go) until Close.
func (a *App) startEmailRequests() {
	a.stopRequests, a.requestsDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(a.requestsDone)
		a.Service.RunEmailRequests(a.stopRequests)
	}()
}

// stopEmailRequests stops that worker and waits for the batch under way.
func (a *App) stopEmailRequests() {
	if a.stopRequests == nil {
		return
	}
	select {
	case <-a.stopRequests:
	default:
		close(a.stopRequests)
	}
	<-a.requestsDone
}

// Outbox returns the app's mail outbox: Stats and Counters for metrics, Stopped to see
// that the worker has exited after Close.
func (a *App) Outbox() *outbox.Outbox { return a.mail }
