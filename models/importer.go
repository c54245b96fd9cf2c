package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Importing recommendations is two steps: PlanImport checks every row of a
// file against the catalog and the tracking rules without writing anything
// and says what would change; ApplyImport writes a plan that has no
// problem. A file with any problem therefore changes nothing.
//
// Catalog text (title, summary, sources…) goes through UpsertCatalog, which
// never touches tracking fields. Tracking fields (status, progress, priority,
// owner, due date, tags) are applied only where they differ from the stored
// ones, through UpdateRecommendation as the importing user, so permissions,
// the status rules and the event log hold exactly as for an edit on a page.

// ImportRow is one recommendation read from a file. Nil fields are absent
// from the file and keep their stored value.
type ImportRow struct {
	Line     int // where the row starts in the file, for messages; 0 if unknown
	Code     string
	Catalog  CatalogPatch
	Tracking TrackingPatch
}

// CatalogPatch is the catalog text a row carries.
type CatalogPatch struct {
	Title, Summary, Domain, Actor, Strength *string
	Keywords                                *[]string
	// Sources replaces every source (YAML, JSON); FirstSource changes only
	// the first one (CSV, which has one set of source columns).
	Sources     *[]Source
	FirstSource *SourcePatch
}

// SourcePatch is a partial source.
type SourcePatch struct {
	Chapter, ChapterTitle, Quote *string
	Line, Page, EndPage          *int
}

func (p CatalogPatch) empty() bool {
	return p.Title == nil && p.Summary == nil && p.Domain == nil && p.Actor == nil && p.Strength == nil &&
		p.Keywords == nil && p.Sources == nil && p.FirstSource == nil
}

// TrackingPatch holds the tracking fields a row carries. An empty
// OwnerEmail or DueDate clears the field.
type TrackingPatch struct {
	Status     *Status
	Progress   *int
	Priority   *Priority
	OwnerEmail *string
	DueDate    *string
	Tags       *[]string
	Reason     string // kept in the history of a status change
}

func (p TrackingPatch) empty() bool {
	return p.Status == nil && p.Progress == nil && p.Priority == nil && p.OwnerEmail == nil && p.DueDate == nil && p.Tags == nil
}

// ImportProblem is one reason a file cannot be imported.
type ImportProblem struct {
	Line  int
	Code  string
	Field string
	Msg   string
}

func (p ImportProblem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d", p.Line)
	}
	if p.Code != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "(%s)", p.Code)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Import actions.
