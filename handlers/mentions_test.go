package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"policytracker/models"
)

func TestMentionsPageListsNotesThatNameYou(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ada, err := e.store.CreateUser(ctx, nil, models.NewUser{Email: "ada@example.org", Name: "Ada Lovelace", Role: models.RoleMember, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	writer := e.user(models.RoleMember)
	r := e.rec("R-31")
	path := "/recommendations/" + itoa(r.ID)
	wb := e.browser()
	wb.login(writer)
	for _, body := range []string{"@ada please check R-32", "cc @Ada.", "mail ada@example.org", "`@ada` is a code span", "nobody here"} {
		if resp, _ := wb.post(path+"/notes", url.Values{"body": {body}}, path); resp.StatusCode != 303 {
			t.Fatalf("post %q: %d", body, resp.StatusCode)
		}
		e.clock.Advance(60e9)
	}
	_, page := wb.get(path)
	if !strings.Contains(page, `<span class="mention" title="Ada Lovelace">@ada</span>`) ||
		!strings.Contains(page, `<a href="/recommendations/`+itoa(e.rec("R-32").ID)+`" class="code-ref"`) {
		t.Fatal("mentions and codes are not marked on the item page")
	}
	if !strings.Contains(page, "Ada Lovelace: <code>@ada</code>") {
		t.Fatal("the note box does not say who can be mentioned")
	}
	ab := e.browser()
	ab.login(ada)
	resp, mine := ab.get("/mentions")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	count := strings.Count(mine, `<div class="note-body">`)
	if count != 2 || !strings.Contains(mine, "please check") || !strings.Contains(mine, "cc ") || strings.Contains(mine, "mail ada@") {
		t.Fatalf("%d mentions:\n%s", count, mine)
	}
	if strings.Index(mine, "cc ") > strings.Index(mine, "please check") {
		t.Fatal("not newest first")
	}
	_, theirs := wb.get("/mentions")
	if strings.Contains(theirs, `<div class="note-body">`) || !strings.Contains(theirs, "No note mentions you yet.") {
		t.Fatal("the writer sees mentions of someone else")
	}
}
