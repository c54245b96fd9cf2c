package models

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// trackingStore is a migrated store with a small catalog and one user of
// each role.
type trackingStore struct {
	*Store
	clk                         *fakeClock
	viewer, member, lead, admin *User
}

func newTrackingStore(t *testing.T) *trackingStore {
	t.Helper()
	s, clk := openMigrated(t)
	var items []CatalogItem
	for i := 1; i <= 12; i++ {
		items = append(items, CatalogItem{Code: fmt.Sprintf("R-%02d", i), Title: fmt.Sprintf("Item %d", i), Summary: "Summary.",
			Domain: "energy", Actor: "Both", Strength: StrengthShould, Keywords: []string{"k"},
			Sources: []Source{{Chapter: "conclusion", ChapterTitle: "Conclusion", Line: i, Page: 80 + i, Quote: "The report says so."}}})
	}
	if _, err := s.UpsertCatalog(context.Background(), items, nil); err != nil {
		t.Fatal(err)
	}
	return &trackingStore{Store: s, clk: clk,
		viewer: mustUser(t, s, "viewer@example.org", RoleViewer), member: mustUser(t, s, "member@example.org", RoleMember),
		lead: mustUser(t, s, "lead@example.org", RoleLead), admin: mustUser(t, s, "admin@example.org", RoleAdmin)}
}

