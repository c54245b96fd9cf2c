package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"policytracker/models"
)

// The core journey through the real app: sign in, filter, open, change a
// status, and read it back from the database.
func TestMemberChangesStatusThroughForm(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	b := e.browser()
	b.login(m)
	resp, body := b.get("/recommendations?domain=energy")
	if resp.StatusCode != 200 || !strings.Contains(body, "Trans-Caspian") {
		t.Fatalf("list: %d", resp.StatusCode)
	}
	r := e.rec("R-04")
	path := "/recommendations/" + itoa(r.ID)
	resp, body = b.post(path, url.Values{"version": {"1"}, "status": {"in_progress"}, "progress": {"0"}, "priority": {"high"}}, path)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	got := e.rec("R-04")
	if got.Status != models.StatusInProgress || got.Progress != 25 || got.Priority != models.PriorityHigh || got.Version != 2 {
		t.Fatalf("stored: %+v", got)
	}
}
