package storetest

import (
	"testing"

	"github.com/accountd/accountd/internal/account"
)

func (s suite) manageOrganizations(t *testing.T) {
	s.run(t, "create_name_taken_any_case_ErrOrganizationNameTaken", func(t *testing.T, st account.Store) {
		createOrganization(t, st, "Wonderland College", "wonderland")
		_, err := st.CreateOrganization(ctx(t), newOrganization("WONDERLAND college", "other-slug"))
		wantErr(t, "CreateOrganization", err, account.ErrOrganizationNameTaken)
	})
	s.run(t, "create_slug_taken_ErrOrganizationSlugTaken", func(t *testing.T, st account.Store) {
		createOrganization(t, st, "Wonderland College", "wonderland")
		_, err := st.CreateOrganization(ctx(t), newOrganization("Another College", "wonderland"))
		wantErr(t, "CreateOrganization", err, account.ErrOrganizationSlugTaken)
	})
	s.run(t, "update_reads_back_name_and_slug", func(t *testing.T, st account.Store) {
		o := createOrganization(t, st, "Wonderland College", "wonderland")
		other := createOrganization(t, st, "Other College", "other")
		o.Name, o.Slug = "Looking-Glass College", "looking-glass"
		got, err := st.UpdateOrganization(ctx(t), o)
		noErr(t, "UpdateOrganization", err)
		same(t, "UpdateOrganization result", got, o)
		read, err := st.OrganizationByID(ctx(t), o.ID)
		noErr(t, "OrganizationByID", err)
		same(t, "OrganizationByID", read, o)
		read, err = st.OrganizationByID(ctx(t), other.ID)
		noErr(t, "OrganizationByID(other)", err)
		same(t, "the other organization", read, other)
	})
	s.run(t, "update_unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		o := createOrganization(t, st, "Wonderland College", "wonderland")
		o.ID += 1000
		_, err := st.UpdateOrganization(ctx(t), o)
		wantErr(t, "UpdateOrganization", err, account.ErrNotFound)
	})
	s.run(t, "update_to_taken_name_or_slug_refused", func(t *testing.T, st account.Store) {
		createOrganization(t, st, "Wonderland College", "wonderland")
		o := createOrganization(t, st, "Other College", "other")
		renamed := o
		renamed.Name = "wonderland COLLEGE"
		_, err := st.UpdateOrganization(ctx(t), renamed)
		wantErr(t, "UpdateOrganization(taken name)", err, account.ErrOrganizationNameTaken)
		reslugged := o
		reslugged.Slug = "wonderland"
		_, err = st.UpdateOrganization(ctx(t), reslugged)
		wantErr(t, "UpdateOrganization(taken slug)", err, account.ErrOrganizationSlugTaken)
		read, err := st.OrganizationByID(ctx(t), o.ID)
		noErr(t, "OrganizationByID", err)
		same(t, "the refused organization", read, o)
	})
	s.run(t, "delete_leaves_members_without_organization", func(t *testing.T, st account.Store) {
		o := createOrganization(t, st, "Wonderland College", "wonderland")
		keep := createOrganization(t, st, "Other College", "other")
		member := newUser("alice")
		member.OrganizationID = o.ID
		alice, err := st.CreateUser(ctx(t), member)
		noErr(t, "CreateUser(alice)", err)
		other := newUser("bob")
		other.OrganizationID = keep.ID
		bob, err := st.CreateUser(ctx(t), other)
		noErr(t, "CreateUser(bob)", err)

		noErr(t, "DeleteOrganization", st.DeleteOrganization(ctx(t), o.ID))
		_, err = st.OrganizationByID(ctx(t), o.ID)
		wantErr(t, "OrganizationByID(deleted)", err, account.ErrNotFound)
		read, err := st.UserByID(ctx(t), alice.ID)
		noErr(t, "UserByID(alice)", err)
		want := alice
		want.OrganizationID = 0
		same(t, "the deleted organization's member", read, want)
		read, err = st.UserByID(ctx(t), bob.ID)
		noErr(t, "UserByID(bob)", err)
		same(t, "another organization's member", read, bob)
	})
	s.run(t, "delete_unknown_ErrNotFound", func(t *testing.T, st account.Store) {
		o := createOrganization(t, st, "Wonderland College", "wonderland")
		wantErr(t, "DeleteOrganization", st.DeleteOrganization(ctx(t), o.ID+1000), account.ErrNotFound)
		_, err := st.OrganizationByID(ctx(t), o.ID)
		noErr(t, "OrganizationByID(untouched)", err)
	})
}
