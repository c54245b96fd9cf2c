package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// The review gate. Evidence is reviewed by a lead or admin who did not add
// it; the review is either a verification or a rejection with a reason, and
// the latest one stands: verifying clears an earlier rejection and
// rejecting clears an earlier verification. Only verified, non-removed
// evidence lets an item be marked implemented (recommendation_update.go
// counts verified_by_id, which a rejection clears).

// Review events on the item itself.
const (
	EventReviewRequested = "review_requested"
	EventReviewCleared   = "review_cleared"
)

// VerifyEvidence marks evidence as checked by actor. Verifying an item that
// is already verified changes nothing.
func (s *Store) VerifyEvidence(ctx context.Context, actor *User, id int64) (*Evidence, error) {
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := s.reviewable(tx, actor, id)
		if err != nil {
			return err
		}
		if e.VerifiedByID != nil {
			return nil
		}
		now := s.now()
		err = tx.Model(&Evidence{}).Where("id = ?", id).Updates(map[string]any{
			"verified_by_id": actor.ID, "verified_at": now, "rejected_by_id": nil, "rejected_at": nil, "reject_reason": "",
		}).Error
		if err != nil {
			return fmt.Errorf("models: verify evidence %d: %w", id, err)
		}
		return appendHistory(tx, Event{RecommendationID: &e.RecommendationID, ActorID: &actor.ID, Kind: EventEvidenceVerified,
			NewValue: e.Title, RefID: &e.ID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return s.Evidence(ctx, id)
}

// RejectEvidence marks evidence as not good enough, with a reason the
// adder can act on.
func (s *Store) RejectEvidence(ctx context.Context, actor *User, id int64, reason string) (*Evidence, error) {
	reason = strings.TrimSpace(reason)
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := s.reviewable(tx, actor, id)
		if err != nil {
			return err
		}
		switch {
		case reason == "":
			return Invalid("reason", "Say why the evidence is rejected, so it can be fixed.")
		case len(reason) > 2000:
			return Invalid("reason", "is too long (2,000 characters at most)")
		case TextProblem(reason) != "":
			return Invalid("reason", TextProblem(reason))
		}
		if e.RejectedByID != nil && e.RejectReason == reason {
			return nil
		}
		if err := keepsImplementedBacked(tx, e); err != nil {
			return err
		}
		now := s.now()
		err = tx.Model(&Evidence{}).Where("id = ?", id).Updates(map[string]any{
			"rejected_by_id": actor.ID, "rejected_at": now, "reject_reason": reason, "verified_by_id": nil, "verified_at": nil,
		}).Error
		if err != nil {
			return fmt.Errorf("models: reject evidence %d: %w", id, err)
		}
		return appendHistory(tx, Event{RecommendationID: &e.RecommendationID, ActorID: &actor.ID, Kind: EventEvidenceRejected,
			NewValue: e.Title, Reason: reason, RefID: &e.ID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return s.Evidence(ctx, id)
}

// reviewable loads evidence and checks that actor may review it now.
func (s *Store) reviewable(tx *gorm.DB, actor *User, id int64) (*Evidence, error) {
	e, err := loadEvidence(tx, id)
	if err != nil {
		return nil, err
	}
	if !CanVerify(actor, e) {
		if CanClose(actor) {
			return nil, Forbidden("You cannot review evidence you added yourself: a second person has to check it.")
		}
		return nil, Forbidden("Only a lead or admin can review evidence.")
	}
	if e.Removed {
		return nil, Invalid("evidence", "This evidence was removed and cannot be reviewed.")
	}
	return e, nil
}

// RequestReview puts an open item in the leads' review queue. Asking again
// while the request stands changes nothing.
func (s *Store) RequestReview(ctx context.Context, actor *User, recID int64, note string) (*Recommendation, error) {
	if !CanEdit(actor) {
		return nil, Forbidden("Viewers cannot request a review.")
	}
	return s.setReviewRequested(ctx, actor, recID, true, note)
}

// ClearReviewRequest takes an item out of the review queue (a lead's call;
// closing the item also clears it).
func (s *Store) ClearReviewRequest(ctx context.Context, actor *User, recID int64, note string) (*Recommendation, error) {
	if !CanClose(actor) {
		return nil, Forbidden("Only a lead or admin can clear a review request.")
	}
	return s.setReviewRequested(ctx, actor, recID, false, note)
}

// setReviewRequested flips the flag with a version bump, so an edit made
// from an older page notices, and records it as a field change (field
// review_requested) that the as-of rebuild can undo.
func (s *Store) setReviewRequested(ctx context.Context, actor *User, recID int64, want bool, note string) (*Recommendation, error) {
	note = strings.TrimSpace(note)
	if len(note) > 2000 {
		return nil, Invalid("reason", "is too long (2,000 characters at most)")
	}
	if msg := TextProblem(note); msg != "" {
		return nil, Invalid("reason", msg)
	}
	var out *Recommendation
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.loadRecommendation(tx, recID)
		if err != nil {
			return err
		}
		if cur.ReviewRequested == want {
			out = cur
			return nil
		}
		if want && cur.Status.Closed() {
			return Invalid("review", "This item is closed; reopen it before asking for a review.")
		}
		now := s.now()
		res := tx.Model(&Recommendation{}).Where("id = ? AND version = ?", recID, cur.Version).
			Updates(map[string]any{"review_requested": want, "version": cur.Version + 1, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("models: set review request of %d: %w", recID, res.Error)
		}
		if res.RowsAffected == 0 {
			return &ConflictError{Current: cur}
		}
		kind := EventReviewCleared
		if want {
			kind = EventReviewRequested
		}
		err = appendHistory(tx, Event{RecommendationID: &recID, ActorID: &actor.ID, Kind: kind, Field: "review_requested",
			OldValue: strconv.FormatBool(!want), NewValue: strconv.FormatBool(want), Reason: note, CreatedAt: now})
		if err != nil {
			return err
		}
		out, err = s.loadRecommendation(tx, recID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReviewQueue is the leads' work list.
type ReviewQueue struct {
	Items    []Recommendation // review requested, oldest request first
	Evidence []Evidence       // neither verified nor rejected yet, oldest first
}

// ReviewQueue lists what waits for a lead.
func (s *Store) ReviewQueue(ctx context.Context) (*ReviewQueue, error) {
	q := &ReviewQueue{}
	err := s.r(ctx).Omit("search_text").Preload("Owner").Where("review_requested = ?", true).
		Order("updated_at, code").Find(&q.Items).Error
	if err != nil {
		return nil, fmt.Errorf("models: review queue: %w", err)
	}
	err = s.r(ctx).Preload("AddedBy").Where("removed = ? AND verified_by_id IS NULL AND rejected_by_id IS NULL", false).
		Order("created_at, id").Find(&q.Evidence).Error
	if err != nil {
		return nil, fmt.Errorf("models: evidence awaiting review: %w", err)
	}
	return q, nil
}
