package storetest

import (
	"fmt"
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) organizations(t *testing.T) {
	s.run(t, "listed_by_name", func(t *testing.T, st account.Store) {
		// Inserted out of order. Names sort by code point, the same on every database
		// whatever its locale: upper case before lower case, accented letters last.
		var byName = map[string]account.Organization{}
		for _, n := range []string{"beta College", "Émile University", "Alpha Institute", "zeta School", "Zeta Academy"} {
			byName[n] = createOrganization(t, st, n, fmt.Sprintf("org-%d", len(byName)))
		}
		got, err := st.ListOrganizations(ctx(t))
		noErr(t, "ListOrganizations", err)
		order := []string{"Alpha Institute", "Zeta Academy", "beta College", "zeta School", "Émile University"}
		if len(got) != len(order) {
			t.Fatalf("ListOrganizations = %d organizations, want %d", len(got), len(order))
		}
		for i, n := range order {
			if got[i].Name != n {
				t.Errorf("ListOrganizations[%d] = %q, want %q (order %q)", i, got[i].Name, n, order)
				continue
			}
			same(t, "ListOrganizations["+n+"]", got[i], byName[n])
		}
	})
	s.run(t, "none_empty", func(t *testing.T, st account.Store) {
		got, err := st.ListOrganizations(ctx(t))
		noErr(t, "ListOrganizations", err)
		if len(got) != 0 {
			t.Errorf("ListOrganizations = %v, want none", got)
		}
	})
	s.run(t, "by_id_reads_back_every_field", func(t *testing.T, st account.Store) {
		orgs := []account.Organization{
			createOrganization(t, st, "Université de Genève", "unige"),
			createOrganization(t, st, "Other University", "other-u"),
		}
		for _, o := range orgs {
			got, err := st.OrganizationByID(ctx(t), o.ID)
			noErr(t, "OrganizationByID", err)
			same(t, "OrganizationByID", got, o)
		}
	})
	s.run(t, "unknown_id_ErrNotFound", func(t *testing.T, st account.Store) {
		o := createOrganization(t, st, "Some University", "some-u")
		_, err := st.OrganizationByID(ctx(t), o.ID+1000)
		wantErr(t, "OrganizationByID", err, account.ErrNotFound)
	})
}
