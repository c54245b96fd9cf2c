package handlers_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"policytracker/models"
	"policytracker/seed"
)

// listFixture is a seeded catalog with a few items tracked by the team;
// expectations are computed from the catalog data and this tracking state.
type listFixture struct {
	e        *env
	member   *models.User
	lead     *models.User
	entries  []seed.Entry
	tracking map[string]tracked
}

type tracked struct {
	status   models.Status
	owner    *models.User
	priority models.Priority
	tags     []string
	due      string
}

func (f *listFixture) state(code string) tracked {
	if tr, ok := f.tracking[code]; ok {
		return tr
	}
	return tracked{status: models.StatusNotStarted, priority: models.PriorityMedium}
}

func newListFixture(t *testing.T) *listFixture {
	e := newEnv(t)
	entries, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	f := &listFixture{e: e, member: e.user(models.RoleMember), lead: e.user(models.RoleLead), entries: entries}
	f.tracking = map[string]tracked{
		// Clock: 2026-03-02. R-01 is overdue; R-03 is past due but closed.
		"R-01": {status: models.StatusInProgress, owner: f.member, priority: models.PriorityHigh, tags: []string{"quick-win", "summit"}, due: "2026-01-15"},
		"R-02": {status: models.StatusNotStarted, owner: f.lead, priority: models.PriorityLow, tags: []string{"summit"}, due: "2026-12-01"},
		"R-03": {status: models.StatusNotImplemented, priority: models.PriorityMedium, due: "2026-01-01"},
		"R-04": {status: models.StatusStalled, owner: f.member, priority: models.PriorityHigh},
	}
	for code, tr := range f.tracking {
		r := e.rec(code)
		ch := models.Change{Version: r.Version, Status: &tr.status, Priority: &tr.priority, DueDate: &tr.due, Tags: &tr.tags, Reason: "set up"}
		if tr.owner != nil {
			ch.OwnerID = &tr.owner.ID
		}
		if _, err := e.store.UpdateRecommendation(context.Background(), f.lead, r.ID, ch); err != nil {
			t.Fatalf("set up %s: %v", code, err)
		}
	}
	return f
}

// haystack is what text search looks through, per the issue: title,
// summary, passage and keywords (plus code and actor).
func haystack(e seed.Entry) string {
	parts := []string{e.Code, e.Title, e.Summary, e.Actor, strings.Join(e.Keywords, " ")}
	for _, s := range e.Sources {
		parts = append(parts, s.Quote)
	}
	return strings.ToLower(strings.Join(parts, " "))
}

func fieldText(e seed.Entry, field string) string {
	switch field {
	case "title":
		return e.Title
	case "summary":
		return e.Summary
	case "keywords":
		return strings.Join(e.Keywords, " ")
	}
	var qs []string
	for _, s := range e.Sources {
		qs = append(qs, s.Quote)
	}
	return strings.Join(qs, " ")
}

func (f *listFixture) codes(keep func(e seed.Entry, tr tracked) bool) []string {
	var out []string
	for _, e := range f.entries {
		if keep(e, f.state(e.Code)) {
			out = append(out, e.Code)
		}
	}
	return out
}

var rowCodeRe = regexp.MustCompile(`<td class="code" data-label="Code">([^<]+)</td>`)
var listCountRe = regexp.MustCompile(`(\d+) of (\d+) recommendations`)

// listPageCodes fetches a list page and returns its rows' codes and the
// "N of M" count it shows.
func listPageCodes(t *testing.T, b *browser, query string) ([]string, string, int) {
	t.Helper()
	resp, body := b.get("/recommendations?" + query)
	var codes []string
	for _, m := range rowCodeRe.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	count := ""
	if m := listCountRe.FindStringSubmatch(body); m != nil {
		count = m[1] + " of " + m[2]
	}
	return codes, count, resp.StatusCode
}

func apiCodes(t *testing.T, e *env, tok, query string) ([]string, float64, int) {
	t.Helper()
	resp, js := e.api(http.MethodGet, "/api/v1/recommendations?"+query, tok, nil)
	var codes []string
	items, _ := js["items"].([]any)
	for _, it := range items {
		codes = append(codes, it.(map[string]any)["code"].(string))
	}
	total, _ := js["total"].(float64)
	return codes, total, resp.StatusCode
}

