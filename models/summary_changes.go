package models

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Changes is what happened to a set of items in a period.
type Changes struct {
	StatusChanges    int `json:"status_changes"`
	Closed           int `json:"closed"`
	Reopened         int `json:"reopened"`
	EvidenceAdded    int `json:"evidence_added"`
	EvidenceVerified int `json:"evidence_verified"`
	DueDatesSlipped  int `json:"due_dates_slipped"`
	NotesAdded       int `json:"notes_added"`
	// Entries list the changes newest first, at most MaxChangeEntries; new
	// notes are one entry per item. Truncated says some were left out (the
	// counts above are always complete).
	Entries   []ChangeEntry `json:"entries"`
	Truncated bool          `json:"truncated"`
}

// Kinds of ChangeEntry.
const (
	ChangeStatus           = "status"            // From → To, within open or within closed statuses
	ChangeClosed           = "closed"            // From → To, an open status to a closed one
	ChangeReopened         = "reopened"          // From → To, a closed status to an open one
	ChangeEvidenceAdded    = "evidence_added"    // Detail is the evidence title
	ChangeEvidenceVerified = "evidence_verified" // Detail is the evidence title
	ChangeDueMoved         = "due_date_moved"    // From → To, a later date (or none)
	ChangeDuePassed        = "due_date_passed"   // To is the due date that passed while the item was open
	ChangeNotesAdded       = "notes_added"       // Count new notes
)

// MaxChangeEntries bounds the listed changes of one summary, so a summary of
// a long period stays readable and fast; the counts stay exact.
const MaxChangeEntries = 1000

