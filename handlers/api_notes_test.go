package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"policytracker/models"
)

func TestNotesThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	m, other, admin := e.user(models.RoleMember), e.user(models.RoleMember), e.user(models.RoleAdmin)
	tm, to, ta := e.token(m), e.token(other), e.token(admin)
	r := e.rec("R-27")
	base := "/api/v1/recommendations/" + itoa(r.ID)

	resp, note := e.api("POST", base+"/notes", tm, map[string]any{"body": "See **R-28** and ask @" + strings.Split(other.Email, "@")[0]})
	if resp.StatusCode != 201 {
		t.Fatalf("add: %d %v", resp.StatusCode, note)
	}
	for _, k := range []string{"id", "body", "html", "author", "created_at", "updated_at", "edited"} {
		if _, ok := note[k]; !ok {
			t.Errorf("note lacks %q", k)
		}
	}
	html := note["html"].(string)
	if !strings.Contains(html, `<strong><a href="/recommendations/`+itoa(e.rec("R-28").ID)+`" class="code-ref"`) || !strings.Contains(html, `class="mention"`) {
		t.Fatalf("html: %s", html)
	}
	if note["author"].(map[string]any)["email"] != m.Email || note["edited"] != false {
		t.Fatalf("note: %v", note)
	}
	id := itoa(int64(note["id"].(float64)))

	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"missing body is refused", "POST", base + "/notes", tm, map[string]any{}, 422},
		{"someone else cannot edit", "PATCH", "/api/v1/notes/" + id, to, map[string]any{"body": "mine now"}, 403},
		{"someone else cannot delete", "DELETE", "/api/v1/notes/" + id, to, nil, 403},
		{"the author edits", "PATCH", "/api/v1/notes/" + id, tm, map[string]any{"body": "Reworded"}, 200},
		{"an empty edit is refused", "PATCH", "/api/v1/notes/" + id, tm, map[string]any{"body": ""}, 422},
		{"unknown note is 404", "PATCH", "/api/v1/notes/424242", tm, map[string]any{"body": "x"}, 404},
		{"an admin deletes it", "DELETE", "/api/v1/notes/" + id, ta, nil, 204},
		{"a deleted note is gone", "PATCH", "/api/v1/notes/" + id, tm, map[string]any{"body": "again"}, 404},
		{"no token is 401", "POST", base + "/notes", "", map[string]any{"body": "x"}, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, out := e.api(c.method, c.path, c.token, c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, c.status, out)
			}
			if c.status == 200 && (out["body"] != "Reworded" || out["edited"] != true) {
				t.Fatalf("edited note: %v", out)
			}
		})
	}
	n, err := e.store.NotesAsOf(context.Background(), r.ID, e.clock.Now())
	if err != nil || len(n) != 0 {
		t.Fatalf("notes now: %+v %v", n, err)
	}
}

// A browser session may use the API too, with the CSRF header.
func TestNotesAPIWithASessionNeedsTheCSRFHeader(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	b := e.browser()
	b.login(m)
	r := e.rec("R-27")
	token := b.csrf("/recommendations/" + itoa(r.ID))
	for _, withHeader := range []bool{false, true} {
		req := httptest.NewRequest("POST", "/api/v1/recommendations/"+itoa(r.ID)+"/notes", strings.NewReader(`{"body":"from the page"}`))
		req.Header.Set("Content-Type", "application/json")
		if withHeader {
			req.Header.Set("X-CSRF-Token", token)
		}
		resp := b.do(req)
		want := http.StatusForbidden
		if withHeader {
			want = http.StatusCreated
		}
		if resp.StatusCode != want {
			t.Fatalf("with header %v: %d", withHeader, resp.StatusCode)
		}
	}
}
