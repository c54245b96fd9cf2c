package models_test

import (
	"context"
	"errors"
	"testing"

	"policytracker/models"
)

type gateFixture struct {
	e                        *trailEnv
	member, lead, lead2, adm *models.User
	viewer                   *models.User
	rec                      *models.Recommendation
}

func newGateFixture(t *testing.T) *gateFixture {
	e := newTrailEnv(t)
	return &gateFixture{e: e, member: e.user(models.RoleMember, "Mia Member"), lead: e.user(models.RoleLead, "Lea Lead"),
		lead2: e.user(models.RoleLead, "Leo Lead"), adm: e.user(models.RoleAdmin, "Ada Admin"),
		viewer: e.user(models.RoleViewer, "Vic Viewer"), rec: e.rec("R-09")}
}

func (f *gateFixture) link(by *models.User) *models.Evidence {
	f.e.t.Helper()
	ev, err := f.e.s.AddEvidence(context.Background(), by, f.rec.ID, models.NewEvidence{Kind: "link", Title: "Press release", URL: "https://example.org/p"})
	if err != nil {
		f.e.t.Fatal(err)
	}
	return ev
}

func (f *gateFixture) setStatus(by *models.User, st models.Status, reason string) error {
	cur := f.e.rec(f.rec.Code)
	_, err := f.e.s.UpdateRecommendation(context.Background(), by, cur.ID, models.Change{Version: cur.Version, Status: &st, Reason: reason})
	return err
}

