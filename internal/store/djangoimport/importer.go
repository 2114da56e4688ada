package djangoimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/store/bunstore"
)

// DefaultBatchSize is how many users go into one transaction: large enough that a
// million rows take a thousand round trips rather than a million, small enough that a
// batch's statement and transaction stay short.
const DefaultBatchSize = 1000

// ErrSchemaNotCurrent is returned when accountd's database lacks migrations this binary
// has: the import writes the schema it knows, and would fail half-way on an older one.
var ErrSchemaNotCurrent = errors.New("the accountd database schema is not current: run `accountd migrate` first " +
	"(with the same database settings), then the import again")

// Options say what to import, and how.
type Options struct {
	// Source is the Django database: postgres://... or sqlite:///path.
	Source string
	// Table is the user table (default auth_user); Map maps user fields to its
	// columns where they differ from auth_user's (field → column).
	Table string
	Map   map[string]string
	// ProfileTable, when set, is a table with one row per user (a OneToOneField to
	// the user) holding profile fields; ProfileMap maps them.
	ProfileTable string
	ProfileMap   map[string]string
	// Organizations, when set, is a table imported as accountd organizations (the
	// documented services' universities); OrganizationMap maps its fields. The users'
	// organization field names a row of it.
	Organizations   string
	OrganizationMap map[string]string
	// MediaURL is Django's MEDIA_URL as an absolute URL, to turn avatars stored as
	// paths (an ImageField) into URLs. Without it such avatars are left out.
	MediaURL string
	// DryRun reads and decides everything, writes inside a transaction and rolls it
	// back: the summary is exact, and the database is as it was.
	DryRun bool
	// BatchSize is how many users go into one transaction (DefaultBatchSize).
	BatchSize int
	// Progress, when set, receives a progress line rewritten in place (a terminal).
	Progress io.Writer
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Run imports the Django users opt names into target, and returns what it did. It
// refuses with ErrSchemaNotCurrent when target's schema is not current. On an error
// part-way (the source went away, ctx ended), the batches written so far stay written,
// the summary says how far it got, and running again carries on.
func Run(ctx context.Context, target *bunstore.Store, opt Options) (Summary, error) {
	start := time.Now()
	if opt.Table == "" {
		opt.Table = "auth_user"
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MediaURL != "" && !httpURL(opt.MediaURL) {
		return Summary{}, errors.New("--media-url: want an absolute http or https URL, such as https://example.com/media/")
	}
	current, err := target.MigrationsCurrent(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("accountd database: %w", err)
	}
	if !current {
		return Summary{}, ErrSchemaNotCurrent
	}
	src, err := openSource(ctx, opt.Source)
	if err != nil {
		return Summary{}, err
	}
	defer src.Close()
	p, err := makePlan(ctx, src, opt)
	if err != nil {
		return Summary{}, err
	}
	im := &importer{src: src, plan: p, opt: opt, sum: Summary{DryRun: opt.DryRun, Columns: p.describe()}}
	if opt.Progress != nil {
		im.progress = &progress{w: opt.Progress}
		// Only for the display: a count is a scan of the table on PostgreSQL.
		im.progress.total, _ = src.count(ctx, opt.Table)
	}
	run := func(st *bunstore.Store) error {
		orgs, err := im.organizations(ctx, st)
		if err != nil {
			return err
		}
		if err := im.users(ctx, st, orgs); err != nil {
			return err
		}
		if opt.DryRun {
			// PostgreSQL's setval is not undone by a rollback.
			return nil
		}
		return st.ContinueIDs(ctx)
	}
	if opt.DryRun {
		err = target.RolledBack(ctx, run)
	} else {
		err = run(target)
	}
	im.progress.show(&im.sum, true)
	im.sum.Took = time.Since(start)
	return im.sum, err
}

// importer is one run.
type importer struct {
	src      *source
	plan     *plan
	opt      Options
	sum      Summary
	progress *progress
	// unverifiable are the schemes seen that accountd cannot verify.
	unverifiable map[string]bool
}

// users streams the user query and writes its rows in batches.
func (im *importer) users(ctx context.Context, st *bunstore.Store, orgs map[int64]int64) error {
	q, err := im.plan.userQuery()
	if err != nil {
		return err
	}
	rows, err := im.src.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("read %s: %w", im.opt.Table, err)
	}
	defer rows.Close()
	conv := &converter{plan: im.plan, organizations: orgs, mediaURL: im.opt.MediaURL}
	vals := make([]any, len(im.plan.index))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	batch := make([]candidate, 0, im.opt.BatchSize)
	var lastID int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read %s: %w", im.opt.Table, err)
		}
		im.sum.Read++
		c, skip := conv.convert(vals)
		switch {
		case skip != nil:
			im.sum.skip(*skip)
		case c.user.ID == lastID:
			// Rows come in ID order, so a user's second profile row follows its first.
			im.sum.skip(Skip{ID: c.user.ID, Reason: ReasonDuplicate, Detail: "a second profile row for this user"})
		default:
			lastID = c.user.ID
			if !c.avatarKnown {
				im.sum.AvatarsLeftOut++
			}
			batch = append(batch, c)
		}
		if len(batch) == im.opt.BatchSize {
			if err := im.write(ctx, st, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		im.progress.show(&im.sum, false)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", im.opt.Table, err)
	}
	if err := im.write(ctx, st, batch); err != nil {
		return err
	}
	im.sum.Unverifiable = slices.Sorted(maps.Keys(im.unverifiable))
	return nil
}

// outcome is what becomes of one candidate.
type outcome int

const (
	outcomeSkipped outcome = iota
	outcomeImported
	outcomeUpdated
	outcomeUnchanged
)

// decision is the outcome for one candidate, the user to write if any, and the skip.
type decision struct {
	outcome outcome
	user    account.User
	skip    Skip
}

// write decides and writes one batch in one transaction, and counts it once committed.
func (im *importer) write(ctx context.Context, st *bunstore.Store, batch []candidate) error {
	if len(batch) == 0 {
		return nil
	}
	var decisions []decision
	err := st.Tx(ctx, func(tx *bunstore.Store) error {
		var err error
		decisions, err = im.decide(ctx, tx, batch)
		if err != nil {
			return err
		}
		return tx.PutUsers(ctx, written(decisions))
	})
	if (errors.Is(err, account.ErrUsernameTaken) || errors.Is(err, account.ErrEmailTaken)) && !im.opt.DryRun {
		// Two rows of the batch traded usernames or emails (Django allows a rename
		// that accountd's check, row by row against what is stored, cannot order).
		// Row by row, each in its own transaction, the ones that can go in do.
		decisions, err = im.writeOneByOne(ctx, st, batch)
	}
	if err != nil {
		return fmt.Errorf("write users %d to %d: %w", batch[0].user.ID, batch[len(batch)-1].user.ID, err)
	}
	im.count(decisions)
	return nil
}

func (im *importer) writeOneByOne(ctx context.Context, st *bunstore.Store, batch []candidate) ([]decision, error) {
	var all []decision
	for _, c := range batch {
		var ds []decision
		err := st.Tx(ctx, func(tx *bunstore.Store) error {
			var err error
			if ds, err = im.decide(ctx, tx, []candidate{c}); err != nil {
				return err
			}
			return tx.PutUsers(ctx, written(ds))
		})
		switch {
		case errors.Is(err, account.ErrUsernameTaken):
			ds = []decision{{skip: Skip{ID: c.user.ID, Reason: ReasonUsernameTaken, Detail: fmt.Sprintf("username %q is another accountd user's username or email", c.user.Username)}}}
		case errors.Is(err, account.ErrEmailTaken):
			ds = []decision{{skip: Skip{ID: c.user.ID, Reason: ReasonEmailTaken, Detail: fmt.Sprintf("email %q is another accountd user's email or username", c.user.Email)}}}
		case err != nil:
			return nil, err
		}
		all = append(all, ds...)
	}
	return all, nil
}

func written(ds []decision) []account.User {
	var users []account.User
	for _, d := range ds {
		if d.outcome == outcomeImported || d.outcome == outcomeUpdated {
			users = append(users, d.user)
		}
	}
	return users
}

// count adds a written batch's decisions to the summary.
func (im *importer) count(ds []decision) {
	for _, d := range ds {
		switch d.outcome {
		case outcomeSkipped:
			im.sum.skip(d.skip)
			continue
		case outcomeImported:
			im.sum.Imported++
		case outcomeUpdated:
			im.sum.Updated++
		case outcomeUnchanged:
			im.sum.Unchanged++
		}
		scheme, verifiable := password.Scheme(d.user.PasswordHash)
		if im.sum.Schemes == nil {
			im.sum.Schemes = map[string]int{}
		}
		im.sum.Schemes[scheme]++
		if !verifiable && scheme != "unusable" && scheme != "none" {
			if im.unverifiable == nil {
				im.unverifiable = map[string]bool{}
			}
			im.unverifiable[scheme] = true
		}
	}
}

// decide matches a batch against the users accountd has, in one query, and says what
// becomes of each candidate:
//   - A user with its ID that joined at another time is another account: skipped
//     (ReasonIDTaken), never overwritten.
//   - A username or email that another user holds, ignoring case, as its username or
//     its email (accountd keeps both in one namespace of login names): skipped.
//   - Otherwise the candidate is imported, or, when accountd has it, merged into what
//     accountd has (merge) and updated if that changed anything.
func (im *importer) decide(ctx context.Context, tx *bunstore.Store, batch []candidate) ([]decision, error) {
	ids := make([]int64, len(batch))
	usernames := make([]string, len(batch))
	emails := make([]string, len(batch))
	for i, c := range batch {
		ids[i], usernames[i], emails[i] = c.user.ID, c.user.Username, c.user.Email
	}
	existing, err := tx.UsersMatching(ctx, ids, usernames, emails)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]account.User, len(existing))
	// holder is who holds each login name. Emails first, then usernames where no email
	// is: the store gives a name to the email's owner when an account from before the
	// namespace had another's email as its username.
	holder := make(map[string]int64, 2*len(existing))
	for _, u := range existing {
		byID[u.ID] = u
		_, email := bunstore.LoginNameKeys(u)
		holder[email] = u.ID
	}
	for _, u := range existing {
		username, _ := bunstore.LoginNameKeys(u)
		if _, held := holder[username]; !held {
			holder[username] = u.ID
		}
	}
	now := im.opt.Now().UTC().Truncate(time.Microsecond)
	out := make([]decision, len(batch))
	for i, c := range batch {
		id := c.user.ID
		skip := func(reason, format string, args ...any) {
			out[i] = decision{skip: Skip{ID: id, Reason: reason, Detail: fmt.Sprintf(format, args...)}}
		}
		old, found := byID[id]
		if found && !old.DateJoined.Equal(c.user.DateJoined) {
			skip(ReasonIDTaken, "accountd user %d joined %s, this user %s", id,
				old.DateJoined.Format(time.RFC3339), c.user.DateJoined.Format(time.RFC3339))
			continue
		}
		username, email := bunstore.LoginNameKeys(c.user)
		if other, taken := holder[username]; taken && other != id {
			skip(ReasonUsernameTaken, "username %q is accountd user %d's username or email", c.user.Username, other)
			continue
		}
		if other, taken := holder[email]; taken && other != id {
			skip(ReasonEmailTaken, "email %q is accountd user %d's email or username", c.user.Email, other)
			continue
		}
		u := merge(old, found, c, im.plan, now)
		switch {
		case !found:
			out[i] = decision{outcome: outcomeImported, user: u}
		case sameUser(old, u):
			out[i] = decision{outcome: outcomeUnchanged, user: old}
			continue
		default:
			out[i] = decision{outcome: outcomeUpdated, user: u}
		}
		// Later rows of the batch see this one as accountd will have it.
		if found {
			oldUsername, oldEmail := bunstore.LoginNameKeys(old)
			for _, key := range []string{oldUsername, oldEmail} {
				if holder[key] == id {
					delete(holder, key)
				}
			}
		}
		byID[id] = u
		username, email = bunstore.LoginNameKeys(u)
		holder[username], holder[email] = id, id
	}
	return out, nil
}

