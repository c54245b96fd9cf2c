package models

import (
	"context"
	"fmt"
)

// Dashboard is the team's current picture. Unlike Summary it is computed by
// the database (GROUP BY and short indexed lists), never by loading the
// whole catalog: it is the most visited page and must stay fast at 10,000
// items.
type Dashboard struct {
	Figures
	OverdueItems []Recommendation // oldest due date first
	ReviewItems  []Recommendation // awaiting review, most recently changed first
	MyItems      []Recommendation // the viewer's open items, soonest due first
	MyTotal      int64
	Recent       []RecentChange
}

// RecentChange is the latest event of a recently changed item.
type RecentChange struct {
	Event
	Rec *Recommendation
}

// DashboardListLimit bounds each list of the dashboard.
const DashboardListLimit = 8

// Dashboard computes the current figures and lists for user me; today is
// the instance's calendar day (YYYY-MM-DD), which decides what is overdue.
// The team-wide part comes from a cache that every recorded change renews
// (dashboard_cache.go); the viewer's own items are read each time.
func (s *Store) Dashboard(ctx context.Context, me *User, today string) (*Dashboard, error) {
	team, err := s.teamDashboard(ctx, today)
	if err != nil {
		return nil, err
	}
	d := *team // the cached slices are shared and never written
	d.MyItems, d.MyTotal = nil, 0
	if me != nil {
		mine := Filter{Owner: fmt.Sprint(me.ID), Status: "open"}
		if d.MyItems, err = s.shortList(ctx, mine, today, sortColumns["due"], DashboardListLimit); err != nil {
			return nil, err
		}
		if err := s.applyFilter(s.r(ctx).Model(&Recommendation{}), mine, today).Count(&d.MyTotal).Error; err != nil {
			return nil, fmt.Errorf("models: count my items: %w", err)
		}
	}
	return &d, nil
}

// computeTeamDashboard reads the figures and the team's lists.
func (s *Store) computeTeamDashboard(ctx context.Context, today string) (*Dashboard, error) {
	d := &Dashboard{}
	type row struct {
		Domain   string
		Status   Status
		N        int
		Progress int64
		Review   int
		Overdue  int
	}
	var rows []row
	err := s.r(ctx).Raw(`SELECT domain, status, COUNT(*) AS n, COALESCE(SUM(progress), 0) AS progress,
		COALESCE(SUM(CASE WHEN review_requested THEN 1 ELSE 0 END), 0) AS review,
		COALESCE(SUM(CASE WHEN due_date <> '' AND due_date < ? THEN 1 ELSE 0 END), 0) AS overdue
		FROM recommendations GROUP BY domain, status`, today).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: dashboard figures: %w", err)
	}
	t := newTally()
	for _, r := range rows {
		if r.Status.Closed() {
			r.Overdue = 0 // a closed item is never overdue
		}
		t.addCounts(r.Domain, r.Status, r.N, r.Progress, r.Review, r.Overdue)
	}
	d.Figures = t.figures()
	lim := DashboardListLimit
	// Overdue items all have a due date: plain date order can follow
	// idx_recommendations_due and stop after a page.
	if d.OverdueItems, err = s.shortList(ctx, Filter{Overdue: true}, today, "due_date ASC, code ASC", lim); err != nil {
		return nil, err
	}
	if d.ReviewItems, err = s.shortList(ctx, Filter{Review: true}, today, "updated_at DESC, id DESC", lim); err != nil {
		return nil, err
	}
	if d.Recent, err = s.recentChanges(ctx, lim); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Store) shortList(ctx context.Context, f Filter, today, order string, limit int) ([]Recommendation, error) {
	var out []Recommendation
	q := s.applyFilter(s.r(ctx), f, today).Omit("search_text").Preload("Owner").Order(order).Limit(limit)
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: dashboard list: %w", err)
	}
	return out, nil
}

// recentChanges is the latest event of each of the n most recently changed
// items. Catalog loading ("created") is not a change the team made.
func (s *Store) recentChanges(ctx context.Context, n int) ([]RecentChange, error) {
	var evs []Event
	// Read a few more events than needed: several may touch one item. Of
	// the events of one moment, the first written says most (a status
	// change before the progress that follows from it).
	err := s.r(ctx).Preload("Actor").Where("recommendation_id IS NOT NULL AND kind <> ?", "created").
		Order("created_at DESC, id ASC").Limit(n * 6).Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("models: recent changes: %w", err)
	}
	seen := map[int64]bool{}
	var out []RecentChange
	var ids []int64
	for _, e := range evs {
		id := *e.RecommendationID
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, RecentChange{Event: e})
		ids = append(ids, id)
		if len(out) == n {
			break
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var recs []Recommendation
	if err := s.r(ctx).Omit("search_text").Where("id IN ?", ids).Find(&recs).Error; err != nil {
		return nil, fmt.Errorf("models: recent items: %w", err)
	}
	byID := map[int64]*Recommendation{}
	for i := range recs {
		byID[recs[i].ID] = &recs[i]
	}
	for i := range out {
		out[i].Rec = byID[*out[i].RecommendationID]
	}
	return out, nil
}
