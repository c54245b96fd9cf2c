package main

import (
	"context"
	"maps"
	"testing"

	"policytracker/models"
)

// The list page's one grouped query must give what the separate counts it
// replaced gave: the page, its total, the counts beside each status and
// domain choice, and the catalog's size.
func TestListFacetsEqualTheSeparateCounts(t *testing.T) {
	store, _ := genSmall(t, smallParams)
	ctx := context.Background()
	for _, f := range []models.Filter{
		{},
		{Status: "in_progress"},
		{Status: "open", Domain: "energy"},
		{Status: "closed"},
		{Domain: "security", Priority: "high"},
		{Query: "pipeline"},
		{Query: "caspian", Status: "open", Sort: "-progress"},
		{Owner: "none", Strength: "could"},
		{Overdue: true},
		{Review: true},
		{Tag: "budget", Status: "partially_implemented"},
		{Domain: "energy", Page: 2, PerPage: 5},
		{Query: "zzqq"},
	} {
		t.Run(filterName(f), func(t *testing.T) {
			page, facets, err := store.RecommendationsWithFacets(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := store.Recommendations(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != want.Total || len(page.Items) != len(want.Items) {
				t.Fatalf("total %d with %d rows, want %d with %d", page.Total, len(page.Items), want.Total, len(want.Items))
			}
			for i := range page.Items {
				if page.Items[i].ID != want.Items[i].ID {
					t.Fatalf("row %d is %s, want %s", i, page.Items[i].Code, want.Items[i].Code)
				}
			}
			noStatus, noDomain := f, f
			noStatus.Status, noDomain.Domain = "", ""
			wantStatus, err := store.CountBy(ctx, "status", noStatus)
			if err != nil {
				t.Fatal(err)
			}
			wantDomain, err := store.CountBy(ctx, "domain", noDomain)
			if err != nil {
				t.Fatal(err)
			}
			all, err := store.CountBy(ctx, "status", models.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var catalog int64
			for _, n := range all {
				catalog += n
			}
			if !maps.Equal(facets.Status, wantStatus) || !maps.Equal(facets.Domain, wantDomain) || facets.Catalog != catalog {
				t.Errorf("facets %v %v %d, want %v %v %d", facets.Status, facets.Domain, facets.Catalog, wantStatus, wantDomain, catalog)
			}
		})
	}
}

func filterName(f models.Filter) string {
	name := ""
	for _, kv := range [][2]string{{"status", f.Status}, {"domain", f.Domain}, {"priority", f.Priority}, {"owner", f.Owner},
		{"strength", f.Strength}, {"tag", f.Tag}, {"q", f.Query}, {"sort", f.Sort}} {
		if kv[1] != "" {
			name += kv[0] + "=" + kv[1] + " "
		}
	}
	if f.Overdue {
		name += "overdue "
	}
	if f.Review {
		name += "review "
	}
	if f.Page > 0 {
		name += "paged "
	}
	if name == "" {
		return "no filter"
	}
	return name
}
