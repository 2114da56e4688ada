package account

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxOrganizationName bounds names and slugs, as openapi.yaml does.
const maxOrganizationName = 200

// slugPattern is the shape of a slug: lower-case ASCII words joined by single hyphens,
// so it can stand in a URL as it is.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// OrganizationChanges lists what changes in an organization; nil fields stay. A new
// name keeps the old slug: slugs appear in links, which a rename should not break.
type OrganizationChanges struct {
	Name *string
	Slug *string
}

// AdminOrganizations lists every organization by name, for staff.
func (s *Service) AdminOrganizations(ctx context.Context, a Actor) ([]Organization, error) {
	if err := requireStaff(a); err != nil {
		return nil, err
	}
	return s.store.ListOrganizations(ctx)
}

// AdminOrganization returns one organization, for staff.
func (s *Service) AdminOrganization(ctx context.Context, a Actor, id int64) (Organization, error) {
	if err := requireStaff(a); err != nil {
		return Organization{}, err
	}
	return s.store.OrganizationByID(ctx, id)
}

// AdminCreateOrganization creates an organization. Without a slug, one is made from the
// name ("Université de Genève" → "universite-de-geneve"), with a number added when
// another organization has it already.
func (s *Service) AdminCreateOrganization(ctx context.Context, a Actor, name, slug string) (Organization, error) {
	if err := requireStaff(a); err != nil {
		return Organization{}, err
	}
	name = strings.TrimSpace(name)
	if err := checkOrganization(name, slug); err != nil {
		return Organization{}, err
	}
	o := Organization{Name: name, Slug: slug, CreatedAt: s.now()}
	if slug != "" {
		return s.createOrganization(ctx, a, o)
	}
	base := Slugify(name)
	// Each try is its own statement, outside any transaction: on PostgreSQL a failed
	// insert would end the transaction around it.
	for n := 1; ; n++ {
		o.Slug = base
		if n > 1 {
			o.Slug = base + "-" + strconv.Itoa(n)
		}
		created, err := s.createOrganization(ctx, a, o)
		if !errors.Is(err, ErrOrganizationSlugTaken) || n >= 50 {
			return created, err
		}
	}
}

func (s *Service) createOrganization(ctx context.Context, a Actor, o Organization) (Organization, error) {
	created, err := s.store.CreateOrganization(ctx, o)
	if err != nil {
		return Organization{}, err
	}
	s.logAction(ctx, a, "organization created", "organization_id", created.ID)
	return created, nil
}

// AdminUpdateOrganization renames an organization or changes its slug.
func (s *Service) AdminUpdateOrganization(ctx context.Context, a Actor, id int64, c OrganizationChanges) (Organization, error) {
	if err := requireStaff(a); err != nil {
		return Organization{}, err
	}
	var out Organization
	err := s.store.InTx(ctx, func(tx Store) error {
		o, err := tx.OrganizationByID(ctx, id)
		if err != nil {
			return err
		}
		if c.Name != nil {
			o.Name = strings.TrimSpace(*c.Name)
		}
		set(&o.Slug, c.Slug)
		if o.Slug == "" {
			return Invalid("slug", "required", "must not be empty")
		}
		if err := checkOrganization(o.Name, o.Slug); err != nil {
			return err
		}
		out, err = tx.UpdateOrganization(ctx, o)
		return err
	})
	if err != nil {
		return Organization{}, err
	}
	s.logAction(ctx, a, "organization changed", "organization_id", id)
	return out, nil
}

// AdminDeleteOrganization deletes an organization. One that still has members is
// refused with ErrOrganizationNotEmpty unless force is set; its members are then left
// without an organization.
func (s *Service) AdminDeleteOrganization(ctx context.Context, a Actor, id int64, force bool) error {
	if err := requireStaff(a); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(tx Store) error {
		if _, err := tx.OrganizationByID(ctx, id); err != nil {
			return err
		}
		if !force {
			members, err := tx.ListUsers(ctx, UserQuery{UserFilter: UserFilter{OrganizationID: id}, Sort: SortDateJoined, Limit: 1})
			if err != nil {
				return err
			}
			if len(members) > 0 {
				return ErrOrganizationNotEmpty
			}
		}
		return tx.DeleteOrganization(ctx, id)
	})
	if err != nil {
		return err
	}
	s.logAction(ctx, a, "organization deleted", "organization_id", id, "force", force)
	return nil
}

// checkOrganization checks a name and a slug ("" for one to be made).
func checkOrganization(name, slug string) error {
	var problems []FieldProblem
	if name == "" || utf8.RuneCountInString(name) > maxOrganizationName {
		problems = append(problems, FieldProblem{Field: "name", Code: "length", Message: "must be 1 to 200 characters"})
	} else if p := oneLine("name", name); p != nil {
		problems = append(problems, *p)
	}
	if slug != "" && (len(slug) > maxOrganizationName || !slugPattern.MatchString(slug)) {
		problems = append(problems, FieldProblem{Field: "slug", Code: "pattern",
			Message: "must be lower-case letters and digits in words joined by single hyphens"})
	}
	if problems != nil {
		return &ValidationError{Problems: problems}
	}
	return nil
}

// Slugify makes a slug of a name: accents dropped, letters lower-cased, every run of
// other characters a single hyphen. A name with no Latin letters or digits at all gives
// "organization".
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	// NFD splits "é" into "e" and a combining accent, which is then dropped.
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		default:
			hyphen = true
		}
		if b.Len() >= maxOrganizationName-4 { // room for a "-NN" suffix
			break
		}
	}
	if b.Len() == 0 {
		return "organization"
	}
	return strings.TrimSuffix(b.String(), "-")
}
