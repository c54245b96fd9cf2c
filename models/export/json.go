package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"time"

	"policytracker/models"
)

// SchemaVersion versions the JSON export. Raise it when a field changes
// meaning or disappears; adding fields keeps it.
const SchemaVersion = 1

// JSONHeader is everything of the JSON export before the items. The items
// follow under "recommendations", streamed one by one.
type JSONHeader struct {
	SchemaVersion int               `json:"schema_version"`
	GeneratedAt   time.Time         `json:"generated_at"`
	AsOf          time.Time         `json:"as_of"`
	Since         time.Time         `json:"since"`
	Filters       map[string]string `json:"filters"`
	Summary       *models.Summary   `json:"summary"`
}

// JSONUser names a person.
type JSONUser struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// JSONSource is one passage of the report.
type JSONSource struct {
	Chapter      string `json:"chapter"`
	ChapterTitle string `json:"chapter_title"`
	Line         int    `json:"line"`
	Page         int    `json:"page"`
	EndPage      int    `json:"end_page"`
	Quote        string `json:"quote"`
}

// JSONNote is a note with the text it had as of the report.
type JSONNote struct {
	ID        int64     `json:"id"`
	Author    *JSONUser `json:"author"`
	Body      string    `json:"body"`
	Edited    bool      `json:"edited"`
	CreatedAt time.Time `json:"created_at"`
}

// JSONEvidence is an evidence item with its review state as of the report.
type JSONEvidence struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Title        string     `json:"title"`
	URL          string     `json:"url,omitempty"`
	Publisher    string     `json:"publisher,omitempty"`
	PublishedOn  string     `json:"published_on,omitempty"`
	AccessedOn   string     `json:"accessed_on,omitempty"`
	Citation     string     `json:"citation,omitempty"`
	CitedOn      string     `json:"cited_on,omitempty"`
	Filename     string     `json:"filename,omitempty"`
	ContentType  string     `json:"content_type,omitempty"`
	Size         int64      `json:"size,omitempty"`
	SHA256       string     `json:"sha256,omitempty"`
	State        string     `json:"state"`
	AddedBy      *JSONUser  `json:"added_by"`
	CreatedAt    time.Time  `json:"created_at"`
	VerifiedBy   *JSONUser  `json:"verified_by"`
	VerifiedAt   *time.Time `json:"verified_at"`
	RejectedBy   *JSONUser  `json:"rejected_by,omitempty"`
	RejectedAt   *time.Time `json:"rejected_at,omitempty"`
	RejectReason string     `json:"reject_reason,omitempty"`
}

