package models

import "time"

// User is a team member. Owners of recommendations are users.
type User struct {
	ID           int64      `gorm:"primaryKey" json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         Role       `json:"role"`
	PasswordHash string     `json:"-"`
	Disabled     bool       `json:"disabled"`
	LastLoginAt  *time.Time `json:"last_login_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Recommendation is one item of the report's catalog with the team's
// tracking fields. Catalog fields come from seed/; tracking fields are the
// team's and are never touched by re-seeding.
type Recommendation struct {
	ID       int64  `gorm:"primaryKey"`
	Code     string // stable, …
	Title    string
	Summary  string
	Domain   string
	Actor    string
	Strength string
	Keywords string   // comma-separated, lowercase
	Sources  []Source `gorm:"foreignKey:RecommendationID"`

	Status   Status
	Progress int
	Priority Priority
	OwnerID  *int64
	Owner    *User  `gorm:"foreignKey:OwnerID"`
	DueDate  string // YYYY-MM-DD or empty
	Tags     string // comma-separated, lowercase, sorted
	// ReviewRequested puts the item in the leads' review queue.
	ReviewRequested bool
	Version         int

	// SearchText is the lowercase haystack for text search, rebuilt whenever
	// catalog text changes; kept in a column so search needs no joins.
	SearchText string
	// SeedHash identifies the catalog entry last applied by seeding.
	SeedHash string `json:"-"`

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Source is one place of the report where the recommendation is stated.
type Source struct {
	ID               int64 `gorm:"primaryKey"`
	RecommendationID int64
	Position         int
	Chapter          string
	ChapterTitle     string
	Line             int
	Page             int
	EndPage          int
	Quote            string
}

// Pages renders the source's page or page range.
func (s Source) Pages() string {
	if s.EndPage > s.Page {
		return itoa(s.Page) + "–" + itoa(s.EndPage)
	}
	return itoa(s.Page)
}

// Event is one append-only entry of the history: a field change, a note or
// evidence action, or an account action. Reports "as of" a past date are
// rebuilt from these rows, so a field change always carries old and new.
type Event struct {
	ID               int64 `gorm:"primaryKey"`
	RecommendationID *int64
	ActorID          *int64
	Actor            *User `gorm:"foreignKey:ActorID"`
	Kind             string
	Field            string
	OldValue         string
	NewValue         string
	Reason           string
	RefID            *int64 // note or evidence id, for their events
	CreatedAt        time.Time
}

// Note is a Markdown comment on a recommendation.
type Note struct {
	ID               int64 `gorm:"primaryKey"`
	RecommendationID int64
	AuthorID         int64
	Author           *User `gorm:"foreignKey:AuthorID"`
	Body             string
	Edited           bool
	Deleted          bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	DeletedAt        *time.Time
}

// Evidence supports a status claim: a link, a citation or an uploaded file.
type Evidence struct {
	ID               int64 `gorm:"primaryKey"`
	RecommendationID int64
	Kind             string // link, citation, file
	Title            string
	URL              string
	Publisher        string
	PublishedOn      string // YYYY-MM-DD or empty
	AccessedOn       string
	Citation         string
	CitedOn          string
	Filename         string
	ContentType      string
	Size             int64
	SHA256           string
	AddedByID        int64
	AddedBy          *User `gorm:"foreignKey:AddedByID"`
	VerifiedByID     *int64
	VerifiedBy       *User `gorm:"foreignKey:VerifiedByID"`
	VerifiedAt       *time.Time
	RejectedByID     *int64
	RejectedBy       *User `gorm:"foreignKey:RejectedByID"`
	RejectedAt       *time.Time
	RejectReason     string
	Removed          bool
	CreatedAt        time.Time
}

// TableName keeps GORM from guessing "evidences".
func (Evidence) TableName() string { return "evidence" }

// Token is a personal API token; only its SHA-256 is stored.
type Token struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	User       *User `gorm:"foreignKey:UserID"`
	Name       string
	Hash       string
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// Session is a browser login; only the SHA-256 of the cookie value is stored,
// so a leaked database does not leak live sessions.
type Session struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	User       *User `gorm:"foreignKey:UserID"`
	Hash       string
	CSRFToken  string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}
