package seed

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// ---------------------------------------------------------------------------
// Parsing and validation

const goodEntry = `
- code: R-01
  title: Do something
  summary: The report asks someone to do something.
  domain: security
  actor: United States
  strength: should
  keywords: [a, b, c]
  sources:
    - chapter: conclusion
      line: 3094
      page: 89
      quote: Some sentence.
`

func TestCatalogParses(t *testing.T) {
	entries, err := Catalog()
	if err != nil {
		t.Fatalf("Catalog(): %v", err)
	}
	if len(entries) < 35 || len(entries) > 70 {
		t.Errorf("Catalog() has %d entries, expected 35-70", len(entries))
	}
	for _, e := range entries {
		if len(e.Title) > 90 {
			t.Errorf("%s: title longer than 90 characters (%d)", e.Code, len(e.Title))
		}
		if n := len(e.Keywords); n < 3 || n > 8 {
			t.Errorf("%s: has %d keywords, want 3-8", e.Code, n)
		}
		for _, k := range e.Keywords {
			if k != strings.ToLower(k) || strings.TrimSpace(k) == "" {
				t.Errorf("%s: keyword %q must be non-empty lowercase", e.Code, k)
			}
		}
	}

	good, err := ParseCatalog([]byte(goodEntry))
	if err != nil {
		t.Fatalf("ParseCatalog(good): %v", err)
	}
	if got := good[0].Sources[0].EndPage; got != 89 {
		t.Errorf("end_page should default to page (89), got %d", got)
	}

	bad := []struct {
		name, yaml, wantErr string
	}{
		{"duplicate code", goodEntry + strings.Replace(goodEntry, "R-01", "R-01", 1), "R-01: duplicate code"},
		{"out of sequence", strings.Replace(goodEntry, "R-01", "R-02", 1), "R-02: out of sequence"},
		{"malformed code", strings.Replace(goodEntry, "R-01", "X1", 1), "X1: code must look like"},
		{"bad domain", strings.Replace(goodEntry, "domain: security", "domain: military", 1), `R-01: unknown domain "military"`},
		{"bad strength", strings.Replace(goodEntry, "strength: should", "strength: must", 1), "R-01: strength must be"},
		{"unknown field", strings.Replace(goodEntry, "  actor:", "  owner: someone\n  actor:", 1), "field owner not found"},
		{"unknown source field", strings.Replace(goodEntry, "      quote:", "      para: 3\n      quote:", 1), "field para not found"},
		{"bad chapter", strings.Replace(goodEntry, "chapter: conclusion", "chapter: epilogue", 1), `R-01: source 1: unknown chapter "epilogue"`},
		{"missing title", strings.Replace(goodEntry, "title: Do something", "title: ''", 1), "R-01: missing title"},
		{"missing actor", strings.Replace(goodEntry, "actor: United States", "actor: ' '", 1), "R-01: missing actor"},
		{"no sources", goodEntry[:strings.Index(goodEntry, "  sources:")], "R-01: needs at least one source"},
		{"page zero", strings.Replace(goodEntry, "page: 89", "page: 0", 1), "R-01: source 1: page must be >= 1"},
		{"end before page", strings.Replace(goodEntry, "page: 89", "page: 89\n      end_page: 88", 1), "R-01: source 1: end_page 88 before page 89"},
		{"empty quote", strings.Replace(goodEntry, "quote: Some sentence.", "quote: ''", 1), "R-01: source 1: empty quote"},
		{"empty document", "", "empty"},
		{"not a list", "code: R-01\n", "parse catalog"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCatalog([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("ParseCatalog accepted bad input (%s)", tc.name)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// The report, as described in shared/report/README.md

const reportFile = "000_e50e11626f7ea97d.txt"

// Chapter line ranges from the README table.
var chapterRanges = []struct {
	slug       string
	first, end int
}{
	{"foreword", 1, 75},
	{"executive-summary", 76, 319},
	{"setting-the-stage", 320, 522},
	{"historical-trajectory", 523, 1213},
	{"armenia-azerbaijan-conflict", 1214, 2148},
	{"energy", 2149, 2612},
	{"non-energy-economy", 2613, 3006},
	{"conclusion", 3007, 3238},
}

// Running-header blocks (first, last line) that stand in for a page marker.
var headerBlocks = [][2]int{{712, 718}, {1949, 1956}, {3120, 3127}}

type report struct {
	lines      []string // lines[0] is line 1
	pageStart  []bool   // indexed by line number
	headerEnd  []int    // indexed by line number: last line of the header block containing it, else 0
	pageOfLine []int    // indexed by line number
}

func loadReport(t *testing.T) *report {
	t.Helper()
	dir := os.Getenv("PT_REPORT_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "report")
	}
	path := filepath.Join(dir, reportFile)
	data, err := os.ReadFile(path)
	if err != nil {
		abs, _ := filepath.Abs(path)
		t.Skipf("report text not found at %s (set PT_REPORT_DIR to the directory holding %s): %v", abs, reportFile, err)
	}
	text := strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	r := &report{lines: strings.Split(text, "\n")}
	n := len(r.lines)
	r.pageStart = make([]bool, n+2)
	r.headerEnd = make([]int, n+2)
	r.pageOfLine = make([]int, n+2)
	for _, hb := range headerBlocks {
		for i := hb[0]; i <= hb[1] && i <= n; i++ {
			r.headerEnd[i] = hb[1]
		}
	}
	// page(line) = 4 + number of page starts at or before line. A line that
	// begins with a single space starts a page; a page-start line directly
	// after another one (the doubled markers 996/997 and 1106/1107) does not
	// count again; a running-header block counts as the page start of the
	// page whose text follows it.
	count := 0
	for i := 1; i <= n; i++ {
		l := r.lines[i-1]
		switch {
		case r.headerEnd[i] != 0 && (i == 1 || r.headerEnd[i-1] == 0):
			count++
			r.pageStart[i] = true
		case r.headerEnd[i] == 0 && strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "  "):
			r.pageStart[i] = true
			if i == 1 || !r.pageStart[i-1] {
				count++
			}
		}
		r.pageOfLine[i] = 4 + count
	}
	return r
}

func (r *report) page(line int) int { return r.pageOfLine[line] }

func (r *report) text(line int) string { return r.lines[line-1] }

func chapterOf(line int) string {
	for _, c := range chapterRanges {
		if line >= c.first && line <= c.end {
			return c.slug
		}
	}
	return ""
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	footnoteStartRe = regexp.MustCompile(`^\d{1,3}\t`)
	citationRe      = regexp.MustCompile(`Available at|Accessed|https?://|www\.|\bpp\.|\bIbid\b`)
	sentenceEndRe   = regexp.MustCompile(`[.!?:;]["”’)]?\d*$`)
	quoteEndRe      = regexp.MustCompile(`[.!?]["”’)]?$`)
)

// skipFootnotes decides whether the lines from i up to the next page
// boundary are a footnote zone (footnotes sit at the end of a page, after the
// prose, with no blank line inside the zone). It is deliberately narrow: the
// zone must open with a numbered footnote ("12<TAB>..."), with a
// citation-like line (a footnote carried over from the previous page), or -
// right after a blank line - with a lower-case line that is followed within
// two lines by such a line. It returns the first line after the zone.
func (r *report) skipFootnotes(i int, afterBlank bool) (int, bool) {
	n := len(r.lines)
	b := i + 1
	for b <= n && !r.pageStart[b] {
		b++
	}
	if b > n {
		return 0, false
	}
	var zone []string
	for j := i; j < b; j++ {
		l := strings.TrimSpace(r.text(j))
		if l == "" {
			return 0, false
		}
		zone = append(zone, l)
	}
	isNote := func(l string) bool { return footnoteStartRe.MatchString(l) || citationRe.MatchString(l) }
	if isNote(zone[0]) {
		return b, true
	}
	if first, _ := utf8.DecodeRuneInString(zone[0]); afterBlank && unicode.IsLower(first) {
		for k := 1; k < len(zone) && k <= 2; k++ {
			if isNote(zone[k]) {
				return b, true
			}
		}
	}
	return 0, false
}

// startsSentence reports whether a quote starting at offset off of line's
// normalised text begins a sentence.
func (r *report) startsSentence(line, off int, first string) bool {
	if off > 0 {
		return sentenceEndRe.MatchString(strings.TrimSpace(first[:off]))
	}
	if line == 1 || r.headerEnd[line-1] != 0 {
		return true
	}
	prev := norm(r.text(line - 1))
	return prev == "" || sentenceEndRe.MatchString(prev) || chapterOf(line-1) != chapterOf(line)
}

// locate verifies that quote is the report's prose starting in line `line`
// and returns the line holding the quote's last word. Between lines it skips
// only blank lines, running-header blocks and footnote zones at page ends.
func (r *report) locate(line int, quote string) (int, error) {
	n := len(r.lines)
	q := norm(quote)
	if line < 1 || line > n {
		return 0, fmt.Errorf("line %d outside the report (1-%d)", line, n)
	}
	if r.headerEnd[line] != 0 || footnoteStartRe.MatchString(r.text(line)) {
		return 0, fmt.Errorf("line %d is a running header or footnote, not prose", line)
	}
	if !quoteEndRe.MatchString(q) {
		return 0, fmt.Errorf("quote does not end at a sentence end: ...%q", tail(q, 30))
	}
	first := norm(r.text(line))
	var lastErr error
	for off := 0; off < len(first); off++ {
		if off > 0 && first[off-1] != ' ' {
			continue
		}
		h := first[off:]
		if !strings.HasPrefix(q, h) && !strings.HasPrefix(h, q) {
			continue
		}
		if !r.startsSentence(line, off, first) {
			lastErr = fmt.Errorf("quote starts mid-sentence in line %d (after %q)", line, tail(first[:off], 30))
			continue
		}
		end, err := r.follow(line, h, q)
		if err == nil {
			return end, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("quote start %q not found in line %d: %q", head(q, 40), line, first)
	}
	return 0, lastErr
}

// follow matches q against the report, q's beginning being head (the rest of
// line `line` from the quote's start).
func (r *report) follow(line int, headText, q string) (int, error) {
	n := len(r.lines)
	if strings.HasPrefix(headText, q) {
		if len(headText) == len(q) || headText[len(q)] == ' ' {
			return line, nil
		}
		return 0, fmt.Errorf("line %d: quote ends inside a word: report has %q", line, headText)
	}
	rest := strings.TrimPrefix(q[len(headText):], " ")
	if len(q) == len(headText) || q[len(headText)] != ' ' {
		return 0, fmt.Errorf("line %d: quote %q runs on into the next line without a space", line, tail(headText, 30))
	}
	afterBlank := false
	for i := line + 1; ; {
		if i > n {
			return 0, fmt.Errorf("report ends, quote still has %q", head(rest, 60))
		}
		if end := r.headerEnd[i]; end != 0 {
			i = end + 1
			continue
		}
		t := norm(r.text(i))
		if t == "" {
			afterBlank = true
			i++
			continue
		}
		switch {
		case rest == t:
			return i, nil
		case strings.HasPrefix(rest, t+" "):
			rest = rest[len(t)+1:]
			afterBlank = false
			i++
			continue
		case strings.HasPrefix(t, rest) && t[len(rest)] == ' ':
			return i, nil
		}
		next, ok := r.skipFootnotes(i, afterBlank)
		if !ok {
			return 0, fmt.Errorf("differs at line %d: report has %q, quote has %q", i, diffContext(t, rest), diffContext(rest, t))
		}
		i = next
		afterBlank = false
	}
}

// diffContext returns a's text from a little before the first difference with b.
func diffContext(a, b string) string {
	k := 0
	for k < len(a) && k < len(b) && a[k] == b[k] {
		k++
	}
	start := k - 20
	if start < 0 {
		start = 0
	}
	return head(a[start:], 60)
}

func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// checkSource verifies one source against the report and returns every problem.
func (r *report) checkSource(s Source) []string {
	var problems []string
	if s.Line < 1 || s.Line > len(r.lines) {
		return []string{fmt.Sprintf("line %d outside the report (1-%d)", s.Line, len(r.lines))}
	}
	if got := chapterOf(s.Line); s.Chapter != got {
		problems = append(problems, fmt.Sprintf("chapter is %q, but line %d is in %q", s.Chapter, s.Line, got))
	}
	if got := r.page(s.Line); s.Page != got {
		problems = append(problems, fmt.Sprintf("page is %d, but line %d is on page %d", s.Page, s.Line, got))
	}
	end, err := r.locate(s.Line, s.Quote)
	if err != nil {
		return append(problems, fmt.Sprintf("quote does not match report at line %d: %v", s.Line, err))
	}
	endPage := s.EndPage
	if endPage == 0 {
		endPage = s.Page
	}
	if got := r.page(end); endPage != got {
		problems = append(problems, fmt.Sprintf("end_page is %d, but the quote ends in line %d on page %d", endPage, end, got))
	}
	return problems
}

func TestPageFunction(t *testing.T) {
	r := loadReport(t)
	for _, tc := range []struct{ block, printed int }{{0, 25}, {1, 58}, {2, 90}} {
		hb := headerBlocks[tc.block]
		// The printed number inside the header block.
		printed := 0
		for i := hb[0]; i <= hb[1]; i++ {
			if v, err := strconv.Atoi(strings.TrimSpace(r.text(i))); err == nil {
				printed = v
			}
		}
		if printed != tc.printed {
			t.Errorf("header block %d-%d prints %d, README says %d", hb[0], hb[1], printed, tc.printed)
		}
		if got := r.page(hb[1] + 1); got != tc.printed {
			t.Errorf("page(%d) = %d, want %d (text after the header block %d-%d)", hb[1]+1, got, tc.printed, hb[0], hb[1])
		}
		if got := r.page(hb[0] - 1); got != tc.printed-1 {
			t.Errorf("page(%d) = %d, want %d (text before the header block)", hb[0]-1, got, tc.printed-1)
		}
	}
	if got := r.page(1); got != 5 {
		t.Errorf("page(1) = %d, want 5", got)
	}
	// The doubled markers count as one page start.
	if r.page(996) != r.page(997) || r.page(1106) != r.page(1107) {
		t.Errorf("doubled page markers counted twice: page(996..997)=%d,%d page(1106..1107)=%d,%d",
			r.page(996), r.page(997), r.page(1106), r.page(1107))
	}
}

func TestCatalogMatchesReport(t *testing.T) {
	r := loadReport(t)
	entries, err := Catalog()
	if err != nil {
		t.Fatalf("Catalog(): %v", err)
	}
	primary := map[string]string{}
	for _, e := range entries {
		for k, s := range e.Sources {
			for _, p := range r.checkSource(s) {
				t.Errorf("%s source %d (%s line %d): %s", e.Code, k+1, s.Chapter, s.Line, p)
			}
		}
		q := norm(e.Sources[0].Quote)
		if other, dup := primary[q]; dup {
			t.Errorf("%s: primary quote is identical to the primary quote of %s", e.Code, other)
		}
		primary[q] = e.Code
	}

	// Key recommendations the catalog must cover.
	for _, want := range [][]string{
		{"Section 907"}, {"Trans-Caspian"}, {"demining", "mine"}, {"C5+1"},
		{"Black Sea Submarine Cable"}, {"TRIPP"}, {"NATO"}, {"Middle Corridor"},
	} {
		found := false
		for _, e := range entries {
			for _, s := range e.Sources {
				for _, w := range want {
					if strings.Contains(s.Quote, w) {
						found = true
					}
				}
			}
		}
		if !found {
			t.Errorf("no quote mentions %q: a key recommendation is missing", strings.Join(want, `" or "`))
		}
	}
}

// TestVerifierIsStrict makes sure the quote check rejects near misses,
// including quotes that cross footnotes and running headers.
func TestVerifierIsStrict(t *testing.T) {
	r := loadReport(t)
	good := []Source{
		{Chapter: "conclusion", Line: 3094, Page: 89, EndPage: 89, Quote: "The U.S. should consider the full annulment of Section 907, a relic of the now- resolved Armenia-Azerbaijan conflict which continues to cast shadow over the long-term prospects of U.S.-Azerbaijan relations in multiple spheres, primarily defense and security."},
		// crosses the running header 3120-3127
		{Chapter: "conclusion", Line: 3119, Page: 89, EndPage: 90, Quote: "Encouraging Azerbaijan’s participation in multinational exercises, such as those focused on crisis response, cyber defense, and maritime security, would reinforce its role as a reliable contributor to collective security."},
		// crosses footnotes 1-2 and a page marker
		{Chapter: "executive-summary", Line: 259, Page: 11, EndPage: 12, Quote: "The August 8, 2025 discussions highlighted opportunities to build on this foundation through new platforms for trade, green technologies, logistics, and industrial cooperation, with the U.S. Export-Import Bank offering financial instruments to support major projects."},
		// crosses a blank line, footnote 132 and a page marker
		{Chapter: "energy", Line: 2588, Page: 74, EndPage: 75, Quote: "In turn, Azerbaijan seeks to deepen its ties with the West, which makes it in Washington’s interest to facilitate dialogue among energy-rich Caspian states and transit countries to enable future projects that ensure secure energy flows to global markets."},
	}
	for _, s := range good {
		if p := r.checkSource(s); len(p) > 0 {
			t.Fatalf("reference source line %d rejected: %v", s.Line, p)
		}
	}
	type mutation struct {
		name string
		f    func(Source) Source
	}
	mutations := []mutation{
		{"changed word", func(s Source) Source {
			w := strings.Fields(s.Quote)
			w[len(w)/2] += "s"
			s.Quote = strings.Join(w, " ")
			return s
		}},
		{"extra word", func(s Source) Source {
			s.Quote = strings.Replace(s.Quote, " ", " very ", 3)
			return s
		}},
		{"extra trailing sentence", func(s Source) Source { s.Quote += " This is new."; return s }},
		{"dropped last word", func(s Source) Source {
			s.Quote = s.Quote[:strings.LastIndex(s.Quote, " ")] + "."
			return s
		}},
		{"dropped first word", func(s Source) Source {
			s.Quote = s.Quote[strings.Index(s.Quote, " ")+1:]
			return s
		}},
		{"line too late", func(s Source) Source { s.Line++; return s }},
		{"line too early", func(s Source) Source { s.Line--; return s }},
		{"wrong page", func(s Source) Source { s.Page++; s.EndPage++; return s }},
		{"wrong end page", func(s Source) Source { s.EndPage++; return s }},
		{"wrong chapter", func(s Source) Source { s.Chapter = "foreword"; return s }},
	}
	for _, s := range good {
		for _, m := range mutations {
			if p := r.checkSource(m.f(s)); len(p) == 0 {
				t.Errorf("verifier accepted %s for the quote at line %d", m.name, s.Line)
			}
		}
	}
	// Footnote zones: what may and may not be skipped at the end of a page.
	for _, z := range []struct {
		line       int
		afterBlank bool
		want       bool
	}{
		{262, false, true},  // numbered footnote
		{427, false, true},  // footnote carried over, no blank line before it
		{587, true, true},   // carried over after a blank line
		{1819, true, true},  // carried over, citation on the next line
		{996, false, true},  // doubled page marker holding a footnote tail
		{261, false, false}, // prose just above the footnotes
		{1360, true, false}, // paragraph just above a footnote
		{1629, true, false}, // paragraph just above a footnote
		{2301, true, false}, // figure caption "Source: ... (www.sgc.az)" above prose
		{3119, false, false},
	} {
		if _, ok := r.skipFootnotes(z.line, z.afterBlank); ok != z.want {
			t.Errorf("skipFootnotes(%d, %v) = %v, want %v", z.line, z.afterBlank, ok, z.want)
		}
	}
	// A quote that leaves out the prose at the bottom of a page must fail.
	omit := Source{Chapter: "conclusion", Line: 3202, Page: 91, EndPage: 92,
		Quote: "The U.S. role in the expansion of links between Azerbaijan and Central Asian states through connectivity, energy, and other In this aspect, the importance of the OTS, which includes NATO member Türkiye along with Azerbaijan and the Turkic states of Central Asia, needs to be adequately assessed by the U.S. policymakers."}
	if p := r.checkSource(omit); len(p) == 0 {
		t.Errorf("verifier accepted a quote that skips prose before a page break")
	}
	// Footnote text inside a quote must fail.
	withNote := good[2]
	withNote.Quote = strings.Replace(withNote.Quote, "with the U.S. Export-Import", "with the U.S. 1 Report.az, Export-Import", 1)
	if p := r.checkSource(withNote); len(p) == 0 {
		t.Errorf("verifier accepted footnote text inside a quote")
	}
}
