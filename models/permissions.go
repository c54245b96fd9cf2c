package models

// Every permission rule lives here, one function per rule, so that pages,
// the API and the CLI cannot disagree about who may do what.

func active(u *User) bool { return u != nil && !u.Disabled }

// CanRead: every signed-in, enabled user may read and export.
func CanRead(u *User) bool { return active(u) && u.Role.AtLeast(RoleViewer) }

// CanEdit: members edit tracking fields of open items, write notes and add evidence.
func CanEdit(u *User) bool { return active(u) && u.Role.AtLeast(RoleMember) }

// CanClose: moving an item into or out of a closed status is a lead's call.
func CanClose(u *User) bool { return active(u) && u.Role.AtLeast(RoleLead) }

// CanVerify: a lead or admin may review evidence, but never their own, so
// that every closed item has been checked by a second person.
func CanVerify(u *User, e *Evidence) bool {
	return active(u) && u.Role.AtLeast(RoleLead) && e != nil && e.AddedByID != u.ID
}

// CanAdminister: users, other people's tokens, imports and settings.
func CanAdminister(u *User) bool { return active(u) && u.Role.AtLeast(RoleAdmin) }

// CanEditNote: authors edit their own notes.
func CanEditNote(u *User, n *Note) bool { return CanEdit(u) && n != nil && n.AuthorID == u.ID }

// CanDeleteNote: authors delete their own notes; an admin may delete any.
func CanDeleteNote(u *User, n *Note) bool {
	return n != nil && (CanEditNote(u, n) || CanAdminister(u))
}

// CanRemoveEvidence: whoever added an unverified item may remove it; leads
// may remove any (the removal is kept in the history).
func CanRemoveEvidence(u *User, e *Evidence) bool {
	if e == nil || !CanEdit(u) {
		return false
	}
	return CanClose(u) || (e.AddedByID == u.ID && e.VerifiedByID == nil)
}
