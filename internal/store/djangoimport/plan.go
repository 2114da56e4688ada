package djangoimport

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// plan is what the import reads: the user table, and the profile and organization
// tables when asked for, with the column of every field read.
type plan struct {
	user, profile, organizations *tableRead
	// index is the position in a user query's row of each field read from the user or
	// profile table (profile fields by their own name: they are read from one table).
	index map[string]int
}

// makePlan reads the columns of each table and resolves the mappings against them.
func makePlan(ctx context.Context, src *source, opt Options) (*plan, error) {
	p := &plan{index: map[string]int{}}
	cols, err := src.columns(ctx, opt.Table)
	if err != nil {
		return nil, err
	}
	if p.user, err = resolve("--map", opt.Table, userFields, opt.Map, cols, nil); err != nil {
		return nil, err
	}
	if opt.ProfileTable != "" {
		cols, err := src.columns(ctx, opt.ProfileTable)
		if err != nil {
			return nil, err
		}
		// A profile field mapped on the user table is read from there.
		var onUser []string
		for _, f := range profileFieldNames {
			if _, ok := p.user.column(f); ok {
				onUser = append(onUser, f)
			}
		}
		if p.profile, err = resolve("--profile-map", opt.ProfileTable, profileFields, opt.ProfileMap, cols, onUser); err != nil {
			return nil, err
		}
		for f := range opt.ProfileMap {
			if slices.Contains(onUser, f) {
				return nil, fmt.Errorf("--profile-map %s: the field is mapped on the user table already (--map %s)", f, f)
			}
		}
	} else if len(opt.ProfileMap) > 0 {
		return nil, fmt.Errorf("--profile-map needs --profile-table")
	}
	if opt.Organizations != "" {
		cols, err := src.columns(ctx, opt.Organizations)
		if err != nil {
			return nil, err
		}
		if p.organizations, err = resolve("--organization-map", opt.Organizations, organizationFields, opt.OrganizationMap, cols, nil); err != nil {
			return nil, err
		}
	} else if len(opt.OrganizationMap) > 0 {
		return nil, fmt.Errorf("--organization-map needs --organizations")
	}
	for i, f := range p.user.fields {
		p.index[f] = i
	}
	if p.profile != nil {
		for i, f := range p.profile.fields {
			p.index[f] = len(p.user.fields) + i
		}
	}
	return p, nil
}

// has reports whether field is read for users.
func (p *plan) has(field string) bool {
	_, ok := p.index[field]
	return ok
}

// userQuery selects the users, with their profile row joined, in the order of their
// IDs: one query whose rows the driver streams.
func (p *plan) userQuery() (string, error) {
	users, err := quoteTable(p.user.table)
	if err != nil {
		return "", err
	}
	var cols []string
	for _, c := range p.user.columns {
		cols = append(cols, "u."+quoteColumn(c))
	}
	id, _ := p.user.column("id")
	from := users + " u"
	if p.profile != nil {
		profiles, err := quoteTable(p.profile.table)
		if err != nil {
			return "", err
		}
		for _, c := range p.profile.columns {
			cols = append(cols, "p."+quoteColumn(c))
		}
		userCol, _ := p.profile.column("user")
		from += " LEFT JOIN " + profiles + " p ON p." + quoteColumn(userCol) + " = u." + quoteColumn(id)
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " ORDER BY u." + quoteColumn(id), nil
}

// organizationQuery selects the organizations in the order of their IDs.
func (p *plan) organizationQuery() (string, error) {
	table, err := quoteTable(p.organizations.table)
	if err != nil {
		return "", err
	}
	cols := make([]string, len(p.organizations.columns))
	for i, c := range p.organizations.columns {
		cols[i] = quoteColumn(c)
	}
	id, _ := p.organizations.column("id")
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " ORDER BY " + quoteColumn(id), nil
}

// describe lists where each field comes from, for the summary: "email ← auth_user.email".
func (p *plan) describe() []string {
	var out []string
	for _, t := range []*tableRead{p.user, p.profile, p.organizations} {
		if t == nil {
			continue
		}
		prefix := ""
		if t == p.organizations {
			prefix = "organization "
		}
		for i, f := range t.fields {
			if t == p.profile && f == "user" {
				continue // the join key
			}
			line := fmt.Sprintf("%s%s ← %s.%s", prefix, f, t.table, t.columns[i])
			if f == "organization" && p.organizations == nil {
				line += " (not imported: give --organizations TABLE)"
			}
			out = append(out, line)
		}
	}
	return out
}
