package djangoimport

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/accountd/accountd/internal/account"
	"github.com/accountd/accountd/internal/store/bunstore"
)

// maxOrganizationName is openapi.yaml's (AdminOrganizationName, AdminSlug).
const maxOrganizationName = 200

// organizations imports the organizations table, when there is one, in one
// transaction, and returns the accountd ID of each Django ID (nil without a table).
//
// An organization whose name accountd has already (ignoring case) is that one: its
// users get accountd's ID, and a re-run matches the organizations it imported before.
// A new one keeps its Django ID when accountd has no organization with it, and gets a
// new ID otherwise. Its slug is the table's, or made from its name; one accountd has
// gets "-<Django ID>" appended. Organizations are few (a site's universities), so
// accountd's are read whole, once.
func (im *importer) organizations(ctx context.Context, st *bunstore.Store) (map[int64]int64, error) {
	if im.plan.organizations == nil {
		return nil, nil
	}
	im.sum.organizations = true
	q, err := im.plan.organizationQuery()
	if err != nil {
		return nil, err
	}
	rows, err := im.src.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", im.opt.Organizations, err)
	}
	defer rows.Close()
	type row struct {
		id         int64
		name, slug string
	}
	var src []row
	for rows.Next() {
		vals := make([]any, len(im.plan.organizations.fields))
		dest := make([]any, len(vals))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read %s: %w", im.opt.Organizations, err)
		}
		var r row
		var ok bool
		for i, f := range im.plan.organizations.fields {
			switch f {
			case "id":
				r.id, ok = asInt(vals[i])
				if !ok {
					im.sum.skip(Skip{Organization: true, Reason: ReasonInvalid, Detail: fmt.Sprintf("id %v is not an integer", vals[i])})
				}
			case "name":
				r.name, _ = asString(vals[i])
			case "slug":
				r.slug, _ = asString(vals[i])
			}
		}
		if ok {
			src = append(src, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", im.opt.Organizations, err)
	}

	ids := make(map[int64]int64, len(src))
	err = st.Tx(ctx, func(tx *bunstore.Store) error {
		have, err := tx.ListOrganizations(ctx)
		if err != nil {
			return err
		}
		byName := map[string]int64{}
		slugs := map[string]bool{}
		taken := map[int64]bool{}
		for _, o := range have {
			byName[strings.ToLower(o.Name)] = o.ID
			slugs[o.Slug] = true
			taken[o.ID] = true
		}
		for _, r := range src {
			name := strings.TrimSpace(r.name)
			if name == "" || utf8.RuneCountInString(name) > maxOrganizationName {
				im.sum.skip(Skip{ID: r.id, Organization: true, Reason: ReasonInvalid,
					Detail: fmt.Sprintf("name %q is empty or longer than %d characters; its users get no organization", name, maxOrganizationName)})
				continue
			}
			if id, ok := byName[strings.ToLower(name)]; ok {
				ids[r.id] = id
				im.sum.OrganizationsMatched++
				continue
			}
			o := account.Organization{Name: name, Slug: slugify(r.slug, name, r.id)}
			if slugs[o.Slug] {
				o.Slug = fmt.Sprintf("%s-%d", o.Slug, r.id)
			}
			if r.id > 0 && !taken[r.id] {
				o.ID = r.id
			}
			o, err := tx.PutOrganization(ctx, o)
			if err != nil {
				return fmt.Errorf("organization %d (%q): %w", r.id, name, err)
			}
			ids[r.id] = o.ID
			byName[strings.ToLower(o.Name)], slugs[o.Slug], taken[o.ID] = o.ID, true, true
			im.sum.OrganizationsImported++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// slugify returns the table's slug when it has accountd's shape (lower-case words of
// letters and digits joined by hyphens), or else one made from the name's ASCII
// letters and digits, or "organization-<id>" when the name has none.
func slugify(slug, name string, id int64) string {
	if s := slugWords(slug); s != "" && s == slug {
		return s
	}
	if s := slugWords(name); s != "" {
		return s
	}
	return fmt.Sprintf("organization-%d", id)
}

// slugWords keeps the ASCII letters (lower-cased) and digits of s, each run of anything
// else becoming one hyphen, without hyphens at either end, at most 200 bytes.
func slugWords(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			if gap && b.Len() > 0 {
				b.WriteByte('-')
			}
			gap = false
			b.WriteRune(r)
			continue
		}
		gap = true
	}
	out := b.String()
	if len(out) > maxOrganizationName {
		out = strings.TrimRight(out[:maxOrganizationName], "-")
	}
	return out
}
