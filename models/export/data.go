package export

import (
	"context"
	"fmt"
	"strings"
	"time"

	"policytracker/models"
)

// Item is one recommendation as of the report's date, with its sources,
// and its details. It is a copy, so a batch is freed once written.
type Item struct {
	models.Recommendation
	*models.ItemDetail
}

// each walks the report's items in batches, loading the details that opt
// asks for with a fixed number of queries per batch. Two batches load
// while fn writes the one before them, in order: reading SQLite rows costs
// more CPU than encoding them, so the loads run side by side. At most three
// batches are in memory.
func (r *Report) each(ctx context.Context, opt models.DetailOptions, fn func(batch []Item) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type loaded struct {
		batch []Item
		err   error
	}
	// A queue of pending loads, each delivering into its own channel, keeps
	// the batches in order however the loads finish.
	queue := make(chan chan loaded, 2)
	go func() {
		defer close(queue)
		items := r.Summary.Items
		for start := 0; start < len(items); start += r.opt.BatchSize {
			part := items[start:min(start+r.opt.BatchSize, len(items))]
			done := make(chan loaded, 1) // buffered: a load never blocks
			select {
			case queue <- done:
			case <-ctx.Done():
				return
			}
			go func() {
				b, err := r.load(ctx, part, opt)
				done <- loaded{b, err}
			}()
		}
	}()
	for done := range queue {
		l := <-done
		if l.err != nil {
			return l.err
		}
		if err := fn(l.batch); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// load reads one batch's details and sources. Cancellation is checked
// between batches, not passed to the queries: go-sqlite3 steps through the
// rows of a query with a cancellable context in a goroutine per row, which
// doubled the time of a complete export.
func (r *Report) load(ctx context.Context, items []models.Recommendation, opt models.DetailOptions) ([]Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	ids := make([]int64, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	details, err := r.store.ItemDetails(ctx, ids, r.opt.AsOf, opt)
	if err != nil {
		return nil, err
	}
	sources, err := r.store.SourcesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	batch := make([]Item, len(items))
	for i := range items {
		batch[i] = Item{Recommendation: items[i], ItemDetail: details[items[i].ID]}
		batch[i].Sources = sources[items[i].ID]
	}
	return batch, nil
}

func ownerName(r models.Recommendation) string {
	if r.Owner == nil {
		return ""
	}
	return r.Owner.Name
}

func ownerEmail(r models.Recommendation) string {
	if r.Owner == nil {
		return ""
	}
	return r.Owner.Email
}

func userName(u *models.User) string {
	if u == nil {
		return ""
	}
	return u.Name
}

// evidenceState is "verified", "rejected" or "pending" as of the report.
func evidenceState(e *models.Evidence) string {
	switch {
	case e.VerifiedByID != nil:
		return "verified"
	case e.RejectedByID != nil:
		return "rejected"
	}
	return "pending"
}

// day and stamp format times for people, in the report's zone.
func (r *Report) day(t time.Time) string { return t.In(r.opt.AsOf.Location()).Format("2 January 2006") }
func (r *Report) stamp(t time.Time) string {
	return t.In(r.opt.AsOf.Location()).Format("2006-01-02 15:04")
}

// period says what the report covers, in words.
func (r *Report) period() string {
	return fmt.Sprintf("As of %s (%s) · changes since %s", r.stamp(r.opt.AsOf), r.opt.AsOf.Format("MST"), r.stamp(r.opt.Since))
}

// filterText describes the filters in words; empty when there are none.
func (r *Report) filterText() string {
	var parts []string
	for _, kv := range filterPairs(r.opt.Filter) {
		v := kv[1]
		switch kv[0] {
		case "status":
			if models.Status(v).Valid() {
				v = models.Status(v).Label()
			}
		case "domain":
			v = models.DomainLabel(v)
		}
		parts = append(parts, kv[0]+" "+v)
	}
	return strings.Join(parts, ", ")
}

// filterPairs lists the filter's non-empty fields as name/value pairs.
func filterPairs(f models.Filter) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	add("status", f.Status)
	add("domain", f.Domain)
	add("priority", f.Priority)
	add("owner", f.Owner)
	add("strength", f.Strength)
	add("tag", f.Tag)
	add("q", f.Query)
	if f.Overdue {
		add("overdue", "true")
	}
	if f.Review {
		add("review", "true")
	}
	return out
}

// changeCounts is the one-line tally of the period.
func changeCounts(c models.Changes) string {
	return fmt.Sprintf("%d status changes (%d closed, %d reopened) · %d evidence added, %d verified · %d due dates slipped · %d new notes",
		c.StatusChanges, c.Closed, c.Reopened, c.EvidenceAdded, c.EvidenceVerified, c.DueDatesSlipped, c.NotesAdded)
}

// oneLine collapses whitespace, for table cells and headings.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

func pctText(f float64) string { return fmt.Sprintf("%.1f%%", f) }
