package djangoimport

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Why a row was skipped. A skipped row is left out whole, and accountd keeps what it
// had; once the cause is fixed in Django, re-running the import takes the row.
const (
	// ReasonInvalid: a value accountd's API would refuse (a username with characters
	// outside letters, digits and @ . + - _, a malformed email, a bio over 2000
	// characters, ...), or one that cannot be read at all.
	ReasonInvalid = "invalid"
	// ReasonNoEmail: the user has no email address; accountd needs one.
	ReasonNoEmail = "no_email"
	// ReasonIDTaken: accountd has a user with this ID that is another account: its
	// date joined differs (a sign-up accountd took, say). That user is left as it is.
	ReasonIDTaken = "id_taken"
	// ReasonUsernameTaken: another accountd user (by ID) has the username, ignoring
	// case, as its username or as its email (accountd keeps both in one namespace of
	// login names). Django compares usernames with case, so "Ada" and "ada" can both be
	// there; the lower ID is imported first and keeps it.
	ReasonUsernameTaken = "username_taken"
	// ReasonEmailTaken: another accountd user has the email, ignoring case, as its email
	// or as its username. Django does not require emails to be unique; the lower ID
	// keeps it.
	ReasonEmailTaken = "email_taken"
	// ReasonDuplicate: the user came twice (it has more than one profile row); the
	// first was imported.
	ReasonDuplicate = "duplicate"
)

// reasons are the reasons in the order the summary lists them, with what each means.
var reasons = []struct{ code, text string }{
	{ReasonInvalid, "values accountd does not accept"},
	{ReasonNoEmail, "no email address, which accountd needs"},
	{ReasonIDTaken, "the accountd user with this ID is another account (its date joined differs); left as it is"},
	{ReasonUsernameTaken, "the username, ignoring case, is another accountd user's username or email"},
	{ReasonEmailTaken, "the email, ignoring case, is another accountd user's email or username"},
	{ReasonDuplicate, "the user came twice (several profile rows); the first was taken"},
}

// maxExamples bounds the skipped rows the summary keeps per reason: a table of a
// million rows with a systematic problem must not fill memory with them.
const maxExamples = 20

// Skip is one row left out, and why.
type Skip struct {
	// ID is the Django ID of the user (or organization), 0 when it could not be read.
	ID int64
	// Organization is true for a row of the organizations table.
	Organization bool
	Reason       string
	Detail       string
}

// String is the skip as the summary prints it: "user 12: email "..." is accountd user 7's".
func (s Skip) String() string {
	what := "user"
	if s.Organization {
		what = "organization"
	}
	if s.ID == 0 {
		return what + ": " + s.Detail
	}
	return fmt.Sprintf("%s %d: %s", what, s.ID, s.Detail)
}

// SkipGroup is the rows skipped for one reason.
type SkipGroup struct {
	Count int
	// Examples are the first rows skipped, at most 20.
	Examples []Skip
}

// Summary is what an import did (or, in a dry run, would do).
type Summary struct {
	DryRun bool
	// Columns says where each field was read from: "email ← auth_user.email".
	Columns []string
	// Read counts the rows read from the user table (with its profile rows).
	Read int
	// Imported users are new to accountd; Updated ones were there and changed;
	// Unchanged ones were there as they are.
	Imported, Updated, Unchanged int
	// Skipped are the users left out, by reason (the Reason constants).
	Skipped map[string]*SkipGroup
	// Schemes counts the password hashes of the users imported, updated or unchanged,
	// by scheme (password.Scheme); Unverifiable lists the schemes among them that
	// accountd cannot check: those users must reset their password.
	Schemes      map[string]int
	Unverifiable []string
	// OrganizationsImported are new to accountd; OrganizationsMatched had the name of
	// one accountd has, whose ID the users of that organization get.
	OrganizationsImported, OrganizationsMatched int
	// OrganizationsSkipped are the organizations left out (their users get none).
	OrganizationsSkipped SkipGroup
	// organizations is true when an organizations table was read.
	organizations bool
	// AvatarsLeftOut counts avatars that were relative paths without --media-url.
	AvatarsLeftOut int
	// Took is how long the import ran.
	Took time.Duration
}

