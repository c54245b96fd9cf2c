package importer

import (
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"policytracker/models"
)

// entry is one recommendation of a YAML or JSON file. Pointers tell absent
// fields (keep the stored value) from present ones.
type entry struct {
	Code                                    string
	Title, Summary, Domain, Actor, Strength *string
	Keywords                                *[]string
	Sources                                 *[]source
	// Quote, Chapter and Page stand for the first source when there is no
	// sources list (a JSON export repeats them beside the list).
	Quote, Chapter *string
	Page           *int

	Status, Priority, OwnerEmail, DueDate *string
	Progress                              *int
	Tags                                  *[]string
	Reason                                string
}

type source struct {
	Chapter, ChapterTitle, Quote string
	Line, Page, EndPage          int
}

// readOnlyKeys are the JSON export's fields that import ignores: they are
// computed or belong to other tables.
var readOnlyKeys = map[string]bool{
	"id": true, "domain_label": true, "review_requested": true, "created_at": true, "updated_at": true, "version": true, "url": true,
	"notes_count": true, "evidence_count": true, "verified_evidence_count": true, "notes": true, "evidence": true, "events": true,
	"owner_name": true,
}

// decoder decodes one field's value into v.
type decoder func(v any) error

func into[T any](dst **T, dec decoder) error {
	var v T
	if err := dec(&v); err != nil {
		return err
	}
	*dst = &v
	return nil
}

// assign sets the field named key; known is false for a name the format
// does not have. decSources decodes the sources list.
func (e *entry) assign(key string, dec decoder, decSources func() (*[]source, error)) (known bool, err error) {
	switch key {
	case "code":
		return true, dec(&e.Code)
	case "title":
		return true, into(&e.Title, dec)
	case "summary":
		return true, into(&e.Summary, dec)
	case "domain":
		return true, into(&e.Domain, dec)
	case "actor":
		return true, into(&e.Actor, dec)
	case "strength":
		return true, into(&e.Strength, dec)
	case "keywords":
		return true, into(&e.Keywords, dec)
	case "sources":
		s, err := decSources()
		e.Sources = s
		return true, err
	case "quote":
		return true, into(&e.Quote, dec)
	case "chapter":
		return true, into(&e.Chapter, dec)
	case "page":
		return true, into(&e.Page, dec)
	case "status":
		return true, into(&e.Status, dec)
	case "priority":
		return true, into(&e.Priority, dec)
	case "progress":
		return true, into(&e.Progress, dec)
	case "owner", "owner_email":
		return true, e.decodeOwner(dec)
	case "due_date":
		return true, into(&e.DueDate, dec)
	case "tags":
		return true, into(&e.Tags, dec)
	case "reason":
		return true, dec(&e.Reason)
	}
	return false, nil
}

// decodeOwner takes an e-mail, null (no owner) or an {"email": …} object as
// the JSON export writes it.
func (e *entry) decodeOwner(dec decoder) error {
	var email string
	if err := dec(&email); err == nil {
		e.OwnerEmail = &email
		return nil
	}
	var obj struct {
		Email string `json:"email" yaml:"email"`
	}
	if err := dec(&obj); err != nil {
		return errors.New("must be an e-mail address")
	}
	e.OwnerEmail = &obj.Email
	return nil
}

// row turns the entry into an import row, checking the sources' chapters.
func (e *entry) row(line int, problems *[]models.ImportProblem) models.ImportRow {
	p := rowProblems{line: line, code: e.Code, out: problems}
	r := models.ImportRow{Line: line, Code: e.Code}
	c := &r.Catalog
	c.Title, c.Summary, c.Domain, c.Actor, c.Strength, c.Keywords = e.Title, e.Summary, e.Domain, e.Actor, e.Strength, e.Keywords
	switch {
	case e.Sources != nil:
		srcs := make([]models.Source, 0, len(*e.Sources))
		for i, s := range *e.Sources {
			title, ok := chapterTitle(s.Chapter, s.ChapterTitle)
			if !ok {
				p.add(sourceField(i, "chapter"), "unknown chapter "+quote(s.Chapter)+" (one of "+knownChapters()+", or give chapter_title)")
			}
			srcs = append(srcs, models.Source{Chapter: s.Chapter, ChapterTitle: title, Line: s.Line, Page: s.Page, EndPage: s.EndPage, Quote: strings.TrimSpace(s.Quote)})
		}
		c.Sources = &srcs
	case e.Quote != nil || e.Page != nil || e.Chapter != nil:
		fs := &models.SourcePatch{Quote: e.Quote, Page: e.Page, Chapter: e.Chapter}
		if e.Chapter != nil {
			title, ok := chapterTitle(*e.Chapter, "")
			if !ok {
				p.add("chapter", "unknown chapter "+quote(*e.Chapter)+" (one of "+knownChapters()+")")
			}
			fs.ChapterTitle = &title
		}
		c.FirstSource = fs
	}
	t := &r.Tracking
	if e.Status != nil {
		t.Status = ptr(models.Status(strings.TrimSpace(*e.Status)))
	}
	if e.Priority != nil {
		t.Priority = ptr(models.Priority(strings.TrimSpace(*e.Priority)))
	}
	t.Progress, t.OwnerEmail, t.DueDate, t.Tags, t.Reason = e.Progress, e.OwnerEmail, e.DueDate, e.Tags, e.Reason
	return r
}

func sourceField(i int, name string) string {
	if name == "" {
		return "sources[" + itoa(i) + "]"
	}
	return "sources[" + itoa(i) + "]." + name
}

// sourceKeys are the fields of one source.
var sourceKeys = map[string]bool{"chapter": true, "chapter_title": true, "line": true, "page": true, "end_page": true, "quote": true}

// decodeSource fills a source from its fields; unknown names are reported.
func decodeSource(keys []string, dec func(key string, v any) error, add func(key, msg string)) source {
	var s source
	for _, k := range keys {
		var err error
		switch k {
		case "chapter":
			err = dec(k, &s.Chapter)
		case "chapter_title":
			err = dec(k, &s.ChapterTitle)
		case "line":
			err = dec(k, &s.Line)
		case "page":
			err = dec(k, &s.Page)
		case "end_page":
			err = dec(k, &s.EndPage)
		case "quote":
			err = dec(k, &s.Quote)
		default:
			add(k, "unknown field")
		}
		if err != nil {
			add(k, typeProblem(err))
		}
	}
	return s
}

// typeProblem words a decoding error without Go type names.
func typeProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "must be " + kindOf(te.Type.Kind().String())
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "into int"):
		return "must be a whole number"
	case strings.Contains(msg, "into []string"), strings.Contains(msg, "into []"):
		return "must be a list"
	case strings.Contains(msg, "into string"):
		return "must be text"
	}
	return msg
}

func kindOf(k string) string {
	switch k {
	case "int", "int64":
		return "a whole number"
	case "slice":
		return "a list"
	case "string":
		return "text"
	case "struct", "map":
		return "an object"
	}
	return k
}

func quote(s string) string { return "\"" + s + "\"" }

func itoa(i int) string { return strconv.Itoa(i) }

func sortStrings(xs []string) { sort.Strings(xs) }
