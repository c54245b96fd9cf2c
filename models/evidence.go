package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Evidence kinds, as the contract names them.
const (
	EvidenceLink     = "link"
	EvidenceCitation = "citation"
	EvidenceFile     = "file"
)

// Evidence events carry the evidence id in RefID and its title in NewValue;
// a rejection or removal carries its reason.
const (
	EventEvidenceAdded    = "evidence_added"
	EventEvidenceVerified = "evidence_verified"
	EventEvidenceRejected = "evidence_rejected"
	EventEvidenceRemoved  = "evidence_removed"
)

// State says where an evidence item stands in review.
func (e *Evidence) State() string {
	switch {
	case e.Removed:
		return "removed"
	case e.VerifiedByID != nil:
		return "verified"
	case e.RejectedByID != nil:
		return "rejected"
	}
	return "awaiting"
}

// NewEvidence is a link or a citation as entered. Files go through
// AddFileEvidence, which reads the upload itself.
type NewEvidence struct {
	Kind        string
	Title       string
	URL         string
	Publisher   string
	PublishedOn string
	AccessedOn  string
	Citation    string
	CitedOn     string
}

// Validate checks and tidies the input. latest (YYYY-MM-DD) is the last
// date that is not in the future anywhere on Earth yet.
func (n *NewEvidence) Validate(latest string) error {
	v := &ValidationError{}
	for _, p := range []*string{&n.Kind, &n.Title, &n.URL, &n.Publisher, &n.PublishedOn, &n.AccessedOn, &n.CitedOn} {
		*p = strings.TrimSpace(*p)
	}
	n.Citation = strings.TrimSpace(n.Citation)
	validateTitle(v, n.Title)
	checkDate := func(field, d string) {
		if d == "" {
			return
		}
		if !ValidDate(d) {
			v.Add(field, "must be a date like 2026-03-31")
		} else if d > latest {
			v.Add(field, "cannot be in the future")
		}
	}
	checkText(v, "url", n.URL)
	checkText(v, "publisher", n.Publisher)
	checkText(v, "citation", n.Citation)
	switch n.Kind {
	case EvidenceLink:
		if n.URL == "" {
			v.Add("url", "is required")
		} else if msg := checkURL(n.URL); msg != "" {
			v.Add("url", msg)
		}
		if len(n.Publisher) > 200 {
			v.Add("publisher", "is too long (200 characters at most)")
		}
		checkDate("published_on", n.PublishedOn)
		checkDate("accessed_on", n.AccessedOn)
		n.Citation, n.CitedOn = "", ""
	case EvidenceCitation:
		if n.Citation == "" {
			v.Add("citation", "is required: the reference to the document, statement, law or record")
		} else if len(n.Citation) > 5000 {
			v.Add("citation", "is too long (5,000 characters at most)")
		}
		checkDate("cited_on", n.CitedOn)
		n.URL, n.Publisher, n.PublishedOn, n.AccessedOn = "", "", "", ""
	case EvidenceFile:
		v.Add("kind", "a file is sent as a multipart upload with a file part")
	case "":
		v.Add("kind", "is required: link, citation or file")
	default:
		v.Add("kind", "must be link, citation or file")
	}
	return v.Err()
}

func validateTitle(v *ValidationError, title string) {
	checkText(v, "title", title)
	if title == "" {
		v.Add("title", "is required")
	} else if len(title) > 300 {
		v.Add("title", "is too long (300 characters at most)")
	}
}

// checkURL accepts absolute http and https URLs only: anything else could
// run script or reach into the reader's machine when clicked.
func checkURL(raw string) string {
	if len(raw) > 2000 {
		return "is too long (2,000 characters at most)"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "must be a web address starting with http:// or https://"
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return "must not contain spaces"
	}
	return ""
}

// AddEvidence adds a link or a citation to a recommendation.
func (s *Store) AddEvidence(ctx context.Context, actor *User, recID int64, n NewEvidence) (*Evidence, error) {
	if !CanEdit(actor) {
		return nil, Forbidden("Viewers cannot add evidence.")
	}
	if err := n.Validate(s.latestDate()); err != nil {
		return nil, err
	}
	e := &Evidence{RecommendationID: recID, Kind: n.Kind, Title: n.Title, URL: n.URL, Publisher: n.Publisher,
		PublishedOn: n.PublishedOn, AccessedOn: n.AccessedOn, Citation: n.Citation, CitedOn: n.CitedOn, AddedByID: actor.ID}
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireRecommendation(tx, recID); err != nil {
			return err
		}
		return s.insertEvidence(tx, e)
	})
	if err != nil {
		return nil, err
	}
	e.AddedBy = actor
	return e, nil
}

// insertEvidence stores a new evidence row and its event.
func (s *Store) insertEvidence(tx *gorm.DB, e *Evidence) error {
	e.CreatedAt = s.now()
	if err := tx.Omit("AddedBy", "VerifiedBy", "RejectedBy").Create(e).Error; err != nil {
		return fmt.Errorf("models: add evidence: %w", err)
	}
	return appendHistory(tx, Event{RecommendationID: &e.RecommendationID, ActorID: &e.AddedByID, Kind: EventEvidenceAdded,
		NewValue: e.Title, RefID: &e.ID, CreatedAt: e.CreatedAt})
}

// latestDate is the date that has begun in the easternmost time zone
// (UTC+14): a date after it is in the future for every user.
func (s *Store) latestDate() string { return s.now().Add(14 * time.Hour).Format("2006-01-02") }

// Evidence loads one evidence item with the people involved.
func (s *Store) Evidence(ctx context.Context, id int64) (*Evidence, error) {
	return loadEvidence(s.r(ctx).Preload("AddedBy").Preload("VerifiedBy").Preload("RejectedBy"), id)
}