func (s *Summary) skip(sk Skip) {
	if sk.Organization {
		s.OrganizationsSkipped.add(sk)
		return
	}
	if s.Skipped == nil {
		s.Skipped = map[string]*SkipGroup{}
	}
	g := s.Skipped[sk.Reason]
	if g == nil {
		g = &SkipGroup{}
		s.Skipped[sk.Reason] = g
	}
	g.add(sk)
}

func (g *SkipGroup) add(sk Skip) {
	g.Count++
	if len(g.Examples) < maxExamples {
		g.Examples = append(g.Examples, sk)
	}
}

// write prints the examples, indented, and how many more there were.
func (g *SkipGroup) write(b *strings.Builder, indent string) {
	for _, e := range g.Examples {
		fmt.Fprintf(b, "%s%s\n", indent, e)
	}
	if g.Count > len(g.Examples) {
		fmt.Fprintf(b, "%s... and %d more\n", indent, g.Count-len(g.Examples))
	}
}

// SkippedCount is the number of rows skipped, for every reason.
func (s Summary) SkippedCount() int {
	n := 0
	for _, g := range s.Skipped {
		n += g.Count
	}
	return n
}

// Write prints the summary for a person.
func (s Summary) Write(w io.Writer) error {
	var b strings.Builder
	title := "Django import"
	if s.DryRun {
		title += " (dry run: nothing was written; these are the changes a real run would make)"
	}
	fmt.Fprintln(&b, title)
	if len(s.Columns) > 0 {
		fmt.Fprintln(&b, "  read:")
		for _, c := range s.Columns {
			fmt.Fprintln(&b, "    "+c)
		}
	}
	if s.organizations {
		fmt.Fprintf(&b, "  organizations: %d imported, %d matched by name, %d skipped\n",
			s.OrganizationsImported, s.OrganizationsMatched, s.OrganizationsSkipped.Count)
		s.OrganizationsSkipped.write(&b, "    ")
	}
	fmt.Fprintf(&b, "  users read:  %d\n", s.Read)
	fmt.Fprintf(&b, "  imported:    %d\n", s.Imported)
	fmt.Fprintf(&b, "  updated:     %d\n", s.Updated)
	fmt.Fprintf(&b, "  unchanged:   %d\n", s.Unchanged)
	fmt.Fprintf(&b, "  skipped:     %d\n", s.SkippedCount())
	for _, r := range reasons {
		g := s.Skipped[r.code]
		if g == nil {
			continue
		}
		fmt.Fprintf(&b, "    %s (%d): %s\n", r.code, g.Count, r.text)
		g.write(&b, "      ")
	}
	if len(s.Schemes) > 0 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(s.Schemes)) {
			parts = append(parts, fmt.Sprintf("%s %d", name, s.Schemes[name]))
		}
		fmt.Fprintf(&b, "  password hashes: %s\n", strings.Join(parts, ", "))
		fmt.Fprintln(&b, "    (each verifiable one becomes argon2id at the user's next login)")
		if n := s.Schemes["unusable"] + s.Schemes["none"]; n > 0 {
			fmt.Fprintf(&b, "    %d users have no usable password: only a password reset gives them one\n", n)
		}
		if len(s.Unverifiable) > 0 {
			fmt.Fprintf(&b, "    accountd cannot verify %s hashes: those users must reset their password\n", strings.Join(s.Unverifiable, ", "))
		}
	}
	if s.AvatarsLeftOut > 0 {
		fmt.Fprintf(&b, "  avatars left out: %d (relative paths: give --media-url, Django's MEDIA_URL as an absolute URL)\n", s.AvatarsLeftOut)
	}
	if s.Took > 0 {
		fmt.Fprintf(&b, "  took %s\n", s.Took.Round(time.Millisecond))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// progress shows how far the import is, on one terminal line rewritten in place, at
// most every quarter second.
type progress struct {
	w     io.Writer
	total int64
	last  time.Time
}

func (p *progress) show(s *Summary, final bool) {
	if p == nil || p.w == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	pct := ""
	if p.total > 0 {
		pct = fmt.Sprintf(" of %d (%d%%)", p.total, int64(s.Read)*100/p.total)
	}
	fmt.Fprintf(p.w, "\r\033[Kusers read %d%s: %d imported, %d updated, %d unchanged, %d skipped",
		s.Read, pct, s.Imported, s.Updated, s.Unchanged, s.SkippedCount())
	if final {
		fmt.Fprintln(p.w)
	}
}
