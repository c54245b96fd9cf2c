package models

// Role grants a user a set of actions; each role has everything of the one
// before it (viewer < member < lead < admin), as the contract says.
type Role string

const (
	RoleViewer Role = "viewer"
	RoleMember Role = "member"
	RoleLead   Role = "lead"
	RoleAdmin  Role = "admin"
)

var Roles = []Role{RoleViewer, RoleMember, RoleLead, RoleAdmin}

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleMember:
		return 2
	case RoleLead:
		return 3
	case RoleAdmin:
		return 4
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r includes everything other grants.
func (r Role) AtLeast(other Role) bool { return r.rank() >= other.rank() && r.rank() > 0 }

func (r Role) Label() string {
	switch r {
	case RoleViewer:
		return "Viewer"
	case RoleMember:
		return "Member"
	case RoleLead:
		return "Lead"
	case RoleAdmin:
		return "Admin"
	}
	return string(r)
}