// Every rule of the review gate, each from a fresh item.
func TestReviewGate(t *testing.T) {
	ctx := context.Background()
	type outcome int
	const (
		allowed outcome = iota
		forbidden
		invalid
	)
	cases := []struct {
		name string
		run  func(f *gateFixture) error
		want outcome
	}{
		{"a lead verifies a member's evidence", func(f *gateFixture) error {
			_, err := f.e.s.VerifyEvidence(ctx, f.lead, f.link(f.member).ID)
			return err
		}, allowed},
		{"an admin verifies a lead's evidence", func(f *gateFixture) error {
			_, err := f.e.s.VerifyEvidence(ctx, f.adm, f.link(f.lead).ID)
			return err
		}, allowed},
		{"a lead cannot verify their own evidence", func(f *gateFixture) error {
			_, err := f.e.s.VerifyEvidence(ctx, f.lead, f.link(f.lead).ID)
			return err
		}, forbidden},
		{"an admin cannot verify their own evidence", func(f *gateFixture) error {
			_, err := f.e.s.VerifyEvidence(ctx, f.adm, f.link(f.adm).ID)
			return err
		}, forbidden},
		{"a member cannot verify", func(f *gateFixture) error {
			_, err := f.e.s.VerifyEvidence(ctx, f.member, f.link(f.lead).ID)
			return err
		}, forbidden},
		{"a viewer cannot verify", func(f *gateFixture) error {
			_, err := f.e.s.VerifyEvidence(ctx, f.viewer, f.link(f.lead).ID)
			return err
		}, forbidden},
		{"a lead cannot reject their own evidence", func(f *gateFixture) error {
			_, err := f.e.s.RejectEvidence(ctx, f.lead, f.link(f.lead).ID, "meh")
			return err
		}, forbidden},
		{"a rejection needs a reason", func(f *gateFixture) error {
			_, err := f.e.s.RejectEvidence(ctx, f.lead, f.link(f.member).ID, "  ")
			return err
		}, invalid},
		{"removed evidence cannot be verified", func(f *gateFixture) error {
			ev := f.link(f.member)
			if _, err := f.e.s.RemoveEvidence(ctx, f.member, ev.ID, "wrong link"); err != nil {
				return err
			}
			_, err := f.e.s.VerifyEvidence(ctx, f.lead, ev.ID)
			return err
		}, invalid},
		{"a viewer cannot add evidence", func(f *gateFixture) error {
			_, err := f.e.s.AddEvidence(ctx, f.viewer, f.rec.ID, models.NewEvidence{Kind: "link", Title: "x", URL: "https://example.org"})
			return err
		}, forbidden},
		{"implemented needs verified evidence", func(f *gateFixture) error {
			f.link(f.member)
			return f.setStatus(f.lead, models.StatusImplemented, "")
		}, invalid},
		{"rejected evidence does not count for implemented", func(f *gateFixture) error {
			ev := f.link(f.member)
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead, ev.ID); err != nil {
				return err
			}
			if _, err := f.e.s.RejectEvidence(ctx, f.lead2, ev.ID, "the page says the opposite"); err != nil {
				return err
			}
			return f.setStatus(f.lead, models.StatusImplemented, "")
		}, invalid},
		{"removed evidence does not count for implemented", func(f *gateFixture) error {
			ev := f.link(f.member)
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead, ev.ID); err != nil {
				return err
			}
			if _, err := f.e.s.RemoveEvidence(ctx, f.lead2, ev.ID, "dead link"); err != nil {
				return err
			}
			return f.setStatus(f.lead, models.StatusImplemented, "")
		}, invalid},
		{"verified evidence lets a lead close as implemented", func(f *gateFixture) error {
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead, f.link(f.member).ID); err != nil {
				return err
			}
			return f.setStatus(f.lead, models.StatusImplemented, "")
		}, allowed},
		{"verifying after a rejection counts again", func(f *gateFixture) error {
			ev := f.link(f.member)
			if _, err := f.e.s.RejectEvidence(ctx, f.lead, ev.ID, "unclear"); err != nil {
				return err
			}
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead2, ev.ID); err != nil {
				return err
			}
			return f.setStatus(f.lead, models.StatusImplemented, "")
		}, allowed},
		{"a member cannot close even with verified evidence", func(f *gateFixture) error {
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead, f.link(f.member).ID); err != nil {
				return err
			}
			return f.setStatus(f.member, models.StatusImplemented, "")
		}, forbidden},
		{"not implemented needs a reason", func(f *gateFixture) error {
			return f.setStatus(f.lead, models.StatusNotImplemented, "")
		}, invalid},
		{"not implemented with a reason", func(f *gateFixture) error {
			return f.setStatus(f.lead, models.StatusNotImplemented, "Congress declined")
		}, allowed},
		{"reopening needs a reason", func(f *gateFixture) error {
			if err := f.setStatus(f.lead, models.StatusNotImplemented, "declined"); err != nil {
				return err
			}
			return f.setStatus(f.lead, models.StatusInProgress, "")
		}, invalid},
		{"the only verified evidence of an implemented item cannot be rejected", func(f *gateFixture) error {
			ev := f.link(f.member)
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead, ev.ID); err != nil {
				return err
			}
			if err := f.setStatus(f.lead, models.StatusImplemented, ""); err != nil {
				return err
			}
			_, err := f.e.s.RejectEvidence(ctx, f.lead2, ev.ID, "changed my mind")
			return err
		}, invalid},
		{"the only verified evidence of an implemented item cannot be removed", func(f *gateFixture) error {
			ev := f.link(f.member)
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead, ev.ID); err != nil {
				return err
			}
			if err := f.setStatus(f.lead, models.StatusImplemented, ""); err != nil {
				return err
			}
			_, err := f.e.s.RemoveEvidence(ctx, f.lead2, ev.ID, "")
			return err
		}, invalid},
		{"a member cannot remove evidence once verified", func(f *gateFixture) error {
			ev := f.link(f.member)
			if _, err := f.e.s.VerifyEvidence(ctx, f.lead, ev.ID); err != nil {
				return err
			}
			_, err := f.e.s.RemoveEvidence(ctx, f.member, ev.ID, "")
			return err
		}, forbidden},
		{"a member cannot remove someone else's evidence", func(f *gateFixture) error {
			_, err := f.e.s.RemoveEvidence(ctx, f.member, f.link(f.lead).ID, "")
			return err
		}, forbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newGateFixture(t)
			err := c.run(f)
			var ve *models.ValidationError
			switch c.want {
			case allowed:
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
			case forbidden:
				if !errors.Is(err, models.ErrForbidden) {
					t.Fatalf("err = %v, want forbidden", err)
				}
			case invalid:
				if !errors.As(err, &ve) {
					t.Fatalf("err = %v, want a validation error", err)
				}
			}
		})
	}
}

