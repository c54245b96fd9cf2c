package models

import "testing"

func TestPermissions(t *testing.T) {
	user := func(id int64, r Role, disabled bool) *User { return &User{ID: id, Role: r, Disabled: disabled} }
	viewer, member, lead, admin := user(1, RoleViewer, false), user(2, RoleMember, false), user(3, RoleLead, false), user(4, RoleAdmin, false)
	disabledAdmin := user(5, RoleAdmin, true)
	unknownRole := user(6, Role("owner"), false)
	byLead := &Evidence{AddedByID: lead.ID}
	byMember := &Evidence{AddedByID: member.ID}

	type rule struct {
		name string
		can  func(u *User) bool
	}
	rules := []rule{
		{"read", CanRead},
		{"edit", CanEdit},
		{"close", CanClose},
		{"verify a member's evidence", func(u *User) bool { return CanVerify(u, byMember) }},
		{"verify their own evidence", func(u *User) bool { return CanVerify(u, byLead) }},
		{"administer", CanAdminister},
		{"remove a member's unverified evidence", func(u *User) bool { return CanRemoveEvidence(u, byMember) }},
	}
	// want[rule][actor]: nobody, viewer, member, lead, admin, disabled admin, unknown role
	want := map[string][7]bool{
		"read":                                  {false, true, true, true, true, false, false},
		"edit":                                  {false, false, true, true, true, false, false},
		"close":                                 {false, false, false, true, true, false, false},
		"verify a member's evidence":            {false, false, false, true, true, false, false},
		"verify their own evidence":             {false, false, false, false, true, false, false},
		"administer":                            {false, false, false, false, true, false, false},
		"remove a member's unverified evidence": {false, false, true, true, true, false, false},
	}
	actors := []struct {
		name string
		u    *User
	}{{"nobody", nil}, {"viewer", viewer}, {"member", member}, {"lead", lead}, {"admin", admin}, {"disabled admin", disabledAdmin}, {"unknown role", unknownRole}}
	for _, r := range rules {
		for i, a := range actors {
			allowed := want[r.name][i]
			verdict := "may not"
			if allowed {
				verdict = "may"
			}
			t.Run(a.name+" "+verdict+" "+r.name, func(t *testing.T) {
				if got := r.can(a.u); got != allowed {
					t.Errorf("got %v", got)
				}
			})
		}
	}
}

func TestRolesIncludeTheOnesBefore(t *testing.T) {
	for i, r := range Roles {
		for j, other := range Roles {
			if got := r.AtLeast(other); got != (i >= j) {
				t.Errorf("%s.AtLeast(%s) = %v", r, other, got)
			}
		}
	}
	if Role("").AtLeast(Role("")) || Role("root").Valid() {
		t.Error("unknown roles grant something")
	}
}
