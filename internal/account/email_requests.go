package account

import (
	"context"
	"strings"
	"sync/atomic"
	"time"
)

// Forgot password and resend activation answer alike for every address, and must take
// the same time too (issue 13): looking up the account, issuing a token, recording an
// event and queueing an email for a known address only would tell, by the clock, which
// addresses have accounts. So the request path does the same work whatever the address
// (the rate limits, and one insert of an EmailRequest) and answers; the work that
// differs runs after the answer, off the request path, in CarryOutEmailRequests: woken
// at once in this instance, and polled for by every instance (a request another
// instance queued, or one whose carrying out failed). Each request is carried out in
// one transaction with its own deletion, so it is done exactly once, or, if the
// database went away midway, retried when its lease runs out: the answer that promised
// an email does not lose it (issue 20).

// EmailRequestKind is what an EmailRequest asks for.
type EmailRequestKind string

const (
	// EmailRequestPasswordReset: a reset link, to an active account with this email.
	EmailRequestPasswordReset EmailRequestKind = "password_reset"
	// EmailRequestActivation: a new activation link, to an account awaiting activation.
	EmailRequestActivation EmailRequestKind = "activation"
)

// EmailRequest is an email asked for by someone who need not own the address, stored
// as asked until it is carried out.
type EmailRequest struct {
	ID   int64
	Kind EmailRequestKind
	// Email is the address as typed.
	Email string
	// Flow and LinkBase are those of the Service that took the request: the API whose
	// link format the email uses, and where its link points (EmailLinksUnder).
	Flow, LinkBase string
	// Meta is the requester's IP and user agent, for the account's event.
	Meta      RequestMeta
	Attempts  int
	CreatedAt time.Time
}

const (
	// emailRequestBatch is how many requests one claim takes.
	emailRequestBatch = 16
	// emailRequestLease is how long a claim holds its requests: the longest their work
	// may take. A request whose work failed is tried again when it ends.
	emailRequestLease = time.Minute
	// emailRequestAttempts is how often a request is tried before it is given up.
	emailRequestAttempts = 10
	// emailRequestPoll is how often RunEmailRequests looks for requests it was not woken
	// for: other instances', and those tried again.
	emailRequestPoll = 5 * time.Second
)

// emailRequests is the state the copies of a Service share: the worker's wake-up, and
// how many claims are under way in this instance (for FlushEmailRequests).
type emailRequests struct {
	wake chan struct{}
	busy atomic.Int64
}

// queueEmailRequest stores the request, whatever the address, and wakes the worker.
func (s *Service) queueEmailRequest(ctx context.Context, kind EmailRequestKind, email, flow string, meta RequestMeta) error {
	err := s.store.QueueEmailRequest(ctx, EmailRequest{
		Kind: kind, Email: strings.TrimSpace(email), Flow: flow, LinkBase: s.linkBase,
		Meta: RequestMeta{IP: meta.IP, UserAgent: meta.UserAgent}, CreatedAt: s.now(),
	})
	if err != nil {
		return err
	}
	select {
	case s.requests.wake <- struct{}{}:
	default:
	}
	return nil
}

// RunEmailRequests carries out queued email requests until stop is closed: at once when
// this instance queued one, and every few seconds for the others. It returns after the
// batch under way.
func (s *Service) RunEmailRequests(stop <-chan struct{}) {
	// Not at once: what this instance queues wakes it, and at a start (several
	// instances at once, on SQLite too) a claim that finds nothing is wasted.
	poll := time.NewTimer(emailRequestPoll)
	defer poll.Stop()
	for {
		select {
		case <-stop:
			return
		case <-s.requests.wake:
		case <-poll.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), emailRequestLease)
		if _, err := s.CarryOutEmailRequests(ctx); err != nil {
			s.opt.Logger.Error("email requests: claiming due requests failed", "err", err)
		}
		cancel()
		poll.Reset(emailRequestPoll)
	}
}

// CarryOutEmailRequests carries out every due email request and returns how many it
// claimed. A request whose work fails stays queued and is tried again when its lease
// ends, up to a limit.
func (s *Service) CarryOutEmailRequests(ctx context.Context) (int, error) {
	total := 0
	for {
		// Counted before the claim, so that FlushEmailRequests, which claims first and
		// looks at busy second, never misses a request claimed meanwhile.
		s.requests.busy.Add(1)
		n, err := s.carryOutBatch(ctx)
		s.requests.busy.Add(-1)
		total += n
		if err != nil || n < emailRequestBatch {
			return total, err
		}
	}
}

func (s *Service) carryOutBatch(ctx context.Context) (int, error) {
	now := s.now()
	reqs, err := s.store.ClaimEmailRequests(ctx, now, now.Add(emailRequestLease), emailRequestBatch)
	if err != nil {
		return 0, err
	}
	for _, r := range reqs {
		err := s.carryOut(ctx, r)
		if err == nil {
			continue
		}
		// The address is the requester's text, not the account's: not logged.
		log := s.opt.Logger.With("email_request", r.ID, "kind", r.Kind, "attempt", r.Attempts)
		if r.Attempts < emailRequestAttempts {
			log.Warn("email request failed; it is tried again when its lease ends", "err", err)
			continue
		}
		log.Error("email request given up after its last attempt", "err", err)
		if err := s.store.DeleteEmailRequest(ctx, r.ID); err != nil {
			log.Error("email request: deleting a request given up failed", "err", err)
		}
	}
	return len(reqs), nil
}

// carryOut does the work of r and deletes it, in one transaction.
func (s *Service) carryOut(ctx context.Context, r EmailRequest) error {
	c := *s
	c.linkBase = r.LinkBase
	return s.store.InTx(ctx, func(tx Store) error {
		var err error
		switch r.Kind {
		case EmailRequestPasswordReset:
			err = c.sendPasswordReset(ctx, tx, r.Email, r.Flow, r.Meta)
		case EmailRequestActivation:
			_, err = c.sendActivation(ctx, tx, r.Email, r.Flow)
		default:
			s.opt.Logger.Error("email request of an unknown kind dropped", "email_request", r.ID, "kind", r.Kind)
		}
		if err != nil {
			return err
		}
		return tx.DeleteEmailRequest(ctx, r.ID)
	})
}

// FlushEmailRequests carries out every due email request and waits for those this
// instance's worker is carrying out: what was asked for so far is in the outbox (or
// failed, and waits for its retry). Tests use it before they read the mail.
func (s *Service) FlushEmailRequests(ctx context.Context) error {
	for {
		n, err := s.CarryOutEmailRequests(ctx)
		if err != nil {
			return err
		}
		if n == 0 && s.requests.busy.Load() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}
