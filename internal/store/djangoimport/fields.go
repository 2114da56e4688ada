package djangoimport

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A field is a value the import reads, and the columns it takes it from when the
// operator names none (--map field=column): Django's own column names first. A field
// without columns is read only when mapped.
type field struct {
	name     string
	columns  []string
	required bool
}

// profileFieldNames are the fields of a user's profile. They live in a table of their
// own in the documented Django services, or on a custom user model's table (then named
// with --map).
var profileFieldNames = []string{"bio", "country", "profession", "thoughts", "avatar", "organization"}

// userFields are read from the user table: auth_user's columns by default.
var userFields = []field{
	{name: "id", columns: []string{"id"}, required: true},
	{name: "username", columns: []string{"username"}, required: true},
	{name: "email", columns: []string{"email"}, required: true},
	{name: "password", columns: []string{"password"}, required: true},
	{name: "first_name", columns: []string{"first_name"}},
	{name: "last_name", columns: []string{"last_name"}},
	{name: "is_active", columns: []string{"is_active"}},
	{name: "is_staff", columns: []string{"is_staff"}},
	{name: "is_superuser", columns: []string{"is_superuser"}},
	{name: "date_joined", columns: []string{"date_joined"}, required: true},
	{name: "last_login", columns: []string{"last_login"}},
	// Django keeps no such flag; a custom model may.
	{name: "email_verified"},
	{name: "bio"}, {name: "country"}, {name: "profession"}, {name: "thoughts"},
	{name: "avatar"}, {name: "organization"},
}

// profileFields are read from --profile-table, a model with a one-to-one key to the user.
var profileFields = []field{
	{name: "user", columns: []string{"user_id"}, required: true},
	{name: "bio", columns: []string{"bio"}},
	{name: "country", columns: []string{"country"}},
	{name: "profession", columns: []string{"profession"}},
	{name: "thoughts", columns: []string{"thoughts"}},
	{name: "avatar", columns: []string{"avatar", "profile_img", "image", "photo"}},
	{name: "organization", columns: []string{"organization_id", "university_id"}},
}

// organizationFields are read from --organizations.
var organizationFields = []field{
	{name: "id", columns: []string{"id"}, required: true},
	{name: "name", columns: []string{"name"}, required: true},
	{name: "slug", columns: []string{"slug"}},
}

// tableRead is what is read from one table: the column of each field read, in the
// order of the field list.
type tableRead struct {
	table   string
	fields  []string
	columns []string
}

// column returns the column field is read from, and whether it is read.
func (t *tableRead) column(field string) (string, bool) {
	if t == nil {
		return "", false
	}
	i := slices.Index(t.fields, field)
	if i < 0 {
		return "", false
	}
	return t.columns[i], true
}

// resolve decides which column each field is read from: the one mapped, or else the
// first of its default columns the table has. present are the table's columns. Fields
// in skip are left out (profile fields read from the user table already).
func resolve(option, table string, fields []field, mapped map[string]string, present []string, skip []string) (*tableRead, error) {
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.name
	}
	for name, col := range mapped {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("%s %s=%s: no field %q (fields: %s)", option, name, col, name, strings.Join(known, ", "))
		}
		if !slices.Contains(present, col) {
			return nil, fmt.Errorf("%s %s=%s: table %s has no column %q", option, name, col, table, col)
		}
	}
	t := &tableRead{table: table}
	for _, f := range fields {
		if slices.Contains(skip, f.name) {
			continue
		}
		col, ok := mapped[f.name]
		if !ok {
			for _, c := range f.columns {
				if slices.Contains(present, c) {
					col, ok = c, true
					break
				}
			}
		}
		if !ok {
			if f.required {
				return nil, fmt.Errorf("table %s has no column for %s: name one with %s %s=COLUMN", table, f.name, option, f.name)
			}
			continue
		}
		t.fields = append(t.fields, f.name)
		t.columns = append(t.columns, col)
	}
	return t, nil
}

// identifier is a table or column name the import accepts: Django's are of this shape,
// and anything else could not be quoted safely into SQL.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// quoteTable quotes a table name, "schema.table" or "table", for SQL.
func quoteTable(name string) (string, error) {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return "", fmt.Errorf("table name %q: want TABLE or SCHEMA.TABLE", name)
	}
	for i, p := range parts {
		if !identifier.MatchString(p) {
			return "", fmt.Errorf("table name %q: only letters, digits and _ are accepted", name)
		}
		parts[i] = `"` + p + `"`
	}
	return strings.Join(parts, "."), nil
}

// quoteColumn quotes a column name for SQL; columns come from the table itself, or were
// checked against its columns.
func quoteColumn(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// ParseMap reads --map values, field=column each, into a map, refusing a field named
// twice.
func ParseMap(option string, values []string) (map[string]string, error) {
	m := make(map[string]string, len(values))
	for _, v := range values {
		name, col, ok := strings.Cut(v, "=")
		name, col = strings.TrimSpace(name), strings.TrimSpace(col)
		if !ok || name == "" || col == "" {
			return nil, fmt.Errorf("%s %q: want FIELD=COLUMN", option, v)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("%s: field %q mapped twice", option, name)
		}
		m[name] = col
	}
	return m, nil
}
