package handlers_test

import (
	"testing"

	"policytracker/models"
)

func TestItemEventsAreTheWholeHistoryOldestFirst(t *testing.T) {
	e := newEnv(t)
	m, lead := e.user(models.RoleMember), e.user(models.RoleLead)
	v := e.user(models.RoleViewer)
	tm, tl := e.token(m), e.token(lead)
	r := e.rec("R-30")
	base := "/api/v1/recommendations/" + itoa(r.ID)
	e.clock.Advance(3600e9)
	e.api("PATCH", base, tm, map[string]any{"version": 1, "status": "in_progress"})
	e.clock.Advance(3600e9)
	_, n := e.api("POST", base+"/notes", tm, map[string]any{"body": "one"})
	e.api("PATCH", "/api/v1/notes/"+itoa(int64(n["id"].(float64))), tm, map[string]any{"body": "two"})
	e.clock.Advance(3600e9)
	_, ev := e.api("POST", base+"/evidence", tm, map[string]any{"kind": "citation", "title": "Decree", "citation": "Decree 5"})
	e.api("POST", "/api/v1/evidence/"+itoa(int64(ev["id"].(float64)))+"/reject", tl, map[string]any{"reason": "draft only"})
	e.api("POST", base+"/review-request", tm, map[string]any{"note": "look"})

	resp, out := e.api("GET", base+"/events", e.token(v), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	items := out["items"].([]any)
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.(map[string]any)["kind"].(string))
	}
	want := []string{"created", "field", "field", "note_added", "note_edited", "evidence_added", "evidence_rejected", "review_requested"}
	if len(kinds) != len(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
	}
	edit := items[4].(map[string]any)
	if edit["old_value"] != "one" || edit["new_value"] != "two" || edit["ref_id"].(float64) != n["id"].(float64) || edit["actor"].(map[string]any)["email"] != m.Email {
		t.Fatalf("edit event: %v", edit)
	}
	rej := items[6].(map[string]any)
	if rej["reason"] != "draft only" || rej["new_value"] != "Decree" || rej["text"] != "rejected evidence: Decree" {
		t.Fatalf("reject event: %v", rej)
	}
	if resp, _ := e.api("GET", "/api/v1/recommendations/424242/events", tm, nil); resp.StatusCode != 404 {
		t.Fatalf("unknown item: %d", resp.StatusCode)
	}
}