// merge is the candidate c as accountd will store it, given the user old that accountd
// has with its ID (found) or not. Django's values win for every field the import reads,
// with three exceptions that keep what happened in accountd since an earlier run:
//   - A password accountd set itself (an argon2id hash: the user logged in, changed or
//     reset it in accountd) is kept: after a login accountd owns the password.
//   - The last login is the later of the two.
//   - An email accountd verified stays verified while it is the same address.
//
// Fields the import does not read (a profile field with no column, an avatar left out)
// keep accountd's value.
func merge(old account.User, found bool, c candidate, p *plan, now time.Time) account.User {
	d := c.user
	u := old
	if !found {
		u = account.User{LinksVoidedAt: now}
	}
	u.ID, u.Username, u.Email = d.ID, d.Username, d.Email
	u.Active, u.Deactivated, u.Role, u.Superuser = d.Active, d.Deactivated, d.Role, d.Superuser
	u.DateJoined = d.DateJoined
	if d.LastLogin.After(u.LastLogin) {
		u.LastLogin = d.LastLogin
	}
	u.EmailVerified = d.EmailVerified || (found && old.EmailVerified && strings.EqualFold(old.Email, d.Email))
	if scheme, _ := password.Scheme(old.PasswordHash); !found || scheme != "argon2id" {
		if u.PasswordHash != d.PasswordHash {
			u.PasswordHash, u.LinksVoidedAt = d.PasswordHash, now
		}
	}
	set := func(field string, dst *string, v string) {
		if p.has(field) {
			*dst = v
		}
	}
	set("first_name", &u.FirstName, d.FirstName)
	set("last_name", &u.LastName, d.LastName)
	set("bio", &u.Profile.Bio, d.Profile.Bio)
	set("country", &u.Profile.Country, d.Profile.Country)
	set("profession", &u.Profile.Profession, d.Profile.Profession)
	set("thoughts", &u.Profile.Thoughts, d.Profile.Thoughts)
	if c.avatarKnown {
		set("avatar", &u.Profile.AvatarURL, d.Profile.AvatarURL)
	}
	if p.has("organization") && p.organizations != nil {
		u.OrganizationID = d.OrganizationID
	}
	if !found || !sameUser(old, u) {
		u.UpdatedAt = now
	}
	return u
}

// sameUser reports whether a and b hold the same values, times compared as instants.
func sameUser(a, b account.User) bool {
	sameTime := a.DateJoined.Equal(b.DateJoined) && a.LastLogin.Equal(b.LastLogin) &&
		a.LinksVoidedAt.Equal(b.LinksVoidedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
	a.DateJoined, a.LastLogin, a.LinksVoidedAt, a.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	b.DateJoined, b.LastLogin, b.LinksVoidedAt, b.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return sameTime && a == b
}