func TestListFilters(t *testing.T) {
	f := newListFixture(t)
	b, _ := f.e.signIn(f.member)
	tok := f.e.token(f.member)
	type entry = seed.Entry
	textCase := func(term, field, code string) struct {
		name, query string
		keep        func(entry, tracked) bool
	} {
		// The term must be in this item's field only, so the case proves
		// that search reads that field.
		for _, e := range f.entries {
			if e.Code != code {
				continue
			}
			for _, other := range []string{"title", "summary", "keywords", "passage"} {
				in := strings.Contains(strings.ToLower(fieldText(e, other)), term)
				if in != (other == field) {
					t.Fatalf("search term %q: in %s of %s = %v; pick another term", term, other, code, in)
				}
			}
		}
		return struct {
			name, query string
			keep        func(entry, tracked) bool
		}{"search finds a word of the " + field, "q=" + url.QueryEscape(term), func(e entry, _ tracked) bool {
			return strings.Contains(haystack(e), term)
		}}
	}
	cases := []struct {
		name, query string
		keep        func(entry, tracked) bool
	}{
		{"no filter lists everything", "", func(entry, tracked) bool { return true }},
		{"status filter keeps that status", "status=not_started", func(_ entry, tr tracked) bool { return tr.status == models.StatusNotStarted }},
		{"open filter keeps open items", "status=open", func(_ entry, tr tracked) bool { return !tr.status.Closed() }},
		{"closed filter keeps closed items", "status=closed", func(_ entry, tr tracked) bool { return tr.status.Closed() }},
		{"domain filter keeps the domain", "domain=energy", func(e entry, _ tracked) bool { return e.Domain == "energy" }},
		{"priority filter keeps the priority", "priority=high", func(_ entry, tr tracked) bool { return tr.priority == models.PriorityHigh }},
		{"owner filter keeps that owner's items", "owner=" + itoa(f.lead.ID), func(_ entry, tr tracked) bool { return tr.owner == f.lead }},
		{"owner=me keeps the signed-in user's items", "owner=me", func(_ entry, tr tracked) bool { return tr.owner == f.member }},
		{"owner=none keeps unowned items", "owner=none", func(_ entry, tr tracked) bool { return tr.owner == nil }},
		{"strength filter keeps the wording", "strength=could", func(e entry, _ tracked) bool { return e.Strength == "could" }},
		{"tag filter keeps tagged items", "tag=summit", func(_ entry, tr tracked) bool { return slices.Contains(tr.tags, "summit") }},
		{"tag filter matches whole tags only", "tag=quick", func(entry, tracked) bool { return false }},
		{"overdue keeps open items past their due date", "overdue=1", func(_ entry, tr tracked) bool {
			return tr.due != "" && tr.due < "2026-03-02" && !tr.status.Closed()
		}},
		{"filters combine", "domain=diplomacy&priority=high&status=open", func(e entry, tr tracked) bool {
			return e.Domain == "diplomacy" && tr.priority == models.PriorityHigh && !tr.status.Closed()
		}},
		textCase("institutionalise", "title", "R-18"),
		textCase("backbone", "summary", "R-01"),
		textCase("interoperability", "keywords", "R-24"),
		textCase("aliyev", "passage", "R-02"),
		{"search is case-insensitive and needs every word", "q=BACKBONE+bringing", func(e entry, _ tracked) bool {
			return strings.Contains(haystack(e), "backbone") && strings.Contains(haystack(e), "bringing")
		}},
		{"search with no match lists nothing", "q=zzzqqq", func(entry, tracked) bool { return false }},
		{"search treats % and _ literally", "q=%25_%25", func(entry, tracked) bool { return false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := f.codes(tc.keep)
			if strings.HasPrefix(tc.name, "search finds") && len(want) == 0 {
				t.Fatal("the case matches nothing; it would prove nothing")
			}
			codes, count, st := listPageCodes(t, b, tc.query+"&per_page=100")
			if st != http.StatusOK {
				t.Fatalf("page: status %d", st)
			}
			if !slices.Equal(codes, want) {
				t.Errorf("page rows %v\nwant %v", codes, want)
			}
			if wantCount := fmt.Sprintf("%d of %d", len(want), len(f.entries)); count != wantCount {
				t.Errorf("page count %q, want %q", count, wantCount)
			}
			codes, total, st := apiCodes(t, f.e, tok, tc.query+"&per_page=100")
			if st != http.StatusOK || int(total) != len(want) || !slices.Equal(codes, want) {
				t.Errorf("API: status %d, total %v, items %v\nwant %v", st, total, codes, want)
			}
		})
	}
}

