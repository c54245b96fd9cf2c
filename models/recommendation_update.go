package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Change is an edit of tracking fields. Nil pointers leave a field as it is.
// Version must be the version the editor saw: edits are optimistic-locked.
type Change struct {
	Version  int
	Status   *Status
	Progress *int
	Priority *Priority
	// OwnerID set with ClearOwner false assigns; ClearOwner removes the owner.
	OwnerID    *int64
	ClearOwner bool
	DueDate    *string
	Tags       *[]string
	// Reason explains a close, reopen or not_implemented; kept in the history.
	Reason string
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// ValidDate reports whether s is an ISO date (YYYY-MM-DD) of the calendar.
func ValidDate(s string) bool {
	if !datePattern.MatchString(s) {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// UpdateRecommendation applies a change as actor, enforcing permissions,
// the status rules and the optimistic lock, and records one event per field
// that actually changed. It returns the item as stored afterwards.
func (s *Store) UpdateRecommendation(ctx context.Context, actor *User, id int64, ch Change) (*Recommendation, error) {
	if !CanEdit(actor) {
		return nil, Forbidden("Viewers cannot change recommendations.")
	}
	var out *Recommendation
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.loadRecommendation(tx, id)
		if err != nil {
			return err
		}
		if ch.Version != cur.Version {
			return &ConflictError{Current: cur, Message: fmt.Sprintf("This item was changed by someone else (you edited version %d, it is now at version %d).", ch.Version, cur.Version)}
		}
		next, err := s.applyChange(tx, actor, cur, ch)
		if err != nil {
			return err
		}
		diffs := fieldDiffs(cur, next)
		if len(diffs) == 0 {
			out = cur
			return nil
		}
		now := s.now()
		res := tx.Model(&Recommendation{}).Where("id = ? AND version = ?", id, cur.Version).Updates(map[string]any{
			"status": next.Status, "progress": next.Progress, "priority": next.Priority, "owner_id": next.OwnerID,
			"due_date": next.DueDate, "tags": next.Tags, "review_requested": next.ReviewRequested,
			"version": cur.Version + 1, "updated_at": now,
		})
		if res.Error != nil {
			return fmt.Errorf("models: update recommendation %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return &ConflictError{Current: cur}
		}
		for _, d := range diffs {
			kind := "field"
			if d.field == "status" {
				was, is := Status(d.old), Status(d.new)
				switch {
				case !was.Closed() && is.Closed():
					kind = "closed"
				case was.Closed() && !is.Closed():
					kind = "reopened"
				}
			}
			ev := Event{RecommendationID: &id, ActorID: &actor.ID, Kind: kind, Field: d.field, OldValue: d.old, NewValue: d.new, Reason: strings.TrimSpace(ch.Reason), CreatedAt: now}
			if err := tx.Create(&ev).Error; err != nil {
				return fmt.Errorf("models: record event: %w", err)
			}
		}
		out, err = s.loadRecommendation(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyChange computes the new state and checks every rule about it.
func (s *Store) applyChange(tx *gorm.DB, actor *User, cur *Recommendation, ch Change) (*Recommendation, error) {
	next := *cur
	v := &ValidationError{}
	reason := strings.TrimSpace(ch.Reason)
	if len(reason) > 2000 {
		v.Add("reason", "is too long (2,000 characters at most)")
	}
	checkText(v, "reason", reason)
	if ch.Status != nil && *ch.Status != cur.Status {
		st := *ch.Status
		switch {
		case !st.Valid():
			v.Add("status", "unknown status")
		case (st.Closed() || cur.Status.Closed()) && !CanClose(actor):
			if cur.Status.Closed() {
				return nil, Forbidden("Only a lead or admin can reopen a closed item.")
			}
			return nil, Forbidden("Only a lead or admin can close an item.")
		case st == StatusNotImplemented && reason == "":
			v.Add("reason", "Say why the recommendation was not implemented.")
		case cur.Status.Closed() && !st.Closed() && reason == "":
			v.Add("reason", "Reopening a closed item needs a reason.")
		case st == StatusImplemented:
			var n int64
			if err := tx.Model(&Evidence{}).Where("recommendation_id = ? AND verified_by_id IS NOT NULL AND removed = ?", cur.ID, false).Count(&n).Error; err != nil {
				return nil, fmt.Errorf("models: count verified evidence: %w", err)
			}
			if n == 0 {
				v.Add("status", "An item can be marked implemented only with at least one verified evidence item.")
			}
		}
		if _, bad := v.Fields["status"]; !bad {
			next.Status = st
			if p, ok := st.DefaultProgress(); ok {
				next.Progress = p
			}
			if st.Closed() {
				next.ReviewRequested = false
			}
		}
	}
	if ch.Progress != nil && *ch.Progress != next.Progress {
		p := *ch.Progress
		switch {
		case p < 0 || p > 100:
			v.Add("progress", "must be a whole number from 0 to 100")
		case next.Status.Closed():
			v.Add("progress", "cannot be changed while the item is closed")
		default:
			next.Progress = p
		}
	}
	if ch.Priority != nil && *ch.Priority != cur.Priority {
		if !ch.Priority.Valid() {
			v.Add("priority", "must be high, medium or low")
		} else {
			next.Priority = *ch.Priority
		}
	}
	if ch.ClearOwner {
		next.OwnerID = nil
	} else if ch.OwnerID != nil {
		var u User
		err := tx.Select("id", "disabled").First(&u, "id = ?", *ch.OwnerID).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			v.Add("owner", "no such team member")
		case err != nil:
			return nil, fmt.Errorf("models: load owner: %w", err)
		case u.Disabled && (cur.OwnerID == nil || *cur.OwnerID != u.ID):
			v.Add("owner", "this account is disabled")
		default:
			id := u.ID
			next.OwnerID = &id
		}
	}
	if ch.DueDate != nil {
		d := strings.TrimSpace(*ch.DueDate)
		if d != "" && !ValidDate(d) {
			v.Add("due_date", "must be a date like 2026-03-31")
		} else {
			next.DueDate = d
		}
	}
	if ch.Tags != nil {
		tags := NormaliseTags(*ch.Tags)
		if len(tags) > 20 {
			v.Add("tags", "20 tags at most")
		}
		for _, t := range tags {
			if len(t) > 40 {
				v.Add("tags", "each tag is 40 characters at most")
			}
		}
		// The raw tags: normalising lower-cases, which turns broken bytes
		// into U+FFFD that would then pass.
		checkText(v, "tags", *ch.Tags...)
		next.Tags = joinList(tags)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if cur.Status.Closed() && next.Status == cur.Status && !CanClose(actor) && len(fieldDiffs(cur, &next)) > 0 {
		return nil, Forbidden("A closed item can only be changed by a lead or admin.")
	}
	return &next, nil
}

type fieldDiff struct{ field, old, new string }

// TrackedFields are the fields whose history is kept and rebuilt "as of".
var TrackedFields = []string{"status", "progress", "priority", "owner", "due_date", "tags"}

func fieldDiffs(a, b *Recommendation) []fieldDiff {
	var out []fieldDiff
	add := func(f, x, y string) {
		if x != y {
			out = append(out, fieldDiff{f, x, y})
		}
	}
	add("status", string(a.Status), string(b.Status))
	add("progress", strconv.Itoa(a.Progress), strconv.Itoa(b.Progress))
	add("priority", string(a.Priority), string(b.Priority))
	add("owner", idString(a.OwnerID), idString(b.OwnerID))
	add("due_date", a.DueDate, b.DueDate)
	add("tags", a.Tags, b.Tags)
	if a.ReviewRequested != b.ReviewRequested {
		out = append(out, fieldDiff{"review_requested", strconv.FormatBool(a.ReviewRequested), strconv.FormatBool(b.ReviewRequested)})
	}
	return out
}

func idString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}