// JSONEvent is one history entry up to the report's date.
type JSONEvent struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Actor    *JSONUser `json:"actor"`
	Kind     string    `json:"kind"`
	Field    string    `json:"field,omitempty"`
	OldValue string    `json:"old_value,omitempty"`
	NewValue string    `json:"new_value,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	RefID    *int64    `json:"ref_id,omitempty"`
}

// JSONItem is one recommendation as of the report: catalog text, tracking
// fields then, sources, notes, evidence and history. The top-level quote,
// chapter (title) and page repeat the first source, as the API does.
type JSONItem struct {
	ID                    int64          `json:"id"`
	Code                  string         `json:"code"`
	Title                 string         `json:"title"`
	Summary               string         `json:"summary"`
	Domain                string         `json:"domain"`
	DomainLabel           string         `json:"domain_label"`
	Actor                 string         `json:"actor"`
	Strength              string         `json:"strength"`
	Keywords              []string       `json:"keywords"`
	Status                string         `json:"status"`
	Progress              int            `json:"progress"`
	Priority              string         `json:"priority"`
	Owner                 *JSONUser      `json:"owner"`
	DueDate               *string        `json:"due_date"`
	Tags                  []string       `json:"tags"`
	ReviewRequested       bool           `json:"review_requested"`
	CreatedAt             time.Time      `json:"created_at"`
	Quote                 string         `json:"quote"`
	Chapter               string         `json:"chapter"`
	Page                  int            `json:"page"`
	Sources               []JSONSource   `json:"sources"`
	NotesCount            int            `json:"notes_count"`
	EvidenceCount         int            `json:"evidence_count"`
	VerifiedEvidenceCount int            `json:"verified_evidence_count"`
	Notes                 []JSONNote     `json:"notes"`
	Evidence              []JSONEvidence `json:"evidence"`
	Events                []JSONEvent    `json:"events"`
}

// allDetails is what the complete formats (JSON, XLSX, zip) carry.
var allDetails = models.DetailOptions{Notes: true, Evidence: true, Events: true}

func (r *Report) writeJSON(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	head := JSONHeader{SchemaVersion: SchemaVersion, GeneratedAt: r.GeneratedAt.UTC(), AsOf: r.opt.AsOf.UTC(), Since: r.opt.Since.UTC(),
		Filters: map[string]string{}, Summary: r.Summary}
	for _, kv := range filterPairs(r.opt.Filter) {
		head.Filters[kv[0]] = kv[1]
	}
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	// The header object is reopened to append the streamed array.
	bw.Write(hb[:len(hb)-1])
	bw.WriteString(`,"recommendations":[`)
	first := true
	err = r.each(ctx, allDetails, func(batch []Item) error {
		for _, it := range batch {
			b, err := json.Marshal(jsonItem(it))
			if err != nil {
				return err
			}
			if !first {
				bw.WriteByte(',')
			}
			first = false
			bw.WriteString("\n")
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

func jsonUser(u *models.User) *JSONUser {
	if u == nil {
		return nil
	}
	return &JSONUser{ID: u.ID, Name: u.Name, Email: u.Email}
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func jsonItem(it Item) JSONItem {
	out := JSONItem{ID: it.ID, Code: it.Code, Title: it.Title, Summary: it.Summary, Domain: it.Domain, DomainLabel: it.DomainLabel(),
		Actor: it.Actor, Strength: it.Strength, Keywords: nonNil(it.KeywordList()), Status: string(it.Status), Progress: it.Progress,
		Priority: string(it.Priority), Owner: jsonUser(it.Owner), Tags: nonNil(it.TagList()), ReviewRequested: it.ReviewRequested,
		CreatedAt: it.CreatedAt, NotesCount: it.NoteCount, EvidenceCount: it.EvidenceCount, VerifiedEvidenceCount: it.VerifiedCount,
		Sources: []JSONSource{}, Notes: []JSONNote{}, Evidence: []JSONEvidence{}, Events: []JSONEvent{}}
	if it.DueDate != "" {
		d := it.DueDate
		out.DueDate = &d
	}
	for i, s := range it.Sources {
		out.Sources = append(out.Sources, JSONSource{Chapter: s.Chapter, ChapterTitle: s.ChapterTitle, Line: s.Line, Page: s.Page, EndPage: s.EndPage, Quote: s.Quote})
		if i == 0 {
			out.Quote, out.Chapter, out.Page = s.Quote, s.ChapterTitle, s.Page
		}
	}
	for _, n := range it.Notes {
		out.Notes = append(out.Notes, JSONNote{ID: n.ID, Author: jsonUser(n.Author), Body: n.Body, Edited: n.Edited, CreatedAt: n.CreatedAt})
	}
	for i := range it.Evidence {
		e := &it.Evidence[i]
		out.Evidence = append(out.Evidence, JSONEvidence{ID: e.ID, Kind: e.Kind, Title: e.Title, URL: e.URL, Publisher: e.Publisher,
			PublishedOn: e.PublishedOn, AccessedOn: e.AccessedOn, Citation: e.Citation, CitedOn: e.CitedOn, Filename: e.Filename,
			ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256, State: evidenceState(e), AddedBy: jsonUser(e.AddedBy),
			CreatedAt: e.CreatedAt, VerifiedBy: jsonUser(e.VerifiedBy), VerifiedAt: e.VerifiedAt, RejectedBy: jsonUser(e.RejectedBy),
			RejectedAt: e.RejectedAt, RejectReason: e.RejectReason})
	}
	for _, e := range it.Events {
		out.Events = append(out.Events, JSONEvent{ID: e.ID, At: e.CreatedAt, Actor: jsonUser(e.Actor), Kind: e.Kind, Field: e.Field,
			OldValue: e.OldValue, NewValue: e.NewValue, Reason: e.Reason, RefID: e.RefID})
	}
	return out
}
