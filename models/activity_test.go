package models_test

import (
	"context"
	"testing"
	"time"

	"policytracker/models"
)

func TestEvidenceAsOfReplaysReviewState(t *testing.T) {
	f := newGateFixture(t)
	e, ctx := f.e, context.Background()
	t0 := e.clock()
	e.advance(time.Hour)
	ev := f.link(f.member)
	e.advance(time.Hour)
	if _, err := e.s.VerifyEvidence(ctx, f.lead, ev.ID); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour)
	if _, err := e.s.RejectEvidence(ctx, f.lead2, ev.ID, "wrong year"); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour)
	if _, err := e.s.RemoveEvidence(ctx, f.lead, ev.ID, "superseded"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		at    time.Time
		n     int
		state string
	}{
		{"before it was added", t0.Add(30 * time.Minute), 0, ""},
		{"added, awaiting", t0.Add(90 * time.Minute), 1, "awaiting"},
		{"verified", t0.Add(150 * time.Minute), 1, "verified"},
		{"rejected", t0.Add(210 * time.Minute), 1, "rejected"},
		{"removed", t0.Add(270 * time.Minute), 1, "removed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.s.EvidenceAsOf(ctx, f.rec.ID, c.at)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.n {
				t.Fatalf("%d items, want %d", len(got), c.n)
			}
			if c.n == 1 && got[0].State() != c.state {
				t.Fatalf("state %q, want %q", got[0].State(), c.state)
			}
			if c.state == "verified" && (got[0].VerifiedBy == nil || got[0].VerifiedBy.ID != f.lead.ID) {
				t.Fatalf("verified by %+v", got[0].VerifiedBy)
			}
			if c.state == "rejected" && got[0].RejectReason != "wrong year" {
				t.Fatalf("reason %q", got[0].RejectReason)
			}
		})
	}
}

func TestRecommendationsAsOfFilteredMatchesThatDay(t *testing.T) {
	e := newTrailEnv(t)
	ctx := context.Background()
	m := e.user(models.RoleMember, "Mia Member")
	set := func(code string, st models.Status, prio models.Priority) {
		r := e.rec(code)
		if _, err := e.s.UpdateRecommendation(ctx, m, r.ID, models.Change{Version: r.Version, Status: &st, Priority: &prio}); err != nil {
			t.Fatal(err)
		}
	}
	day1 := e.clock()
	e.advance(24 * time.Hour)
	set("R-02", models.StatusInProgress, models.PriorityHigh)
	set("R-05", models.StatusStalled, models.PriorityLow)
	day2 := e.clock()
	e.advance(24 * time.Hour)
	set("R-02", models.StatusStalled, models.PriorityHigh)

	codes := func(at time.Time, f models.Filter) []string {
		t.Helper()
		l, err := e.s.RecommendationsAsOfFiltered(ctx, at, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range l.Page.Items {
			out = append(out, r.Code)
		}
		return out
	}
	eq := func(got []string, want ...string) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range want {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}
	if got := codes(day1, models.Filter{Status: "stalled"}); len(got) != 0 {
		t.Errorf("stalled on day 1: %v", got)
	}
	if got := codes(day2, models.Filter{Status: "stalled"}); !eq(got, "R-05") {
		t.Errorf("stalled on day 2: %v", got)
	}
	if got := codes(e.clock(), models.Filter{Status: "stalled", Sort: "-priority"}); !eq(got, "R-02", "R-05") {
		t.Errorf("stalled now, high first: %v", got)
	}
	if got := codes(day2, models.Filter{Status: "open", Priority: "high"}); !eq(got, "R-02") {
		t.Errorf("open and high on day 2: %v", got)
	}
	l, err := e.s.RecommendationsAsOfFiltered(ctx, day2, models.Filter{Status: "in_progress", PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	if l.Page.Total != 1 || l.StatusCounts["stalled"] != 1 || l.StatusCounts["in_progress"] != 1 || l.Existing != 46 {
		t.Fatalf("day 2 counts: total %d, status %v, existing %d", l.Page.Total, l.StatusCounts, l.Existing)
	}
	if got := codes(day1.Add(-time.Hour), models.Filter{}); len(got) != 0 {
		t.Errorf("before the catalog was loaded: %v", got)
	}
}

func TestActivityHidesAccountEventsUnlessAsked(t *testing.T) {
	e := newTrailEnv(t)
	ctx := context.Background()
	m := e.user(models.RoleMember, "Mia Member") // user_created: an account event
	if _, err := e.s.Authenticate(ctx, m.Email, "correct horse battery", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AddNote(ctx, m, e.rec("R-01").ID, "hello"); err != nil {
		t.Fatal(err)
	}
	items, err := e.s.Activity(ctx, models.ActivityFilter{ActorID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if items.Total != 1 || items.Items[0].Kind != "note_added" {
		t.Fatalf("item activity: %+v", items)
	}
	all, err := e.s.Activity(ctx, models.ActivityFilter{ActorID: m.ID, Account: true})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 2 || all.Items[0].Kind != "note_added" || all.Items[1].Kind != "login" {
		t.Fatalf("all activity: %+v", all.Items)
	}
}
