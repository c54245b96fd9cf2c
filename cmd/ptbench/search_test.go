package main

import (
	"context"
	"strings"
	"testing"

	"policytracker/models"
)

// haystacks rebuilds every item's search text from what the store holds,
// keyed by id: the reference the speed-ups must agree with.
func haystacks(t *testing.T, store *models.Store) map[int64]string {
	t.Helper()
	ctx := context.Background()
	page, err := store.Recommendations(ctx, models.Filter{PerPage: models.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total > int64(len(page.Items)) {
		t.Fatalf("%d items do not fit one page", page.Total)
	}
	out := map[int64]string{}
	for _, r := range page.Items {
		full, err := store.Recommendation(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[r.ID] = models.SearchText(models.CatalogItem{Code: full.Code, Title: full.Title, Summary: full.Summary, Actor: full.Actor,
			Keywords: full.KeywordList(), Sources: full.Sources})
	}
	return out
}

// wantSearch counts the items holding every word of q as a substring.
func wantSearch(hay map[int64]string, q string) int64 {
	var n int64
	for _, h := range hay {
		all := true
		for _, term := range strings.Fields(strings.ToLower(q)) {
			all = all && strings.Contains(h, term)
		}
		if all {
			n++
		}
	}
	return n
}

// The full-text index only narrows the rows; search must find exactly the
// items whose text contains every word, inside words too.
func TestSearchFindsEverySubstringMatch(t *testing.T) {
	store, _ := genSmall(t, smallParams)
	hay := haystacks(t, store)
	for _, q := range []string{
		"pipeline", "ipelin", "line", "PIPELINE", "907", "section 907", "caspian demining", "r-00", "r-0042",
		"e", "th", "zzqq", "aliyev", "u.s.", "%", "_", "100%", "ə", "azərbaycan", "’s", "partnership charter",
		"nothing-matches-this", "1990s.", "r-004", "trans-caspian", "-caspian", "e-government",
	} {
		t.Run(q, func(t *testing.T) {
			page, err := store.Recommendations(context.Background(), models.Filter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			if want := wantSearch(hay, q); page.Total != want {
				t.Errorf("search %q found %d items, want %d", q, page.Total, want)
			}
			facets, err := store.FacetCounts(context.Background(), models.Filter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, n := range facets.Status {
				sum += n
			}
			if sum != page.Total {
				t.Errorf("status counts of %q add up to %d, want %d", q, sum, page.Total)
			}
		})
	}
}

// Catalog text written after the index was built (a re-seed, an import)
// is searchable at once, and replaced text is no longer found.
func TestSearchFollowsCatalogChanges(t *testing.T) {
	store, _ := genSmall(t, smallParams)
	ctx := context.Background()
	src := []models.Source{{Chapter: "1", Page: 3, Quote: "A fresh passage about quixotically long widgetry."}}
	added := models.CatalogItem{Code: "R-9001", Title: "Build zorblax terminals", Domain: "energy", Summary: "About zorblaxes.", Sources: src}
	if _, err := store.UpsertCatalog(ctx, []models.CatalogItem{added}, nil); err != nil {
		t.Fatal(err)
	}
	changed := added
	changed.Title, changed.Summary = "Build quuxfield terminals", "About quuxfields."
	for _, step := range []struct {
		items []models.CatalogItem
		want  map[string]int64
	}{
		{[]models.CatalogItem{added}, map[string]int64{"zorblax": 1, "orbla": 1, "widgetr": 1, "quuxfield": 0}},
		{[]models.CatalogItem{changed}, map[string]int64{"zorblax": 0, "orbla": 0, "widgetr": 1, "uxfiel": 1}},
	} {
		if _, err := store.UpsertCatalog(ctx, step.items, nil); err != nil {
			t.Fatal(err)
		}
		for q, want := range step.want {
			page, err := store.Recommendations(ctx, models.Filter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != want {
				t.Errorf("after writing %q, search %q found %d, want %d", step.items[0].Title, q, page.Total, want)
			}
		}
	}
}
