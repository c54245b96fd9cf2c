package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

// summaryHistory is a small catalog with a known history on a fixed clock:
//
//	Mar 2 09:00  catalog: energy; R-03 economy; R-04 digital
//	Mar 3 09:00  R-01 in progress, due Mar 5; R-02 due Mar 20; note on R-01 "first"
//	Mar 5 09:00  note edited to "second"; evidence on R-01 added and verified
//	Mar 8 09:00  R-01 implemented (closed); R-02 due moved to Apr 30; R-03 review requested
//	Mar 10 09:00 note on R-02 added, Mar 11 09:00 deleted
type summaryHistory struct {
	*Store
	clk          *fakeClock
	member, lead *User
	ids          map[string]int64
	noteR1       int64
}

func day(d int, hour int) time.Time { return time.Date(2026, 3, d, hour, 0, 0, 0, time.UTC) }

func newSummaryHistory(t *testing.T) *summaryHistory {
	t.Helper()
	ctx := context.Background()
	s, clk := openMigrated(t)
	h := &summaryHistory{Store: s, clk: clk, ids: map[string]int64{}}
	var items []CatalogItem
	for _, it := range []struct{ code, domain string }{{"R-01", "energy"}, {"R-02", "energy"}, {"R-03", "economy"}, {"R-04", "digital"}} {
		items = append(items, CatalogItem{Code: it.code, Title: "Item " + it.code, Domain: it.domain, Strength: StrengthShould,
			Sources: []Source{{Chapter: "conclusion", Line: 1, Page: 80, Quote: "The report says so."}}})
	}
	if _, err := s.UpsertCatalog(ctx, items, nil); err != nil {
		t.Fatal(err)
	}
	h.member, h.lead = mustUser(t, s, "member@example.org", RoleMember), mustUser(t, s, "lead@example.org", RoleLead)
	for _, c := range []string{"R-01", "R-02", "R-03", "R-04"} {
		r, err := s.RecommendationByCode(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		h.ids[c] = r.ID
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := func(tm time.Time) { clk.mu.Lock(); clk.t = tm; clk.mu.Unlock() }

	at(day(3, 9))
	must(s.UpdateRecommendation(ctx, h.member, h.ids["R-01"], Change{Version: 1, Status: ptrTo(StatusInProgress), DueDate: ptrTo("2026-03-05")}))
	must(s.UpdateRecommendation(ctx, h.member, h.ids["R-02"], Change{Version: 1, DueDate: ptrTo("2026-03-20")}))
	n, err := s.AddNote(ctx, h.member, h.ids["R-01"], "first")
	must(n, err)
	h.noteR1 = n.ID

	at(day(5, 9))
	must(s.EditNote(ctx, h.member, h.noteR1, "second"))
	ev, err := s.AddEvidence(ctx, h.member, h.ids["R-01"], NewEvidence{Kind: "link", Title: "Ministry statement", URL: "https://example.org/s"})
	must(ev, err)
	must(s.VerifyEvidence(ctx, h.lead, ev.ID))

	at(day(8, 9))
	must(s.UpdateRecommendation(ctx, h.lead, h.ids["R-01"], Change{Version: 2, Status: ptrTo(StatusImplemented)}))
	must(s.UpdateRecommendation(ctx, h.member, h.ids["R-02"], Change{Version: 2, DueDate: ptrTo("2026-04-30")}))
	must(s.RequestReview(ctx, h.member, h.ids["R-03"], ""))

	at(day(10, 9))
	n2, err := s.AddNote(ctx, h.member, h.ids["R-02"], "short-lived")
	must(n2, err)
	at(day(11, 9))
	must(s.DeleteNote(ctx, h.member, n2.ID))
	at(day(12, 9))
	return h
}

func statusCount(f Figures, st Status) int {
	for _, x := range f.ByStatus {
		if x.Status == st {
			return x.Count
		}
	}
	return -1
}

func TestSummaryFiguresMatchWhatWasTrueThen(t *testing.T) {
	h := newSummaryHistory(t)
	cases := []struct {
		name                                    string
		asOf                                    time.Time
		total, inProgress, implemented, overdue int
		review                                  int
		avg                                     float64
	}{
		{"before any change every item is not started", day(2, 12), 4, 0, 0, 0, 0, 0},
		{"after the first day R-01 is in progress", day(4, 12), 4, 1, 0, 0, 0, 6.3},
		{"R-01 is overdue once its due day has ended", day(7, 12), 4, 1, 0, 1, 0, 6.3},
		{"closing R-01 makes it implemented and no longer overdue", day(9, 12), 4, 0, 1, 0, 1, 25},
		{"today's figures equal the last state", day(12, 9), 4, 0, 1, 0, 1, 25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := h.Summary(context.Background(), c.asOf, c.asOf.Add(-DefaultPeriod), Filter{})
			if err != nil {
				t.Fatal(err)
			}
			got := []int{s.Total, statusCount(s.Figures, StatusInProgress), s.Implemented, s.Overdue, s.AwaitingReview}
			want := []int{c.total, c.inProgress, c.implemented, c.overdue, c.review}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("total/in progress/implemented/overdue/review = %v, want %v", got, want)
				}
			}
			if s.AvgProgress != c.avg {
				t.Fatalf("average progress %v, want %v", s.AvgProgress, c.avg)
			}
		})
	}
}

