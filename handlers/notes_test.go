package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"policytracker/models"
)

// noteSection is the notes part of an item page.
func noteSection(t *testing.T, page string) string {
	t.Helper()
	start := strings.Index(page, `id="notes"`)
	end := strings.Index(page, `id="evidence"`)
	if start < 0 || end < start {
		t.Fatalf("no notes section:\n%s", page)
	}
	return page[start:end]
}

var noteBodies = regexp.MustCompile(`(?s)<div class="note-body">.*?</div>`)

// dangerousMarkup parses HTML and names the first element or attribute
// that could run script, load foreign content or restyle the page; text
// that merely mentions such things is fine.
func dangerousMarkup(frag string) string {
	z := html.NewTokenizer(strings.NewReader(frag))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "svg", "object", "embed", "style", "form", "input", "base", "meta", "link":
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(a.Key, "on"), a.Key == "style", a.Key == "srcdoc":
					return a.Key + "="
				case (a.Key == "href" || a.Key == "src") && (strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:")):
					return a.Key + "=" + v
				}
			}
		}
	}
}

// Whatever a member types, the item page and the API carry no script,
// event handler, javascript: or data: URL, while the stored text is kept
// exactly as written.
func TestNotesAreSanitisedOnThePageAndInTheAPI(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	tok := e.token(m)
	b := e.browser()
	b.login(m)
	r := e.rec("R-16")
	path := "/recommendations/" + itoa(r.ID)
	cases := []struct{ name, body string }{
		{"script tag", "before <script>alert('x1')</script> after"},
		{"event attribute", `<img src="/static/app.css" onerror="alert('x2')">`},
		{"javascript link", "[click me](javascript:alert('x3'))"},
		{"entity-encoded javascript link", "[x](&#106;avascript:alert('x4'))"},
		{"raw html block", "<div style=\"position:fixed\" onclick=\"alert('x5')\">covering div</div>"},
		{"data url", "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgneDYnKTwvc2NyaXB0Pg==) ![i](data:image/svg+xml,<svg onload=alert('x7')>)"},
		{"iframe", `<iframe src="https://evil.example/x8"></iframe>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := b.post(path+"/notes", url.Values{"body": {c.body}}, path)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("post: %d %s", resp.StatusCode, body)
			}
			_, page := b.get(path)
			// The rendered notes, not the edit box and the history, which
			// show the text as typed (escaped).
			rendered := noteBodies.FindAllString(page, -1)
			if len(rendered) == 0 {
				t.Fatal("no rendered note on the page")
			}
			for _, frag := range rendered {
				if m := dangerousMarkup(frag); m != "" {
					t.Fatalf("page holds %s in %s", m, frag)
				}
			}
			_, item := e.api("GET", "/api/v1/recommendations/"+itoa(r.ID), tok, nil)
			notes := item["notes"].([]any)
			last := notes[len(notes)-1].(map[string]any)
			if m := dangerousMarkup(last["html"].(string)); m != "" {
				t.Fatalf("API html holds %q: %s", m, last["html"])
			}
			if last["body"] != strings.TrimSpace(c.body) {
				t.Fatalf("stored body %q, want %q", last["body"], c.body)
			}
		})
	}
}

func TestEditingAndDeletingNotesKeepsTheirHistory(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	b := e.browser()
	b.login(m)
	r := e.rec("R-17")
	path := "/recommendations/" + itoa(r.ID)
	if resp, body := b.post(path+"/notes", url.Values{"body": {"Draft of the **first** note"}}, path); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", resp.StatusCode, body)
	}
	notes, _ := e.store.Notes(context.Background(), r.ID)
	if len(notes) != 1 {
		t.Fatalf("notes: %+v", notes)
	}
	n := notes[0]
	e.clock.Advance(3600e9)
	if resp, body := b.post("/notes/"+itoa(n.ID), url.Values{"body": {"Final wording"}}, path); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", resp.StatusCode, body)
	}
	got, err := e.store.Note(context.Background(), n.ID)
	if err != nil || got.Body != "Final wording" || !got.Edited {
		t.Fatalf("after edit: %+v %v", got, err)
	}
	_, page := b.get(path)
	if !strings.Contains(noteSection(t, page), ">edited</span>") || !strings.Contains(page, "Draft of the **first** note") {
		t.Fatalf("page lacks the edited mark or the earlier text in the history:\n%s", page)
	}

	// An edit to nothing is refused on the page, with the note left as is.
	resp, body := b.post("/notes/"+itoa(n.ID), url.Values{"body": {"   "}}, path)
	if resp.StatusCode != 422 || !strings.Contains(body, "the note is empty") {
		t.Fatalf("empty edit: %d", resp.StatusCode)
	}
	if got, _ := e.store.Note(context.Background(), n.ID); got.Body != "Final wording" {
		t.Fatalf("body after refused edit: %q", got.Body)
	}

	if resp, body := b.post("/notes/"+itoa(n.ID)+"/delete", nil, path); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	_, page = b.get(path)
	if strings.Contains(noteSection(t, page), "Final wording") {
		t.Fatal("deleted note still shown")
	}
	if !strings.Contains(page, "deleted a note") || !strings.Contains(page, "Deleted text") {
		t.Fatal("history does not show the deletion with its text")
	}
	evs, _ := e.store.Events(context.Background(), models.EventFilter{RecommendationID: r.ID})
	var kinds []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Kind, "note_") {
			kinds = append(kinds, ev.Kind+"|"+ev.OldValue+"|"+ev.NewValue)
		}
	}
	want := []string{"note_added||Draft of the **first** note", "note_edited|Draft of the **first** note|Final wording", "note_deleted|Final wording|"}
	if strings.Join(kinds, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(kinds, "\n"), strings.Join(want, "\n"))
	}
}

func TestNoteFormRefusesEmptyNotes(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	b := e.browser()
	b.login(m)
	r := e.rec("R-18")
	path := "/recommendations/" + itoa(r.ID)
	resp, body := b.post(path+"/notes", url.Values{"body": {" \n "}}, path)
	if resp.StatusCode != 422 || !strings.Contains(body, "Write something first") {
		t.Fatalf("empty note: %d", resp.StatusCode)
	}
	long := strings.Repeat("a", models.MaxNoteLength+1)
	resp, body = b.post(path+"/notes", url.Values{"body": {long}}, path)
	if resp.StatusCode != 422 || !strings.Contains(body, "too long") || !strings.Contains(body, long) {
		t.Fatalf("long note: %d (the text must come back in the form)", resp.StatusCode)
	}
	if notes, _ := e.store.Notes(context.Background(), r.ID); len(notes) != 0 {
		t.Fatalf("stored %d notes", len(notes))
	}
	if resp, _ := b.post("/recommendations/99999/notes", url.Values{"body": {"x"}}, path); resp.StatusCode != 404 {
		t.Fatalf("unknown item: %d", resp.StatusCode)
	}
}

// TestNotesRefuseTextNoDatabaseCanHold: a form posted in another encoding
// (bytes that are not UTF-8) or a NUL character is a 422 that stores
// nothing. SQLite kept such bytes and the CSV and Markdown exports stopped
// being UTF-8; PostgreSQL answered 500.
func TestNotesRefuseTextNoDatabaseCanHold(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	tok := e.token(m)
	b := e.browser()
	b.login(m)
	r := e.rec("R-19")
	path := "/recommendations/" + itoa(r.ID)
	t.Run("a form note in Latin-1 answers 422", func(t *testing.T) {
		resp, body := b.post(path+"/notes", url.Values{"body": {"caf\xe9 au lait"}}, path)
		if resp.StatusCode != 422 || !strings.Contains(body, "not valid UTF-8") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("an API note with NUL answers 422", func(t *testing.T) {
		resp, js := e.api(http.MethodPost, "/api/v1"+path+"/notes", tok, `{"body": "a\u0000b"}`)
		errObj := wantAPIError(t, resp, js, 422, "invalid")
		if fields, _ := errObj["fields"].(map[string]any); fields["body"] == nil {
			t.Errorf("fields %v", errObj["fields"])
		}
	})
	t.Run("an API note with text after the object answers 422", func(t *testing.T) {
		resp, js := e.api(http.MethodPost, "/api/v1"+path+"/notes", tok, `{"body": "ok"} }`)
		wantAPIError(t, resp, js, 422, "invalid")
	})
	if notes, _ := e.store.Notes(context.Background(), r.ID); len(notes) != 0 {
		t.Fatalf("stored %d notes", len(notes))
	}
}

func TestOnlyTheAuthorEditsAndAdminsDeleteAny(t *testing.T) {
	e := newEnv(t)
	author := e.user(models.RoleMember)
	other := e.user(models.RoleMember)
	lead := e.user(models.RoleLead)
	admin := e.user(models.RoleAdmin)
	r := e.rec("R-19")
	path := "/recommendations/" + itoa(r.ID)
	cases := []struct {
		name   string
		who    *models.User
		action string
		status int
	}{
		{"another member cannot edit", other, "edit", 403},
		{"a lead cannot edit", lead, "edit", 403},
		{"another member cannot delete", other, "delete", 403},
		{"a lead cannot delete", lead, "delete", 403},
		{"the author edits", author, "edit", 303},
		{"an admin deletes", admin, "delete", 303},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := e.store.AddNote(context.Background(), author, r.ID, "original")
			if err != nil {
				t.Fatal(err)
			}
			b := e.browser()
			b.login(c.who)
			_, page := b.get(path)
			hasEdit := strings.Contains(page, `action="/notes/`+itoa(n.ID)+`"`)
			hasDelete := strings.Contains(page, `action="/notes/`+itoa(n.ID)+`/delete"`)
			target := "/notes/" + itoa(n.ID)
			form := url.Values{"body": {"changed"}}
			if c.action == "delete" {
				target += "/delete"
				form = nil
			}
			if (c.action == "edit" && hasEdit != (c.status == 303)) || (c.action == "delete" && hasDelete != (c.status == 303)) {
				t.Fatalf("page offers the %s button: edit %v delete %v", c.action, hasEdit, hasDelete)
			}
			resp, _ := b.post(target, form, path)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			got, err := e.store.Note(context.Background(), n.ID)
			switch {
			case c.action == "delete" && c.status == 303:
				if err == nil {
					t.Fatal("note not deleted")
				}
			case err != nil:
				t.Fatal(err)
			case c.status == 303 && got.Body != "changed", c.status != 303 && got.Body != "original":
				t.Fatalf("body %q", got.Body)
			}
		})
	}
}

// Two members working on one item at the same moment: the second save of
// the tracking form is refused with the newer state shown and the user's
// values kept, through the form and through the API; notes never collide.
func TestTwoMembersEditingOneItemAtOnce(t *testing.T) {
	e := newEnv(t)
	ann, ben := e.user(models.RoleMember), e.user(models.RoleMember)
	r := e.rec("R-20")
	path := "/recommendations/" + itoa(r.ID)

	t.Run("through the form", func(t *testing.T) {
		a, b := e.browser(), e.browser()
		a.login(ann)
		b.login(ben)
		ca, cb := a.csrf(path), b.csrf(path) // both opened the page at version 1
		resp, _ := a.post(path, url.Values{"_csrf": {ca}, "version": {"1"}, "status": {"in_progress"}, "priority": {"high"}, "progress": {"0"}}, path)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first save: %d", resp.StatusCode)
		}
		resp, body := b.post(path, url.Values{"_csrf": {cb}, "version": {"1"}, "status": {"stalled"}, "priority": {"low"}, "tags": {"ben-was-here"}}, path)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Someone else changed this item") {
			t.Fatalf("second save: %d", resp.StatusCode)
		}
		// Ben's values are still in his form, armed with the new version.
		if !strings.Contains(body, `value="ben-was-here"`) || !strings.Contains(body, `name="version" value="2"`) {
			t.Fatal("the conflict page lost Ben's input")
		}
		got := e.rec("R-20")
		if got.Status != models.StatusInProgress || got.Priority != models.PriorityHigh || got.Version != 2 || got.Tags != "" {
			t.Fatalf("stored: %+v", got)
		}
		// Saving again, deliberately, applies Ben's values over Ann's.
		resp, _ = b.post(path, url.Values{"version": {"2"}, "status": {"stalled"}, "priority": {"low"}, "tags": {"ben-was-here"}}, path)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("deliberate save: %d", resp.StatusCode)
		}
		got = e.rec("R-20")
		if got.Status != models.StatusStalled || got.Version != 3 {
			t.Fatalf("stored: %+v", got)
		}
		evs, _ := e.store.Events(context.Background(), models.EventFilter{RecommendationID: r.ID, Kind: "field"})
		if len(evs) < 4 {
			t.Fatalf("history lost a change: %d field events", len(evs))
		}
	})

	t.Run("through the API", func(t *testing.T) {
		ta, tb := e.token(ann), e.token(ben)
		v := e.rec("R-20").Version
		ra, _ := e.api("PATCH", "/api/v1"+path, ta, map[string]any{"version": v, "progress": 70})
		rb, out := e.api("PATCH", "/api/v1"+path, tb, map[string]any{"version": v, "progress": 10})
		if ra.StatusCode != 200 || rb.StatusCode != 409 {
			t.Fatalf("statuses %d %d", ra.StatusCode, rb.StatusCode)
		}
		errBody := out["error"].(map[string]any)
		if errBody["code"] != "conflict" || errBody["current"].(map[string]any)["progress"].(float64) != 70 {
			t.Fatalf("conflict body: %v", out)
		}
		if got := e.rec("R-20"); got.Progress != 70 || got.Version != v+1 {
			t.Fatalf("stored: %+v", got)
		}
	})

	t.Run("notes added at the same time are all kept", func(t *testing.T) {
		ta, tb := e.token(ann), e.token(ben)
		var wg sync.WaitGroup
		codes := make(chan int, 20)
		for i := 0; i < 10; i++ {
			for _, tok := range []string{ta, tb} {
				wg.Add(1)
				go func(tok string, i int) {
					defer wg.Done()
					resp, _ := e.api("POST", "/api/v1"+path+"/notes", tok, map[string]any{"body": "note " + itoa(int64(i))})
					codes <- resp.StatusCode
				}(tok, i)
			}
		}
		wg.Wait()
		close(codes)
		for c := range codes {
			if c != 201 {
				t.Fatalf("status %d", c)
			}
		}
		if notes, _ := e.store.Notes(context.Background(), r.ID); len(notes) != 20 {
			t.Fatalf("%d notes stored, want 20", len(notes))
		}
	})
}