// Verifying clears a rejection and rejecting clears a verification; the
// history keeps both.
func TestReviewOutcomesReplaceEachOther(t *testing.T) {
	f := newGateFixture(t)
	ctx := context.Background()
	ev := f.link(f.member)
	got, err := f.e.s.RejectEvidence(ctx, f.lead, ev.ID, "blurry scan")
	if err != nil || got.State() != "rejected" || got.RejectReason != "blurry scan" || got.RejectedBy == nil || got.RejectedBy.ID != f.lead.ID {
		t.Fatalf("after reject: %+v %v", got, err)
	}
	got, err = f.e.s.VerifyEvidence(ctx, f.lead2, ev.ID)
	if err != nil || got.State() != "verified" || got.RejectedByID != nil || got.RejectReason != "" || got.VerifiedBy.ID != f.lead2.ID {
		t.Fatalf("after verify: %+v %v", got, err)
	}
	// Verifying again changes nothing and records nothing.
	if _, err := f.e.s.VerifyEvidence(ctx, f.lead, ev.ID); err != nil {
		t.Fatal(err)
	}
	evs, err := f.e.s.Events(ctx, models.EventFilter{RecommendationID: f.rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		if e.RefID != nil && *e.RefID == ev.ID {
			kinds = append(kinds, e.Kind+":"+e.Reason)
		}
	}
	want := []string{"evidence_added:", "evidence_rejected:blurry scan", "evidence_verified:"}
	if len(kinds) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("events %v, want %v", kinds, want)
		}
	}
}

func TestReviewRequestBumpsVersionAndIsRecorded(t *testing.T) {
	f := newGateFixture(t)
	ctx := context.Background()
	before := f.e.rec(f.rec.Code)
	got, err := f.e.s.RequestReview(ctx, f.member, f.rec.ID, "ready for a look")
	if err != nil || !got.ReviewRequested || got.Version != before.Version+1 {
		t.Fatalf("request: %+v %v", got, err)
	}
	// Asking again changes nothing.
	again, err := f.e.s.RequestReview(ctx, f.member, f.rec.ID, "")
	if err != nil || again.Version != got.Version {
		t.Fatalf("second request: %+v %v", again, err)
	}
	q, err := f.e.s.ReviewQueue(ctx)
	if err != nil || len(q.Items) != 1 || q.Items[0].ID != f.rec.ID {
		t.Fatalf("queue: %+v %v", q, err)
	}
	if _, err := f.e.s.ClearReviewRequest(ctx, f.member, f.rec.ID, ""); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("member clears: %v", err)
	}
	if _, err := f.e.s.RequestReview(ctx, f.viewer, f.rec.ID, ""); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("viewer requests: %v", err)
	}
	cleared, err := f.e.s.ClearReviewRequest(ctx, f.lead, f.rec.ID, "looked at it")
	if err != nil || cleared.ReviewRequested {
		t.Fatalf("clear: %+v %v", cleared, err)
	}
	evs, _ := f.e.s.Events(ctx, models.EventFilter{RecommendationID: f.rec.ID, Kind: models.EventReviewRequested})
	if len(evs) != 1 || evs[0].Field != "review_requested" || evs[0].NewValue != "true" || evs[0].Reason != "ready for a look" {
		t.Fatalf("events: %+v", evs)
	}
	// A closed item cannot be queued.
	if err := f.setStatus(f.lead, models.StatusNotImplemented, "declined"); err != nil {
		t.Fatal(err)
	}
	var ve *models.ValidationError
	if _, err := f.e.s.RequestReview(ctx, f.member, f.rec.ID, ""); !errors.As(err, &ve) {
		t.Fatalf("request on closed item: %v", err)
	}
}