func TestSummaryDomainBreakdownAsOf(t *testing.T) {
	h := newSummaryHistory(t)
	s, err := h.Summary(context.Background(), day(9, 12), day(1, 0), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ByDomain) != 3 {
		t.Fatalf("domains %+v", s.ByDomain)
	}
	energy := s.ByDomain[0]
	if energy.Domain != "energy" || energy.Count != 2 || energy.Implemented != 1 || energy.ImplementedPct != 50 || energy.AvgProgress != 50 ||
		energy.Statuses[StatusImplemented] != 1 || energy.Statuses[StatusNotStarted] != 1 {
		t.Fatalf("energy %+v", energy)
	}
}

func TestSummaryChangesInPeriod(t *testing.T) {
	h := newSummaryHistory(t)
	cases := []struct {
		name        string
		since, asOf time.Time
		want        Changes
	}{
		{"the first days hold one status change and one note", day(2, 12), day(4, 12),
			Changes{StatusChanges: 1, NotesAdded: 1}},
		{"evidence added and verified, then the item closed and a due date moved later", day(4, 12), day(9, 12),
			Changes{StatusChanges: 1, Closed: 1, EvidenceAdded: 1, EvidenceVerified: 1, DueDatesSlipped: 1}},
		{"a due date that passed while the item was open counts as slipped", day(4, 12), day(7, 12),
			Changes{EvidenceAdded: 1, EvidenceVerified: 1, DueDatesSlipped: 1}},
		{"a deleted note still counts as written in its period", day(9, 12), day(12, 9),
			Changes{NotesAdded: 1}},
		{"an empty period has no changes", day(11, 12), day(12, 9), Changes{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := h.Summary(context.Background(), c.asOf, c.since, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			g, w := s.Changes, c.want
			counts := func(x Changes) [7]int {
				return [7]int{x.StatusChanges, x.Closed, x.Reopened, x.EvidenceAdded, x.EvidenceVerified, x.DueDatesSlipped, x.NotesAdded}
			}
			if counts(g) != counts(w) {
				t.Fatalf("changes %v, want %v (status, closed, reopened, evidence added, verified, slipped, notes)", counts(g), counts(w))
			}
			for _, e := range s.Changes.Entries {
				if !e.At.After(c.since) || e.At.After(c.asOf) {
					t.Fatalf("entry %+v outside (%s, %s]", e, c.since, c.asOf)
				}
			}
		})
	}
}

func TestSummaryChangeEntriesSayWhatHappened(t *testing.T) {
	h := newSummaryHistory(t)
	s, err := h.Summary(context.Background(), day(9, 12), day(4, 12), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range s.Changes.Entries {
		texts = append(texts, e.Code+" "+e.Text())
	}
	want := []string{
		// Same moment: by code.
		"R-01 closed: In progress → Implemented",
		"R-02 due date moved from 2026-03-20 to 2026-04-30",
		"R-01 evidence verified: Ministry statement",
		"R-01 evidence added: Ministry statement",
	}
	if len(texts) != len(want) {
		t.Fatalf("entries %q, want %q", texts, want)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Fatalf("entries %q, want %q", texts, want)
		}
	}
}

func TestSummaryFiltersJudgeTheStateThen(t *testing.T) {
	h := newSummaryHistory(t)
	cases := []struct {
		name  string
		asOf  time.Time
		f     Filter
		codes []string
	}{
		{"implemented today, not yet on March 4", day(4, 12), Filter{Status: "implemented"}, nil},
		{"implemented after closing", day(9, 12), Filter{Status: "implemented"}, []string{"R-01"}},
		{"in progress on March 4", day(4, 12), Filter{Status: "in_progress"}, []string{"R-01"}},
		{"open by domain", day(9, 12), Filter{Status: "open", Domain: "energy"}, []string{"R-02"}},
		{"overdue on March 7", day(7, 12), Filter{Overdue: true}, []string{"R-01"}},
		{"awaiting review only after the request", day(9, 12), Filter{Review: true}, []string{"R-03"}},
		{"text search", day(9, 12), Filter{Query: "item r-04"}, []string{"R-04"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := h.Summary(context.Background(), c.asOf, c.asOf.Add(-time.Hour), c.f)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, r := range s.Items {
				codes = append(codes, r.Code)
			}
			if len(codes) != len(c.codes) || s.Total != len(c.codes) {
				t.Fatalf("items %v (total %d), want %v", codes, s.Total, c.codes)
			}
			for i := range codes {
				if codes[i] != c.codes[i] {
					t.Fatalf("items %v, want %v", codes, c.codes)
				}
			}
		})
	}
}

func TestItemDetailsShowNotesAndEvidenceAsTheyWere(t *testing.T) {
	h := newSummaryHistory(t)
	r1, r2 := h.ids["R-01"], h.ids["R-02"]
	cases := []struct {
		name                      string
		asOf                      time.Time
		latest                    string // latest note body of R-01, "" for none
		edited                    bool
		evidence, verified, notes int // of R-01
		r2Notes                   int
	}{
		{"before the note", day(2, 12), "", false, 0, 0, 0, 0},
		{"a note edited later shows its first text", day(4, 12), "first", false, 0, 0, 1, 0},
		{"after the edit the note reads as edited", day(6, 12), "second", true, 1, 1, 1, 0},
		{"a deleted note is there until its deletion", day(10, 12), "second", true, 1, 1, 1, 1},
		{"and gone after it", day(11, 12), "second", true, 1, 1, 1, 0},
	}
	for _, c := range cases {
		for _, all := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				ds, err := h.ItemDetails(context.Background(), []int64{r1, r2}, c.asOf, DetailOptions{Notes: all, Evidence: all, Events: all})
				if err != nil {
					t.Fatal(err)
				}
				d := ds[r1]
				body := ""
				if d.LatestNote != nil {
					body = d.LatestNote.Body
					if d.LatestNote.Edited != c.edited || d.LatestNote.Author == nil {
						t.Fatalf("latest note %+v, want edited=%v with its author", d.LatestNote, c.edited)
					}
				}
				if body != c.latest || d.NoteCount != c.notes || d.EvidenceCount != c.evidence || d.VerifiedCount != c.verified || ds[r2].NoteCount != c.r2Notes {
					t.Fatalf("note %q (%d), evidence %d/%d, R-02 notes %d; want %q (%d), %d/%d, %d",
						body, d.NoteCount, d.EvidenceCount, d.VerifiedCount, ds[r2].NoteCount, c.latest, c.notes, c.evidence, c.verified, c.r2Notes)
				}
				if all {
					if len(d.Notes) != c.notes || len(d.Evidence) != c.evidence {
						t.Fatalf("lists: %d notes, %d evidence", len(d.Notes), len(d.Evidence))
					}
					for _, e := range d.Events {
						if e.CreatedAt.After(c.asOf) {
							t.Fatalf("event after as-of: %+v", e)
						}
					}
				}
			})
		}
	}
}

