package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"policytracker/models"
	"policytracker/seed"
)

// The JSON API as shared/CONTRACT.md describes it: list, get, patch and the
// error envelopes.

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func wantKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q (has %v)", what, k, keysOf(m))
		}
	}
}

var itemKeys = []string{"id", "code", "title", "domain", "status", "progress", "priority", "owner", "due_date", "version", "updated_at"}

func TestAPIListShape(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	tok := e.token(e.user(models.RoleViewer))
	r := e.rec("R-02")
	due := "2026-05-01"
	if _, err := e.store.UpdateRecommendation(context.Background(), m, r.ID, models.Change{Version: 1, OwnerID: &m.ID, DueDate: &due}); err != nil {
		t.Fatal(err)
	}
	resp, js := e.api(http.MethodGet, "/api/v1/recommendations?per_page=10&page=1", tok, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wantKeys(t, "list", js, "items", "total", "page", "per_page")
	if js["total"] != float64(46) || js["page"] != float64(1) || js["per_page"] != float64(10) {
		t.Errorf("total %v page %v per_page %v", js["total"], js["page"], js["per_page"])
	}
	items := js["items"].([]any)
	if len(items) != 10 {
		t.Fatalf("%d items, want 10", len(items))
	}
	for _, it := range items {
		item := it.(map[string]any)
		wantKeys(t, "item "+item["code"].(string), item, itemKeys...)
		if _, err := time.Parse(time.RFC3339, item["updated_at"].(string)); err != nil {
			t.Errorf("updated_at %v is not RFC 3339", item["updated_at"])
		}
	}
	first, second := items[0].(map[string]any), items[1].(map[string]any)
	if first["owner"] != nil || first["due_date"] != nil {
		t.Errorf("an unowned, undated item has owner %v, due_date %v; want null", first["owner"], first["due_date"])
	}
	owner, _ := second["owner"].(map[string]any)
	if !slices.Equal(keysOf(owner), []string{"email", "id", "name"}) || owner["id"] != float64(m.ID) || owner["email"] != m.Email || owner["name"] != m.Name {
		t.Errorf("owner %v, want {id,name,email} of %s", second["owner"], m.Email)
	}
	if second["due_date"] != due || second["version"] != float64(2) || second["status"] != "not_started" || second["progress"] != float64(0) {
		t.Errorf("R-02: %v", second)
	}
	if _, leaked := owner["password_hash"]; leaked {
		t.Error("owner leaks the password hash")
	}
	t.Run("the default page size is 50", func(t *testing.T) {
		_, js := e.api(http.MethodGet, "/api/v1/recommendations", tok, nil)
		if js["per_page"] != float64(50) || len(js["items"].([]any)) != 46 {
			t.Errorf("per_page %v, %d items", js["per_page"], len(js["items"].([]any)))
		}
	})
	t.Run("a page past the end is empty, not an error", func(t *testing.T) {
		resp, js := e.api(http.MethodGet, "/api/v1/recommendations?per_page=20&page=9", tok, nil)
		if resp.StatusCode != 200 || js["total"] != float64(46) || len(js["items"].([]any)) != 0 {
			t.Errorf("status %d, %v", resp.StatusCode, js)
		}
	})
}

func TestAPIDetail(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.user(models.RoleViewer))
	entries, _ := seed.Catalog()
	en := entries[0]
	r := e.rec(en.Code)
	resp, js := e.api(http.MethodGet, "/api/v1/recommendations/"+itoa(r.ID), tok, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantKeys(t, "detail", js, append(itemKeys, "quote", "chapter", "page", "notes", "evidence")...)
	if js["quote"] != en.Sources[0].Quote {
		t.Errorf("quote %q", js["quote"])
	}
	if js["page"] != float64(en.Sources[0].Page) {
		t.Errorf("page %v, want %d", js["page"], en.Sources[0].Page)
	}
	if ch, _ := js["chapter"].(string); ch != en.Sources[0].Chapter && ch != seed.ChapterTitles[en.Sources[0].Chapter] {
		t.Errorf("chapter %q", ch)
	}
	for _, k := range []string{"notes", "evidence"} {
		if _, ok := js[k].([]any); !ok {
			t.Errorf("%s is %T, want a list", k, js[k])
		}
	}
	if js["code"] != en.Code || js["title"] != en.Title || js["domain"] != en.Domain {
		t.Errorf("catalog fields: %v %v %v", js["code"], js["title"], js["domain"])
	}
}

func TestAPINotFound(t *testing.T) {
	e := newEnv(t)
	viewer := e.token(e.user(models.RoleViewer))
	member := e.token(e.user(models.RoleMember))
	cases := []struct{ name, method, path, token string }{
		{"an unknown id", http.MethodGet, "/api/v1/recommendations/99999", viewer},
		{"a non-numeric id", http.MethodGet, "/api/v1/recommendations/abc", viewer},
		{"a negative id", http.MethodGet, "/api/v1/recommendations/-3", viewer},
		{"an id with SQL", http.MethodGet, "/api/v1/recommendations/1%20OR%201=1", viewer},
		{"patching an unknown id", http.MethodPatch, "/api/v1/recommendations/99999", member},
		{"patching a non-numeric id", http.MethodPatch, "/api/v1/recommendations/abc", member},
		{"an unknown API path", http.MethodGet, "/api/v1/nothing-here", viewer},
	}
	for _, tc := range cases {
		t.Run(tc.name+" answers 404", func(t *testing.T) {
			resp, js := e.api(tc.method, tc.path, tc.token, map[string]any{"version": 1, "priority": "high"})
			wantAPIError(t, resp, js, http.StatusNotFound, "not_found")
		})
	}
}

func TestAPIPatch(t *testing.T) {
	e := newEnv(t)
	member := e.user(models.RoleMember)
	tok := e.token(member)
	viewerTok := e.token(e.user(models.RoleViewer))
	lead := e.user(models.RoleLead)
	leadTok := e.token(lead)
	path := func(code string) string { return "/api/v1/recommendations/" + itoa(e.rec(code).ID) }

	t.Run("a valid patch answers 200 with the new item", func(t *testing.T) {
		resp, js := e.api(http.MethodPatch, path("R-10"), tok, map[string]any{
			"version": 1, "status": "in_progress", "priority": "high", "owner": map[string]any{"id": lead.ID},
			"due_date": "2026-06-30", "tags": []string{"Summit", "quick win"}})
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %v", resp.StatusCode, js)
		}
		wantKeys(t, "patched item", js, append(itemKeys, "quote", "chapter", "page", "notes", "evidence")...)
		owner, _ := js["owner"].(map[string]any)
		if js["status"] != "in_progress" || js["progress"] != float64(25) || js["version"] != float64(2) || owner["id"] != float64(lead.ID) ||
			js["due_date"] != "2026-06-30" {
			t.Errorf("answer %v", js)
		}
		got := e.rec("R-10")
		if got.Status != models.StatusInProgress || got.Progress != 25 || got.Priority != models.PriorityHigh || got.Tags != "quick-win,summit" ||
			got.OwnerID == nil || *got.OwnerID != lead.ID || got.Version != 2 {
			t.Errorf("stored %+v", got)
		}
		if evs := e.events(got.ID); len(evs) != 1+6 { // "created" + six fields
			t.Errorf("%d events", len(evs))
		}
	})
	t.Run("null clears the owner and the due date", func(t *testing.T) {
		resp, js := e.api(http.MethodPatch, path("R-10"), tok, map[string]any{"version": 2, "owner": nil, "due_date": nil})
		if got := e.rec("R-10"); resp.StatusCode != 200 || got.OwnerID != nil || got.DueDate != "" || js["owner"] != nil || js["due_date"] != nil {
			t.Errorf("status %d, stored owner %v due %q", resp.StatusCode, got.OwnerID, got.DueDate)
		}
	})
	t.Run("an owner can be given by e-mail", func(t *testing.T) {
		resp, _ := e.api(http.MethodPatch, path("R-11"), tok, map[string]any{"version": 1, "owner": member.Email})
		if got := e.rec("R-11"); resp.StatusCode != 200 || got.OwnerID == nil || *got.OwnerID != member.ID {
			t.Errorf("status %d, owner %v", resp.StatusCode, got.OwnerID)
		}
	})

	invalid := []struct {
		name  string
		body  any
		field string
	}{
		{"an unknown status", map[string]any{"version": 1, "status": "done"}, "status"},
		{"progress over 100", map[string]any{"version": 1, "progress": 101}, "progress"},
		{"progress as text", map[string]any{"version": 1, "progress": "half"}, "progress"},
		{"an unknown priority", map[string]any{"version": 1, "priority": "urgent"}, "priority"},
		{"an impossible due date", map[string]any{"version": 1, "due_date": "2026-02-30"}, "due_date"},
		{"an owner who does not exist", map[string]any{"version": 1, "owner": 99999}, "owner"},
		{"a missing version", map[string]any{"priority": "high"}, "version"},
		{"an unknown field", map[string]any{"version": 1, "title": "Rewritten"}, "title"},
		{"implemented without verified evidence", map[string]any{"version": 1, "status": "implemented"}, "status"},
		{"malformed JSON", `{"version": 1, "status": `, "body"},
		{"a JSON array", `[1, 2]`, "body"},
		{"an empty body", ``, "body"},
		{"text after the JSON object", `{"version": 1, "priority": "high"} trailing`, "body"},
		{"a second JSON object", `{"version": 1, "priority": "high"} {"priority": "low"}`, "body"},
		{"a NUL character in a tag", `{"version": 1, "tags": ["a\u0000b"]}`, "tags"},
		{"a NUL character in the reason", `{"version": 1, "status": "stalled", "reason": "x\u0000"}`, "reason"},
	}
	for _, tc := range invalid {
		t.Run(tc.name+" answers 422 with the field", func(t *testing.T) {
			token := tok
			if tc.name == "implemented without verified evidence" {
				token = leadTok
			}
			before := e.snapshot()
			resp, js := e.api(http.MethodPatch, path("R-20"), token, tc.body)
			errObj := wantAPIError(t, resp, js, http.StatusUnprocessableEntity, "invalid")
			if fields, _ := errObj["fields"].(map[string]any); fields[tc.field] == nil {
				t.Errorf("fields %v lack %q", errObj["fields"], tc.field)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("a refused patch changed the database:\n%s", diffLines(before, after))
			}
		})
	}

	t.Run("a version that is not a number says so, not that it is missing", func(t *testing.T) {
		for _, body := range []string{`{"version": "1"}`, `{"version": 0}`, `{"version": 1.5}`} {
			resp, js := e.api(http.MethodPatch, path("R-20"), tok, body)
			errObj := wantAPIError(t, resp, js, http.StatusUnprocessableEntity, "invalid")
			if fields, _ := errObj["fields"].(map[string]any); !strings.Contains(fmt.Sprint(fields["version"]), "whole number") {
				t.Errorf("%s: fields %v", body, fields)
			}
		}
	})
	t.Run("a stale version answers 409 with the current item", func(t *testing.T) {
		if resp, _ := e.api(http.MethodPatch, path("R-21"), tok, map[string]any{"version": 1, "priority": "high"}); resp.StatusCode != 200 {
			t.Fatalf("first patch: %d", resp.StatusCode)
		}
		before := e.snapshot()
		resp, js := e.api(http.MethodPatch, path("R-21"), tok, map[string]any{"version": 1, "priority": "low"})
		errObj := wantAPIError(t, resp, js, http.StatusConflict, "conflict")
		if cur, _ := errObj["current"].(map[string]any); cur["version"] != float64(2) || cur["priority"] != "high" {
			t.Errorf("current %v", errObj["current"])
		}
		if after := e.snapshot(); after != before {
			t.Errorf("a stale patch changed the database:\n%s", diffLines(before, after))
		}
	})
	t.Run("a viewer's patch answers 403", func(t *testing.T) {
		before := e.snapshot()
		resp, js := e.api(http.MethodPatch, path("R-22"), viewerTok, map[string]any{"version": 1, "priority": "high"})
		wantAPIError(t, resp, js, http.StatusForbidden, "forbidden")
		if after := e.snapshot(); after != before {
			t.Errorf("changed:\n%s", diffLines(before, after))
		}
	})
	t.Run("a member closing an item answers 403", func(t *testing.T) {
		resp, js := e.api(http.MethodPatch, path("R-22"), tok, map[string]any{"version": 1, "status": "not_implemented", "reason": "no"})
		wantAPIError(t, resp, js, http.StatusForbidden, "forbidden")
	})
	t.Run("a patch without a token answers 401", func(t *testing.T) {
		resp, js := e.api(http.MethodPatch, path("R-22"), "", map[string]any{"version": 1, "priority": "high"})
		wantAPIError(t, resp, js, http.StatusUnauthorized, "unauthorized")
	})
}

