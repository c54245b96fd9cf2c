package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ItemDetail is what an item carried at a past moment beyond its tracking
// fields: notes (with their text as it read then), evidence (with its review
// state then) and history up to then.
type ItemDetail struct {
	NoteCount     int
	EvidenceCount int
	VerifiedCount int
	LatestNote    *Note // nil when the item had no note
	Notes         []Note
	Evidence      []Evidence
	Events        []Event
}

// DetailOptions says which lists a reader needs. Counts and the latest note
// are always filled; the lists cost memory and are loaded only on request.
type DetailOptions struct {
	Notes, Evidence, Events bool
}

// ItemDetails loads the details of a batch of items as of asOf with a fixed
// number of queries whatever the batch size (no query per item). Callers
// walk a large catalog in batches of a few hundred ids.
//
// As of asOf: a note exists if it was written by then and not yet deleted;
// its text is the text before its first edit after asOf. Evidence exists if
// added by then and not yet removed; its verification or rejection counts
// only if it happened by then.
func (s *Store) ItemDetails(ctx context.Context, ids []int64, asOf time.Time, opt DetailOptions) (map[int64]*ItemDetail, error) {
	out := make(map[int64]*ItemDetail, len(ids))
	for _, id := range ids {
		out[id] = &ItemDetail{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	users, err := s.usersByID(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.notesAsOf(ctx, ids, asOf, opt.Notes, users, out); err != nil {
		return nil, err
	}
	if err := s.evidenceAsOf(ctx, ids, asOf, opt.Evidence, users, out); err != nil {
		return nil, err
	}
	if opt.Events {
		if err := s.historyOf(ctx, ids, asOf, users, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// historyOf loads the events of a batch up to asOf. It scans plain rows:
// a complete export reads a few hundred thousand events, and GORM's
// reflection-based scanning would triple the time.
func (s *Store) historyOf(ctx context.Context, ids []int64, asOf time.Time, users map[int64]*User, out map[int64]*ItemDetail) error {
	rows, err := s.r(ctx).Raw(`SELECT id, recommendation_id, actor_id, kind, field, old_value, new_value, reason, ref_id, created_at
		FROM events WHERE recommendation_id IN ? AND created_at <= ? ORDER BY recommendation_id, created_at, id`, ids, asOf.UTC()).Rows()
	if err != nil {
		return fmt.Errorf("models: load history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var recID int64
		if err := rows.Scan(&e.ID, &recID, &e.ActorID, &e.Kind, &e.Field, &e.OldValue, &e.NewValue, &e.Reason, &e.RefID, &e.CreatedAt); err != nil {
			return fmt.Errorf("models: load history: %w", err)
		}
		e.RecommendationID = &recID
		if e.ActorID != nil {
			e.Actor = users[*e.ActorID]
		}
		d := out[recID]
		d.Events = append(d.Events, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("models: load history: %w", err)
	}
	return nil
}

// SourcesOf loads the report passages of a batch of items, in order.
// Catalog text has no history: passages are today's.
func (s *Store) SourcesOf(ctx context.Context, ids []int64) (map[int64][]Source, error) {
	out := make(map[int64][]Source, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var srcs []Source
	if err := s.r(ctx).Where("recommendation_id IN ?", ids).Order("recommendation_id, position").Find(&srcs).Error; err != nil {
		return nil, fmt.Errorf("models: load sources: %w", err)
	}
	for _, src := range srcs {
		out[src.RecommendationID] = append(out[src.RecommendationID], src)
	}
	return out, nil
}

// notesAsOf fills note counts and latest notes, and every note when all is
// set. Without all, it counts in SQL and loads only the latest note of each
// item, so a CSV of 100,000 notes reads a few hundred bodies per batch.
func (s *Store) notesAsOf(ctx context.Context, ids []int64, asOf time.Time, all bool, users map[int64]*User, out map[int64]*ItemDetail) error {
	t := asOf.UTC()
	alive := s.r(ctx).Where("recommendation_id IN ? AND created_at <= ? AND (deleted = ? OR deleted_at > ?)", ids, t, false, t)
	var notes []Note
	if all {
		var err error
		if notes, err = scanNotes(alive.Model(&Note{}).Order("recommendation_id, created_at, id")); err != nil {
			return err
		}
	} else {
		type row struct {
			RecommendationID int64
			N                int
			Latest           int64
		}
		var rows []row
		if err := alive.Model(&Note{}).Select("recommendation_id, COUNT(*) AS n, MAX(id) AS latest").
			Group("recommendation_id").Scan(&rows).Error; err != nil {
			return fmt.Errorf("models: count notes: %w", err)
		}
		latest := make([]int64, 0, len(rows))
		for _, r := range rows {
			out[r.RecommendationID].NoteCount = r.N
			latest = append(latest, r.Latest)
		}
		if len(latest) > 0 {
			var err error
			if notes, err = scanNotes(s.r(ctx).Model(&Note{}).Where("id IN ?", latest)); err != nil {
				return err
			}
		}
	}
	if err := s.rewindNotes(ctx, notes, t); err != nil {
		return err
	}
	for i := range notes {
		n := notes[i]
		n.Author = users[n.AuthorID]
		d := out[n.RecommendationID]
		if all {
			d.Notes = append(d.Notes, n)
			d.NoteCount++
		}
		// Ids grow with time, so the highest id is the newest note.
		if d.LatestNote == nil || n.ID > d.LatestNote.ID {
			nn := n
			d.LatestNote = &nn
		}
	}
	return nil
}

// scanNotes reads the notes a query selects as plain rows (see historyOf).
func scanNotes(q *gorm.DB) ([]Note, error) {
	rows, err := q.Select("id, recommendation_id, author_id, body, edited, created_at, updated_at").Rows()
	if err != nil {
		return nil, fmt.Errorf("models: load notes: %w", err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.RecommendationID, &n.AuthorID, &n.Body, &n.Edited, &n.CreatedAt, &n.UpdatedAt); err != nil {
			return nil, fmt.Errorf("models: load notes: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: load notes: %w", err)
	}
	return out, nil
}

// rewindNotes puts back the text each note had at t: the old value of its
// first edit after t. Edited says whether it had been edited by t.
func (s *Store) rewindNotes(ctx context.Context, notes []Note, t time.Time) error {
	someEdited := false
	for _, n := range notes {
		someEdited = someEdited || n.Edited
	}
	if !someEdited {
		return nil
	}
	// Looked up by item (events are indexed by recommendation_id), then
	// matched to the notes by ref_id.
	recs := map[int64]bool{}
	var recIDs []int64
	for _, n := range notes {
		if n.Edited && !recs[n.RecommendationID] {
			recs[n.RecommendationID] = true
			recIDs = append(recIDs, n.RecommendationID)
		}
	}
	var evs []Event
	if err := s.r(ctx).Select("ref_id", "old_value", "created_at").Where("recommendation_id IN ? AND kind = ? AND ref_id IS NOT NULL", recIDs, "note_edited").
		Order("created_at, id").Find(&evs).Error; err != nil {
		return fmt.Errorf("models: load note edits: %w", err)
	}
	type state struct {
		editedBy bool
		oldBody  *string
	}
	st := map[int64]*state{}
	for i := range evs {
		e := &evs[i]
		x := st[*e.RefID]
		if x == nil {
			x = &state{}
			st[*e.RefID] = x
		}
		if !e.CreatedAt.After(t) {
			x.editedBy = true
		} else if x.oldBody == nil {
			x.oldBody = &e.OldValue
		}
	}
	for i := range notes {
		x := st[notes[i].ID]
		if x == nil {
			continue
		}
		if x.oldBody != nil {
			notes[i].Body = *x.oldBody
		}
		notes[i].Edited = x.editedBy
	}
	return nil
}

// evidenceAsOf fills evidence counts, and the evidence list when all is
// set. Evidence rows are few (a fifth of the notes), so they are always read.
func (s *Store) evidenceAsOf(ctx context.Context, ids []int64, asOf time.Time, all bool, users map[int64]*User, out map[int64]*ItemDetail) error {
	t := asOf.UTC()
	var evs []Evidence
	if err := s.r(ctx).Where("recommendation_id IN ? AND created_at <= ?", ids, t).Order("recommendation_id, created_at, id").Find(&evs).Error; err != nil {
		return fmt.Errorf("models: load evidence: %w", err)
	}
	// Removal has no column of its own: its time is the removal event's.
	var removedOf []int64 // items with removed evidence
	seen := map[int64]bool{}
	for _, e := range evs {
		if e.Removed && !seen[e.RecommendationID] {
			seen[e.RecommendationID] = true
			removedOf = append(removedOf, e.RecommendationID)
		}
	}
	removedAt := map[int64]time.Time{}
	if len(removedOf) > 0 {
		var rm []Event
		if err := s.r(ctx).Select("ref_id", "created_at").Where("recommendation_id IN ? AND kind = ? AND ref_id IS NOT NULL", removedOf, "evidence_removed").
			Find(&rm).Error; err != nil {
			return fmt.Errorf("models: load evidence removals: %w", err)
		}
		for _, e := range rm {
			removedAt[*e.RefID] = e.CreatedAt
		}
	}
	for _, e := range evs {
		if e.Removed {
			// A removal without its event is treated as always removed.
			if at, ok := removedAt[e.ID]; !ok || !at.After(t) {
				continue
			}
			e.Removed = false
		}
		if e.VerifiedAt != nil && e.VerifiedAt.After(t) {
			e.VerifiedAt, e.VerifiedByID = nil, nil
		}
		if e.RejectedAt != nil && e.RejectedAt.After(t) {
			e.RejectedAt, e.RejectedByID, e.RejectReason = nil, nil, ""
		}
		e.AddedBy = users[e.AddedByID]
		if e.VerifiedByID != nil {
			e.VerifiedBy = users[*e.VerifiedByID]
		}
		if e.RejectedByID != nil {
			e.RejectedBy = users[*e.RejectedByID]
		}
		d := out[e.RecommendationID]
		d.EvidenceCount++
		if e.VerifiedByID != nil {
			d.VerifiedCount++
		}
		if all {
			d.Evidence = append(d.Evidence, e)
		}
	}
	return nil
}

// usersByID loads every account once for a batch.
func (s *Store) usersByID(ctx context.Context) (map[int64]*User, error) {
	var us []User
	if err := s.r(ctx).Omit("password_hash").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("models: load users: %w", err)
	}
	m := make(map[int64]*User, len(us))
	for i := range us {
		m[us[i].ID] = &us[i]
	}
	return m, nil
}
