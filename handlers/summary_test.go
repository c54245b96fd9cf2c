package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"policytracker/models"
)

// history moves the clock through a few changes (the harness clock starts
// at 2026-03-02 09:00 UTC):
//
//	Mar 2  R-04 in progress
//	Mar 5  R-04 partially implemented, due 2026-03-31; note on R-04
//	Mar 9  R-05 in progress; the clock stays at Mar 9 10:00
func history(t *testing.T, e *env) *models.User {
	t.Helper()
	ctx := context.Background()
	m := e.user(models.RoleMember)
	st := func(s models.Status) *models.Status { return &s }
	r4 := e.rec("R-04")
	if _, err := e.store.UpdateRecommendation(ctx, m, r4.ID, models.Change{Version: r4.Version, Status: st(models.StatusInProgress)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * 24 * time.Hour)
	due := "2026-03-31"
	if _, err := e.store.UpdateRecommendation(ctx, m, r4.ID, models.Change{Version: r4.Version + 1, Status: st(models.StatusPartiallyImplemented), DueDate: &due}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddNote(ctx, m, r4.ID, "Talks resumed."); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(4 * 24 * time.Hour)
	r5 := e.rec("R-05")
	if _, err := e.store.UpdateRecommendation(ctx, m, r5.ID, models.Change{Version: r5.Version, Status: st(models.StatusInProgress)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	return m
}

func TestAPISummaryAsOfAndSince(t *testing.T) {
	e := newEnv(t)
	history(t, e)
	tok := e.token(e.user(models.RoleViewer))
	cases := []struct {
		name                  string
		query                 string
		inProgress, partially float64
		statusChanges, notes  float64
		avg                   float64
		filterTotal           float64
	}{
		{"now, last 30 days", "", 1, 1, 3, 1, (25 + 60) / 46.0, 46},
		{"as of March 3: one item in progress", "as_of=2026-03-03&since=2026-03-01", 1, 0, 1, 0, 25 / 46.0, 46},
		{"as of March 6, changes since March 4", "as_of=2026-03-06&since=2026-03-04", 0, 1, 1, 1, 60 / 46.0, 46},
		{"energy only", "domain=energy", 1, 1, 3, 1, (25 + 60) / 7.0, 7},
		{"an RFC 3339 moment", "as_of=" + url.QueryEscape("2026-03-05T08:00:00Z"), 1, 0, 1, 0, 25 / 46.0, 46},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, js := e.api(http.MethodGet, "/api/v1/summary?"+c.query, tok, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %v", resp.StatusCode, js)
			}
			wantKeys(t, "summary", js, "as_of", "since", "filters", "total", "implemented", "implemented_pct", "average_progress",
				"overdue", "awaiting_review", "by_status", "by_domain", "overdue_items", "review_items", "changes")
			byStatus := map[string]float64{}
			for _, s := range js["by_status"].([]any) {
				m := s.(map[string]any)
				byStatus[m["status"].(string)] = m["count"].(float64)
			}
			ch := js["changes"].(map[string]any)
			got := []float64{byStatus["in_progress"], byStatus["partially_implemented"], ch["status_changes"].(float64), ch["notes_added"].(float64), js["total"].(float64)}
			want := []float64{c.inProgress, c.partially, c.statusChanges, c.notes, c.filterTotal}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("in progress/partially/status changes/notes/total = %v, want %v", got, want)
				}
			}
			if avg := js["average_progress"].(float64); avg < c.avg-0.051 || avg > c.avg+0.051 {
				t.Fatalf("average %v, want %.2f", avg, c.avg)
			}
		})
	}
}

func TestSummaryRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.user(models.RoleViewer))
	b := e.browser()
	b.login(e.user(models.RoleViewer))
	cases := []struct{ query, field string }{
		{"as_of=yesterday", "as_of"},
		{"as_of=2026-02-30", "as_of"},
		{"as_of=2026-03-03", "as_of"}, // tomorrow for the harness clock
		{"as_of=2026-02-01&since=2026-02-02", "since"},
		{"since=" + strings.Repeat("9", 300), "since"},
		{"status=done", "status"},
		{"domain=space", "domain"},
	}
	for _, c := range cases {
		t.Run(c.query[:min(len(c.query), 40)], func(t *testing.T) {
			resp, js := e.api(http.MethodGet, "/api/v1/summary?"+c.query, tok, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("API status %d", resp.StatusCode)
			}
			errBody := js["error"].(map[string]any)
			if errBody["code"] != "invalid" || errBody["fields"].(map[string]any)[c.field] == nil {
				t.Fatalf("API error %v", errBody)
			}
			resp, body := b.get("/summary?" + c.query)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `class="field-error"`) || !strings.Contains(body, `<form class="filters card" method="get" action="/summary">`) {
				t.Fatalf("page status %d", resp.StatusCode)
			}
		})
	}
	if resp, _ := e.api(http.MethodGet, "/api/v1/summary", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", resp.StatusCode)
	}
}

var exportHref = regexp.MustCompile(`href="(/export\?[^"]+)"`)

func TestSummaryPageShowsThePeriodAndOffersEveryFormat(t *testing.T) {
	e := newEnv(t)
	history(t, e)
	b := e.browser()
	b.login(e.user(models.RoleViewer))
	resp, body := b.get("/summary?as_of=2026-03-06&since=2026-03-04&domain=energy")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`value="2026-03-06"`, `value="2026-03-04"`, `<option value="energy" selected>`,
		"As of 6 Mar 2026, 23:59", "R-04", "status In progress → Partially implemented", `class="seg-partially_implemented"`,
		`<a href="/recommendations?as_of=2026-03-06&amp;domain=energy" tabindex="-1" class="chart-bar">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "R-05") {
		t.Error("R-05 changed after the as-of date but is listed")
	}
	links := exportHref.FindAllStringSubmatch(body, -1)
	formats := map[string]bool{}
	for _, l := range links {
		u, err := url.Parse(html.UnescapeString(l[1]))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("as_of") != "2026-03-06" || q.Get("since") != "2026-03-04" || q.Get("domain") != "energy" {
			t.Errorf("export link keeps the parameters: %s", u)
		}
		formats[q.Get("format")] = true
	}
	for _, f := range []string{"md", "csv", "xlsx", "json", "pdf", "zip"} {
		if !formats[f] {
			t.Errorf("no %s export link", f)
		}
	}
}

func TestSummaryPageDefaultsPinTheMomentInItsLinks(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(e.user(models.RoleViewer))
	_, body := b.get("/summary")
	if !strings.Contains(body, `name="as_of" value="2026-03-02"`) || !strings.Contains(body, `name="since" value="2026-01-31"`) {
		t.Fatal("default dates")
	}
	m := exportHref.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no export link")
	}
	u, _ := url.Parse(html.UnescapeString(m[1]))
	if u.Query().Get("as_of") != "2026-03-02T09:00:00Z" || u.Query().Get("since") != "2026-01-31T09:00:00Z" {
		t.Fatalf("link %s", u)
	}
}
