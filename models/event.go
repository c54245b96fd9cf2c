package models

import (
	"context"
	"fmt"
	"time"
)

// EventFilter selects history entries. Zero values mean "all".
type EventFilter struct {
	RecommendationID int64
	ActorID          int64
	Kind             string
	Since, Until     time.Time
	AccountOnly      bool // account events (no recommendation)
	Limit            int
	Offset           int
	Newest           bool // newest first instead of oldest first
}

// Events lists history entries with their actors.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	q := s.r(ctx).Preload("Actor")
	if f.RecommendationID != 0 {
		q = q.Where("recommendation_id = ?", f.RecommendationID)
	}
	if f.AccountOnly {
		q = q.Where("recommendation_id IS NULL")
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at > ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at <= ?", f.Until.UTC())
	}
	if f.Newest {
		q = q.Order("created_at DESC, id DESC")
	} else {
		q = q.Order("created_at ASC, id ASC")
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit).Offset(f.Offset)
	}
	var evs []Event
	if err := q.Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("models: list events: %w", err)
	}
	return evs, nil
}
