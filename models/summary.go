package models

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// A summary is the team's progress report: headline figures of the items as
// they stood at one moment, rebuilt from the event log, and what changed in
// the period before it. Pages, the API and every export format read the same
// Summary so that they cannot disagree about a date.

// Figures are the headline numbers of a set of items.
type Figures struct {
	Total          int            `json:"total"`
	Open           int            `json:"open"`
	Closed         int            `json:"closed"`
	Implemented    int            `json:"implemented"`
	ImplementedPct float64        `json:"implemented_pct"`  // share of items implemented, 0–100
	AvgProgress    float64        `json:"average_progress"` // mean progress, 0–100
	Overdue        int            `json:"overdue"`
	AwaitingReview int            `json:"awaiting_review"`
	ByStatus       []StatusFigure `json:"by_status"`
	ByDomain       []DomainFigure `json:"by_domain"`
}

// StatusFigure counts the items in one status.
type StatusFigure struct {
	Status Status `json:"status"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
}

// DomainFigure is one domain's line of the breakdown. Statuses holds the
// count per status in the order of Statuses, for stacked charts.
type DomainFigure struct {
	Domain         string         `json:"domain"`
	Label          string         `json:"label"`
	Count          int            `json:"count"`
	AvgProgress    float64        `json:"average_progress"`
	Implemented    int            `json:"implemented"`
	ImplementedPct float64        `json:"implemented_pct"`
	Statuses       map[Status]int `json:"by_status"`
}

// ItemRef is a short mention of an item in a list (overdue, review queue).
type ItemRef struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Title    string `json:"title"`
	Domain   string `json:"domain"`
	Status   Status `json:"status"`
	Progress int    `json:"progress"`
	DueDate  string `json:"due_date,omitempty"`
	Owner    string `json:"owner,omitempty"`
}

// Summary is the report for one moment (AsOf) and one period (Since, AsOf].
type Summary struct {
	AsOf   time.Time `json:"as_of"`
	Since  time.Time `json:"since"`
	Filter Filter    `json:"-"`
	Figures
	OverdueItems []ItemRef `json:"overdue_items"`
	ReviewItems  []ItemRef `json:"review_items"`
	Changes      Changes   `json:"changes"`
	// Items are the matching items as they stood at AsOf, ordered by code.
	// Exports walk them in batches; they are not part of the JSON figures.
	Items []Recommendation `json:"-"`
}

// Today is AsOf's calendar day in AsOf's zone; due dates compare with it.
func (s *Summary) Today() string { return s.AsOf.Format("2006-01-02") }

// Summary rebuilds the figures as of asOf for the items matching f (judged
// on their state at asOf, not today's) and the changes in (since, asOf].
// Days (overdue, slipped due dates) are counted in asOf's time zone, so
// callers pass asOf in the instance's zone. Paging fields of f are ignored.
func (s *Store) Summary(ctx context.Context, asOf, since time.Time, f Filter) (*Summary, error) {
	if since.After(asOf) {
		return nil, Invalid("since", "must not be after the as-of date")
	}
	f.Page, f.PerPage, f.Sort = 0, 0, ""
	if err := f.Validate(); err != nil {
		return nil, err
	}
	all, err := s.RecommendationsAsOf(ctx, asOf)
	if err != nil {
		return nil, err
	}
	textMatch, err := s.textMatches(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &Summary{AsOf: asOf, Since: since, Filter: f, OverdueItems: []ItemRef{}, ReviewItems: []ItemRef{}}
	today := out.Today()
	t := newTally()
	for i := range all {
		r := &all[i]
		if !f.matchesAsOf(r, today) || (textMatch != nil && !textMatch[r.ID]) {
			continue
		}
		out.Items = append(out.Items, *r)
		t.add(r.Domain, r.Status, 1, int64(r.Progress), r.ReviewRequested, r.Overdue(asOf))
		if r.Overdue(asOf) {
			out.OverdueItems = append(out.OverdueItems, refOf(r))
		}
		if r.ReviewRequested {
			out.ReviewItems = append(out.ReviewItems, refOf(r))
		}
	}
	sort.SliceStable(out.OverdueItems, func(i, j int) bool { return out.OverdueItems[i].DueDate < out.OverdueItems[j].DueDate })
	out.Figures = t.figures()
	if out.Changes, err = s.changes(ctx, since, asOf, out.Items); err != nil {
		return nil, err
	}
	return out, nil
}

func refOf(r *Recommendation) ItemRef {
	ref := ItemRef{ID: r.ID, Code: r.Code, Title: r.Title, Domain: r.Domain, Status: r.Status, Progress: r.Progress, DueDate: r.DueDate}
	if r.Owner != nil {
		ref.Owner = r.Owner.Name
	}
	return ref
}

// textMatches resolves the parts of a filter that need the search column,
// which the as-of rebuild does not load. Nil means "no text filter".
func (s *Store) textMatches(ctx context.Context, f Filter) (map[int64]bool, error) {
	if f.Query == "" {
		return nil, nil
	}
	var ids []int64
	q := s.applyFilter(s.r(ctx).Model(&Recommendation{}), Filter{Query: f.Query}, "")
	if err := q.Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("models: search for summary: %w", err)
	}
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m, nil
}

// matchesAsOf applies the list filter to an item's state at a past moment,
// in Go, mirroring applyFilter (which can only see the current columns).
// The text query is resolved separately (textMatches).
func (f Filter) matchesAsOf(r *Recommendation, today string) bool {
	switch f.Status {
	case "":
	case "open":
		if r.Status.Closed() {
			return false
		}
	case "closed":
		if !r.Status.Closed() {
			return false
		}
	default:
		if string(r.Status) != f.Status {
			return false
		}
	}
	if (f.Domain != "" && r.Domain != f.Domain) || (f.Priority != "" && string(r.Priority) != f.Priority) ||
		(f.Strength != "" && r.Strength != f.Strength) {
		return false
	}
	switch f.Owner {
	case "":
	case "none":
		if r.OwnerID != nil {
			return false
		}
	default:
		if r.OwnerID == nil || strconv.FormatInt(*r.OwnerID, 10) != f.Owner {
			return false
		}
	}
	if t := normaliseTag(f.Tag); t != "" && !containsString(r.TagList(), t) {
		return false
	}
	if f.Overdue && !(r.Open() && r.DueDate != "" && r.DueDate < today) {
		return false
	}
	if f.Review && !r.ReviewRequested {
		return false
	}
	return true
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// tally accumulates figures from items or from grouped rows, so the as-of
// path (items in Go) and the dashboard (GROUP BY in SQL) compute the same
// numbers the same way.
type tally struct {
	total, implemented, closed, overdue, review int
	progress                                    int64
	byStatus                                    map[Status]int
	byDomain                                    map[string]*domainTally
}

type domainTally struct {
	count, implemented int
	progress           int64
	byStatus           map[Status]int
}

func newTally() *tally {
	return &tally{byStatus: map[Status]int{}, byDomain: map[string]*domainTally{}}
}

// add counts n items of one domain and status whose progress sums to
// progress; review and overdue say whether all n are in those lists (for
// grouped rows, pass them through addCounts instead).
func (t *tally) add(domain string, st Status, n int, progress int64, review, overdue bool) {
	r, o := 0, 0
	if review {
		r = n
	}
	if overdue {
		o = n
	}
	t.addCounts(domain, st, n, progress, r, o)
}

func (t *tally) addCounts(domain string, st Status, n int, progress int64, review, overdue int) {
	t.total += n
	t.progress += progress
	t.byStatus[st] += n
	t.review += review
	t.overdue += overdue
	if st == StatusImplemented {
		t.implemented += n
	}
	if st.Closed() {
		t.closed += n
	}
	d := t.byDomain[domain]
	if d == nil {
		d = &domainTally{byStatus: map[Status]int{}}
		t.byDomain[domain] = d
	}
	d.count += n
	d.progress += progress
	d.byStatus[st] += n
	if st == StatusImplemented {
		d.implemented += n
	}
}

func (t *tally) figures() Figures {
	f := Figures{Total: t.total, Closed: t.closed, Open: t.total - t.closed, Implemented: t.implemented,
		Overdue: t.overdue, AwaitingReview: t.review, ByStatus: []StatusFigure{}, ByDomain: []DomainFigure{},
		ImplementedPct: pct(int64(t.implemented), t.total), AvgProgress: avg(t.progress, t.total)}
	for _, st := range Statuses {
		f.ByStatus = append(f.ByStatus, StatusFigure{Status: st, Label: st.Label(), Count: t.byStatus[st]})
	}
	// Known domains in their usual order, then any other (imported) domain.
	seen := map[string]bool{}
	var order []string
	for _, d := range Domains {
		order = append(order, d.Slug)
		seen[d.Slug] = true
	}
	var extra []string
	for d := range t.byDomain {
		if !seen[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(extra)
	for _, slug := range append(order, extra...) {
		d := t.byDomain[slug]
		if d == nil || d.count == 0 {
			continue
		}
		f.ByDomain = append(f.ByDomain, DomainFigure{Domain: slug, Label: DomainLabel(slug), Count: d.count,
			AvgProgress: avg(d.progress, d.count), Implemented: d.implemented, ImplementedPct: pct(int64(d.implemented), d.count),
			Statuses: d.byStatus})
	}
	return f
}

// pct and avg round to one decimal: enough for a report, stable in tests.
func pct(n int64, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(of)) / 10
}

func avg(sum int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(sum)*10/float64(n)) / 10
}

// DefaultPeriod is how far back "changes since" reaches when not given.
const DefaultPeriod = 30 * 24 * time.Hour

// ParsePeriod reads the "as of" and "since" of a summary request the same
// way for pages, the API and the CLI. Empty as-of means now; empty since
// means 30 days before as-of. A moment later today is taken as now (the
// picture cannot be known ahead of time, and "as of today" is the end of
// today); a later day is refused rather than silently shown as today.
// Both results are in loc, the instance's zone.
func ParsePeriod(asOfText, sinceText string, now time.Time, loc *time.Location) (asOf, since time.Time, err error) {
	v := &ValidationError{}
	now = now.In(loc)
	asOf = now
	if asOfText != "" {
		t, perr := ParseWhen(asOfText, loc)
		endOfToday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1).Add(-time.Nanosecond)
		switch {
		case perr != nil:
			v.Add("as_of", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		case t.After(endOfToday):
			v.Add("as_of", "is in the future (today is "+now.Format("2006-01-02")+")")
		case t.Before(now):
			asOf = t.In(loc)
		}
	}
	since = asOf.Add(-DefaultPeriod)
	if sinceText != "" {
		t, perr := ParseWhen(sinceText, loc)
		switch {
		case perr != nil:
			v.Add("since", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		case t.After(asOf):
			v.Add("since", "must not be after the as-of date")
		default:
			since = t.In(loc)
		}
	}
	return asOf, since, v.Err()
}
