package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"policytracker/models/markdown"
)

// MaxNoteLength bounds a note's Markdown, in bytes.
const MaxNoteLength = 20000

// Note events keep the text: note_added has the body in NewValue,
// note_edited the previous body in OldValue and the new one in NewValue,
// note_deleted the last body in OldValue. The notes of any past moment are
// rebuilt from them.
const (
	EventNoteAdded   = "note_added"
	EventNoteEdited  = "note_edited"
	EventNoteDeleted = "note_deleted"
)

func validateNoteBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if msg := TextProblem(body); msg != "" {
		return "", Invalid("body", msg)
	}
	switch {
	case body == "":
		return "", Invalid("body", "Write something first: the note is empty.")
	case len(body) > MaxNoteLength:
		return "", Invalid("body", fmt.Sprintf("is too long (%d characters at most)", MaxNoteLength))
	}
	return body, nil
}

// AddNote adds a Markdown note to a recommendation. Members write notes on
// open and closed items alike: discussion does not change the status.
func (s *Store) AddNote(ctx context.Context, actor *User, recID int64, body string) (*Note, error) {
	if !CanEdit(actor) {
		return nil, Forbidden("Viewers cannot write notes.")
	}
	body, err := validateNoteBody(body)
	if err != nil {
		return nil, err
	}
	n := &Note{RecommendationID: recID, AuthorID: actor.ID, Body: body}
	err = s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireRecommendation(tx, recID); err != nil {
			return err
		}
		now := s.now()
		n.CreatedAt, n.UpdatedAt = now, now
		if err := tx.Omit("Author").Create(n).Error; err != nil {
			return fmt.Errorf("models: add note: %w", err)
		}
		return appendHistory(tx, Event{RecommendationID: &recID, ActorID: &actor.ID, Kind: EventNoteAdded, NewValue: body, RefID: &n.ID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	n.Author = actor
	return n, nil
}

// EditNote replaces the text of the actor's own note. The earlier text stays
// in the history.
func (s *Store) EditNote(ctx context.Context, actor *User, id int64, body string) (*Note, error) {
	body, err := validateNoteBody(body)
	if err != nil {
		return nil, err
	}
	var n *Note
	err = s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if n, err = loadNote(tx, id); err != nil {
			return err
		}
		if !CanEditNote(actor, n) {
			return Forbidden("Only its author can edit a note.")
		}
		if n.Body == body {
			return nil
		}
		now := s.now()
		old := n.Body
		if err := tx.Model(&Note{}).Where("id = ?", id).Updates(map[string]any{"body": body, "edited": true, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("models: edit note %d: %w", id, err)
		}
		n.Body, n.Edited, n.UpdatedAt = body, true, now
		return appendHistory(tx, Event{RecommendationID: &n.RecommendationID, ActorID: &actor.ID, Kind: EventNoteEdited, OldValue: old, NewValue: body, RefID: &n.ID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// DeleteNote hides a note (its author's, or any for an admin). The row and
// the history keep the text: events are never lost.
func (s *Store) DeleteNote(ctx context.Context, actor *User, id int64) (*Note, error) {
	var n *Note
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if n, err = loadNote(tx, id); err != nil {
			return err
		}
		if !CanDeleteNote(actor, n) {
			return Forbidden("Only its author or an admin can delete a note.")
		}
		now := s.now()
		if err := tx.Model(&Note{}).Where("id = ?", id).Updates(map[string]any{"deleted": true, "deleted_at": now}).Error; err != nil {
			return fmt.Errorf("models: delete note %d: %w", id, err)
		}
		n.Deleted, n.DeletedAt = true, &now
		return appendHistory(tx, Event{RecommendationID: &n.RecommendationID, ActorID: &actor.ID, Kind: EventNoteDeleted, OldValue: n.Body, RefID: &n.ID, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Note loads a note that has not been deleted, with its author.
func (s *Store) Note(ctx context.Context, id int64) (*Note, error) {
	n, err := loadNote(s.r(ctx), id)
	if err != nil {
		return nil, err
	}
	if n.Author, err = s.User(ctx, n.AuthorID); err != nil {
		return nil, err
	}
	return n, nil
}

func loadNote(db *gorm.DB, id int64) (*Note, error) {
	var n Note
	err := db.Omit("Author").First(&n, "id = ? AND deleted = ?", id, false).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("models: note %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("models: load note %d: %w", id, err)
	}
	return &n, nil
}

// Notes lists the current notes of a recommendation, oldest first.
func (s *Store) Notes(ctx context.Context, recID int64) ([]Note, error) {
	var ns []Note
	err := s.r(ctx).Preload("Author").Where("recommendation_id = ? AND deleted = ?", recID, false).
		Order("created_at, id").Find(&ns).Error
	if err != nil {
		return nil, fmt.Errorf("models: list notes: %w", err)
	}
	return ns, nil
}

// NotesAsOf rebuilds the notes that existed at t, with the text they had
// then, oldest first. recID 0 means every recommendation. Edited says
// whether the note had been edited by t; UpdatedAt is its last edit by t.
func (s *Store) NotesAsOf(ctx context.Context, recID int64, t time.Time) ([]Note, error) {
	q := s.r(ctx).Preload("Author").Where("created_at <= ?", t.UTC())
	eq := s.r(ctx).Where("kind IN ?", []string{EventNoteEdited, EventNoteDeleted})
	if recID != 0 {
		q = q.Where("recommendation_id = ?", recID)
		eq = eq.Where("recommendation_id = ?", recID)
	}
	var ns []Note
	if err := q.Order("created_at, id").Find(&ns).Error; err != nil {
		return nil, fmt.Errorf("models: list notes as of: %w", err)
	}
	var evs []Event
	if err := eq.Order("created_at DESC, id DESC").Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("models: load note events: %w", err)
	}
	byID := make(map[int64]*Note, len(ns))
	for i := range ns {
		n := &ns[i]
		// Start from the state at creation and replay what happened by t.
		n.Edited, n.UpdatedAt = false, n.CreatedAt
		byID[n.ID] = n
	}
	deletedBy := map[int64]bool{}
	// Newest first: undo later edits, note the newest edit before t.
	for _, e := range evs {
		n := byID[eventRef(e)]
		if n == nil {
			continue
		}
		after := e.CreatedAt.After(t)
		switch {
		case e.Kind == EventNoteEdited && after:
			n.Body = e.OldValue
		case e.Kind == EventNoteEdited && !n.Edited:
			n.Edited, n.UpdatedAt = true, e.CreatedAt
		case e.Kind == EventNoteDeleted && !after:
			deletedBy[n.ID] = true
		}
	}
	out := ns[:0]
	for _, n := range ns {
		if deletedBy[n.ID] {
			continue
		}
		n.Deleted, n.DeletedAt = false, nil
		out = append(out, n)
	}
	return out, nil
}

func eventRef(e Event) int64 {
	if e.RefID == nil {
		return 0
	}
	return *e.RefID
}

// NoteDirectory is what notes resolve their references against: every
// account's handle and every recommendation code.
//
// Mention syntax: "@" and the local part of the member's e-mail, any case
// (@ada for ada@example.org). A member's first name works too (@Ada) when
// no one else has the same first name and it is nobody's e-mail handle.
func (s *Store) NoteDirectory(ctx context.Context) (*markdown.Directory, error) {
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	codes, err := s.recommendationCodes(ctx)
	if err != nil {
		return nil, err
	}
	return &markdown.Directory{Handles: MentionHandles(users), Codes: codes}, nil
}

// codeCache keeps the code → id map between requests: loading every code
// cost 8 of the item page's 14 CPU-ms with 10,000 items (cmd/ptbench).
// Codes only ever get added, so the row count and highest id tell whether
// the map still holds — also after another process (the CLI) imported.
type codeCache struct {
	mu    sync.Mutex
	key   [2]int64
	codes map[string]int64
}

// recommendationCodes returns the shared, read-only code → id map.
func (s *Store) recommendationCodes(ctx context.Context) (map[string]int64, error) {
	var key struct{ N, Max int64 }
	if err := s.r(ctx).Raw(`SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS max FROM recommendations`).Scan(&key).Error; err != nil {
		return nil, fmt.Errorf("models: count codes: %w", err)
	}
	c := &s.codes
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes != nil && c.key == [2]int64{key.N, key.Max} {
		return c.codes, nil
	}
	type codeRow struct {
		ID   int64
		Code string
	}
	var rows []codeRow
	if err := s.r(ctx).Model(&Recommendation{}).Select("id, code").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: load codes: %w", err)
	}
	codes := make(map[string]int64, len(rows))
	for _, r := range rows {
		codes[r.Code] = r.ID
	}
	c.codes, c.key = codes, [2]int64{key.N, key.Max}
	return codes, nil
}

// MentionHandles maps each handle (lower case) to its person: e-mail
// local parts first, then first names that are unique and free.
func MentionHandles(users []User) map[string]markdown.Person {
	out := map[string]markdown.Person{}
	for _, u := range users {
		out[markdown.HandleOf(u.Email)] = markdown.Person{ID: u.ID, Name: u.Name}
	}
	first := map[string][]User{}
	for _, u := range users {
		if f := FirstName(u.Name); f != "" {
			first[f] = append(first[f], u)
		}
	}
	for f, us := range first {
		if _, taken := out[f]; !taken && len(us) == 1 {
			out[f] = markdown.Person{ID: us[0].ID, Name: us[0].Name}
		}
	}
	return out
}

// FirstName is the lower-case first word of a name, as used in mentions.
func FirstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(f[0], ".,;:"))
}

// Handle is one way to mention someone.
type Handle struct {
	Handle string
	Name   string
	UserID int64
}

// HandleList lists a directory's handles by person (name, then id), for
// the help next to the note box.
func HandleList(dir *markdown.Directory) []Handle {
	out := make([]Handle, 0, len(dir.Handles))
	for h, p := range dir.Handles {
		out = append(out, Handle{Handle: h, Name: p.Name, UserID: p.ID})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].UserID != out[j].UserID {
			return out[i].UserID < out[j].UserID
		}
		return out[i].Handle < out[j].Handle
	})
	return out
}

// MentionsOf lists the current notes that mention u, newest first, one page
// at a time. Candidates are found with LIKE on u's handles and confirmed by
// the same parser that renders notes, so code spans and e-mail addresses
// never count.
func (s *Store) MentionsOf(ctx context.Context, u *User, page, perPage int) (Page[Note], error) {
	out := Page[Note]{Page: max(page, 1), PerPage: perPage}
	if out.PerPage < 1 || out.PerPage > MaxPerPage {
		out.PerPage = DefaultPerPage
	}
	dir, err := s.NoteDirectory(ctx)
	if err != nil {
		return out, err
	}
	var conds []string
	var args []any
	for h, p := range dir.Handles {
		if p.ID == u.ID {
			conds = append(conds, "body "+s.likeOp()+" ? ESCAPE '\\'")
			args = append(args, "%@"+escapeLike(h)+"%")
		}
	}
	if len(conds) == 0 {
		return out, nil
	}
	var cands []Note
	err = s.r(ctx).Preload("Author").Where("deleted = ?", false).Where(strings.Join(conds, " OR "), args...).
		Order("created_at DESC, id DESC").Find(&cands).Error
	if err != nil {
		return out, fmt.Errorf("models: find mentions: %w", err)
	}
	var hits []Note
	for _, n := range cands {
		for _, id := range markdown.Mentions(n.Body, dir) {
			if id == u.ID {
				hits = append(hits, n)
				break
			}
		}
	}
	out.Total = int64(len(hits))
	from := min((out.Page-1)*out.PerPage, len(hits))
	out.Items = hits[from:min(from+out.PerPage, len(hits))]
	return out, nil
}

func requireRecommendation(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&Recommendation{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return fmt.Errorf("models: check recommendation %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("models: recommendation %d: %w", id, ErrNotFound)
	}
	return nil
}

// appendHistory appends one history entry. Nothing ever updates or deletes
// an events row.
func appendHistory(tx *gorm.DB, e Event) error {
	if err := tx.Omit("Actor").Create(&e).Error; err != nil {
		return fmt.Errorf("models: record %s event: %w", e.Kind, err)
	}
	return nil
}