const (
	ImportAdded     = "added"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// ImportAction says what importing one row does.
type ImportAction struct {
	Line    int
	Code    string
	Action  string   // added, updated or unchanged
	Changes []string // what changes, in words
}

// ImportPlan is the checked outcome of a file.
type ImportPlan struct {
	Actions  []ImportAction
	Problems []ImportProblem
	catalog  []CatalogItem
	tracking []plannedChange
}

type plannedChange struct {
	line  int
	code  string
	isNew bool // added by the same import
	ch    Change
}

// Count tells how many rows get each action.
func (p *ImportPlan) Count(action string) int {
	n := 0
	for _, a := range p.Actions {
		if a.Action == action {
			n++
		}
	}
	return n
}

// ErrImportInvalid is returned by ApplyImport for a plan with problems.
var ErrImportInvalid = errors.New("the file has problems; nothing was imported")

// PlanImport checks rows as actor (nil: catalog text only) and reports what
// importing them would do. It writes nothing.
func (s *Store) PlanImport(ctx context.Context, actor *User, rows []ImportRow) (*ImportPlan, error) {
	plan := &ImportPlan{}
	var existing []Recommendation
	if err := s.r(ctx).Omit("search_text").Preload("Owner").Preload("Sources", orderSources).Find(&existing).Error; err != nil {
		return nil, fmt.Errorf("models: load catalog for import: %w", err)
	}
	byCode := make(map[string]*Recommendation, len(existing))
	for i := range existing {
		byCode[existing[i].Code] = &existing[i]
	}
	var users []User
	if err := s.r(ctx).Select("id", "email", "disabled").Find(&users).Error; err != nil {
		return nil, fmt.Errorf("models: load users for import: %w", err)
	}
	emails := map[string]*User{}
	for i := range users {
		emails[users[i].Email] = &users[i]
	}
	seen := map[string]int{}
	for _, row := range rows {
		problem := func(field, msg string) {
			plan.Problems = append(plan.Problems, ImportProblem{Line: row.Line, Code: row.Code, Field: field, Msg: msg})
		}
		code := strings.ToUpper(strings.TrimSpace(row.Code))
		row.Code = code
		if !codePattern(code) {
			problem("code", "must look like R-01")
			continue
		}
		if prev, dup := seen[code]; dup {
			problem("code", fmt.Sprintf("appears twice (also on line %d)", prev))
			continue
		}
		seen[code] = row.Line
		cur := byCode[code]
		act := ImportAction{Line: row.Line, Code: code, Action: ImportUnchanged}
		// Catalog text.
		if cur == nil && row.Catalog.empty() {
			problem("", "is not in the catalog; a new item needs title, domain, quote and page")
			continue
		}
		if !row.Catalog.empty() {
			item, changes := mergeCatalog(cur, code, row.Catalog)
			ok := true
			if err := item.Validate(); err != nil {
				ok = false
				var ve *ValidationError
				if errors.As(err, &ve) {
					for _, k := range sortedFields(ve.Fields) {
						problem(k, ve.Fields[k])
					}
				} else {
					problem("", err.Error())
				}
			}
			if cur == nil && len(item.Sources) == 0 {
				ok = false
				problem("quote", "a new item needs a quote and its page")
			}
			if ok && (cur == nil || len(changes) > 0) {
				plan.catalog = append(plan.catalog, item)
				act.Action, act.Changes = ImportUpdated, changes
				if cur == nil {
					act.Action, act.Changes = ImportAdded, nil
				}
			}
		}
		// Tracking fields, against the stored state (a new item's defaults).
		state := cur
		if state == nil {
			state = &Recommendation{Code: code, Status: StatusNotStarted, Priority: PriorityMedium, Version: 1}
		}
		ch, words, errs := trackingChange(state, row.Tracking, emails)
		for _, e := range errs {
			problem(e[0], e[1])
		}
		if len(errs) > 0 || len(words) == 0 {
			plan.Actions = append(plan.Actions, act)
			continue
		}
		if actor == nil {
			problem("", "changes tracking fields ("+strings.Join(words, "; ")+"): say who imports them (--as EMAIL)")
			continue
		}
		if !CanEdit(actor) {
			problem("", "changes tracking fields, which "+string(actor.Role)+"s cannot do")
			continue
		}
		if _, err := s.applyChange(s.r(ctx), actor, state, ch); err != nil {
			var ve *ValidationError
			var re *RuleError
			switch {
			case errors.As(err, &ve):
				for _, k := range sortedFields(ve.Fields) {
					problem(k, ve.Fields[k])
				}
			case errors.As(err, &re):
				problem("", re.Msg)
			default:
				return nil, err
			}
			continue
		}
		plan.tracking = append(plan.tracking, plannedChange{line: row.Line, code: code, isNew: cur == nil, ch: ch})
		if act.Action == ImportUnchanged {
			act.Action = ImportUpdated
		}
		act.Changes = append(act.Changes, words...)
		plan.Actions = append(plan.Actions, act)
	}
	return plan, nil
}

func orderSources(q *gorm.DB) *gorm.DB { return q.Order("position") }

// mergeCatalog applies a patch to the stored catalog text (or to nothing,
// for a new item) and names the fields that change.
func mergeCatalog(cur *Recommendation, code string, p CatalogPatch) (CatalogItem, []string) {
	it := CatalogItem{Code: code}
	if cur != nil {
		it = CatalogItem{Code: code, Title: cur.Title, Summary: cur.Summary, Domain: cur.Domain, Actor: cur.Actor,
			Strength: cur.Strength, Keywords: cur.KeywordList(), Sources: append([]Source(nil), cur.Sources...)}
		for i := range it.Sources {
			it.Sources[i].ID, it.Sources[i].RecommendationID = 0, 0
		}
	}
	var changes []string
	set := func(name string, dst *string, v *string) {
		if v != nil && strings.TrimSpace(*v) != *dst {
			*dst = strings.TrimSpace(*v)
			changes = append(changes, name)
		}
	}
	set("title", &it.Title, p.Title)
	set("summary", &it.Summary, p.Summary)
	set("domain", &it.Domain, p.Domain)
	set("actor", &it.Actor, p.Actor)
	set("strength", &it.Strength, p.Strength)
	if p.Keywords != nil {
		kw := cleanList(*p.Keywords, strings.ToLower)
		if joinList(kw) != joinList(it.Keywords) {
			it.Keywords = kw
			changes = append(changes, "keywords")
		}
	}
	before := sourcesKey(it.Sources)
	switch {
	case p.Sources != nil:
		it.Sources = *p.Sources
	case p.FirstSource != nil:
		var first Source
		if len(it.Sources) > 0 {
			first = it.Sources[0]
		} else {
			it.Sources = []Source{{}}
		}
		fp := p.FirstSource
		if fp.Chapter != nil && *fp.Chapter != first.Chapter {
			first.Chapter, first.ChapterTitle = *fp.Chapter, ""
		}
		if fp.ChapterTitle != nil && *fp.ChapterTitle != "" {
			first.ChapterTitle = *fp.ChapterTitle
		}
		for _, f := range []struct {
			dst *int
			v   *int
		}{{&first.Line, fp.Line}, {&first.Page, fp.Page}, {&first.EndPage, fp.EndPage}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if fp.Quote != nil {
			first.Quote = *fp.Quote
		}
		it.Sources[0] = first
	}
	for i := range it.Sources {
		if it.Sources[i].EndPage == 0 {
			it.Sources[i].EndPage = it.Sources[i].Page
		}
	}
	if sourcesKey(it.Sources) != before {
		changes = append(changes, "sources")
	}
	return it, changes
}

// sourcesKey is the content of sources, for comparison (ids and positions
// are storage details).
func sourcesKey(srcs []Source) string {
	var b strings.Builder
	for _, s := range srcs {
		end := s.EndPage
		if end == 0 {
			end = s.Page
		}
		fmt.Fprintf(&b, "%q|%q|%d|%d|%d|%q\n", s.Chapter, s.ChapterTitle, s.Line, s.Page, end, s.Quote)
	}
	return b.String()
}

func cleanList(xs []string, f func(string) string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(f(x)); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// trackingChange turns a row's tracking fields into a Change holding only
// what differs from cur, with the differences in words. Problems are
// field/message pairs.
func trackingChange(cur *Recommendation, p TrackingPatch, emails map[string]*User) (Change, []string, [][2]string) {
	ch := Change{Version: cur.Version, Reason: strings.TrimSpace(p.Reason)}
	var words []string
	var errs [][2]string
	if p.Status != nil && *p.Status != cur.Status {
		if !p.Status.Valid() {
			errs = append(errs, [2]string{"status", "unknown status " + strconv.Quote(string(*p.Status))})
		} else {
			ch.Status = p.Status
			words = append(words, fmt.Sprintf("status %s → %s", cur.Status, *p.Status))
		}
	}
	if p.Progress != nil {
		// A status change brings its default progress; only a number other
		// than the one the item would have anyway is a change of its own.
		next := cur.Progress
		if ch.Status != nil {
			if d, ok := ch.Status.DefaultProgress(); ok {
				next = d
			}
		}
		if *p.Progress != next {
			ch.Progress = p.Progress
			words = append(words, fmt.Sprintf("progress %d → %d", cur.Progress, *p.Progress))
		}
	}
	if p.Priority != nil && *p.Priority != cur.Priority {
		ch.Priority = p.Priority
		words = append(words, fmt.Sprintf("priority %s → %s", cur.Priority, *p.Priority))
	}
	if p.OwnerEmail != nil {
		email := NormaliseEmail(*p.OwnerEmail)
		curEmail := ""
		if cur.Owner != nil {
			curEmail = cur.Owner.Email
		}
		switch u := emails[email]; {
		case email == "" && cur.OwnerID != nil:
			ch.ClearOwner = true
			words = append(words, "owner removed")
		case email == "":
		case u == nil:
			errs = append(errs, [2]string{"owner_email", "no team member has the e-mail " + email})
		case cur.OwnerID == nil || *cur.OwnerID != u.ID:
			id := u.ID
			ch.OwnerID = &id
			words = append(words, fmt.Sprintf("owner %s → %s", orDash(curEmail), email))
		}
	}
	if p.DueDate != nil && strings.TrimSpace(*p.DueDate) != cur.DueDate {
		d := strings.TrimSpace(*p.DueDate)
		ch.DueDate = &d
		words = append(words, fmt.Sprintf("due date %s → %s", orDash(cur.DueDate), orDash(d)))
	}
	if p.Tags != nil {
		tags := NormaliseTags(*p.Tags)
		if joinList(tags) != cur.Tags {
			ch.Tags = &tags
			words = append(words, fmt.Sprintf("tags %s → %s", orDash(cur.Tags), orDash(joinList(tags))))
		}
	}
	return ch, words, errs
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func sortedFields(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ApplyImport writes a plan without problems: the catalog text in one
// transaction, then each tracking change as its own edit (with its events).
// The plan was checked moments before; if someone edits an item in between,
// that edit's conflict stops the import at that row and says so.
func (s *Store) ApplyImport(ctx context.Context, actor *User, plan *ImportPlan) error {
	if len(plan.Problems) > 0 {
		return ErrImportInvalid
	}
	var actorID *int64
	if actor != nil {
		actorID = &actor.ID
	}
	if len(plan.catalog) > 0 {
		if _, err := s.UpsertCatalog(ctx, plan.catalog, actorID); err != nil {
			return err
		}
	}
	for _, pc := range plan.tracking {
		cur, err := s.RecommendationByCode(ctx, pc.code)
		if err != nil {
			return err
		}
		if !pc.isNew && cur.Version != pc.ch.Version {
			return fmt.Errorf("line %d (%s): the item was changed while importing; import again: %w", pc.line, pc.code,
				&ConflictError{Current: cur})
		}
		ch := pc.ch
		ch.Version = cur.Version
		if _, err := s.UpdateRecommendation(ctx, actor, cur.ID, ch); err != nil {
			return fmt.Errorf("line %d (%s): %w", pc.line, pc.code, err)
		}
	}
	return nil
}