func TestEvidenceVerifiedLaterIsPendingBefore(t *testing.T) {
	h := newSummaryHistory(t)
	// Verified at Mar 5 09:00, added at the same moment: a minute before,
	// the evidence did not exist; the evidence rows carry both times.
	ds, err := h.ItemDetails(context.Background(), []int64{h.ids["R-01"]}, day(5, 9), DetailOptions{Evidence: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds[h.ids["R-01"]].Evidence) != 1 || ds[h.ids["R-01"]].Evidence[0].VerifiedBy == nil {
		t.Fatalf("at the verification moment: %+v", ds[h.ids["R-01"]].Evidence)
	}
	// Push the verification later in the row itself and look again.
	later := day(6, 9)
	if err := h.db.Model(&Evidence{}).Where("recommendation_id = ?", h.ids["R-01"]).Update("verified_at", later).Error; err != nil {
		t.Fatal(err)
	}
	ds, err = h.ItemDetails(context.Background(), []int64{h.ids["R-01"]}, day(5, 12), DetailOptions{Evidence: true})
	if err != nil {
		t.Fatal(err)
	}
	d := ds[h.ids["R-01"]]
	if d.VerifiedCount != 0 || d.Evidence[0].VerifiedByID != nil || d.Evidence[0].VerifiedAt != nil {
		t.Fatalf("verification after as-of still shows: %+v", d.Evidence[0])
	}
}

func TestParsePeriod(t *testing.T) {
	baku := time.FixedZone("Baku", 4*3600)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // 13:00 in Baku
	cases := []struct {
		name, asOf, since   string
		wantAsOf, wantSince time.Time
		badField            string
	}{
		{"defaults are now and 30 days before", "", "", now, now.Add(-DefaultPeriod), ""},
		{"a past date means the end of that day in the instance's zone", "2026-02-01", "",
			time.Date(2026, 2, 1, 23, 59, 59, 999999999, baku), time.Date(2026, 1, 2, 23, 59, 59, 999999999, baku), ""},
		{"today means now", "2026-03-02", "", now, now.Add(-DefaultPeriod), ""},
		{"an RFC 3339 time is taken as is", "2026-02-01T10:00:00Z", "2026-01-15T00:00:00Z",
			time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), ""},
		{"a later day is refused", "2026-03-03", "", time.Time{}, time.Time{}, "as_of"},
		{"a bad date is refused", "2026-02-30", "", time.Time{}, time.Time{}, "as_of"},
		{"since after as-of is refused", "2026-02-01", "2026-02-02", time.Time{}, time.Time{}, "since"},
		{"a bad since is refused", "", "yesterday", time.Time{}, time.Time{}, "since"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, s, err := ParsePeriod(c.asOf, c.since, now, baku)
			if c.badField != "" {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Fields[c.badField] == "" {
					t.Fatalf("err %v, want a problem with %s", err, c.badField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !a.Equal(c.wantAsOf) || !s.Equal(c.wantSince) || a.Location() != baku {
				t.Fatalf("got %s, %s; want %s, %s", a, s, c.wantAsOf, c.wantSince)
			}
		})
	}
}

func TestSummaryRefusesSinceAfterAsOf(t *testing.T) {
	h := newSummaryHistory(t)
	_, err := h.Summary(context.Background(), day(3, 0), day(4, 0), Filter{})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["since"] == "" {
		t.Fatalf("err %v", err)
	}
}

func TestDashboardCountsMatchTheSummaryOfNow(t *testing.T) {
	h := newSummaryHistory(t)
	ctx := context.Background()
	// Make one open item overdue today (Mar 12) so every figure is non-trivial.
	r2, err := h.RecommendationByCode(ctx, "R-02")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.UpdateRecommendation(ctx, h.member, r2.ID, Change{Version: r2.Version, DueDate: ptrTo("2026-03-10"), OwnerID: &h.member.ID}); err != nil {
		t.Fatal(err)
	}
	d, err := h.Dashboard(ctx, h.member, "2026-03-12")
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.Summary(ctx, h.Now(), h.Now().Add(-DefaultPeriod), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	s.Figures.ByDomain, d.Figures.ByDomain = nil, nil // maps: compared below
	if len(d.OverdueItems) != 1 || d.OverdueItems[0].Code != "R-02" || d.Overdue != 1 || len(d.ReviewItems) != 1 || d.MyTotal != 1 || len(d.MyItems) != 1 {
		t.Fatalf("dashboard lists: overdue %d/%d, review %d, mine %d/%d", len(d.OverdueItems), d.Overdue, len(d.ReviewItems), len(d.MyItems), d.MyTotal)
	}
	if d.Total != s.Total || d.Implemented != s.Implemented || d.AvgProgress != s.AvgProgress || d.Overdue != s.Overdue || d.AwaitingReview != s.AwaitingReview {
		t.Fatalf("dashboard %+v\nsummary %+v", d.Figures, s.Figures)
	}
	if len(d.Recent) == 0 || d.Recent[0].Rec == nil || d.Recent[0].Rec.Code != "R-02" {
		t.Fatalf("recent %+v", d.Recent)
	}
}

func TestDashboardCacheFollowsEveryChange(t *testing.T) {
	h := newSummaryHistory(t)
	ctx := context.Background()
	first, err := h.Dashboard(ctx, h.member, "2026-03-12")
	if err != nil {
		t.Fatal(err)
	}
	if statusCount(first.Figures, StatusInProgress) != 0 {
		t.Fatalf("in progress %d", statusCount(first.Figures, StatusInProgress))
	}
	// A change through another handle on the same file, as the CLI would.
	other, err := Open(Options{DataDir: h.DataDir(), Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	r4, err := other.RecommendationByCode(ctx, "R-04")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.UpdateRecommendation(ctx, h.member, r4.ID, Change{Version: r4.Version, Status: ptrTo(StatusInProgress), DueDate: ptrTo("2026-03-11")}); err != nil {
		t.Fatal(err)
	}
	second, err := h.Dashboard(ctx, h.member, "2026-03-12")
	if err != nil {
		t.Fatal(err)
	}
	if statusCount(second.Figures, StatusInProgress) != 1 || second.Overdue != 1 || second.Recent[0].Rec.Code != "R-04" {
		t.Fatalf("after the change: in progress %d, overdue %d", statusCount(second.Figures, StatusInProgress), second.Overdue)
	}
	// A new day with no change: R-04's due date is not passed yet on Mar 11.
	if third, _ := h.Dashboard(ctx, h.member, "2026-03-11"); third.Overdue != 0 {
		t.Fatalf("overdue on Mar 11: %d", third.Overdue)
	}
}
