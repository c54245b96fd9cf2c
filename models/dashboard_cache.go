package models

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"
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

// dashboardCaches holds one cache per Store. Keys are weak so that a closed
// and dropped store (tests open many) takes its cache with it.
var dashboardCaches sync.Map // weak.Pointer[Store] → *dashboardCache

func (s *Store) dashboardCache() *dashboardCache {
	k := weak.Make(s)
	if c, ok := dashboardCaches.Load(k); ok {
		return c.(*dashboardCache)
	}
	c, loaded := dashboardCaches.LoadOrStore(k, &dashboardCache{})
	if !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[Store]) { dashboardCaches.Delete(k) }, k)
	}
	return c.(*dashboardCache)
}

// teamDashboard returns the team-wide part for today, from the cache while
// no event was recorded since it was computed.
func (s *Store) teamDashboard(ctx context.Context, today string) (*Dashboard, error) {
	var last *int64
	if err := s.r(ctx).Raw(`SELECT MAX(id) FROM events`).Scan(&last).Error; err != nil {
		return nil, fmt.Errorf("models: dashboard version: %w", err)
	}
	key := dashboardKey{today: today}
	if last != nil {
		key.lastEvent = *last
	}
	c := s.dashboardCache()
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
