package export_test

import (
	"context"
	"os"
	"testing"
	"time"

	"policytracker/models"
)

func TestZZSummary(t *testing.T) {
	dir := os.Getenv("PT_PROF_DIR")
	if dir == "" {
		t.Skip()
	}
	s, _ := models.Open(models.Options{DataDir: dir})
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	for _, back := range []int{0, 30, 365, 700} {
		asOf := now.AddDate(0, 0, -back)
		start := time.Now()
		sum, err := s.Summary(ctx, asOf, asOf.AddDate(0, 0, -30), models.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d days back: %v (total %d, changes %d status, %d notes)", back, time.Since(start), sum.Total, sum.Changes.StatusChanges, sum.Changes.NotesAdded)
		start = time.Now()
		sum, err = s.Summary(ctx, asOf, asOf.AddDate(-1, 0, 0), models.Filter{Domain: "energy"})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("   with a year of changes, energy: %v (total %d, %d entries)", time.Since(start), sum.Total, len(sum.Changes.Entries))
	}
	u, _ := s.UserByEmail(ctx, "bench@example.org")
	start := time.Now()
	for i := 0; i < 20; i++ {
		if _, err := s.Dashboard(ctx, u, now.Format("2006-01-02")); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("dashboard: %v each", time.Since(start)/20)
}
