package handlers_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"policytracker/models"
)

// A sequence of changes on a fixed clock, one day apart, then the item page,
// the list and the API read back as of each day.
func TestAsOfRebuildsEachDay(t *testing.T) {
	e := newEnv(t) // the catalog is loaded on 2026-03-02 at 09:00 UTC
	member, lead := e.user(models.RoleMember), e.user(models.RoleLead)
	tm, tl := e.token(member), e.token(lead)
	r := e.rec("R-24")
	item := "/api/v1/recommendations/" + itoa(r.ID)
	must := func(resp *http.Response, out map[string]any) map[string]any {
		t.Helper()
		if resp.StatusCode >= 300 {
			t.Fatalf("%d %v", resp.StatusCode, out)
		}
		return out
	}
	version := func() int { return e.rec("R-24").Version }
	day := 24 * time.Hour

	// 3 March: work starts; a note and a link.
	e.clock.Advance(day)
	must(e.api("PATCH", item, tm, map[string]any{"version": version(), "status": "in_progress", "owner_id": member.ID, "priority": "high", "tags": []string{"energy"}}))
	noteA := must(e.api("POST", item+"/notes", tm, map[string]any{"body": "First draft of the plan"}))
	link := must(e.api("POST", item+"/evidence", tm, map[string]any{"kind": "link", "url": "https://example.org/plan", "title": "Published plan"}))
	// 4 March: the note is reworded, the link verified, progress and due date set, a second note.
	e.clock.Advance(day)
	must(e.api("PATCH", "/api/v1/notes/"+itoa(int64(noteA["id"].(float64))), tm, map[string]any{"body": "Plan agreed with the ministry"}))
	must(e.api("POST", "/api/v1/evidence/"+itoa(int64(link["id"].(float64)))+"/verify", tl, nil))
	must(e.api("PATCH", item, tm, map[string]any{"version": version(), "progress": 40, "due_date": "2026-06-30"}))
	noteB := must(e.api("POST", item+"/notes", tm, map[string]any{"body": "Temporary remark"}))
	// 5 March: the remark is deleted, a citation added and rejected, the item closed.
	e.clock.Advance(day)
	req, _ := http.NewRequest("DELETE", "/api/v1/notes/"+itoa(int64(noteB["id"].(float64))), nil)
	req.Header.Set("Authorization", "Bearer "+tm)
	if resp, _ := e.app.Test(req, -1); resp.StatusCode != 204 {
		t.Fatalf("delete note: %d", resp.StatusCode)
	}
	cit := must(e.api("POST", item+"/evidence", tm, map[string]any{"kind": "citation", "title": "Minister's statement", "citation": "Statement of 4 March"}))
	must(e.api("POST", "/api/v1/evidence/"+itoa(int64(cit["id"].(float64)))+"/reject", tl, map[string]any{"reason": "not an official record"}))
	must(e.api("PATCH", item, tl, map[string]any{"version": version(), "status": "implemented"}))

	b := e.browser()
	b.login(member)
	facts := regexp.MustCompile(`(?s)<dl class="facts">.*?</dl>`)
	cases := []struct {
		date     string
		facts    []string // in the item's fact list
		has      []string // elsewhere on the item page
		hasNot   []string
		listCode bool // R-24 is listed under ?status=<status>
		status   string
	}{
		{"2026-03-02", []string{"Not started", "0%", "Medium", "<dd>—</dd>"}, []string{"No notes at that date.", "No evidence at that date."},
			[]string{"First draft", "Published plan", "added a note"}, true, "not_started"},
		{"2026-03-03", []string{"In progress", "25%", "High", member.Name, "energy"}, []string{"First draft of the plan", "Published plan", "awaiting verification"},
			[]string{"Plan agreed", ">edited</span>", "Temporary remark", "verified evidence: Published plan"}, true, "in_progress"},
		{"2026-03-04", []string{"In progress", "40%", "2026-06-30"}, []string{"Plan agreed with the ministry", ">edited</span>", "Temporary remark", "verified evidence: Published plan"},
			[]string{"First draft of the plan</p>", "Minister", "closed the item"}, true, "in_progress"},
		{"2026-03-05", []string{"Implemented", "100%"}, []string{"Plan agreed with the ministry", "Minister&#39;s statement", "not an official record", "closed the item"},
			[]string{"Temporary remark</p>"}, true, "implemented"},
		{"2026-03-04", nil, nil, nil, false, "implemented"},
	}
	for _, c := range cases {
		t.Run(c.date+" "+c.status, func(t *testing.T) {
			resp, page := b.get("/recommendations/" + itoa(r.ID) + "?as_of=" + c.date)
			if resp.StatusCode != 200 {
				t.Fatalf("item page: %d", resp.StatusCode)
			}
			if !strings.Contains(page, "Viewed as of "+c.date) {
				t.Fatal("the page does not say it is a past view")
			}
			if n := strings.Count(page, `method="post"`) - strings.Count(page, `method="post" action="/logout"`); n != 0 {
				t.Fatalf("a past view offers %d forms that change something", n)
			}
			fl := facts.FindString(page)
			for _, f := range c.facts {
				if !strings.Contains(fl, f) {
					t.Errorf("facts lack %q:\n%s", f, fl)
				}
			}
			for _, h := range c.has {
				if !strings.Contains(page, h) {
					t.Errorf("page lacks %q", h)
				}
			}
			for _, h := range c.hasNot {
				if strings.Contains(page, h) {
					t.Errorf("page holds %q", h)
				}
			}
			_, list := b.get("/recommendations?status=" + c.status + "&as_of=" + c.date)
			if listed := strings.Contains(list, `href="/recommendations/`+itoa(r.ID)+`"`); listed != c.listCode {
				t.Errorf("listed under %s as of %s: %v", c.status, c.date, listed)
			}
		})
	}

	t.Run("today's date is now", func(t *testing.T) {
		resp, page := b.get("/recommendations/" + itoa(r.ID) + "?as_of=2026-03-05")
		if resp.StatusCode != 200 || !strings.Contains(page, "Implemented") {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
	bad := []struct{ name, value, msg string }{
		{"future date", "2026-03-06", "is in the future"},
		{"future time", "2026-03-05T23:00:00Z", "is in the future"},
		{"not a date", "last-tuesday", "is not a date"},
		{"impossible date", "2026-02-30", "is not a date"},
		{"before the item existed", "2026-03-01", "not in the tracker yet"},
	}
	for _, c := range bad {
		t.Run("item: "+c.name, func(t *testing.T) {
			resp, page := b.get("/recommendations/" + itoa(r.ID) + "?as_of=" + c.value)
			if resp.StatusCode != 422 || !strings.Contains(page, c.msg) {
				t.Fatalf("status %d, message %q missing", resp.StatusCode, c.msg)
			}
		})
	}
	for _, c := range bad[:4] {
		t.Run("list: "+c.name, func(t *testing.T) {
			resp, page := b.get("/recommendations?as_of=" + c.value)
			if resp.StatusCode != 422 || !strings.Contains(page, c.msg) {
				t.Fatalf("status %d, message %q missing", resp.StatusCode, c.msg)
			}
		})
	}
	t.Run("list before the catalog existed is empty", func(t *testing.T) {
		resp, page := b.get("/recommendations?as_of=2026-03-01")
		if resp.StatusCode != 200 || !strings.Contains(page, "0 of 0 recommendations") {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// activitySection is the feed's list of entries.
func activityLines(t *testing.T, page string) []string {
	t.Helper()
	return regexp.MustCompile(`(?s)<li class="kind-[a-z_]+">.*?</li>`).FindAllString(page, -1)
}

func TestActivityFeedFiltersAndHidesAccountEvents(t *testing.T) {
	e := newEnv(t)
	ann, ben := e.user(models.RoleMember), e.user(models.RoleMember)
	admin := e.user(models.RoleAdmin)
	ctx := context.Background()
	r1, r2 := e.rec("R-25"), e.rec("R-26")
	e.clock.Advance(24 * time.Hour) // 3 March
	e.store.AddNote(ctx, ann, r1.ID, "ann on 25")
	e.clock.Advance(24 * time.Hour) // 4 March
	e.store.AddNote(ctx, ben, r2.ID, "ben on 26")
	e.store.AddEvidence(ctx, ben, r1.ID, models.NewEvidence{Kind: "link", Title: "Ben's link", URL: "https://example.org"})
	e.clock.Advance(24 * time.Hour) // 5 March
	for i := 0; i < 3; i++ {
		e.store.AddNote(ctx, ann, r2.ID, "ann again")
	}

	mb := e.browser()
	mb.login(ann) // a login: an account event
	cases := []struct {
		query string
		n     int
		has   string
	}{
		{"", 50, "Page 1 of 2"}, // 46 catalog "created" events and 6 of the team's
		{"?person=" + itoa(ben.ID), 2, "Ben&#39;s link"},
		{"?code=R-25", 3, "ann on 25"}, // added from the catalog, a note, a link
		{"?code=r-26&person=" + itoa(ann.ID), 3, "ann again"},
		{"?kind=evidence_added", 1, "added evidence: Ben&#39;s link"},
		{"?from=2026-03-04&to=2026-03-04", 2, "ben on 26"},
		{"?from=2026-03-05", 3, "ann again"},
		{"?kind=note_added&per_page=2", 2, "Page 1 of 3"},
		{"?kind=note_added&per_page=2&page=3", 1, "ann on 25"},
	}
	for _, c := range cases {
		t.Run("filter "+c.query, func(t *testing.T) {
			resp, page := mb.get("/activity" + c.query)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			lines := activityLines(t, page)
			if len(lines) != c.n {
				t.Fatalf("%d entries, want %d:\n%s", len(lines), c.n, strings.Join(lines, "\n"))
			}
			if c.has != "" && !strings.Contains(page, c.has) {
				t.Fatalf("page lacks %q", c.has)
			}
			if strings.Contains(page, "signed in") || strings.Contains(page, "created the account") {
				t.Fatal("a member sees account events")
			}
		})
	}
	t.Run("newest first", func(t *testing.T) {
		_, page := mb.get("/activity?kind=note_added")
		lines := activityLines(t, page)
		if len(lines) != 5 || !strings.Contains(lines[0], "ann again") || !strings.Contains(lines[4], "ann on 25") {
			t.Fatalf("order:\n%s", strings.Join(lines, "\n"))
		}
	})
	t.Run("bad filters answer 422", func(t *testing.T) {
		for q, msg := range map[string]string{
			"?code=R-99":                     "no recommendation has this code",
			"?from=yesterday":                "must be a date",
			"?from=2026-03-05&to=2026-03-01": "must not be after the end date",
			"?person=abc":                    "no such team member",
			"?kind=DROP%20TABLE":             "unknown kind",
			"?page=0":                        "must be a whole number",
			"?per_page=100000":               "must be between",
		} {
			resp, page := mb.get("/activity" + q)
			if resp.StatusCode != 422 || !strings.Contains(page, msg) {
				t.Errorf("%s: status %d, message %q missing", q, resp.StatusCode, msg)
			}
		}
	})
	t.Run("admins see account events", func(t *testing.T) {
		ab := e.browser()
		ab.login(admin)
		_, page := ab.get("/activity?person=" + itoa(ann.ID))
		if !strings.Contains(page, "signed in") {
			t.Fatal("admin does not see sign-ins")
		}
		_, page = ab.get("/activity?kind=user_created")
		if !strings.Contains(page, "created the account") {
			t.Fatal("admin cannot filter account events")
		}
		// The API agrees with the pages.
		resp, out := e.api("GET", "/api/v1/events?kind=login", e.token(admin), nil)
		if resp.StatusCode != 200 || out["total"].(float64) < 2 {
			t.Fatalf("admin api: %d %v", resp.StatusCode, out)
		}
		resp, out = e.api("GET", "/api/v1/events?kind=login", e.token(ann), nil)
		if resp.StatusCode != 200 || out["total"].(float64) != 0 {
			t.Fatalf("member api: %d %v", resp.StatusCode, out)
		}
	})
}