func (ts *trackingStore) rec(t *testing.T, code string) *Recommendation {
	t.Helper()
	r, err := ts.RecommendationByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (ts *trackingStore) evidence(t *testing.T, r *Recommendation, verified bool) {
	t.Helper()
	ev := &Evidence{RecommendationID: r.ID, Kind: "link", Title: "Source", URL: "https://example.org", AddedByID: ts.member.ID, CreatedAt: ts.clk.Now()}
	if verified {
		now := ts.clk.Now()
		ev.VerifiedByID, ev.VerifiedAt = &ts.lead.ID, &now
	}
	if err := ts.db.Omit("AddedBy", "VerifiedBy", "RejectedBy").Create(ev).Error; err != nil {
		t.Fatal(err)
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestDefaultProgress(t *testing.T) {
	cases := []struct {
		status Status
		p      int
		sets   bool
	}{
		{StatusNotStarted, 0, true}, {StatusInProgress, 25, true}, {StatusPartiallyImplemented, 60, true},
		{StatusStalled, 0, false}, {StatusImplemented, 100, true}, {StatusNotImplemented, 0, false},
	}
	for _, tc := range cases {
		p, ok := tc.status.DefaultProgress()
		if p != tc.p || ok != tc.sets {
			t.Errorf("%s: %d %v, want %d %v", tc.status, p, ok, tc.p, tc.sets)
		}
	}
}

func TestUpdateRecommendationRules(t *testing.T) {
	ts := newTrackingStore(t)
	ctx := context.Background()
	// in progress at 40%. R-02: implemented (verified evidence). R-03: unverified evidence only.
	r1 := ts.rec(t, "R-01")
	if _, err := ts.UpdateRecommendation(ctx, ts.member, r1.ID, Change{Version: 1, Status: ptrTo(StatusInProgress), Progress: ptrTo(40)}); err != nil {
		t.Fatal(err)
	}
	r2 := ts.rec(t, "R-02")
	ts.evidence(t, r2, true)
	if _, err := ts.UpdateRecommendation(ctx, ts.lead, r2.ID, Change{Version: 1, Status: ptrTo(StatusImplemented)}); err != nil {
		t.Fatal(err)
	}
	ts.evidence(t, ts.rec(t, "R-03"), false)

	type outcome int
	const (
		ok outcome = iota
		invalid
		forbidden
	)
	cases := []struct {
		name     string
		code     string
		actor    *User
		ch       Change
		want     outcome
		field    string
		status   Status
		progress int
	}{
		{"stalled keeps the progress", "R-01", ts.member, Change{Status: ptrTo(StatusStalled)}, ok, "", StatusStalled, 40},
		{"partially implemented sets 60", "R-01", ts.member, Change{Status: ptrTo(StatusPartiallyImplemented)}, ok, "", StatusPartiallyImplemented, 60},
		{"an explicit progress wins", "R-04", ts.member, Change{Status: ptrTo(StatusInProgress), Progress: ptrTo(10)}, ok, "", StatusInProgress, 10},
		{"progress over 100 is invalid", "R-04", ts.member, Change{Progress: ptrTo(101)}, invalid, "progress", StatusInProgress, 10},
		{"negative progress is invalid", "R-04", ts.member, Change{Progress: ptrTo(-1)}, invalid, "progress", StatusInProgress, 10},
		{"an unknown status is invalid", "R-04", ts.member, Change{Status: ptrTo(Status("done"))}, invalid, "status", StatusInProgress, 10},
		{"an unknown priority is invalid", "R-04", ts.member, Change{Priority: ptrTo(Priority("urgent"))}, invalid, "priority", StatusInProgress, 10},
		{"a bad due date is invalid", "R-04", ts.member, Change{DueDate: ptrTo("2026-13-01")}, invalid, "due_date", StatusInProgress, 10},
		{"a missing owner is invalid", "R-04", ts.member, Change{OwnerID: ptrTo(int64(999))}, invalid, "owner", StatusInProgress, 10},
		{"a viewer may not edit", "R-04", ts.viewer, Change{Progress: ptrTo(20)}, forbidden, "", StatusInProgress, 10},
		{"a member may not close", "R-05", ts.member, Change{Status: ptrTo(StatusNotImplemented), Reason: "no"}, forbidden, "", StatusNotStarted, 0},
		{"a member may not reopen", "R-02", ts.member, Change{Status: ptrTo(StatusInProgress), Reason: "why"}, forbidden, "", StatusImplemented, 100},
		{"a member may not edit a closed item", "R-02", ts.member, Change{Priority: ptrTo(PriorityHigh)}, forbidden, "", StatusImplemented, 100},
		{"not implemented needs a reason", "R-05", ts.lead, Change{Status: ptrTo(StatusNotImplemented)}, invalid, "reason", StatusNotStarted, 0},
		{"not implemented with a reason keeps the progress", "R-01", ts.lead, Change{Status: ptrTo(StatusNotImplemented), Reason: "Dropped."}, ok, "", StatusNotImplemented, 60},
		{"implemented needs evidence", "R-05", ts.lead, Change{Status: ptrTo(StatusImplemented)}, invalid, "status", StatusNotStarted, 0},
		{"implemented needs verified evidence", "R-03", ts.lead, Change{Status: ptrTo(StatusImplemented)}, invalid, "status", StatusNotStarted, 0},
		{"progress of a closed item is fixed", "R-02", ts.lead, Change{Progress: ptrTo(50)}, invalid, "progress", StatusImplemented, 100},
		{"reopening needs a reason", "R-02", ts.lead, Change{Status: ptrTo(StatusStalled)}, invalid, "reason", StatusImplemented, 100},
		{"a lead reopens with a reason", "R-02", ts.lead, Change{Status: ptrTo(StatusStalled), Reason: "Repealed."}, ok, "", StatusStalled, 100},
		{"an admin may do what a lead may", "R-06", ts.admin, Change{Status: ptrTo(StatusNotImplemented), Reason: "Obsolete."}, ok, "", StatusNotImplemented, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := ts.rec(t, tc.code)
			tc.ch.Version = cur.Version
			before, _ := ts.Events(ctx, EventFilter{RecommendationID: cur.ID})
			_, err := ts.UpdateRecommendation(ctx, tc.actor, cur.ID, tc.ch)
			switch tc.want {
			case ok:
				if err != nil {
					t.Fatalf("err %v", err)
				}
			case invalid:
				if fieldOf(err) != tc.field {
					t.Fatalf("err %v, want a problem with %s", err, tc.field)
				}
			case forbidden:
				var re *RuleError
				if !errors.Is(err, ErrForbidden) || !errors.As(err, &re) || re.Msg == "" {
					t.Fatalf("err %v, want a forbidden rule with a message", err)
				}
			}
			got := ts.rec(t, tc.code)
			if got.Status != tc.status || got.Progress != tc.progress {
				t.Errorf("stored %s %d%%, want %s %d%%", got.Status, got.Progress, tc.status, tc.progress)
			}
			after, _ := ts.Events(ctx, EventFilter{RecommendationID: cur.ID})
			if tc.want != ok && (got.Version != cur.Version || len(after) != len(before)) {
				t.Errorf("a refused change moved the version (%d → %d) or logged events (%d → %d)", cur.Version, got.Version, len(before), len(after))
			}
		})
	}
}

func TestUpdateRecordsEventsPerField(t *testing.T) {
	ts := newTrackingStore(t)
	ctx := context.Background()
	r := ts.rec(t, "R-07")
	ts.clk.Advance(time.Hour)
	out, err := ts.UpdateRecommendation(ctx, ts.member, r.ID, Change{Version: 1, Status: ptrTo(StatusPartiallyImplemented),
		Priority: ptrTo(PriorityLow), OwnerID: &ts.lead.ID, DueDate: ptrTo("2026-12-31"), Tags: &[]string{"B", "a", " a "}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != 2 || out.Tags != "a,b" || !out.UpdatedAt.Equal(ts.clk.Now()) {
		t.Errorf("stored %+v", out)
	}
	evs, _ := ts.Events(ctx, EventFilter{RecommendationID: r.ID, Kind: "field"})
	want := []struct{ field, old, new string }{
		{"status", "not_started", "partially_implemented"}, {"progress", "0", "60"}, {"priority", "medium", "low"},
		{"owner", "", fmt.Sprint(ts.lead.ID)}, {"due_date", "", "2026-12-31"}, {"tags", "", "a,b"},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events: %+v", len(evs), evs)
	}
	for i, w := range want {
		ev := evs[i]
		if ev.Field != w.field || ev.OldValue != w.old || ev.NewValue != w.new || *ev.ActorID != ts.member.ID || !ev.CreatedAt.Equal(ts.clk.Now()) {
			t.Errorf("event %d: %+v, want %+v", i, ev, w)
		}
	}
	t.Run("an edit that changes nothing records nothing", func(t *testing.T) {
		same, err := ts.UpdateRecommendation(ctx, ts.member, r.ID, Change{Version: 2, Priority: ptrTo(PriorityLow), Tags: &[]string{"a", "b"}})
		all, _ := ts.Events(ctx, EventFilter{RecommendationID: r.ID})
		if err != nil || same.Version != 2 || len(all) != 1+len(want) {
			t.Errorf("version %d, %d events, %v", same.Version, len(all), err)
		}
	})
}

func TestOptimisticLock(t *testing.T) {
	ts := newTrackingStore(t)
	ctx := context.Background()
	r := ts.rec(t, "R-08")
	if _, err := ts.UpdateRecommendation(ctx, ts.member, r.ID, Change{Version: 1, Priority: ptrTo(PriorityHigh)}); err != nil {
		t.Fatal(err)
	}
	_, err := ts.UpdateRecommendation(ctx, ts.lead, r.ID, Change{Version: 1, Priority: ptrTo(PriorityLow)})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Current == nil || ce.Current.Version != 2 || ce.Current.Priority != PriorityHigh {
		t.Fatalf("err %v, want a conflict carrying version 2", err)
	}
	if got := ts.rec(t, "R-08"); got.Priority != PriorityHigh {
		t.Errorf("stale edit overwrote: %s", got.Priority)
	}
	t.Run("of two simultaneous edits of one version exactly one wins", func(t *testing.T) {
		r := ts.rec(t, "R-09")
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = ts.UpdateRecommendation(ctx, ts.member, r.ID, Change{Version: r.Version, Progress: ptrTo(10 + i)})
			}()
		}
		wg.Wait()
		wins, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case IsConflict(err):
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 || conflicts != n-1 {
			t.Errorf("%d wins, %d conflicts", wins, conflicts)
		}
		if got := ts.rec(t, "R-09"); got.Version != r.Version+1 {
			t.Errorf("version %d", got.Version)
		}
	})
	t.Run("an unknown item is not found", func(t *testing.T) {
		if _, err := ts.UpdateRecommendation(ctx, ts.member, 9999, Change{Version: 1}); !errors.Is(err, ErrNotFound) {
			t.Errorf("err %v", err)
		}
	})
}
