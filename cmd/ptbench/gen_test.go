package main

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"policytracker/models"
)

// genSmall fills a fresh store in t.TempDir() with a small data set.
func genSmall(t *testing.T, p genParams) (*models.Store, *genResult) {
	t.Helper()
	store, err := models.Open(models.Options{DataDir: t.TempDir(), Now: func() time.Time { return p.Now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := generate(ctx, store, p, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return store, res
}

// synthetic lists the generated items (R-0001…), not the report's own (R-01…).
func synthetic(t *testing.T, store *models.Store) []models.Recommendation {
	t.Helper()
	page, err := store.Recommendations(context.Background(), models.Filter{PerPage: models.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	var out []models.Recommendation
	for _, r := range page.Items {
		if len(r.Code) == len("R-0001") {
			out = append(out, r)
		}
	}
	if len(out) != smallParams.Items || page.Total > int64(models.MaxPerPage) {
		t.Fatalf("found %d synthetic items of %d, want %d on one page", len(out), page.Total, smallParams.Items)
	}
	return out
}

var smallParams = genParams{Items: 120, Events: 1500, Notes: 300, Evidence: 80, Seed: 7, Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}

func TestGeneratedHistoryChainsEndInTheStoredState(t *testing.T) {
	store, res := genSmall(t, smallParams)
	ctx := context.Background()
	if res.Items != smallParams.Items || res.History != smallParams.Events || res.Notes != smallParams.Notes || res.Evidence < smallParams.Evidence {
		t.Fatalf("made %+v, want the requested sizes", res)
	}
	history := 0
	for _, r := range synthetic(t, store) {
		evs, err := store.Events(ctx, models.EventFilter{RecommendationID: r.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Each field's chain starts at the initial value, links old to the
		// previous new, and ends at the stored value.
		cur := map[string]string{"status": "not_started", "progress": "0", "priority": "medium", "owner": "", "due_date": "", "tags": "", "review_requested": "false"}
		for _, e := range evs {
			if e.Kind == "created" || e.Field != "" {
				history++
			}
			if e.Field == "" {
				continue
			}
			if e.OldValue != cur[e.Field] {
				t.Fatalf("%s %s: event %d changes %q→%q but the value was %q", r.Code, e.Field, e.ID, e.OldValue, e.NewValue, cur[e.Field])
			}
			cur[e.Field] = e.NewValue
		}
		owner := ""
		if r.OwnerID != nil {
			owner = strconv.FormatInt(*r.OwnerID, 10)
		}
		stored := map[string]string{"status": string(r.Status), "progress": strconv.Itoa(r.Progress), "priority": string(r.Priority),
			"owner": owner, "due_date": r.DueDate, "tags": r.Tags, "review_requested": strconv.FormatBool(r.ReviewRequested)}
		for f, v := range stored {
			if cur[f] != v {
				t.Errorf("%s %s: history ends at %q, stored %q", r.Code, f, cur[f], v)
			}
		}
	}
	if history != smallParams.Events {
		t.Errorf("found %d history events of the synthetic items, want %d", history, smallParams.Events)
	}
}

func TestGeneratedItemsAsOfTheirCreationAreUntouched(t *testing.T) {
	store, _ := genSmall(t, smallParams)
	recs, err := store.RecommendationsAsOf(context.Background(), smallParams.Now.AddDate(-2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != smallParams.Items {
		t.Fatalf("%d items existed two years back, want the %d synthetic ones", len(recs), smallParams.Items)
	}
	for _, r := range recs {
		if r.Status != models.StatusNotStarted || r.Progress != 0 || r.Priority != models.PriorityMedium || r.OwnerID != nil || r.DueDate != "" || r.Tags != "" || r.ReviewRequested {
			t.Fatalf("%s as of its creation: %s %d%% %s owner=%v due=%q tags=%q review=%v, want the initial state",
				r.Code, r.Status, r.Progress, r.Priority, r.OwnerID, r.DueDate, r.Tags, r.ReviewRequested)
		}
	}
}

func TestGeneratedStatesFollowTheRules(t *testing.T) {
	store, _ := genSmall(t, smallParams)
	ctx := context.Background()
	statuses := map[models.Status]int{}
	for _, r := range synthetic(t, store) {
		statuses[r.Status]++
		if p, ok := r.Status.DefaultProgress(); ok && (r.Status == models.StatusNotStarted || r.Status == models.StatusImplemented) && r.Progress != p {
			t.Errorf("%s is %s at %d%%, want %d%%", r.Code, r.Status, r.Progress, p)
		}
		if r.Status.Closed() && r.ReviewRequested {
			t.Errorf("%s is closed with a review request", r.Code)
		}
		if r.Status != models.StatusImplemented {
			continue
		}
		// The rules let an item be implemented only with verified evidence.
		evs, err := store.EvidenceOf(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		verified := false
		for _, e := range evs {
			if e.VerifiedByID != nil && !e.Removed && e.AddedByID != *e.VerifiedByID {
				verified = true
			}
		}
		if !verified {
			t.Errorf("%s is implemented without verified evidence", r.Code)
		}
	}
	if len(statuses) < 5 {
		t.Errorf("statuses %v: want the data spread over the statuses", statuses)
	}
}

func TestGenRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no data dir", []string{"gen"}, "--data DIR is required"},
		{"fewer events than items", []string{"gen", "--data", dir, "--items", "10", "--events", "5"}, "--events must be at least --items"},
		{"negative notes", []string{"gen", "--data", dir, "--notes", "-1"}, "--notes must be between"},
		{"unknown flag", []string{"gen", "--data", dir, "--bogus"}, "flag provided but not defined"},
		{"no command", nil, "usage: ptbench gen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			if code := run(tc.args, &out, &errOut); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("stderr %q, want %q", errOut.String(), tc.want)
			}
		})
	}
}