func TestListSorting(t *testing.T) {
	f := newListFixture(t)
	b, _ := f.e.signIn(f.member)
	byTitle := slices.Clone(f.entries)
	sort.SliceStable(byTitle, func(i, j int) bool { return byTitle[i].Title < byTitle[j].Title })
	prioRank := map[models.Priority]int{models.PriorityHigh: 3, models.PriorityMedium: 2, models.PriorityLow: 1}
	cases := []struct {
		name, sort string
		check      func(codes []string) bool
	}{
		{"code sorts R-01 first", "code", func(c []string) bool { return c[0] == "R-01" && c[len(c)-1] == "R-46" }},
		{"-code sorts R-46 first", "-code", func(c []string) bool { return c[0] == "R-46" && c[len(c)-1] == "R-01" }},
		{"title sorts alphabetically", "title", func(c []string) bool {
			for i, e := range byTitle {
				if c[i] != e.Code {
					return false
				}
			}
			return true
		}},
		{"-priority puts high priority first", "-priority", func(c []string) bool {
			return prioRank[f.state(c[0]).priority] == 3 && prioRank[f.state(c[len(c)-1]).priority] == 1 &&
				slices.IsSortedFunc(c, func(a, b string) int { return prioRank[f.state(b).priority] - prioRank[f.state(a).priority] })
		}},
		{"due puts the soonest first and undated last", "due", func(c []string) bool {
			return slices.Equal(c[:3], []string{"R-03", "R-01", "R-02"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			codes, _, st := listPageCodes(t, b, "per_page=100&sort="+tc.sort)
			if st != http.StatusOK || len(codes) != len(f.entries) || !tc.check(codes) {
				t.Errorf("status %d, order %v", st, codes)
			}
		})
	}
}

func TestListPaginationAndCounts(t *testing.T) {
	f := newListFixture(t)
	b, _ := f.e.signIn(f.member)
	cases := []struct {
		name, query string
		first, last string
		rows        int
		pager       string
	}{
		{"first page of 20", "per_page=20", "R-01", "R-20", 20, "Page 1 of 3"},
		{"last page holds the rest", "per_page=20&page=3", "R-41", "R-46", 6, "Page 3 of 3"},
		{"default page size shows everything", "", "R-01", "R-46", 46, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			codes, count, st := listPageCodes(t, b, tc.query)
			if st != 200 || len(codes) != tc.rows || codes[0] != tc.first || codes[len(codes)-1] != tc.last || count != "46 of 46" {
				t.Fatalf("status %d, count %q, rows %v", st, count, codes)
			}
			_, body := b.get("/recommendations?" + tc.query)
			if tc.pager != "" && !strings.Contains(body, tc.pager) {
				t.Errorf("pager %q missing", tc.pager)
			}
		})
	}
	t.Run("pager links keep the filters", func(t *testing.T) {
		_, body := b.get("/recommendations?per_page=5&status=not_started&sort=-code")
		if !strings.Contains(body, `href="/recommendations?page=2&amp;per_page=5&amp;sort=-code&amp;status=not_started"`) {
			t.Errorf("next-page link lost the filters")
		}
	})
	t.Run("choices show how many items each gives", func(t *testing.T) {
		_, body := b.get("/recommendations?domain=energy")
		domains := map[string]int{}
		notStartedEnergy := 0
		for _, e := range f.entries {
			domains[e.Domain]++
			if e.Domain == "energy" && f.state(e.Code).status == models.StatusNotStarted {
				notStartedEnergy++
			}
		}
		// Domain counts ignore the domain filter; status counts honour it.
		for _, want := range []string{
			fmt.Sprintf("Energy (%d)", domains["energy"]),
			fmt.Sprintf("Security &amp; defence (%d)", domains["security"]),
			fmt.Sprintf("Not started (%d)", notStartedEnergy),
			fmt.Sprintf("%d of 46 recommendations", domains["energy"]),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
}

func TestListRefusesBadFilters(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleViewer)
	b, _ := e.signIn(u)
	tok := e.token(u)
	cases := []struct{ name, query, field string }{
		{"unknown status", "status=done", "status"},
		{"unknown domain", "domain=mars", "domain"},
		{"unknown priority", "priority=urgent", "priority"},
		{"owner that is not an id", "owner=bob", "owner"},
		{"unknown wording strength", "strength=maybe", "strength"},
		{"unknown sort order", "sort=random", "sort"},
		{"SQL in the sort order", "sort=" + url.QueryEscape("code; DROP TABLE users"), "sort"},
		{"page zero", "page=0", "page"},
		{"page that is not a number", "page=two", "page"},
		{"page size over the limit", "per_page=1000", "per_page"},
		{"search text over 200 characters", "q=" + strings.Repeat("a", 201), "q"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused with 422", func(t *testing.T) {
			resp, body := b.get("/recommendations?" + tc.query)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("page: status %d, want 422", resp.StatusCode)
			}
			resp, js := e.api(http.MethodGet, "/api/v1/recommendations?"+tc.query, tok, nil)
			errObj := wantAPIError(t, resp, js, http.StatusUnprocessableEntity, "invalid")
			fields, _ := errObj["fields"].(map[string]any)
			msg, _ := fields[tc.field].(string)
			if msg == "" {
				t.Fatalf("API fields %v lack %q", errObj["fields"], tc.field)
			}
			if !regexp.MustCompile(`class="field-error" role="alert">[^<]*` + regexp.QuoteMeta(template.HTMLEscapeString(msg))).MatchString(body) {
				t.Errorf("page does not show the %s error %q", tc.field, msg)
			}
		})
	}
	if n, _ := e.store.UserCount(context.Background()); n != 1 {
		t.Fatal("the users table was touched")
	}
}

// ---------------------------------------------------------------------------
// Item page

func TestItemPageShowsPassages(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signIn(e.user(models.RoleViewer))
	entries, _ := seed.Catalog()
	for _, en := range []seed.Entry{entries[0], entries[6], entries[len(entries)-1]} {
		t.Run(en.Code+" shows every passage verbatim with chapter and page", func(t *testing.T) {
			r := e.rec(en.Code)
			resp, body := b.get("/recommendations/" + itoa(r.ID))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, s := range en.Sources {
				if !strings.Contains(body, "<blockquote") || !strings.Contains(body, template.HTMLEscapeString(s.Quote)) {
					t.Errorf("passage missing: %.80s…", s.Quote)
				}
				pages := fmt.Sprintf("p. %d", s.Page)
				if s.EndPage > s.Page {
					pages = fmt.Sprintf("pp. %d–%d", s.Page, s.EndPage)
				}
				caption := template.HTMLEscapeString(seed.ChapterTitles[s.Chapter]) + ", " + pages
				if !strings.Contains(body, caption) {
					t.Errorf("caption %q missing", caption)
				}
			}
		})
	}
	t.Run("a viewer sees the tracking fields without a form", func(t *testing.T) {
		_, body := b.get("/recommendations/" + itoa(e.rec("R-01").ID))
		if strings.Contains(body, `name="status"`) || !strings.Contains(body, "<dt>Status</dt>") {
			t.Error("viewer got an edit form")
		}
	})
	for _, p := range []string{"/recommendations/99999", "/recommendations/abc", "/recommendations/-1", "/recommendations/1.5"} {
		t.Run(p+" is not found", func(t *testing.T) {
			if resp, _ := b.get(p); resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", resp.StatusCode)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Update form

// itemEnv is an env with a member, a lead and a verified evidence item on
// every item, so that closing as implemented is possible.
type itemEnv struct {
	*env
	member, lead, admin *models.User
}

func newItemEnv(t *testing.T) *itemEnv {
	e := newEnv(t)
	ie := &itemEnv{env: e, member: e.user(models.RoleMember), lead: e.user(models.RoleLead), admin: e.user(models.RoleAdmin)}
	return ie
}

// prepare puts an item in a starting state through the store.
func (ie *itemEnv) prepare(code string, st models.Status, progress int) *models.Recommendation {
	ie.t.Helper()
	r := ie.rec(code)
	if st == models.StatusImplemented {
		ie.verifiedEvidence(r, ie.member, ie.admin)
	}
	ch := models.Change{Version: r.Version, Status: &st, Reason: "preparing the test"}
	if !st.Closed() {
		ch.Progress = &progress
	}
	out, err := ie.store.UpdateRecommendation(context.Background(), ie.lead, r.ID, ch)
	if err != nil {
		ie.t.Fatalf("prepare %s: %v", code, err)
	}
	return out
}

func TestStatusChangeAppliesDefaultProgress(t *testing.T) {
	ie := newItemEnv(t)
	cases := []struct {
		name     string
		code     string
		from     models.Status
		to       models.Status
		want     int
		asLead   bool
		evidence bool
		reason   string
	}{
		{"not started resets progress to 0", "R-10", models.StatusInProgress, models.StatusNotStarted, 0, false, false, ""},
		{"in progress sets 25", "R-11", models.StatusStalled, models.StatusInProgress, 25, false, false, ""},
		{"partially implemented sets 60", "R-12", models.StatusInProgress, models.StatusPartiallyImplemented, 60, false, false, ""},
		{"stalled keeps the progress", "R-13", models.StatusInProgress, models.StatusStalled, 40, false, false, ""},
		{"implemented sets 100", "R-14", models.StatusInProgress, models.StatusImplemented, 100, true, true, ""},
		{"not implemented keeps the progress", "R-15", models.StatusInProgress, models.StatusNotImplemented, 40, true, false, "Parliament rejected it."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ie.prepare(tc.code, tc.from, 40)
			if tc.evidence {
				ie.verifiedEvidence(r, ie.member, ie.admin)
			}
			actor := ie.member
			if tc.asLead {
				actor = ie.lead
			}
			b, _ := ie.signIn(actor)
			path := "/recommendations/" + itoa(r.ID)
			// The form sends the progress it showed (40): untouched, so the
			// status's default applies.
			resp, body := b.post(path, trackingForm(r, url.Values{"status": {string(tc.to)}, "reason": {tc.reason}}), path)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d\n%.2000s", resp.StatusCode, body)
			}
			got := ie.rec(tc.code)
			if got.Status != tc.to || got.Progress != tc.want || got.Version != r.Version+1 {
				t.Errorf("stored %s %d%% v%d, want %s %d%% v%d", got.Status, got.Progress, got.Version, tc.to, tc.want, r.Version+1)
			}
			// The page after the redirect shows what was kept.
			_, page := b.get(path)
			if !strings.Contains(page, "Saved.") || !strings.Contains(page, tc.to.Label()) {
				t.Errorf("page after saving lacks the flash or the new status")
			}
		})
	}
}

func TestProgressOverride(t *testing.T) {
	ie := newItemEnv(t)
	b, _ := ie.signIn(ie.member)
	cases := []struct {
		name         string
		code         string
		change       url.Values
		wantStatus   models.Status
		wantProgress int
	}{
		{"an explicit progress wins over the status default", "R-20", url.Values{"status": {"partially_implemented"}, "progress": {"70"}}, models.StatusPartiallyImplemented, 70},
		{"progress alone can change", "R-21", url.Values{"progress": {"55"}}, models.StatusInProgress, 55},
		{"progress of 0 and 100 are accepted", "R-22", url.Values{"progress": {"100"}}, models.StatusInProgress, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ie.prepare(tc.code, models.StatusInProgress, 40)
			path := "/recommendations/" + itoa(r.ID)
			resp, body := b.post(path, trackingForm(r, tc.change), path)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d\n%.1500s", resp.StatusCode, body)
			}
			if got := ie.rec(tc.code); got.Status != tc.wantStatus || got.Progress != tc.wantProgress {
				t.Errorf("stored %s %d%%", got.Status, got.Progress)
			}
		})
	}
}

func TestUpdateFormRefusesInvalidInput(t *testing.T) {
	ie := newItemEnv(t)
	b, _ := ie.signIn(ie.member)
	r := ie.rec("R-30")
	path := "/recommendations/" + itoa(r.ID)
	manyTags := make([]string, 21)
	for i := range manyTags {
		manyTags[i] = fmt.Sprintf("tag%02d", i)
	}
	cases := []struct {
		name    string
		change  url.Values
		message string
		echo    string // the user's input, shown again
	}{
		{"progress that is not a number", url.Values{"progress": {"abc"}}, "must be a whole number from 0 to 100", `value="abc"`},
		{"progress over 100", url.Values{"progress": {"150"}}, "must be a whole number from 0 to 100", `value="150"`},
		{"negative progress", url.Values{"progress": {"-5"}}, "must be a whole number from 0 to 100", `value="-5"`},
		{"a date that does not exist", url.Values{"due_date": {"2026-02-30"}}, "must be a date like", `value="2026-02-30"`},
		{"a date in another format", url.Values{"due_date": {"31/03/2026"}}, "must be a date like", `value="31/03/2026"`},
		{"unknown priority", url.Values{"priority": {"urgent"}}, "must be high, medium or low", ""},
		{"unknown status", url.Values{"status": {"done"}}, "unknown status", ""},
		{"an owner who does not exist", url.Values{"owner_id": {"99999"}}, "no such team member", ""},
		{"an owner that is not an id", url.Values{"owner_id": {"bob"}}, "no such team member", ""},
		{"too many tags", url.Values{"tags": {strings.Join(manyTags, ", ")}}, "20 tags at most", "tag20"},
		{"one bad field among good ones keeps the good input", url.Values{"progress": {"101"}, "due_date": {"2026-06-30"}, "tags": {"keep-me"}}, "must be a whole number", `value="keep-me"`},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused with 422", func(t *testing.T) {
			before := ie.snapshot()
			resp, body := b.post(path, trackingForm(r, tc.change), path)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			if !strings.Contains(body, `class="field-error" role="alert">`+template.HTMLEscapeString(tc.message)) {
				t.Errorf("no field error %q on the re-rendered form", tc.message)
			}
			if tc.echo != "" && !strings.Contains(body, tc.echo) {
				t.Errorf("the form lost the input %s", tc.echo)
			}
			if after := ie.snapshot(); after != before {
				t.Errorf("a refused form changed the database:\n%s", diffLines(before, after))
			}
		})
	}
}

