package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

type userRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func userRefOf(u *models.User) *userRef {
	if u == nil {
		return nil
	}
	return &userRef{ID: u.ID, Name: u.Name, Email: u.Email}
}

type sourceJSON struct {
	Chapter      string `json:"chapter"`
	ChapterTitle string `json:"chapter_title"`
	Page         int    `json:"page"`
	EndPage      int    `json:"end_page"`
	Line         int    `json:"line"`
	Quote        string `json:"quote"`
}

type itemJSON struct {
	ID              int64     `json:"id"`
	Code            string    `json:"code"`
	Title           string    `json:"title"`
	Summary         string    `json:"summary"`
	Domain          string    `json:"domain"`
	DomainLabel     string    `json:"domain_label"`
	Actor           string    `json:"actor"`
	Strength        string    `json:"strength"`
	Keywords        []string  `json:"keywords"`
	Status          string    `json:"status"`
	Progress        int       `json:"progress"`
	Priority        string    `json:"priority"`
	Owner           *userRef  `json:"owner"`
	DueDate         *string   `json:"due_date"`
	Tags            []string  `json:"tags"`
	ReviewRequested bool      `json:"review_requested"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	URL             string    `json:"url"`
}

type itemDetailJSON struct {
	itemJSON
	Quote    string         `json:"quote"`
	Chapter  string         `json:"chapter"`
	Page     int            `json:"page"`
	Sources  []sourceJSON   `json:"sources"`
	Notes    []noteJSON     `json:"notes"`
	Evidence []evidenceJSON `json:"evidence"`
}

func (s *Server) itemJSON(r *models.Recommendation) itemJSON {
	out := itemJSON{ID: r.ID, Code: r.Code, Title: r.Title, Summary: r.Summary, Domain: r.Domain, DomainLabel: r.DomainLabel(),
		Actor: r.Actor, Strength: r.Strength, Keywords: nonNil(r.KeywordList()), Status: string(r.Status), Progress: r.Progress,
		Priority: string(r.Priority), Owner: userRefOf(r.Owner), Tags: nonNil(r.TagList()), ReviewRequested: r.ReviewRequested,
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, URL: "/recommendations/" + itoa64(r.ID)}
	if r.DueDate != "" {
		d := r.DueDate
		out.DueDate = &d
	}
	return out
}

func (s *Server) itemDetail(c *fiber.Ctx, r *models.Recommendation) (itemDetailJSON, error) {
	return s.itemDetailAt(c, r, time.Time{})
}

// itemDetailAt is the item's JSON with its notes and evidence as they are
// now (at zero) or as they were at a past moment.
func (s *Server) itemDetailAt(c *fiber.Ctx, r *models.Recommendation, at time.Time) (itemDetailJSON, error) {
	out := itemDetailJSON{itemJSON: s.itemJSON(r), Sources: []sourceJSON{}, Notes: []noteJSON{}, Evidence: []evidenceJSON{}}
	for i, src := range r.Sources {
		out.Sources = append(out.Sources, sourceJSON{Chapter: src.Chapter, ChapterTitle: src.ChapterTitle, Page: src.Page, EndPage: src.EndPage, Line: src.Line, Quote: src.Quote})
		if i == 0 {
			out.Quote, out.Chapter, out.Page = src.Quote, src.ChapterTitle, src.Page
		}
	}
	ctx := c.UserContext()
	dir, err := s.store.NoteDirectory(ctx)
	if err != nil {
		return out, err
	}
	var notes []models.Note
	var evs []models.Evidence
	if at.IsZero() {
		notes, err = s.store.Notes(ctx, r.ID)
	} else {
		notes, err = s.store.NotesAsOf(ctx, r.ID, at)
	}
	if err != nil {
		return out, err
	}
	for i := range notes {
		out.Notes = append(out.Notes, noteToJSON(&notes[i], dir))
	}
	if at.IsZero() {
		evs, err = s.store.EvidenceOf(ctx, r.ID)
	} else {
		evs, err = s.store.EvidenceAsOf(ctx, r.ID, at)
	}
	if err != nil {
		return out, err
	}
	for i := range evs {
		out.Evidence = append(out.Evidence, evidenceToJSON(&evs[i]))
	}
	return out, nil
}

func (s *Server) apiListRecommendations(c *fiber.Ctx) error {
	f, err := s.filterFromQuery(c)
	if err != nil {
		return err
	}
	res, err := s.store.Recommendations(c.UserContext(), f)
	if err != nil {
		return err
	}
	items := make([]itemJSON, 0, len(res.Items))
	for i := range res.Items {
		items = append(items, s.itemJSON(&res.Items[i]))
	}
	return c.JSON(fiber.Map{"items": items, "total": res.Total, "page": res.Page, "per_page": res.PerPage})
}

func (s *Server) apiGetRecommendation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	// ?as_of= rebuilds the item, its notes and its evidence as they stood
	// then, like the item page.
	var at time.Time
	var rec *models.Recommendation
	if raw := c.Query("as_of"); raw != "" {
		if at, err = s.asOfTime(raw); err != nil {
			return err
		}
		rec, err = s.store.RecommendationAsOf(c.UserContext(), id, at)
		if errors.Is(err, models.ErrNotFound) {
			if _, cerr := s.store.Recommendation(c.UserContext(), id); cerr != nil {
				return cerr
			}
			return models.Invalid("as_of", "This item was not in the tracker yet at that date.")
		}
	} else {
		rec, err = s.store.Recommendation(c.UserContext(), id)
	}
	if err != nil {
		return err
	}
	d, err := s.itemDetailAt(c, rec, at)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// patchFields are the PATCH body's accepted keys; anything else is refused
// so that a typo never passes silently.
var patchFields = map[string]bool{"version": true, "status": true, "progress": true, "priority": true, "owner_id": true,
	"owner": true, "due_date": true, "tags": true, "reason": true}

// changeFromJSON decodes a PATCH body. Absent keys leave fields alone; null
// clears owner and due date.
func (s *Server) changeFromJSON(c *fiber.Ctx, body []byte) (models.Change, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return models.Change{}, models.Invalid("body", "must be a JSON object")
	}
	if !atEnd(dec) {
		return models.Change{}, models.Invalid("body", "must hold a single JSON object")
	}
	v := &models.ValidationError{}
	var ch models.Change
	for k := range raw {
		if !patchFields[k] {
			v.Add(k, "unknown field")
		}
	}
	isNull := func(m json.RawMessage) bool { return string(bytes.TrimSpace(m)) == "null" }
	if m, ok := raw["version"]; !ok {
		v.Add("version", "is required: the version you last read")
	} else if json.Unmarshal(m, &ch.Version) != nil || ch.Version < 1 {
		v.Add("version", "must be the whole number you last read (1 or more)")
	}
	if m, ok := raw["status"]; ok {
		var st models.Status
		if json.Unmarshal(m, &st) != nil {
			v.Add("status", "must be a string")
		} else {
			ch.Status = &st
		}
	}
	if m, ok := raw["progress"]; ok {
		var p int
		if json.Unmarshal(m, &p) != nil {
			v.Add("progress", "must be a whole number from 0 to 100")
		} else {
			ch.Progress = &p
		}
	}
	if m, ok := raw["priority"]; ok {
		var p models.Priority
		if json.Unmarshal(m, &p) != nil {
			v.Add("priority", "must be high, medium or low")
		} else {
			ch.Priority = &p
		}
	}
	for _, key := range []string{"owner_id", "owner"} {
		m, ok := raw[key]
		if !ok {
			continue
		}
		if isNull(m) {
			ch.ClearOwner = true
			continue
		}
		id, err := s.ownerFromJSON(c, m)
		if err != nil {
			v.Add(key, err.Error())
			continue
		}
		ch.OwnerID = &id
	}
	if m, ok := raw["due_date"]; ok {
		d := ""
		if !isNull(m) && json.Unmarshal(m, &d) != nil {
			v.Add("due_date", "must be a date like 2026-03-31, or null")
		}
		ch.DueDate = &d
	}
	if m, ok := raw["tags"]; ok {
		var tags []string
		var one string
		switch {
		case isNull(m):
			tags = []string{}
		case json.Unmarshal(m, &tags) == nil:
		case json.Unmarshal(m, &one) == nil:
			tags = strings.Split(one, ",")
		default:
			v.Add("tags", "must be a list of strings")
		}
		ch.Tags = &tags
	}
	if m, ok := raw["reason"]; ok && !isNull(m) {
		if json.Unmarshal(m, &ch.Reason) != nil {
			v.Add("reason", "must be a string")
		}
	}
	return ch, v.Err()
}

// ownerFromJSON accepts an id, an e-mail or an {"id":…} object.
func (s *Server) ownerFromJSON(c *fiber.Ctx, m json.RawMessage) (int64, error) {
	var id int64
	if json.Unmarshal(m, &id) == nil && id > 0 {
		return id, nil
	}
	var obj struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
	}
	var email string
	if json.Unmarshal(m, &email) != nil {
		if json.Unmarshal(m, &obj) != nil {
			return 0, errString("must be a user id, an e-mail or null")
		}
		if obj.ID > 0 {
			return obj.ID, nil
		}
		email = obj.Email
	}
	u, err := s.store.UserByEmail(c.UserContext(), email)
	if err != nil {
		return 0, errString("no such team member")
	}
	return u.ID, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func (s *Server) apiUpdateRecommendation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if !models.CanEdit(currentUser(c)) {
		return models.Forbidden("Viewers cannot change recommendations.")
	}
	ch, err := s.changeFromJSON(c, c.Body())
	if err != nil {
		return err
	}
	rec, err := s.store.UpdateRecommendation(c.UserContext(), currentUser(c), id, ch)
	if err != nil {
		return err
	}
	d, err := s.itemDetail(c, rec)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) apiListUsers(c *fiber.Ctx) error {
	us, err := s.store.Users(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(us))
	for _, u := range us {
		out = append(out, fiber.Map{"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role, "disabled": u.Disabled})
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s *Server) apiMe(c *fiber.Ctx) error {
	u := currentUser(c)
	return c.JSON(fiber.Map{"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role})
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
