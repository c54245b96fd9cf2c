package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"policytracker/models"
)

func TestNotesAsOfShowTheTextOfThatMoment(t *testing.T) {
	e := newTrailEnv(t)
	ctx := context.Background()
	m := e.user(models.RoleMember, "Mia Member")
	r := e.rec("R-05")
	t0 := e.clock()

	e.advance(time.Hour) // t0+1h: A written
	a, err := e.s.AddNote(ctx, m, r.ID, "first words")
	if err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour) // t0+2h: A edited, B written
	if _, err := e.s.EditNote(ctx, m, a.ID, "second words"); err != nil {
		t.Fatal(err)
	}
	b, err := e.s.AddNote(ctx, m, r.ID, "note B")
	if err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour) // t0+3h: A edited again, B deleted
	if _, err := e.s.EditNote(ctx, m, a.ID, "third words"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.DeleteNote(ctx, m, b.ID); err != nil {
		t.Fatal(err)
	}

	type want struct {
		body   string
		edited bool
	}
	cases := []struct {
		name string
		at   time.Time
		want []want
	}{
		{"before any note", t0, nil},
		{"after the first note", t0.Add(90 * time.Minute), []want{{"first words", false}}},
		{"after the first edit", t0.Add(150 * time.Minute), []want{{"second words", true}, {"note B", false}}},
		{"now", t0.Add(4 * time.Hour), []want{{"third words", true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.s.NotesAsOf(ctx, r.ID, c.at)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d notes, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				if got[i].Body != w.body || got[i].Edited != w.edited || got[i].Deleted {
					t.Errorf("note %d = %q edited=%v deleted=%v, want %q edited=%v", i, got[i].Body, got[i].Edited, got[i].Deleted, w.body, w.edited)
				}
			}
		})
	}
	// The notes table says the same about now.
	cur, err := e.s.Notes(ctx, r.ID)
	if err != nil || len(cur) != 1 || cur[0].Body != "third words" || !cur[0].Edited {
		t.Fatalf("current notes: %+v %v", cur, err)
	}
}

func TestNoteEventsKeepEveryText(t *testing.T) {
	e := newTrailEnv(t)
	ctx := context.Background()
	m := e.user(models.RoleMember, "Mia Member")
	r := e.rec("R-05")
	n, _ := e.s.AddNote(ctx, m, r.ID, "one")
	e.s.EditNote(ctx, m, n.ID, "two")
	e.s.DeleteNote(ctx, m, n.ID)
	evs, err := e.s.Events(ctx, models.EventFilter{RecommendationID: r.ID, Kind: ""})
	if err != nil {
		t.Fatal(err)
	}
	var got [][3]string
	for _, ev := range evs {
		if ev.RefID != nil && *ev.RefID == n.ID {
			got = append(got, [3]string{ev.Kind, ev.OldValue, ev.NewValue})
		}
	}
	want := [][3]string{{"note_added", "", "one"}, {"note_edited", "one", "two"}, {"note_deleted", "two", ""}}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestNotePermissions(t *testing.T) {
	e := newTrailEnv(t)
	ctx := context.Background()
	author := e.user(models.RoleMember, "Mia Member")
	other := e.user(models.RoleMember, "Max Member")
	lead := e.user(models.RoleLead, "Lea Lead")
	admin := e.user(models.RoleAdmin, "Ada Admin")
	viewer := e.user(models.RoleViewer, "Vic Viewer")
	r := e.rec("R-05")
	if _, err := e.s.AddNote(ctx, viewer, r.ID, "hello"); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("viewer add: %v", err)
	}
	cases := []struct {
		name   string
		actor  *models.User
		delete bool
		ok     bool
	}{
		{"author edits own note", author, false, true},
		{"another member cannot edit it", other, false, false},
		{"a lead cannot edit it", lead, false, false},
		{"an admin cannot edit it", admin, false, false},
		{"another member cannot delete it", other, true, false},
		{"a lead cannot delete it", lead, true, false},
		{"an admin deletes it", admin, true, true},
		{"the author deletes it", author, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := e.s.AddNote(ctx, author, r.ID, "original")
			if err != nil {
				t.Fatal(err)
			}
			if c.delete {
				_, err = e.s.DeleteNote(ctx, c.actor, n.ID)
			} else {
				_, err = e.s.EditNote(ctx, c.actor, n.ID, "changed")
			}
			if c.ok != (err == nil) || (!c.ok && !errors.Is(err, models.ErrForbidden)) {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			got, lerr := e.s.Note(ctx, n.ID)
			switch {
			case c.delete && c.ok:
				if !errors.Is(lerr, models.ErrNotFound) {
					t.Fatalf("deleted note still loads: %v", lerr)
				}
			case lerr != nil:
				t.Fatal(lerr)
			case c.ok && got.Body != "changed", !c.ok && got.Body != "original":
				t.Fatalf("body = %q", got.Body)
			}
		})
	}
}

func TestMentionsOfFindsOnlyRealMentions(t *testing.T) {
	e := newTrailEnv(t)
	ctx := context.Background()
	ada := e.user(models.RoleMember, "Ada Lovelace")
	bob := e.user(models.RoleMember, "Bob Builder")
	e.user(models.RoleMember, "Bob Marley") // two Bobs: "@bob" is only bob@ (his e-mail handle)
	r := e.rec("R-05")
	add := func(body string) int64 {
		n, err := e.s.AddNote(ctx, bob, r.ID, body)
		if err != nil {
			t.Fatal(err)
		}
		e.advance(time.Minute)
		return n.ID
	}
	byHandle := add("thanks @ada")
	byFirstName := add("@Ada, can you check?") // her first name is unique, and also her handle
	add("write to ada@example.org")            // an address, not a mention
	add("`@ada` in code")                      // code
	add("@adam is someone else")               // a different handle
	deleted := add("@ada this one is deleted")
	if _, err := e.s.DeleteNote(ctx, bob, deleted); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.MentionsOf(ctx, ada, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, n := range got.Items {
		ids = append(ids, n.ID)
	}
	if len(ids) != 2 || ids[0] != byFirstName || ids[1] != byHandle || got.Total != 2 {
		t.Fatalf("mentions = %v (total %d), want [%d %d]", ids, got.Total, byFirstName, byHandle)
	}
	none, err := e.s.MentionsOf(ctx, bob, 1, 50)
	if err != nil || none.Total != 0 {
		t.Fatalf("bob's mentions = %+v %v", none, err)
	}
}

func TestMentionHandlesPreferEmailsAndUniqueFirstNames(t *testing.T) {
	users := []models.User{
		{ID: 1, Email: "ada@example.org", Name: "Ada Lovelace"},
		{ID: 2, Email: "g.hopper@example.org", Name: "Grace Hopper"},
		{ID: 3, Email: "gb@example.org", Name: "Grace Brewster"},
		{ID: 4, Email: "grace@example.org", Name: "Someone Else"},
		{ID: 5, Email: "x@example.org", Name: "Ada King"},
	}
	h := models.MentionHandles(users)
	want := map[string]int64{"ada": 1, "g.hopper": 2, "gb": 3, "grace": 4, "x": 5, "someone": 4}
	if len(h) != len(want) {
		t.Errorf("handles = %v", h)
	}
	for k, id := range want {
		if h[k].ID != id {
			t.Errorf("@%s → %d, want %d", k, h[k].ID, id)
		}
	}
}
