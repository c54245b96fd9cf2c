package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"policytracker/handlers"
	"policytracker/models"
)

// The overdue filter counts days in the instance's time zone, like the
// dashboard and the overdue marks: in Auckland on the morning of 3 March
// (still 2 March in UTC) an item due on 2 March is overdue.
func TestOverdueFilterUsesInstanceDay(t *testing.T) {
	e := newEnvWith(t, handlers.Config{Location: time.FixedZone("NZDT", 13*3600)})
	e.clock.Advance(10 * time.Hour) // 2026-03-02 19:00 UTC = 2026-03-03 08:00 in Auckland
	admin := e.user(models.RoleAdmin)
	tok := e.token(admin)
	rec := e.rec("R-01")
	resp, body := e.api(http.MethodPatch, "/api/v1/recommendations/"+itoa(rec.ID), tok,
		map[string]any{"version": rec.Version, "due_date": "2026-03-02"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set due date: %d %v", resp.StatusCode, body)
	}

	cases := []struct {
		name string
		path string
	}{
		{"api list", "/api/v1/recommendations?overdue=1"},
		{"api list with other filters", "/api/v1/recommendations?overdue=1&status=open"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, out := e.api(http.MethodGet, c.path, tok, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %v", resp.StatusCode, out)
			}
			if out["total"] != float64(1) {
				t.Fatalf("total = %v, want 1 (R-01, due yesterday in the instance's zone)", out["total"])
			}
		})
	}

	// As of now, given as today's date or as an RFC 3339 time in UTC, the
	// rebuilt list counts the day in the instance's zone too.
	b := e.browser()
	b.login(admin)
	for _, path := range []string{
		"/recommendations?overdue=1",
		"/recommendations?overdue=1&as_of=2026-03-03",
		"/recommendations?overdue=1&as_of=2026-03-02T19:00:00Z",
	} {
		t.Run("list page "+path, func(t *testing.T) {
			resp, page := b.get(path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if !strings.Contains(page, "/recommendations/"+itoa(rec.ID)+"\"") {
				t.Fatalf("the overdue list does not show %s", rec.Code)
			}
		})
	}

	// The dashboard already counts in the instance's day: both agree.
	d, err := e.store.Dashboard(context.Background(), admin, "2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.OverdueItems) != 1 {
		t.Fatalf("dashboard overdue items = %d, want 1", len(d.OverdueItems))
	}
}
