package export_test

import (
	"context"
	"os"
	"testing"
	"time"

	"policytracker/models"
)

func TestZZDetails(t *testing.T) {
	dir := os.Getenv("PT_PROF_DIR")
	if dir == "" {
		t.Skip()
	}
	s, _ := models.Open(models.Options{DataDir: dir})
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	recs, _ := s.RecommendationsAsOf(ctx, now)
	for _, opt := range []models.DetailOptions{{}, {Notes: true}, {Evidence: true}, {Events: true}} {
		start := time.Now()
		for i := 0; i < len(recs); i += 500 {
			var ids []int64
			for j := i; j < min(i+500, len(recs)); j++ {
				ids = append(ids, recs[j].ID)
			}
			if _, err := s.ItemDetails(ctx, ids, now, opt); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%+v: %v", opt, time.Since(start))
	}
}
