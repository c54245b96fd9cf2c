package models

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// ActivityFilter selects entries of the team's activity feed. Zero values
// mean "all".
type ActivityFilter struct {
	ActorID          int64
	RecommendationID int64
	Kind             string
	From, Until      time.Time // From inclusive, Until inclusive
	// Account includes account events (sign-ins, roles, tokens: events
	// without a recommendation). Only admins see those.
	Account bool
	Page    int
	PerPage int
}

var kindPattern = regexp.MustCompile(`^[a-z_]{1,40}$`)

// Validate normalises paging and checks the values.
func (f *ActivityFilter) Validate() error {
	v := &ValidationError{}
	if f.Kind != "" && !kindPattern.MatchString(f.Kind) {
		v.Add("kind", "unknown kind of change")
	}
	if !f.From.IsZero() && !f.Until.IsZero() && f.From.After(f.Until) {
		v.Add("from", "must not be after the end date")
	}
	if f.Page < 0 {
		v.Add("page", "must be 1 or more")
	}
	if f.PerPage < 0 || f.PerPage > MaxPerPage {
		v.Add("per_page", fmt.Sprintf("must be between 1 and %d", MaxPerPage))
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PerPage == 0 {
		f.PerPage = DefaultPerPage
	}
	return v.Err()
}

// Activity lists history entries across the team, newest first, one page
// at a time, with their actors.
func (s *Store) Activity(ctx context.Context, f ActivityFilter) (Page[Event], error) {
	if err := f.Validate(); err != nil {
		return Page[Event]{}, err
	}
	out := Page[Event]{Page: f.Page, PerPage: f.PerPage}
	q := s.r(ctx).Model(&Event{})
	if !f.Account {
		q = q.Where("recommendation_id IS NOT NULL")
	}
	if f.RecommendationID != 0 {
		q = q.Where("recommendation_id = ?", f.RecommendationID)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at <= ?", f.Until.UTC())
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, fmt.Errorf("models: count activity: %w", err)
	}
	err := q.Preload("Actor").Order("created_at DESC, id DESC").Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Find(&out.Items).Error
	if err != nil {
		return out, fmt.Errorf("models: list activity: %w", err)
	}
	return out, nil
}

// EventKinds lists the kinds of history entry about items, then those
// about accounts, for the feed's filter.
var (
	ItemEventKinds = []string{"created", "catalog_updated", "field", "closed", "reopened",
		EventNoteAdded, EventNoteEdited, EventNoteDeleted,
		EventEvidenceAdded, EventEvidenceVerified, EventEvidenceRejected, EventEvidenceRemoved,
		EventReviewRequested, EventReviewCleared}
	AccountEventKinds = []string{"login", "login_failed", "user_created", "role_changed", "user_disabled", "user_enabled",
		"password_changed", "token_created", "token_revoked"}
)

// RecRef is the short reference of a recommendation.
type RecRef struct {
	ID    int64
	Code  string
	Title string
}

// RecommendationRefs maps ids to codes and titles, for lists of events and
// notes that span many items.
func (s *Store) RecommendationRefs(ctx context.Context) (map[int64]RecRef, error) {
	var rows []RecRef
	if err := s.r(ctx).Model(&Recommendation{}).Select("id, code, title").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: load recommendation codes: %w", err)
	}
	out := make(map[int64]RecRef, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// AsOfList is the recommendation list rebuilt for a past moment.
type AsOfList struct {
	Page         Page[Recommendation]
	Existing     int64            // items that existed then
	StatusCounts map[string]int64 // ignoring the filter's own status
	DomainCounts map[string]int64 // ignoring the filter's own domain
}

// RecommendationsAsOfFiltered rebuilds every item as of t, then filters,
// sorts and pages it in Go, with the same meaning as Recommendations has for
// today. Overdue means overdue on t's date.
func (s *Store) RecommendationsAsOfFiltered(ctx context.Context, t time.Time, f Filter) (*AsOfList, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	recs, err := s.RecommendationsAsOf(ctx, t)
	if err != nil {
		return nil, err
	}
	// The text query needs the search column, which the rebuild does not
	// load; the filter's other parts are matched in Go (summary.go).
	text, err := s.textMatches(ctx, f)
	if err != nil {
		return nil, err
	}
	match := func(r *Recommendation, f Filter, day string) bool {
		return (text == nil || text[r.ID]) && f.matchesAsOf(r, day)
	}
	day := t.Format("2006-01-02")
	out := &AsOfList{Existing: int64(len(recs)), StatusCounts: map[string]int64{}, DomainCounts: map[string]int64{}}
	fs, fd := f, f
	fs.Status, fd.Domain = "", ""
	var hits []Recommendation
	for _, r := range recs {
		if match(&r, fs, day) {
			out.StatusCounts[string(r.Status)]++
		}
		if match(&r, fd, day) {
			out.DomainCounts[r.Domain]++
		}
		if match(&r, f, day) {
			hits = append(hits, r)
		}
	}
	sortAsOf(hits, f.Sort)
	out.Page = Page[Recommendation]{Page: f.Page, PerPage: f.PerPage, Total: int64(len(hits))}
	from := min((f.Page-1)*f.PerPage, len(hits))
	out.Page.Items = hits[from:min(from+f.PerPage, len(hits))]
	return out, nil
}

// priorityRank orders like the SQL sort: "priority" is low first,
// "-priority" high first.
var priorityRank = map[Priority]int{PriorityHigh: 3, PriorityMedium: 2, PriorityLow: 1}

// sortAsOf orders like sortColumns does in SQL; ties fall back to code.
func sortAsOf(rs []Recommendation, key string) {
	desc := strings.HasPrefix(key, "-")
	field := strings.TrimPrefix(key, "-")
	cmp := func(a, b *Recommendation) int {
		switch field {
		case "title":
			return strings.Compare(a.Title, b.Title)
		case "status":
			return strings.Compare(string(a.Status), string(b.Status))
		case "progress":
			return a.Progress - b.Progress
		case "priority":
			return priorityRank[a.Priority] - priorityRank[b.Priority]
		case "due":
			return strings.Compare(a.DueDate, b.DueDate)
		case "updated":
			return a.UpdatedAt.Compare(b.UpdatedAt)
		case "domain":
			return strings.Compare(a.Domain, b.Domain)
		}
		return strings.Compare(a.Code, b.Code)
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := &rs[i], &rs[j]
		if field == "due" && !desc && (a.DueDate == "") != (b.DueDate == "") {
			return b.DueDate == "" // items without a due date go last, as in SQL
		}
		c := cmp(a, b)
		if desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
		return a.Code < b.Code
	})
}
