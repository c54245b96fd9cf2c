package handlers_test

import (
	"net/http"
	"testing"
	"time"

	"policytracker/models"
)

// GET /api/v1/recommendations/{id}?as_of= answers with the item, its notes
// and its evidence as they stood then.
func TestAPIItemAsOf(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	tok := e.token(m)
	r := e.rec("R-17")
	path := "/api/v1/recommendations/" + itoa(r.ID)

	e.clock.Advance(24 * time.Hour) // 2026-03-03
	if resp, _ := e.api(http.MethodPost, path+"/notes", tok, map[string]any{"body": "First contact with the C5+1 desk."}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("note: %d", resp.StatusCode)
	}
	e.clock.Advance(24 * time.Hour) // 2026-03-04
	if resp, _ := e.api(http.MethodPatch, path, tok, map[string]any{"version": r.Version, "status": "in_progress"}); resp.StatusCode != 200 {
		t.Fatalf("patch: %d", resp.StatusCode)
	}
	if resp, _ := e.api(http.MethodPost, path+"/evidence", tok, map[string]any{"kind": "link", "url": "https://example.org/c5", "title": "Meeting record"}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("evidence: %d", resp.StatusCode)
	}

	for _, tc := range []struct {
		name, asOf, status string
		notes, evidence    int
	}{
		{"the day it was seeded", "2026-03-02", "not_started", 0, 0},
		{"after the note", "2026-03-03", "not_started", 1, 0},
		{"today", "2026-03-04", "in_progress", 1, 1},
		{"an instant before the change", "2026-03-04T08:59:59Z", "not_started", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.api(http.MethodGet, path+"?as_of="+tc.asOf, tok, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %v", resp.StatusCode, body)
			}
			if body["status"] != tc.status || len(body["notes"].([]any)) != tc.notes || len(body["evidence"].([]any)) != tc.evidence {
				t.Errorf("got status %v, %d notes, %d evidence", body["status"], len(body["notes"].([]any)), len(body["evidence"].([]any)))
			}
		})
	}
	for _, bad := range []string{"2026-03-05", "2026-02-30", "yesterday", "2026-03-01"} {
		resp, body := e.api(http.MethodGet, path+"?as_of="+bad, tok, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("as_of=%s: status %d, want 422", bad, resp.StatusCode)
		} else if body["error"].(map[string]any)["fields"].(map[string]any)["as_of"] == nil {
			t.Errorf("as_of=%s: no field error: %v", bad, body)
		}
	}
}
