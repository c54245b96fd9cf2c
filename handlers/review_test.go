package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"policytracker/models"
)

// The review gate holds on every route: the API and the forms refuse the
// same things with the same statuses.
func TestReviewGateOnEveryRoute(t *testing.T) {
	e := newEnv(t)
	member, lead, lead2, viewer := e.user(models.RoleMember), e.user(models.RoleLead), e.user(models.RoleLead), e.user(models.RoleViewer)
	admin := e.user(models.RoleAdmin)
	tokens := map[*models.User]string{member: e.token(member), lead: e.token(lead), lead2: e.token(lead2), viewer: e.token(viewer), admin: e.token(admin)}
	r := e.rec("R-21")
	link := func(by *models.User) int64 {
		resp, out := e.api("POST", "/api/v1/recommendations/"+itoa(r.ID)+"/evidence", tokens[by], map[string]any{"kind": "link", "url": "https://example.org/" + by.Email, "title": "Proof by " + by.Name})
		if resp.StatusCode != 201 {
			t.Fatalf("add: %d %v", resp.StatusCode, out)
		}
		return int64(out["id"].(float64))
	}
	verify := func(by *models.User, id int64) (int, map[string]any) {
		resp, out := e.api("POST", "/api/v1/evidence/"+itoa(id)+"/verify", tokens[by], nil)
		return resp.StatusCode, out
	}
	byMember, byLead := link(member), link(lead)

	cases := []struct {
		name   string
		by     *models.User
		id     int64
		status int
		msg    string
	}{
		{"a member cannot verify", member, byLead, 403, "Only a lead or admin"},
		{"a viewer cannot verify", viewer, byMember, 403, "Only a lead or admin"},
		{"a lead cannot verify their own evidence", lead, byLead, 403, "cannot review evidence you added yourself"},
		{"another lead verifies it", lead2, byLead, 200, ""},
		{"an admin verifies a member's evidence", admin, byMember, 200, ""},
		{"unknown evidence is 404", lead, 99999, 404, ""},
	}
	for _, c := range cases {
		t.Run("api: "+c.name, func(t *testing.T) {
			st, out := verify(c.by, c.id)
			if st != c.status {
				t.Fatalf("status %d, want %d: %v", st, c.status, out)
			}
			if c.msg != "" && !strings.Contains(out["error"].(map[string]any)["message"].(string), c.msg) {
				t.Fatalf("message: %v", out)
			}
			if st == 200 && out["verified_by"].(map[string]any)["email"] != c.by.Email {
				t.Fatalf("verified_by: %v", out)
			}
		})
	}

	t.Run("form: a lead cannot verify their own evidence", func(t *testing.T) {
		id := link(lead)
		b := e.browser()
		b.login(lead)
		path := "/recommendations/" + itoa(r.ID)
		_, page := b.get(path)
		if strings.Contains(page, `action="/evidence/`+itoa(id)+`/verify"`) {
			t.Fatal("the page offers to verify one's own evidence")
		}
		if !strings.Contains(page, "You added this: another lead or admin has to verify it.") {
			t.Fatal("the page does not say why")
		}
		resp, _ := b.post("/evidence/"+itoa(id)+"/verify", nil, path)
		if resp.StatusCode != 403 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		ev, _ := e.store.Evidence(context.Background(), id)
		if ev.VerifiedByID != nil {
			t.Fatal("stored as verified")
		}
	})
	t.Run("form: a member cannot verify", func(t *testing.T) {
		id := link(lead)
		b := e.browser()
		b.login(member)
		path := "/recommendations/" + itoa(r.ID)
		if resp, _ := b.post("/evidence/"+itoa(id)+"/verify", nil, path); resp.StatusCode != 403 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("form: rejecting needs a reason and shows it", func(t *testing.T) {
		id := link(member)
		b := e.browser()
		b.login(lead)
		path := "/recommendations/" + itoa(r.ID)
		resp, body := b.post("/evidence/"+itoa(id)+"/reject", url.Values{"reason": {""}}, path)
		if resp.StatusCode != 422 || !strings.Contains(body, "Say why the evidence is rejected") {
			t.Fatalf("no reason: %d", resp.StatusCode)
		}
		resp, _ = b.post("/evidence/"+itoa(id)+"/reject", url.Values{"reason": {"The page is a draft, not the signed act."}}, path)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d", resp.StatusCode)
		}
		_, page := b.get(path)
		if !strings.Contains(page, "The page is a draft, not the signed act.") || !strings.Contains(page, "rejected evidence: Proof by") {
			t.Fatal("the page does not show the rejection with its reason")
		}
	})
}

func TestClosingFollowsTheGate(t *testing.T) {
	e := newEnv(t)
	member, lead, lead2 := e.user(models.RoleMember), e.user(models.RoleLead), e.user(models.RoleLead)
	tm, tl, tl2 := e.token(member), e.token(lead), e.token(lead2)
	r := e.rec("R-22")
	item := "/api/v1/recommendations/" + itoa(r.ID)
	patch := func(tok string, body map[string]any) (int, map[string]any) {
		body["version"] = e.rec("R-22").Version
		resp, out := e.api("PATCH", item, tok, body)
		return resp.StatusCode, out
	}
	_, ev := e.api("POST", item+"/evidence", tm, map[string]any{"kind": "citation", "title": "Act", "citation": "Law No. 1 of 2025"})
	evID := itoa(int64(ev["id"].(float64)))

	steps := []struct {
		name   string
		run    func() (int, map[string]any)
		status int
		field  string
	}{
		{"implemented without verified evidence is refused", func() (int, map[string]any) { return patch(tl, map[string]any{"status": "implemented"}) }, 422, "status"},
		{"a rejected item does not count", func() (int, map[string]any) {
			resp, out := e.api("POST", "/api/v1/evidence/"+evID+"/reject", tl, map[string]any{"reason": "wrong law"})
			if resp.StatusCode != 200 {
				return resp.StatusCode, out
			}
			return patch(tl, map[string]any{"status": "implemented"})
		}, 422, "status"},
		{"a member cannot close even after verification", func() (int, map[string]any) {
			resp, out := e.api("POST", "/api/v1/evidence/"+evID+"/verify", tl2, nil)
			if resp.StatusCode != 200 {
				return resp.StatusCode, out
			}
			return patch(tm, map[string]any{"status": "implemented"})
		}, 403, ""},
		{"a lead closes it once verified", func() (int, map[string]any) { return patch(tl, map[string]any{"status": "implemented"}) }, 200, ""},
		{"the only verified evidence cannot be rejected now", func() (int, map[string]any) {
			resp, out := e.api("POST", "/api/v1/evidence/"+evID+"/reject", tl, map[string]any{"reason": "hm"})
			return resp.StatusCode, out
		}, 422, "evidence"},
		{"reopening without a reason is refused", func() (int, map[string]any) { return patch(tl, map[string]any{"status": "in_progress"}) }, 422, "reason"},
		{"a member cannot reopen", func() (int, map[string]any) {
			return patch(tm, map[string]any{"status": "in_progress", "reason": "more work"})
		}, 403, ""},
		{"a lead reopens with a reason", func() (int, map[string]any) {
			return patch(tl, map[string]any{"status": "in_progress", "reason": "The act was suspended."})
		}, 200, ""},
		{"not implemented needs a reason", func() (int, map[string]any) { return patch(tl, map[string]any{"status": "not_implemented"}) }, 422, "reason"},
		{"not implemented with a reason", func() (int, map[string]any) {
			return patch(tl, map[string]any{"status": "not_implemented", "reason": "Parliament voted it down."})
		}, 200, ""},
	}
	for _, s := range steps {
		st, out := s.run()
		if st != s.status {
			t.Fatalf("%s: status %d, want %d: %v", s.name, st, s.status, out)
		}
		if s.field != "" {
			if f, _ := out["error"].(map[string]any)["fields"].(map[string]any); f[s.field] == nil {
				t.Fatalf("%s: fields %v, want %s", s.name, out, s.field)
			}
		}
	}
	if got := e.rec("R-22"); got.Status != models.StatusNotImplemented {
		t.Fatalf("stored status %s", got.Status)
	}
	// The timeline shows every step with its reason.
	b := e.browser()
	b.login(member)
	_, page := b.get("/recommendations/" + itoa(r.ID))
	for _, want := range []string{"closed the item: status from Not started to Implemented", "The act was suspended.", "Parliament voted it down.",
		"verified evidence: Act", "rejected evidence: Act", "wrong law", "added evidence: Act"} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
}

func TestMembersRequestReviewAndLeadsSeeTheQueue(t *testing.T) {
	e := newEnv(t)
	member, lead := e.user(models.RoleMember), e.user(models.RoleLead)
	r := e.rec("R-23")
	path := "/recommendations/" + itoa(r.ID)
	mb := e.browser()
	mb.login(member)
	if resp, _ := mb.get("/review"); resp.StatusCode != 403 {
		t.Fatalf("member opens the queue: %d", resp.StatusCode)
	}
	resp, body := mb.post(path+"/review-request", url.Values{"note": {"Evidence is in, please check."}}, path)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d %s", resp.StatusCode, body)
	}
	got := e.rec("R-23")
	if !got.ReviewRequested || got.Version != r.Version+1 {
		t.Fatalf("stored: %+v", got)
	}
	if _, err := e.store.AddEvidence(context.Background(), member, r.ID, models.NewEvidence{Kind: "link", Title: "Gazette", URL: "https://example.org/g"}); err != nil {
		t.Fatal(err)
	}
	lb := e.browser()
	lb.login(lead)
	resp, queue := lb.get("/review")
	if resp.StatusCode != 200 || !strings.Contains(queue, r.Title) || !strings.Contains(queue, "Gazette") || !strings.Contains(queue, `action="/evidence/`) {
		t.Fatalf("queue: %d\n%s", resp.StatusCode, queue)
	}
	_, page := lb.get(path)
	if !strings.Contains(page, "requested a review") || !strings.Contains(page, "Evidence is in, please check.") {
		t.Fatal("the timeline does not show the request and its message")
	}
	// The lead clears the request from the queue and lands back on it.
	resp, _ = lb.post(path+"/review-clear", url.Values{"back": {"/review"}}, "/review")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/review" {
		t.Fatalf("clear: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e.rec("R-23").ReviewRequested {
		t.Fatal("still requested")
	}
	// A back link elsewhere is ignored.
	mb.post(path+"/review-request", nil, path)
	resp, _ = lb.post(path+"/review-clear", url.Values{"back": {"//evil.example/"}}, "/review")
	if resp.Header.Get("Location") != path {
		t.Fatalf("redirected to %q", resp.Header.Get("Location"))
	}
	// API: request, then a member cannot clear it, a lead can.
	tm, tl := e.token(member), e.token(lead)
	if resp, out := e.api("POST", "/api/v1"+path+"/review-request", tm, map[string]any{"note": "again"}); resp.StatusCode != 200 || out["review_requested"] != true {
		t.Fatalf("api request: %d %v", resp.StatusCode, out)
	}
	if resp, _ := e.api("DELETE", "/api/v1"+path+"/review-request", tm, nil); resp.StatusCode != 403 {
		t.Fatalf("member clears: %d", resp.StatusCode)
	}
	if resp, out := e.api("DELETE", "/api/v1"+path+"/review-request", tl, nil); resp.StatusCode != 200 || out["review_requested"] != false {
		t.Fatalf("lead clears: %d %v", resp.StatusCode, out)
	}
}
