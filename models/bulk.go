package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// BulkInsert stores many rows of one table (a slice of a model type) in one
// write transaction, batch rows per multi-row INSERT. It is for synthetic
// data (cmd/ptbench) and bulk imports only: it bypasses every rule and
// records no events, so the caller is responsible for consistent rows and
// for writing the history itself. Associations are never saved through it.
//
// One transaction with multi-row statements is what makes it fast: a row per
// transaction costs a WAL commit each (≈100× slower on SQLite). Keep
// batch × columns under SQLite's 32,766 bound variables.
func (s *Store) BulkInsert(ctx context.Context, rows any, batch int) error {
	if batch < 1 {
		batch = 500
	}
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Omit(clause.Associations).CreateInBatches(rows, batch).Error
	})
	if err != nil {
		return fmt.Errorf("models: bulk insert: %w", err)
	}
	return nil
}

// SearchText is the text search haystack of a catalog item, exactly as
// UpsertCatalog stores it; bulk loaders use it so search finds their rows
// the same way.
func SearchText(it CatalogItem) string { return searchText(it) }
