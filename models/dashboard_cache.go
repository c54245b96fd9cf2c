package models

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// The dashboard is the most visited page, and its team-wide part (figures,
// overdue, review, recent changes) changes only when something is recorded.
// Every change of an item, note, evidence or account writes an event, so
// the highest event id, one index lookup, tells whether the cached part
// still holds — also when another process (the CLI) made the change. On
// PostgreSQL ids can commit out of order, so entries also expire after a
// short time, which bounds how stale a figure can be.

const dashboardTTL = 30 * time.Second

type dashboardKey struct {
	lastEvent int64
	today     string
}

type dashboardCache struct {
	mu      sync.Mutex
	key     dashboardKey
	team    *Dashboard
	expires time.Time
}

// teamDashboard returns the team-wide part for today, from the cache while
// no event was recorded since it was computed.
func (s *Store) teamDashboard(ctx context.Context, today string) (*Dashboard, error) {
	last, err := s.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	key := dashboardKey{today: today, lastEvent: last}
	c := &s.dash
	// Held while computing: concurrent requests wait for one computation
	// instead of all running the same queries.
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.team != nil && c.key == key && now.Before(c.expires) {
		return c.team, nil
	}
	team, err := s.computeTeamDashboard(ctx, today)
	if err != nil {
		return nil, err
	}
	c.key, c.team, c.expires = key, team, now.Add(dashboardTTL)
	return team, nil
}

// DataVersion is the highest event id: it grows with every recorded change,
// so caches of rendered data compare it to know whether they still hold.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var last *int64
	if err := s.r(ctx).Raw(`SELECT MAX(id) FROM events`).Scan(&last).Error; err != nil {
		return 0, fmt.Errorf("models: data version: %w", err)
	}
	if last == nil {
		return 0, nil
	}
	return *last, nil
}
