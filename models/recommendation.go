package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Open reports whether the item is still being worked on.
func (r *Recommendation) Open() bool { return !r.Status.Closed() }

// TagList splits the stored tags.
func (r *Recommendation) TagList() []string { return splitList(r.Tags) }

// KeywordList splits the stored keywords.
func (r *Recommendation) KeywordList() []string { return splitList(r.Keywords) }

// DomainLabel is the readable domain.
func (r *Recommendation) DomainLabel() string { return DomainLabel(r.Domain) }

// Overdue reports whether an open item is past its due date on day today.
func (r *Recommendation) Overdue(today time.Time) bool {
	return r.Open() && r.DueDate != "" && r.DueDate < today.Format("2006-01-02")
}

// Recommendation loads one item with its sources and owner.
func (s *Store) Recommendation(ctx context.Context, id int64) (*Recommendation, error) {
	return s.loadRecommendation(s.r(ctx), id)
}

func (s *Store) loadRecommendation(db *gorm.DB, id int64) (*Recommendation, error) {
	var r Recommendation
	err := db.Preload("Owner").Preload("Sources", func(q *gorm.DB) *gorm.DB { return q.Order("position") }).
		Omit("search_text").First(&r, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("models: recommendation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("models: load recommendation %d: %w", id, err)
	}
	return &r, nil
}

// RecommendationByCode loads an item by its stable code.
func (s *Store) RecommendationByCode(ctx context.Context, code string) (*Recommendation, error) {
	var r Recommendation
	err := s.r(ctx).Select("id").First(&r, "code = ?", strings.ToUpper(code)).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("models: recommendation %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return s.Recommendation(ctx, r.ID)
}

// CatalogItem is what the report says about one recommendation; seed/ and
// import feed these to UpsertCatalog.
type CatalogItem struct {
	Code     string
	Title    string
	Summary  string
	Domain   string
	Actor    string
	Strength string
	Keywords []string
	Sources  []Source
}

// Validate checks a catalog item before it is stored.
func (c CatalogItem) Validate() error {
	v := &ValidationError{}
	if !codePattern(c.Code) {
		v.Add("code", "must look like R-01")
	}
	checkText(v, "title", c.Title)
	checkText(v, "summary", c.Summary)
	checkText(v, "actor", c.Actor)
	checkText(v, "keywords", c.Keywords...)
	if strings.TrimSpace(c.Title) == "" {
		v.Add("title", "is required")
	} else if len(c.Title) > 200 {
		v.Add("title", "is too long (200 characters at most)")
	}
	if !ValidDomain(c.Domain) {
		v.Add("domain", "unknown domain")
	}
	if c.Strength != "" && c.Strength != StrengthShould && c.Strength != StrengthCould {
		v.Add("strength", "must be should or could")
	}
	for i, src := range c.Sources {
		if strings.TrimSpace(src.Quote) == "" {
			v.Add(fmt.Sprintf("sources[%d].quote", i), "is required")
		}
		checkText(v, fmt.Sprintf("sources[%d].quote", i), src.Quote)
		checkText(v, fmt.Sprintf("sources[%d].chapter", i), src.Chapter, src.ChapterTitle)
		if src.Page < 1 || (src.EndPage != 0 && src.EndPage < src.Page) {
			v.Add(fmt.Sprintf("sources[%d].page", i), "is not a valid page")
		}
	}
	return v.Err()
}

func codePattern(code string) bool {
	if len(code) < 4 || !strings.HasPrefix(code, "R-") {
		return false
	}
	_, err := strconv.Atoi(code[2:])
	return err == nil
}

// UpsertResult says what UpsertCatalog did.
type UpsertResult struct {
	Added, Updated, Unchanged int
}

// UpsertCatalog adds new items and updates the report-derived text of
// existing ones (matched by code). Tracking fields the team entered are
// never touched. Each item that changes gets an event, so the history
// shows when the catalog text moved.
func (s *Store) UpsertCatalog(ctx context.Context, items []CatalogItem, actorID *int64) (UpsertResult, error) {
	return s.upsertCatalog(ctx, items, actorID, false)
}

// SeedCatalog is UpsertCatalog for the embedded catalog at start-up. It
// remembers a hash of each entry it applied and leaves an item alone while
// its entry is unchanged, even if the item's text differs: that text was
// imported by the team on purpose, and a restart must not undo it. When the
// catalog entry itself changes (a corrected quote, a new source), the new
// report text is applied.
func (s *Store) SeedCatalog(ctx context.Context, items []CatalogItem) (UpsertResult, error) {
	return s.upsertCatalog(ctx, items, nil, true)
}

// Hash identifies a catalog entry's content.
func (c CatalogItem) Hash() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode(c) // a struct of strings and ints always encodes
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Store) upsertCatalog(ctx context.Context, items []CatalogItem, actorID *int64, seeding bool) (UpsertResult, error) {
	var res UpsertResult
	for _, it := range items {
		if err := it.Validate(); err != nil {
			return res, fmt.Errorf("models: catalog item %s: %w", it.Code, err)
		}
	}
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		for _, it := range items {
			var cur Recommendation
			err := tx.Preload("Sources", func(q *gorm.DB) *gorm.DB { return q.Order("position") }).First(&cur, "code = ?", it.Code).Error
			now := s.now()
			search := searchText(it)
			if errors.Is(err, gorm.ErrRecordNotFound) {
				rec := Recommendation{
					Code: it.Code, Title: it.Title, Summary: it.Summary, Domain: it.Domain, Actor: it.Actor,
					Strength: it.Strength, Keywords: joinList(it.Keywords), Status: StatusNotStarted,
					Priority: PriorityMedium, Version: 1, SearchText: search,
				}
				if seeding {
					rec.SeedHash = it.Hash()
				}
				if err := tx.Omit("Owner", "Sources").Create(&rec).Error; err != nil {
					return fmt.Errorf("insert %s: %w", it.Code, err)
				}
				if err := insertSources(tx, rec.ID, it.Sources); err != nil {
					return err
				}
				ev := Event{RecommendationID: &rec.ID, ActorID: actorID, Kind: "created", NewValue: it.Code, CreatedAt: now}
				if err := tx.Create(&ev).Error; err != nil {
					return err
				}
				res.Added++
				continue
			}
			if err != nil {
				return fmt.Errorf("load %s: %w", it.Code, err)
			}
			if seeding && cur.SeedHash == it.Hash() {
				res.Unchanged++
				continue
			}
			if catalogEqual(cur, it) && cur.SearchText == search {
				if seeding {
					// Same text, first seen by this version: remember it quietly.
					if err := tx.Model(&Recommendation{}).Where("id = ?", cur.ID).Update("seed_hash", it.Hash()).Error; err != nil {
						return err
					}
				}
				res.Unchanged++
				continue
			}
			upd := map[string]any{
				"title": it.Title, "summary": it.Summary, "domain": it.Domain, "actor": it.Actor,
				"strength": it.Strength, "keywords": joinList(it.Keywords), "search_text": search,
			}
			if seeding {
				upd["seed_hash"] = it.Hash()
			}
			if err := tx.Model(&Recommendation{}).Where("id = ?", cur.ID).Updates(upd).Error; err != nil {
				return fmt.Errorf("update %s: %w", it.Code, err)
			}
			if err := tx.Where("recommendation_id = ?", cur.ID).Delete(&Source{}).Error; err != nil {
				return err
			}
			if err := insertSources(tx, cur.ID, it.Sources); err != nil {
				return err
			}
			ev := Event{RecommendationID: &cur.ID, ActorID: actorID, Kind: "catalog_updated", CreatedAt: now}
			if err := tx.Create(&ev).Error; err != nil {
				return err
			}
			res.Updated++
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("models: upsert catalog: %w", err)
	}
	return res, nil
}

func insertSources(tx *gorm.DB, recID int64, srcs []Source) error {
	for i, src := range srcs {
		src.ID = 0
		src.RecommendationID = recID
		src.Position = i + 1
		if src.EndPage == 0 {
			src.EndPage = src.Page
		}
		if err := tx.Create(&src).Error; err != nil {
			return fmt.Errorf("insert source: %w", err)
		}
	}
	return nil
}

func catalogEqual(cur Recommendation, it CatalogItem) bool {
	if cur.Title != it.Title || cur.Summary != it.Summary || cur.Domain != it.Domain || cur.Actor != it.Actor ||
		cur.Strength != it.Strength || cur.Keywords != joinList(it.Keywords) || len(cur.Sources) != len(it.Sources) {
		return false
	}
	for i, s := range it.Sources {
		c := cur.Sources[i]
		end := s.EndPage
		if end == 0 {
			end = s.Page
		}
		if c.Chapter != s.Chapter || c.ChapterTitle != s.ChapterTitle || c.Line != s.Line || c.Page != s.Page || c.EndPage != end || c.Quote != s.Quote {
			return false
		}
	}
	return true
}

func searchText(it CatalogItem) string {
	parts := []string{it.Code, it.Title, it.Summary, it.Actor, strings.Join(it.Keywords, " ")}
	for _, s := range it.Sources {
		parts = append(parts, s.Quote)
	}
	return strings.ToLower(strings.Join(parts, " \n "))
}

func normaliseTag(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	return strings.Join(strings.Fields(t), "-")
}

// NormaliseTags cleans, de-duplicates and sorts tags for storage.
func NormaliseTags(tags []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range tags {
		t = normaliseTag(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func joinList(xs []string) string { return strings.Join(xs, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("not an id: %q", s)
	}
	return id, nil
}

// ParseID parses a positive integer id from user input.
func ParseID(s string) (int64, error) { return parseID(s) }