func loadEvidence(db *gorm.DB, id int64) (*Evidence, error) {
	var e Evidence
	err := db.First(&e, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("models: evidence %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("models: load evidence %d: %w", id, err)
	}
	return &e, nil
}

// EvidenceOf lists a recommendation's evidence, removed items included
// (they say removed), oldest first.
func (s *Store) EvidenceOf(ctx context.Context, recID int64) ([]Evidence, error) {
	var es []Evidence
	err := s.r(ctx).Preload("AddedBy").Preload("VerifiedBy").Preload("RejectedBy").
		Where("recommendation_id = ?", recID).Order("created_at, id").Find(&es).Error
	if err != nil {
		return nil, fmt.Errorf("models: list evidence: %w", err)
	}
	return es, nil
}

// RemoveEvidence takes an item out of the evidence. The row stays, marked
// removed, and the history says who removed it and why; a removed file is no
// longer served.
func (s *Store) RemoveEvidence(ctx context.Context, actor *User, id int64, reason string) (*Evidence, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 2000 {
		return nil, Invalid("reason", "is too long (2,000 characters at most)")
	}
	if msg := TextProblem(reason); msg != "" {
		return nil, Invalid("reason", msg)
	}
	var e *Evidence
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if e, err = loadEvidence(tx, id); err != nil {
			return err
		}
		if !CanRemoveEvidence(actor, e) {
			if CanEdit(actor) && e.AddedByID == actor.ID {
				return Forbidden("This evidence has been verified; only a lead or admin can remove it now.")
			}
			return Forbidden("Only whoever added this evidence, or a lead, can remove it.")
		}
		if e.Removed {
			return nil
		}
		if err := keepsImplementedBacked(tx, e); err != nil {
			return err
		}
		now := s.now()
		if err := tx.Model(&Evidence{}).Where("id = ?", id).Update("removed", true).Error; err != nil {
			return fmt.Errorf("models: remove evidence %d: %w", id, err)
		}
		e.Removed = true
		return appendHistory(tx, Event{RecommendationID: &e.RecommendationID, ActorID: &actor.ID, Kind: EventEvidenceRemoved,
			NewValue: e.Title, Reason: reason, RefID: &e.ID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return s.Evidence(ctx, id)
}

// keepsImplementedBacked refuses to withdraw the last verified evidence of
// an item marked implemented: the status would then claim proof that no
// longer exists. Reopening the item first keeps the record honest.
func keepsImplementedBacked(tx *gorm.DB, e *Evidence) error {
	if e.VerifiedByID == nil || e.Removed {
		return nil
	}
	var rec Recommendation
	if err := tx.Select("id", "status").First(&rec, "id = ?", e.RecommendationID).Error; err != nil {
		return fmt.Errorf("models: load recommendation %d: %w", e.RecommendationID, err)
	}
	if rec.Status != StatusImplemented {
		return nil
	}
	var n int64
	err := tx.Model(&Evidence{}).Where("recommendation_id = ? AND id <> ? AND verified_by_id IS NOT NULL AND removed = ?", rec.ID, e.ID, false).Count(&n).Error
	if err != nil {
		return fmt.Errorf("models: count verified evidence: %w", err)
	}
	if n == 0 {
		return Invalid("evidence", "This is the only verified evidence of an item marked implemented. Reopen the item first.")
	}
	return nil
}

// EvidenceAsOf rebuilds the evidence that existed at t with its review
// state then (verified, rejected, removed), oldest first, by replaying the
// evidence events up to t. recID 0 means every recommendation.
func (s *Store) EvidenceAsOf(ctx context.Context, recID int64, t time.Time) ([]Evidence, error) {
	q := s.r(ctx).Preload("AddedBy").Where("created_at <= ?", t.UTC())
	eq := s.r(ctx).Preload("Actor").Where("kind IN ? AND created_at <= ?",
		[]string{EventEvidenceVerified, EventEvidenceRejected, EventEvidenceRemoved}, t.UTC())
	if recID != 0 {
		q = q.Where("recommendation_id = ?", recID)
		eq = eq.Where("recommendation_id = ?", recID)
	}
	var es []Evidence
	if err := q.Order("created_at, id").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: list evidence as of: %w", err)
	}
	var evs []Event
	if err := eq.Order("created_at, id").Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("models: load evidence events: %w", err)
	}
	byID := make(map[int64]*Evidence, len(es))
	for i := range es {
		e := &es[i]
		e.VerifiedByID, e.VerifiedBy, e.VerifiedAt = nil, nil, nil
		e.RejectedByID, e.RejectedBy, e.RejectedAt, e.RejectReason = nil, nil, nil, ""
		e.Removed = false
		byID[e.ID] = e
	}
	for _, ev := range evs {
		e := byID[eventRef(ev)]
		if e == nil {
			continue
		}
		at := ev.CreatedAt
		switch ev.Kind {
		case EventEvidenceVerified:
			e.VerifiedByID, e.VerifiedBy, e.VerifiedAt = ev.ActorID, ev.Actor, &at
			e.RejectedByID, e.RejectedBy, e.RejectedAt, e.RejectReason = nil, nil, nil, ""
		case EventEvidenceRejected:
			e.RejectedByID, e.RejectedBy, e.RejectedAt, e.RejectReason = ev.ActorID, ev.Actor, &at, ev.Reason
			e.VerifiedByID, e.VerifiedBy, e.VerifiedAt = nil, nil, nil
		case EventEvidenceRemoved:
			e.Removed = true
		}
	}
	return es, nil
}
