package export_test

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"policytracker/models"
	"policytracker/models/export"
)

func TestZZProfile(t *testing.T) {
	dir := os.Getenv("PT_PROF_DIR")
	if dir == "" {
		t.Skip()
	}
	s, err := models.Open(models.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	start := time.Now()
	rep, err := export.Prepare(ctx, s, export.Options{Format: os.Getenv("PT_PROF_FMT"), AsOf: now, Since: now.Add(-30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("prepare %v", time.Since(start))
	start = time.Now()
	if err := rep.Write(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Logf("write %v", time.Since(start))
}
