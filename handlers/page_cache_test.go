package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"policytracker/models"
)

// Reused page content must never outlive a change, never show one user
// another's view, and must carry each session's own CSRF token.
func TestCachedPagesFollowEveryChange(t *testing.T) {
	e := newEnv(t)
	lead, member := e.user(models.RoleLead), e.user(models.RoleMember)
	r := e.rec("R-33")
	path := "/recommendations/" + itoa(r.ID)
	b := e.browser()
	b.login(member)
	for _, p := range []string{path, "/recommendations?domain=humanitarian", "/"} {
		if resp, _ := b.get(p); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}

	// A change made outside the pages (the API) shows on the next view.
	resp, _ := e.api(http.MethodPatch, "/api/v1/recommendations/"+itoa(r.ID), e.token(lead), map[string]any{"version": r.Version, "status": "stalled", "progress": 40})
	if resp.StatusCode != 200 {
		t.Fatalf("patch: %d", resp.StatusCode)
	}
	for p, want := range map[string]string{
		path:                                   `class="badge st-stalled"`,
		"/recommendations?domain=humanitarian": `class="badge st-stalled"`,
		"/":                                    "R-33", // among the recently changed
	} {
		_, body := b.get(p)
		if !strings.Contains(body, want) {
			t.Errorf("%s still shows the old state (no %s)", p, want)
		}
	}
	_, body := b.get(path)
	if !strings.Contains(body, `value="40"`) {
		t.Errorf("item page does not show the new progress")
	}

	// A change written straight to the store (as the CLI does) shows too.
	if _, err := e.store.CreateUser(t.Context(), nil, models.NewUser{Email: "new@example.org", Name: "Nora Newcomer", Role: models.RoleMember, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if _, body := b.get(path); !strings.Contains(body, "Nora Newcomer") {
		t.Error("owner choices miss a member added after the page was first shown")
	}

	t.Run("each user sees their own view", func(t *testing.T) {
		other := e.browser()
		other.login(lead)
		_, body := other.get("/recommendations?owner=me")
		if strings.Contains(body, member.Name) && !strings.Contains(body, lead.Name) {
			t.Error("the lead was shown the member's page")
		}
		_, mine := b.get("/recommendations?owner=me")
		if mine == body {
			t.Error("two users got the same personal page")
		}
	})

	t.Run("a second session of the same user gets its own CSRF token", func(t *testing.T) {
		second := e.browser()
		second.login(member)
		_, body := second.get(path)
		m := csrfRe.FindAllStringSubmatch(body, -1)
		if len(m) == 0 {
			t.Fatal("no form token")
		}
		_, first := b.get(path)
		f := csrfRe.FindStringSubmatch(first)
		if f == nil || f[1] == m[0][1] {
			t.Fatal("two sessions were given the same token")
		}
		cur := e.rec("R-33")
		resp, body := second.post(path, url.Values{"_csrf": {m[0][1]}, "version": {itoa(int64(cur.Version))}, "status": {"in_progress"}, "progress": {itoa(int64(cur.Progress))}, "priority": {"high"}}, path)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("form from a reused page refused: %d %s", resp.StatusCode, body)
		}
		if got := e.rec("R-33"); got.Priority != models.PriorityHigh {
			t.Errorf("priority not saved: %s", got.Priority)
		}
	})
}