func TestAPIMe(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleLead)
	resp, js := e.api(http.MethodGet, "/api/v1/me", e.token(u), nil)
	if resp.StatusCode != 200 || js["email"] != u.Email || js["role"] != "lead" {
		t.Errorf("status %d: %v", resp.StatusCode, js)
	}
	if _, leaked := js["password_hash"]; leaked {
		t.Error("password hash leaked")
	}
}

// TestQueryTextNoFilterCanMeanIsRefused: a query value with NUL (%00) or
// bytes that are not UTF-8 is a 422 on every route. Before, SQLite cut the
// search at the NUL and listed everything, and PostgreSQL answered 500.
func TestQueryTextNoFilterCanMeanIsRefused(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleViewer)
	tok := e.token(u)
	b, _ := e.signIn(u)
	cases := []struct{ name, path, field string }{
		{"a NUL in the list search", "/api/v1/recommendations?q=%00", "q"},
		{"a NUL in the tag filter", "/api/v1/recommendations?tag=a%00", "tag"},
		{"broken UTF-8 in the list search", "/api/v1/recommendations?q=%FF%FE", "q"},
		{"a NUL in the activity feed's code", "/api/v1/events?code=%00", "code"},
		{"a NUL in the summary's search", "/api/v1/summary?q=%00", "q"},
		{"a NUL in an export's search", "/api/v1/export?format=csv&q=%00", "q"},
		{"a NUL in a parameter name", "/api/v1/recommendations?a%00=1", "a\x00"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" answers 422", func(t *testing.T) {
			resp, js := e.api(http.MethodGet, tc.path, tok, nil)
			errObj := wantAPIError(t, resp, js, http.StatusUnprocessableEntity, "invalid")
			fields, _ := errObj["fields"].(map[string]any)
			if len(fields) != 1 || fields[tc.field] == nil {
				t.Errorf("fields %v, want one for %q", fields, tc.field)
			}
		})
	}
	t.Run("the list page answers 422 with the message", func(t *testing.T) {
		resp, body := b.get("/recommendations?q=%00")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must not contain the NUL character") {
			t.Errorf("status %d:\n%.300s", resp.StatusCode, body)
		}
	})
	t.Run("an anonymous API call still answers 401", func(t *testing.T) {
		resp, js := e.api(http.MethodGet, "/api/v1/recommendations?q=%00", "", nil)
		wantAPIError(t, resp, js, http.StatusUnauthorized, "unauthorized")
	})
	t.Run("ordinary text in other scripts passes", func(t *testing.T) {
		if resp, js := e.api(http.MethodGet, "/api/v1/recommendations?q=%C3%BC", tok, nil); resp.StatusCode != 200 {
			t.Errorf("status %d: %v", resp.StatusCode, js)
		}
	})
}
