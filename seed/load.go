package seed

import (
	"context"
	"fmt"

	"policytracker/models"
)

// Items converts catalog entries into the models' catalog items.
func Items(entries []Entry) []models.CatalogItem {
	out := make([]models.CatalogItem, 0, len(entries))
	for _, e := range entries {
		it := models.CatalogItem{Code: e.Code, Title: e.Title, Summary: e.Summary, Domain: e.Domain, Actor: e.Actor,
			Strength: e.Strength, Keywords: e.Keywords}
		for _, s := range e.Sources {
			it.Sources = append(it.Sources, models.Source{Chapter: s.Chapter, ChapterTitle: ChapterTitles[s.Chapter],
				Line: s.Line, Page: s.Page, EndPage: s.EndPage, Quote: s.Quote})
		}
		out = append(out, it)
	}
	return out
}

// Load brings the database's catalog in line with the embedded one: new
// items are added, changed report text is updated, and the team's tracking
// fields are never touched. Running it again changes nothing.
func Load(ctx context.Context, store *models.Store) (models.UpsertResult, error) {
	entries, err := Catalog()
	if err != nil {
		return models.UpsertResult{}, fmt.Errorf("seed: %w", err)
	}
	return store.SeedCatalog(ctx, Items(entries))
}