// ChangeEntry is one line of "what changed".
type ChangeEntry struct {
	At               time.Time `json:"at"`
	RecommendationID int64     `json:"recommendation_id"`
	Code             string    `json:"code"`
	Title            string    `json:"title"`
	Kind             string    `json:"kind"`
	From             string    `json:"from,omitempty"`
	To               string    `json:"to,omitempty"`
	Detail           string    `json:"detail,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	Count            int       `json:"count,omitempty"`
	Actor            string    `json:"actor,omitempty"`
}

// Text says what the change was, in words, for pages and reports.
func (e ChangeEntry) Text() string {
	st := func(v string) string { return Status(v).Label() }
	switch e.Kind {
	case ChangeStatus:
		return "status " + st(e.From) + " → " + st(e.To)
	case ChangeClosed:
		return "closed: " + st(e.From) + " → " + st(e.To)
	case ChangeReopened:
		return "reopened: " + st(e.From) + " → " + st(e.To)
	case ChangeEvidenceAdded:
		return "evidence added: " + e.Detail
	case ChangeEvidenceVerified:
		return "evidence verified: " + e.Detail
	case ChangeDueMoved:
		if e.To == "" {
			return "due date " + e.From + " removed"
		}
		return "due date moved from " + e.From + " to " + e.To
	case ChangeDuePassed:
		return "due date " + e.To + " passed while open"
	case ChangeNotesAdded:
		if e.Count == 1 {
			return "1 new note"
		}
		return itoa(e.Count) + " new notes"
	}
	return e.Kind
}

// changes reads the period's events of the given items. It scans plain rows
// rather than GORM models: a year of a large catalog is ~10⁵ events.
func (s *Store) changes(ctx context.Context, since, asOf time.Time, items []Recommendation) (Changes, error) {
	out := Changes{Entries: []ChangeEntry{}}
	byID := make(map[int64]*Recommendation, len(items))
	for i := range items {
		byID[items[i].ID] = &items[i]
	}
	names, err := s.userNames(ctx)
	if err != nil {
		return out, err
	}
	rows, err := s.r(ctx).Raw(`SELECT recommendation_id, actor_id, kind, field, old_value, new_value, reason, created_at FROM events
		WHERE created_at > ? AND created_at <= ? AND recommendation_id IS NOT NULL
		AND (field IN ('status', 'due_date') OR kind IN ('evidence_added', 'evidence_verified', 'note_added'))
		ORDER BY created_at DESC, id DESC`, since.UTC(), asOf.UTC()).Rows()
	if err != nil {
		return out, fmt.Errorf("models: read changes: %w", err)
	}
	defer rows.Close()
	type noteAgg struct {
		n    int
		last time.Time
	}
	notes := map[int64]*noteAgg{}
	// The status and due date each item had at since, and when they last
	// changed, to tell which due dates passed in the period (below).
	type dueState struct {
		status  Status
		due     string
		touched time.Time
	}
	atSince := map[int64]*dueState{}
	var entries []ChangeEntry
	for rows.Next() {
		var (
			recID                           int64
			actorID                         *int64
			kind, field, oldV, newV, reason string
			at                              time.Time
		)
		if err := rows.Scan(&recID, &actorID, &kind, &field, &oldV, &newV, &reason, &at); err != nil {
			return out, fmt.Errorf("models: read changes: %w", err)
		}
		r := byID[recID]
		if r == nil {
			continue
		}
		if field == "status" || field == "due_date" {
			st := atSince[recID]
			if st == nil {
				st = &dueState{status: r.Status, due: r.DueDate, touched: at}
				atSince[recID] = st
			}
			// Rows come newest first: the last one seen is the oldest, whose
			// old value is the value at since.
			if field == "status" {
				st.status = Status(oldV)
			} else {
				st.due = oldV
			}
		}
		e := ChangeEntry{At: at, RecommendationID: recID, Code: r.Code, Title: r.Title, Reason: reason}
		if actorID != nil {
			e.Actor = names[*actorID]
		}
		switch {
		case field == "status":
			out.StatusChanges++
			e.Kind, e.From, e.To = ChangeStatus, oldV, newV
			switch kind {
			case "closed":
				out.Closed++
				e.Kind = ChangeClosed
			case "reopened":
				out.Reopened++
				e.Kind = ChangeReopened
			}
		case field == "due_date":
			// A due date moved later or removed is a slip; moved earlier is not.
			if oldV == "" || (newV != "" && newV <= oldV) {
				continue
			}
			out.DueDatesSlipped++
			e.Kind, e.From, e.To = ChangeDueMoved, oldV, newV
		case kind == "evidence_added":
			out.EvidenceAdded++
			e.Kind, e.Detail = ChangeEvidenceAdded, newV
		case kind == "evidence_verified":
			out.EvidenceVerified++
			e.Kind, e.Detail = ChangeEvidenceVerified, newV
		case kind == "note_added":
			out.NotesAdded++
			a := notes[recID]
			if a == nil {
				a = &noteAgg{last: at}
				notes[recID] = a
			}
			a.n++
			continue
		default:
			continue
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("models: read changes: %w", err)
	}
	for id, a := range notes {
		r := byID[id]
		entries = append(entries, ChangeEntry{At: a.last, RecommendationID: id, Code: r.Code, Title: r.Title, Kind: ChangeNotesAdded, Count: a.n})
	}
	// Due dates that passed while the item was open: overdue at asOf, not
	// overdue at since (judged on the state then). It happened when the day
	// ended, or when a change made it overdue (a past date set, a reopening).
	sinceDay, today := since.In(asOf.Location()).Format("2006-01-02"), asOf.Format("2006-01-02")
	overdue := func(st Status, due, day string) bool { return !st.Closed() && due != "" && due < day }
	for i := range items {
		r := &items[i]
		if !overdue(r.Status, r.DueDate, today) {
			continue
		}
		then := dueState{status: r.Status, due: r.DueDate}
		if st := atSince[r.ID]; st != nil {
			then = *st
		}
		if overdue(then.status, then.due, sinceDay) {
			continue
		}
		day, _ := time.ParseInLocation("2006-01-02", r.DueDate, asOf.Location())
		at := day.AddDate(0, 0, 1)
		if then.touched.After(at) {
			at = then.touched
		}
		out.DueDatesSlipped++
		entries = append(entries, ChangeEntry{At: at, RecommendationID: r.ID, Code: r.Code, Title: r.Title, Kind: ChangeDuePassed, To: r.DueDate})
	}
	sort.SliceStable(entries, func(i, j int) bool {
		if !entries[i].At.Equal(entries[j].At) {
			return entries[i].At.After(entries[j].At)
		}
		return entries[i].Code < entries[j].Code
	})
	if len(entries) > MaxChangeEntries {
		entries, out.Truncated = entries[:MaxChangeEntries], true
	}
	out.Entries = append(out.Entries, entries...)
	return out, nil
}

// userNames maps every account id to its name; teams are small.
func (s *Store) userNames(ctx context.Context) (map[int64]string, error) {
	var us []User
	if err := s.r(ctx).Select("id", "name").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("models: load user names: %w", err)
	}
	m := make(map[int64]string, len(us))
	for _, u := range us {
		m[u.ID] = u.Name
	}
	return m, nil
}