func TestStaleFormGetsConflict(t *testing.T) {
	ie := newItemEnv(t)
	alice, _ := ie.signIn(ie.member)
	bob, _ := ie.signIn(ie.lead)
	r := ie.rec("R-08")
	path := "/recommendations/" + itoa(r.ID)
	// Both opened the form at version 1; Alice saves first.
	if resp, body := alice.post(path, trackingForm(r, url.Values{"priority": {"high"}, "owner_id": {itoa(ie.member.ID)}}), path); resp.StatusCode != 303 {
		t.Fatalf("first save: %d\n%.1000s", resp.StatusCode, body)
	}
	before := ie.snapshot()
	resp, body := bob.post(path, trackingForm(r, url.Values{"status": {"stalled"}, "priority": {"low"}}), path)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("stale save: status %d, want 409", resp.StatusCode)
	}
	for _, want := range []string{
		"Someone else changed this item", "Priority: High", "Owner: " + ie.member.Name, // the newer values
		`name="version" value="2"`, // the form is armed with the new version
		`value="stalled" selected`, // and still holds Bob's choices
	} {
		if !strings.Contains(body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	if after := ie.snapshot(); after != before {
		t.Errorf("the stale save changed the database:\n%s", diffLines(before, after))
	}
	if got := ie.rec("R-08"); got.Priority != models.PriorityHigh || got.Status != models.StatusNotStarted {
		t.Errorf("Alice's change was overwritten: %s %s", got.Status, got.Priority)
	}
	// Saving again, now deliberately over version 2, applies Bob's values.
	resp, _ = bob.post(path, trackingForm(ie.rec("R-08"), url.Values{"status": {"stalled"}, "priority": {"low"}}), path)
	if got := ie.rec("R-08"); resp.StatusCode != 303 || got.Status != models.StatusStalled || got.Version != 3 {
		t.Errorf("resave: %d, stored %s v%d", resp.StatusCode, got.Status, got.Version)
	}
}

func TestEveryChangeIsAnEvent(t *testing.T) {
	ie := newItemEnv(t)
	b, _ := ie.signIn(ie.member)
	r := ie.rec("R-09")
	path := "/recommendations/" + itoa(r.ID)
	before := len(ie.events(r.ID))
	change := url.Values{"status": {"in_progress"}, "priority": {"high"}, "owner_id": {itoa(ie.lead.ID)},
		"due_date": {"2026-09-30"}, "tags": {"Summit, quick win"}}
	if resp, body := b.post(path, trackingForm(r, change), path); resp.StatusCode != 303 {
		t.Fatalf("status %d\n%.1000s", resp.StatusCode, body)
	}
	evs := ie.events(r.ID)[before:]
	want := map[string][2]string{
		"status": {"not_started", "in_progress"}, "progress": {"0", "25"}, "priority": {"medium", "high"},
		"owner": {"", itoa(ie.lead.ID)}, "due_date": {"", "2026-09-30"}, "tags": {"", "quick-win,summit"},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for _, ev := range evs {
		w, ok := want[ev.Field]
		if !ok || ev.OldValue != w[0] || ev.NewValue != w[1] || ev.ActorID == nil || *ev.ActorID != ie.member.ID || !ev.CreatedAt.Equal(ie.clock.Now()) {
			t.Errorf("event %s: %q → %q by %v at %v", ev.Field, ev.OldValue, ev.NewValue, ev.ActorID, ev.CreatedAt)
		}
	}
	t.Run("the history shows who changed what", func(t *testing.T) {
		_, page := b.get(path)
		hist := page[strings.Index(page, `id="history"`):]
		if !strings.Contains(hist, ie.member.Name) || !strings.Contains(hist, "In progress") {
			t.Errorf("history lacks the change:\n%.1500s", hist)
		}
	})
	t.Run("saving an unchanged form records nothing", func(t *testing.T) {
		cur := ie.rec("R-09")
		n := len(ie.events(r.ID))
		resp, _ := b.post(path, trackingForm(cur, nil), path)
		if got := ie.rec("R-09"); resp.StatusCode != 303 || got.Version != cur.Version || len(ie.events(r.ID)) != n {
			t.Errorf("status %d, version %d → %d, events %d → %d", resp.StatusCode, cur.Version, got.Version, n, len(ie.events(r.ID)))
		}
	})
}

func TestClosingAndReopeningRules(t *testing.T) {
	ie := newItemEnv(t)
	lead, _ := ie.signIn(ie.lead)
	unverified := ie.rec("R-31")
	ie.verifiedEvidence(unverified, ie.member, nil)
	closed := ie.prepare("R-33", models.StatusImplemented, 0)
	cases := []struct {
		name    string
		rec     *models.Recommendation
		change  url.Values
		want    int
		message string
		status  models.Status // stored afterwards
	}{
		{"implemented without evidence is refused", ie.rec("R-30"), url.Values{"status": {"implemented"}}, 422,
			"at least one verified evidence item", models.StatusNotStarted},
		{"implemented with unverified evidence only is refused", unverified, url.Values{"status": {"implemented"}}, 422,
			"at least one verified evidence item", models.StatusNotStarted},
		{"not implemented without a reason is refused", ie.rec("R-32"), url.Values{"status": {"not_implemented"}, "reason": {"  "}}, 422,
			"Say why the recommendation was not implemented.", models.StatusNotStarted},
		{"reopening without a reason is refused", closed, url.Values{"status": {"in_progress"}}, 422,
			"Reopening a closed item needs a reason.", models.StatusImplemented},
		{"progress of a closed item cannot change", closed, url.Values{"progress": {"90"}}, 422,
			"cannot be changed while the item is closed", models.StatusImplemented},
		{"reopening with a reason is accepted", closed, url.Values{"status": {"in_progress"}, "reason": {"The law was repealed."}}, 303,
			"", models.StatusInProgress},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/recommendations/" + itoa(tc.rec.ID)
			resp, body := lead.post(path, trackingForm(ie.rec(tc.rec.Code), tc.change), path)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d\n%.1500s", resp.StatusCode, tc.want, body)
			}
			if tc.message != "" && !strings.Contains(body, template.HTMLEscapeString(tc.message)) {
				t.Errorf("page lacks %q", tc.message)
			}
			if got := ie.rec(tc.rec.Code); got.Status != tc.status {
				t.Errorf("stored status %s, want %s", got.Status, tc.status)
			}
		})
	}
	t.Run("the reopen reason is kept in the history", func(t *testing.T) {
		var reopened []models.Event
		for _, ev := range ie.events(closed.ID) {
			if ev.Kind == "reopened" {
				reopened = append(reopened, ev)
			}
		}
		if len(reopened) != 1 || reopened[0].Reason != "The law was repealed." || reopened[0].OldValue != "implemented" ||
			reopened[0].NewValue != "in_progress" || *reopened[0].ActorID != ie.lead.ID {
			t.Errorf("reopen events %+v", reopened)
		}
	})
}
