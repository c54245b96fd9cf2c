package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"policytracker/models"
	"policytracker/models/export"
)

// csvImportOnly are columns import reads that the export does not write.
var csvImportOnly = []string{"reason"}

// parseCSV reads the CSV export's columns. Any subset that includes "code"
// works: a column that is absent keeps the stored value, a column that is
// present sets it (an empty owner_email or due_date clears them). The
// export's computed columns are ignored and its formula guards undone.
func parseCSV(data []byte) ([]models.ImportRow, []models.ImportProblem, error) {
	data = bytes.TrimPrefix(data, []byte(export.UTF8BOM))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	var problems []models.ImportProblem
	known := map[string]bool{}
	for _, c := range export.CSVColumns {
		known[c] = true
	}
	for _, c := range csvImportOnly {
		known[c] = true
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !known[h]:
			problems = append(problems, models.ImportProblem{Line: 1, Field: h, Msg: "unknown column (the columns are those of the CSV export)"})
		case col[h] > 0:
			problems = append(problems, models.ImportProblem{Line: 1, Field: h, Msg: "appears twice"})
		default:
			col[h] = i + 1 // 1-based so that 0 means absent
		}
	}
	if col["code"] == 0 {
		return nil, nil, errors.New(`line 1: the header has no "code" column`)
	}
	var rows []models.ImportRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != len(header) {
			problems = append(problems, models.ImportProblem{Line: line, Msg: fmt.Sprintf("has %d cells, the header has %d", len(rec), len(header))})
			continue
		}
		rows = append(rows, csvRow(line, rec, col, &problems))
	}
	return rows, problems, nil
}

func csvRow(line int, rec []string, col map[string]int, problems *[]models.ImportProblem) models.ImportRow {
	cell := func(name string) (string, bool) {
		i := col[name]
		if i == 0 {
			return "", false
		}
		return export.RestoreCell(rec[i-1]), true
	}
	text := func(name string) *string {
		if v, ok := cell(name); ok {
			return &v
		}
		return nil
	}
	list := func(name string) *[]string {
		v, ok := cell(name)
		if !ok {
			return nil
		}
		var out []string
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return &out
	}
	code, _ := cell("code")
	p := rowProblems{line: line, code: strings.TrimSpace(code), out: problems}
	number := func(name string, blankOK bool) *int {
		v, ok := cell(name)
		v = strings.TrimSpace(v)
		if !ok || (v == "" && blankOK) {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			p.add(name, "must be a whole number")
			return nil
		}
		return &n
	}
	r := models.ImportRow{Line: line, Code: p.code}
	c := &r.Catalog
	c.Title, c.Summary, c.Domain, c.Actor, c.Strength = text("title"), text("summary"), text("domain"), text("actor"), text("strength")
	c.Keywords = list("keywords")
	fs := models.SourcePatch{Chapter: text("chapter"), Quote: text("quote"), Line: number("line", true), Page: number("page", false), EndPage: number("end_page", true)}
	if fs.Chapter != nil {
		*fs.Chapter = strings.TrimSpace(*fs.Chapter)
		title, ok := chapterTitle(*fs.Chapter, "")
		if !ok {
			p.add("chapter", "unknown chapter "+quote(*fs.Chapter)+" (one of "+knownChapters()+")")
		}
		fs.ChapterTitle = &title
	}
	if fs.Chapter != nil || fs.Quote != nil || fs.Line != nil || fs.Page != nil || fs.EndPage != nil {
		c.FirstSource = &fs
	}
	t := &r.Tracking
	if v, ok := cell("status"); ok {
		t.Status = ptr(models.Status(strings.TrimSpace(v)))
	}
	if v, ok := cell("priority"); ok {
		t.Priority = ptr(models.Priority(strings.TrimSpace(v)))
	}
	t.Progress = number("progress", true)
	t.OwnerEmail, t.DueDate, t.Tags = text("owner_email"), text("due_date"), list("tags")
	if v, ok := cell("reason"); ok {
		t.Reason = v
	}
	return r
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("not valid CSV: line %d: %v", pe.Line, pe.Err)
	}
	return fmt.Errorf("not valid CSV: %w", err)
}
