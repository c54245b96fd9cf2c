package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"policytracker/models"
)

// footprint counts what a refused write must leave alone.
func footprint(t *testing.T, e *trailEnv, r *models.Recommendation, u *models.User) string {
	t.Helper()
	ctx := context.Background()
	evs, err1 := e.s.Events(ctx, models.EventFilter{})
	users, err2 := e.s.Users(ctx)
	notes, err3 := e.s.Notes(ctx, r.ID)
	evidence, err4 := e.s.EvidenceOf(ctx, r.ID)
	tokens, err5 := e.s.Tokens(ctx, u.ID)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	cur := e.rec(r.Code)
	return fmt.Sprintf("events %d users %d notes %d evidence %d tokens %d version %d tags %q",
		len(evs), len(users), len(notes), len(evidence), len(tokens), cur.Version, cur.Tags)
}

// TestTextNoDatabaseCanHoldIsRefused: every way people's text gets into the
// store refuses bytes that are not UTF-8 and the NUL character with a field
// error, and writes nothing. SQLite used to keep them (the CSV and Markdown
// exports then stopped being UTF-8); PostgreSQL answered with a 500.
func TestTextNoDatabaseCanHoldIsRefused(t *testing.T) {
	ctx := context.Background()
	type fixture struct {
		e          *trailEnv
		member     *models.User
		lead       *models.User
		rec        *models.Recommendation
		note       *models.Note
		evidenceID int64
	}
	cases := []struct {
		name, field string
		run         func(f *fixture, text string) error
	}{
		{"a new note", "body", func(f *fixture, s string) error {
			_, err := f.e.s.AddNote(ctx, f.member, f.rec.ID, s)
			return err
		}},
		{"an edited note", "body", func(f *fixture, s string) error {
			_, err := f.e.s.EditNote(ctx, f.member, f.note.ID, s)
			return err
		}},
		{"a link's title", "title", func(f *fixture, s string) error {
			_, err := f.e.s.AddEvidence(ctx, f.member, f.rec.ID, models.NewEvidence{Kind: "link", URL: "https://example.org", Title: s})
			return err
		}},
		{"a link's publisher", "publisher", func(f *fixture, s string) error {
			_, err := f.e.s.AddEvidence(ctx, f.member, f.rec.ID, models.NewEvidence{Kind: "link", URL: "https://example.org", Title: "t", Publisher: s})
			return err
		}},
		{"a citation", "citation", func(f *fixture, s string) error {
			_, err := f.e.s.AddEvidence(ctx, f.member, f.rec.ID, models.NewEvidence{Kind: "citation", Title: "t", Citation: s})
			return err
		}},
		{"a file's title", "title", func(f *fixture, s string) error {
			_, err := f.e.s.AddFileEvidence(ctx, f.member, f.rec.ID, models.FileUpload{Title: s, Filename: "a.txt",
				Body: bytes.NewReader([]byte("plain text")), Limit: 1 << 20})
			return err
		}},
		{"the reason of a status change", "reason", func(f *fixture, s string) error {
			st := models.StatusStalled
			_, err := f.e.s.UpdateRecommendation(ctx, f.member, f.rec.ID, models.Change{Version: f.e.rec(f.rec.Code).Version, Status: &st, Reason: s})
			return err
		}},
		{"a tag", "tags", func(f *fixture, s string) error {
			tags := []string{"fine", s}
			_, err := f.e.s.UpdateRecommendation(ctx, f.member, f.rec.ID, models.Change{Version: f.e.rec(f.rec.Code).Version, Tags: &tags})
			return err
		}},
		{"the reason of a rejection", "reason", func(f *fixture, s string) error {
			_, err := f.e.s.RejectEvidence(ctx, f.lead, f.evidenceID, s)
			return err
		}},
		{"the reason of a removal", "reason", func(f *fixture, s string) error {
			_, err := f.e.s.RemoveEvidence(ctx, f.member, f.evidenceID, s)
			return err
		}},
		{"the note of a review request", "reason", func(f *fixture, s string) error {
			_, err := f.e.s.RequestReview(ctx, f.member, f.rec.ID, s)
			return err
		}},
		{"an account's name", "name", func(f *fixture, s string) error {
			_, err := f.e.s.CreateUser(ctx, nil, models.NewUser{Email: "new@example.org", Name: s, Role: models.RoleViewer, Password: "correct horse battery"})
			return err
		}},
		{"a token's label", "name", func(f *fixture, s string) error {
			_, _, err := f.e.s.CreateToken(ctx, nil, f.member.ID, s)
			return err
		}},
	}
	for _, bad := range []struct{ name, text string }{{"broken UTF-8", "caf\xe9"}, {"a NUL", "a\x00b"}} {
		for _, c := range cases {
			t.Run(c.name+" with "+bad.name+" is refused", func(t *testing.T) {
				e := newTrailEnv(t)
				f := &fixture{e: e, member: e.user(models.RoleMember, "Mia Member"), lead: e.user(models.RoleLead, "Lea Lead"), rec: e.rec("R-09")}
				var err error
				if f.note, err = e.s.AddNote(ctx, f.member, f.rec.ID, "first"); err != nil {
					t.Fatal(err)
				}
				ev, err := e.s.AddEvidence(ctx, f.member, f.rec.ID, models.NewEvidence{Kind: "link", URL: "https://example.org/a", Title: "A"})
				if err != nil {
					t.Fatal(err)
				}
				f.evidenceID = ev.ID
				before := footprint(t, e, f.rec, f.member)
				err = c.run(f, bad.text)
				var ve *models.ValidationError
				if !errors.As(err, &ve) || ve.Fields[c.field] == "" {
					t.Fatalf("error %v, want a field error on %s", err, c.field)
				}
				if after := footprint(t, e, f.rec, f.member); after != before {
					t.Errorf("a refused write changed the store:\n%s\n%s", before, after)
				}
			})
		}
	}
	t.Run("an import row with broken UTF-8 is a problem of its field", func(t *testing.T) {
		e := newTrailEnv(t)
		title := "caf\xe9"
		plan, err := e.s.PlanImport(ctx, nil, []models.ImportRow{{Line: 2, Code: "R-01", Catalog: models.CatalogPatch{Title: &title}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Problems) != 1 || plan.Problems[0].Field != "title" {
			t.Fatalf("problems %+v", plan.Problems)
		}
	})
}
