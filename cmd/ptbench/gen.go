package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"time"

	"policytracker/models"
	"policytracker/seed"
)

// genParams sizes a synthetic data set.
type genParams struct {
	Items, Events, Notes, Evidence int
	Seed                           int64
	// Now is the end of the simulated history (zero: the real clock). The
	// history spans the two years before it.
	Now time.Time
}

// Validate refuses sizes the generator cannot honour.
func (p genParams) Validate() error {
	switch {
	case p.Items < 1 || p.Items > 1_000_000:
		return fmt.Errorf("--items must be between 1 and 1000000")
	case p.Events < p.Items || p.Events > 20_000_000:
		return fmt.Errorf("--events must be at least --items (each item has its \"created\" event) and at most 20000000")
	case p.Notes < 0 || p.Notes > 10_000_000:
		return fmt.Errorf("--notes must be between 0 and 10000000")
	case p.Evidence < 0 || p.Evidence > 10_000_000:
		return fmt.Errorf("--evidence must be between 0 and 10000000")
	}
	return nil
}

// The admin every run creates; its password is printed so load runs can log in.
const (
	benchAdminEmail = "bench@example.org"
	benchPassword   = "bench password 2026"
)

// genResult is what a run made.
type genResult struct {
	Catalog                 int // items of the real catalog, seeded first
	Items, Sources, History int // synthetic items, their sources, their field and created events
	Notes, Evidence         int
	ActionEvents            int // note and evidence events
	Users                   int
	Token                   string
	Phases                  []phase
}

type phase struct {
	Name string
	Took time.Duration
}

// itemState is the tracking fields the simulation moves forward.
type itemState struct {
	status   models.Status
	progress int
	priority models.Priority
	owner    *int64
	due      string
	tags     string
	review   bool
}

// itemPlan is one synthetic item before it is stored.
type itemPlan struct {
	rec     models.Recommendation
	src     models.Source
	events  []models.Event
	created time.Time
	// firstImplemented is when the item was first marked implemented: the
	// rules need a verified evidence item before it.
	firstImplemented time.Time
	weight           float64
}

type generator struct {
	p       genParams
	rng     *rand.Rand
	now     time.Time
	editors []*models.User // member, lead, admin
	leads   []*models.User // lead, admin
	plans   []itemPlan
	cum     []float64 // cumulative activity weights, for picking busy items more often
}

// generate fills an empty, migrated store. It writes progress lines to log.
func generate(ctx context.Context, store *models.Store, p genParams, log io.Writer) (*genResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	g := &generator{p: p, rng: rand.New(rand.NewSource(p.Seed)), now: p.Now}
	if g.now.IsZero() {
		g.now = time.Now()
	}
	g.now = g.now.UTC().Truncate(time.Second)
	res := &genResult{}
	step := func(name string, f func() error) error {
		start := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ph := phase{name, time.Since(start)}
		res.Phases = append(res.Phases, ph)
		if log != nil {
			fmt.Fprintf(log, "  %-34s %8s\n", name, ph.Took.Round(time.Millisecond))
		}
		return nil
	}
	if err := step("catalog of the report (seed)", func() error {
		r, err := seed.Load(ctx, store)
		res.Catalog = r.Added + r.Unchanged + r.Updated
		return err
	}); err != nil {
		return nil, err
	}
	if err := step("users and API token", func() error { return g.users(ctx, store, res) }); err != nil {
		return nil, err
	}
	if err := step("simulate items and history", func() error { g.simulate(); return nil }); err != nil {
		return nil, err
	}
	if err := step("insert items and sources", func() error { return g.insertItems(ctx, store, res) }); err != nil {
		return nil, err
	}
	var actionEvents []models.Event
	if err := step("insert notes", func() error {
		evs, err := g.insertNotes(ctx, store)
		actionEvents = append(actionEvents, evs...)
		res.Notes = p.Notes
		return err
	}); err != nil {
		return nil, err
	}
	if err := step("insert evidence", func() error {
		n, evs, err := g.insertEvidence(ctx, store)
		actionEvents = append(actionEvents, evs...)
		res.Evidence = n
		return err
	}); err != nil {
		return nil, err
	}
	if err := step("insert events", func() error {
		var all []models.Event
		for i := range g.plans {
			all = append(all, g.plans[i].events...)
		}
		res.History = len(all)
		res.ActionEvents = len(actionEvents)
		all = append(all, actionEvents...)
		// The log is append-only in the app, so ids grow with time; keep that.
		sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt.Before(all[j].CreatedAt) })
		return store.BulkInsert(ctx, &all, 900)
	}); err != nil {
		return nil, err
	}
	return res, nil
}

func (g *generator) users(ctx context.Context, store *models.Store, res *genResult) error {
	admin, err := store.CreateUser(ctx, nil, models.NewUser{Email: benchAdminEmail, Name: "Bench Admin", Role: models.RoleAdmin, Password: benchPassword})
	if err != nil {
		return err
	}
	g.editors = append(g.editors, admin)
	g.leads = append(g.leads, admin)
	for i, name := range userNames {
		role := models.RoleMember
		switch {
		case i < 3:
			role = models.RoleLead
		case i >= len(userNames)-4:
			role = models.RoleViewer
		}
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org"
		u, err := store.CreateUser(ctx, nil, models.NewUser{Email: email, Name: name, Role: role, Password: benchPassword})
		if err != nil {
			return err
		}
		if role.AtLeast(models.RoleMember) {
			g.editors = append(g.editors, u)
		}
		if role.AtLeast(models.RoleLead) {
			g.leads = append(g.leads, u)
		}
	}
	res.Users = len(userNames) + 1
	_, secret, err := store.CreateToken(ctx, nil, admin.ID, "ptbench")
	res.Token = secret
	return err
}

// simulate builds every item and walks its tracking fields forward through
// time, one edit at a time, recording each field change with its old and
// new value exactly as models.UpdateRecommendation would. The stored row is
// the walk's end, so undoing the events newest-first gives back every past
// state (what "as of" does).
func (g *generator) simulate() {
	n := g.p.Items
	g.plans = make([]itemPlan, n)
	// A few items are much busier than the rest, as in real trackers.
	total := 0.0
	g.cum = make([]float64, n)
	for i := range g.plans {
		u := g.rng.Float64()
		g.plans[i].weight = 0.3 + 4*u*u*u
		total += g.plans[i].weight
		g.cum[i] = total
	}
	budgets := make([]int, n)
	for j := 0; j < g.p.Events-n; j++ {
		budgets[g.pickItem()]++
	}
	start := g.now.AddDate(-2, 0, 0)
	for i := range g.plans {
		g.plans[i].created = start.Add(-time.Duration(g.rng.Intn(48*60)) * time.Minute)
		g.catalogItem(i)
		g.history(i, budgets[i])
	}
}

// pickItem chooses an item index, busy items more often.
func (g *generator) pickItem() int {
	x := g.rng.Float64() * g.cum[len(g.cum)-1]
	return sort.SearchFloat64s(g.cum, x)
}

func (g *generator) pick(xs []string) string { return xs[g.rng.Intn(len(xs))] }

func (g *generator) catalogItem(i int) {
	pl := &g.plans[i]
	d := g.domain()
	verb, object, q := g.pick(d.verbs), g.pick(d.objects), g.pick(qualifiers)
	title := strings.TrimSpace(verb + " " + object + " " + q)
	actor := g.pick(actors)
	strength := models.StrengthShould
	modal := "should"
	if g.rng.Intn(10) < 3 {
		strength, modal = models.StrengthCould, "could"
	}
	summary := fmt.Sprintf("%s is asked to %s %s %s, %s.", actor, strings.ToLower(verb), object, q, g.pick(rationales))
	quote := fmt.Sprintf("%s %s %s %s. This %s, %s, and %s.", actor, modal, strings.ToLower(verb), object,
		g.pick([]string{"matters", "is urgent", "is feasible", "is overdue"}), g.pick(rationales), g.pick(rationales))
	kw := map[string]bool{}
	for len(kw) < 3+g.rng.Intn(2) && len(kw) < len(d.keywords) {
		kw[g.pick(d.keywords)] = true
	}
	keywords := make([]string, 0, len(kw))
	for k := range kw {
		keywords = append(keywords, k)
	}
	sort.Strings(keywords)
	code := fmt.Sprintf("R-%04d", i+1)
	page := 20 + g.rng.Intn(100)
	pl.src = models.Source{Position: 1, Chapter: strconv.Itoa(1 + g.rng.Intn(6)), ChapterTitle: "Synthetic chapter", Line: 1 + g.rng.Intn(3000),
		Page: page, EndPage: page, Quote: quote}
	search := models.SearchText(models.CatalogItem{Code: code, Title: title, Summary: summary, Actor: actor, Keywords: keywords,
		Sources: []models.Source{pl.src}})
	pl.rec = models.Recommendation{Code: code, Title: title, Summary: summary, Domain: d.slug, Actor: actor, Strength: strength,
		Keywords: strings.Join(keywords, ","), SearchText: search, CreatedAt: pl.created}
	pl.events = append(pl.events, models.Event{Kind: "created", NewValue: code, CreatedAt: pl.created})
}

func (g *generator) domain() domainWords {
	total := 0
	for _, d := range domainVocab {
		total += d.weight
	}
	x := g.rng.Intn(total)
	for _, d := range domainVocab {
		if x < d.weight {
			return d
		}
		x -= d.weight
	}
	return domainVocab[0]
}

// history walks item i through edits until its event budget is spent.
func (g *generator) history(i, budget int) {
	pl := &g.plans[i]
	st := itemState{status: models.StatusNotStarted, priority: models.PriorityMedium}
	span := g.now.Sub(pl.created) - time.Hour
	used, version := 0, 1
	last := pl.created
	for used < budget {
		// Edit k lands in its own slice of the span, so times only grow.
		at := pl.created.Add(time.Duration((float64(used) + 0.1 + 0.8*g.rng.Float64()) / float64(budget) * float64(span))).Truncate(time.Second)
		if !at.After(last) {
			at = last.Add(time.Second)
		}
		next, actor, reason := g.edit(st, budget-used, at)
		diffs := diffStates(st, next)
		for _, d := range diffs {
			kind := "field"
			if len(diffs) == 1 && d.field == "review_requested" {
				// A review request on its own goes through models' review flow.
				kind = models.EventReviewCleared
				if next.review {
					kind = models.EventReviewRequested
				}
			}
			if d.field == "status" {
				was, is := models.Status(d.old), models.Status(d.new)
				switch {
				case !was.Closed() && is.Closed():
					kind = "closed"
				case was.Closed() && !is.Closed():
					kind = "reopened"
				}
			}
			pl.events = append(pl.events, models.Event{ActorID: &actor.ID, Kind: kind, Field: d.field, OldValue: d.old, NewValue: d.new,
				Reason: reason, CreatedAt: at})
		}
		if next.status == models.StatusImplemented && st.status != models.StatusImplemented && pl.firstImplemented.IsZero() {
			pl.firstImplemented = at
		}
		used += len(diffs)
		version++
		st, last = next, at
	}
	r := &pl.rec
	r.Status, r.Progress, r.Priority, r.OwnerID, r.DueDate, r.Tags, r.ReviewRequested = st.status, st.progress, st.priority, st.owner, st.due, st.tags, st.review
	r.Version, r.UpdatedAt = version, last
}

// edit proposes one save of the tracking form that changes at most budget
// fields; a priority change (one event) is the fallback that always fits.
func (g *generator) edit(st itemState, budget int, at time.Time) (itemState, *models.User, string) {
	for try := 0; try < 4; try++ {
		next, reason := g.propose(st, at)
		if n := len(diffStates(st, next)); n >= 1 && n <= budget {
			return next, g.actorFor(st, next), reason
		}
	}
	next := st
	next.priority = g.otherPriority(st.priority)
	return next, g.actorFor(st, next), ""
}

// actorFor follows the permission rules: closing, reopening and editing a
// closed item are a lead's.
func (g *generator) actorFor(a, b itemState) *models.User {
	if a.status.Closed() || b.status.Closed() {
		return g.leads[g.rng.Intn(len(g.leads))]
	}
	return g.editors[g.rng.Intn(len(g.editors))]
}

// transitions weight the next status from each status; the end states come
// out at roughly a fifth each for not started, in progress and partially
// implemented, with the rest stalled or closed.
var transitions = map[models.Status][]struct {
	to models.Status
	w  int
}{
	models.StatusNotStarted:           {{models.StatusInProgress, 85}, {models.StatusStalled, 15}},
	models.StatusInProgress:           {{models.StatusPartiallyImplemented, 45}, {models.StatusStalled, 25}, {models.StatusImplemented, 15}, {models.StatusNotImplemented, 5}, {models.StatusNotStarted, 10}},
	models.StatusPartiallyImplemented: {{models.StatusImplemented, 35}, {models.StatusStalled, 25}, {models.StatusInProgress, 40}},
	models.StatusStalled:              {{models.StatusInProgress, 70}, {models.StatusPartiallyImplemented, 15}, {models.StatusNotImplemented, 15}},
	models.StatusImplemented:          {{models.StatusPartiallyImplemented, 100}},
	models.StatusNotImplemented:       {{models.StatusInProgress, 100}},
}

func (g *generator) propose(st itemState, at time.Time) (itemState, string) {
	next := st
	r := g.rng.Intn(100)
	switch {
	case r < 30 && (!st.status.Closed() || g.rng.Intn(10) == 0): // closed items are rarely reopened
		total := 0
		for _, t := range transitions[st.status] {
			total += t.w
		}
		x := g.rng.Intn(total)
		for _, t := range transitions[st.status] {
			if x < t.w {
				next.status = t.to
				break
			}
			x -= t.w
		}
		if p, ok := next.status.DefaultProgress(); ok {
			next.progress = p
		}
		if next.status.Closed() {
			next.review = false
		}
		switch {
		case next.status == models.StatusNotImplemented:
			return next, "The partner government withdrew its support for this measure."
		case st.status.Closed():
			return next, "Reopened: the follow-up showed work is still needed."
		}
	case r < 45 && !st.status.Closed() && st.status != models.StatusNotStarted:
		lo, hi := 5, 55
		if st.status == models.StatusPartiallyImplemented {
			lo, hi = 35, 95
		}
		next.progress = lo + 5*g.rng.Intn((hi-lo)/5+1)
	case r < 60:
		if g.rng.Intn(10) == 0 {
			next.owner = nil
		} else {
			id := g.editors[g.rng.Intn(len(g.editors))].ID
			next.owner = &id
		}
	case r < 70:
		next.priority = g.otherPriority(st.priority)
	case r < 82:
		next.due = at.AddDate(0, 1+g.rng.Intn(18), 0).Format("2006-01-02")
	case r < 95:
		var tags []string
		for k := g.rng.Intn(4); k > 0; k-- {
			tags = append(tags, g.pick(tagVocab))
		}
		next.tags = strings.Join(models.NormaliseTags(tags), ",")
	default:
		if !st.status.Closed() {
			next.review = !st.review
		}
	}
	return next, ""
}

func (g *generator) otherPriority(p models.Priority) models.Priority {
	for {
		q := models.Priorities[g.rng.Intn(len(models.Priorities))]
		if q != p {
			return q
		}
	}
}

type fieldChange struct{ field, old, new string }

// diffStates lists changed fields in the order models.UpdateRecommendation
// records them, with the same value encodings.
func diffStates(a, b itemState) []fieldChange {
	var out []fieldChange
	add := func(f, x, y string) {
		if x != y {
			out = append(out, fieldChange{f, x, y})
		}
	}
	add("status", string(a.status), string(b.status))
	add("progress", strconv.Itoa(a.progress), strconv.Itoa(b.progress))
	add("priority", string(a.priority), string(b.priority))
	add("owner", idString(a.owner), idString(b.owner))
	add("due_date", a.due, b.due)
	add("tags", a.tags, b.tags)
	add("review_requested", strconv.FormatBool(a.review), strconv.FormatBool(b.review))
	return out
}

func idString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func (g *generator) insertItems(ctx context.Context, store *models.Store, res *genResult) error {
	recs := make([]models.Recommendation, len(g.plans))
	for i := range g.plans {
		recs[i] = g.plans[i].rec
	}
	// 19 columns: 1,000 rows per INSERT stays under SQLite's variable limit.
	if err := store.BulkInsert(ctx, &recs, 1000); err != nil {
		return err
	}
	srcs := make([]models.Source, len(g.plans))
	for i := range g.plans {
		id := recs[i].ID
		g.plans[i].rec.ID = id
		srcs[i] = g.plans[i].src
		srcs[i].RecommendationID = id
		for j := range g.plans[i].events {
			g.plans[i].events[j].RecommendationID = &id
		}
	}
	res.Items, res.Sources = len(recs), len(srcs)
	return store.BulkInsert(ctx, &srcs, 2000)
}

// between is a random second in (a, b); a when the interval is empty.
func (g *generator) between(a, b time.Time) time.Time {
	d := b.Sub(a)
	if d <= time.Second {
		return a
	}
	return a.Add(time.Duration(g.rng.Int63n(int64(d)))).Truncate(time.Second).Add(time.Second)
}

func (g *generator) noteBody(pl *itemPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Met with **%s** about %s.\n\n", g.pick(noteOrgs), pl.rec.Code)
	for k := 2 + g.rng.Intn(3); k > 0; k-- {
		fmt.Fprintf(&b, "- %s\n", g.pick(notePoints))
	}
	if g.rng.Intn(3) == 0 {
		fmt.Fprintf(&b, "\nSee [the briefing](https://example.org/briefings/%d) and the _%s_ note.\n", g.rng.Intn(10000), g.pick(tagVocab))
	} else {
		fmt.Fprintf(&b, "\nNext step: %s.\n", g.pick(notePoints))
	}
	return b.String()
}

func (g *generator) insertNotes(ctx context.Context, store *models.Store) ([]models.Event, error) {
	notes := make([]models.Note, g.p.Notes)
	for k := range notes {
		pl := &g.plans[g.pickItem()]
		at := g.between(pl.created, g.now)
		n := models.Note{RecommendationID: pl.rec.ID, AuthorID: g.editors[g.rng.Intn(len(g.editors))].ID, Body: g.noteBody(pl),
			CreatedAt: at, UpdatedAt: at}
		switch x := g.rng.Intn(100); {
		case x < 5:
			n.Edited, n.UpdatedAt = true, g.between(at, g.now)
		case x < 6:
			del := g.between(at, g.now)
			n.Deleted, n.DeletedAt, n.UpdatedAt = true, &del, del
		}
		notes[k] = n
	}
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].CreatedAt.Before(notes[j].CreatedAt) })
	if err := store.BulkInsert(ctx, &notes, 1000); err != nil {
		return nil, err
	}
	evs := make([]models.Event, 0, len(notes)+len(notes)/15)
	for i := range notes {
		n := &notes[i]
		rec, ref, actor := n.RecommendationID, n.ID, n.AuthorID
		evs = append(evs, models.Event{RecommendationID: &rec, ActorID: &actor, Kind: models.EventNoteAdded, NewValue: n.Body, RefID: &ref, CreatedAt: n.CreatedAt})
		switch {
		case n.Edited:
			evs = append(evs, models.Event{RecommendationID: &rec, ActorID: &actor, Kind: models.EventNoteEdited, OldValue: n.Body, NewValue: n.Body, RefID: &ref, CreatedAt: n.UpdatedAt})
		case n.Deleted:
			evs = append(evs, models.Event{RecommendationID: &rec, ActorID: &actor, Kind: models.EventNoteDeleted, OldValue: n.Body, RefID: &ref, CreatedAt: *n.DeletedAt})
		}
	}
	return evs, nil
}

// verifier is a lead other than the one who added the evidence (no one
// verifies their own).
func (g *generator) verifier(addedBy int64) *models.User {
	for {
		u := g.leads[g.rng.Intn(len(g.leads))]
		if u.ID != addedBy {
			return u
		}
	}
}

func (g *generator) evidenceItem(pl *itemPlan, at time.Time) models.Evidence {
	e := models.Evidence{RecommendationID: pl.rec.ID, AddedByID: g.editors[g.rng.Intn(len(g.editors))].ID, CreatedAt: at}
	if g.rng.Intn(100) < 65 {
		e.Kind = "link"
		pub := g.pick(publishers)
		e.Title = fmt.Sprintf("%s: update on %s", pub, strings.ToLower(pl.rec.Title))
		e.URL = fmt.Sprintf("https://example.org/%s/%d", pl.rec.Domain, g.rng.Intn(1_000_000))
		e.Publisher = pub
		e.PublishedOn = at.AddDate(0, 0, -g.rng.Intn(30)).Format("2006-01-02")
		e.AccessedOn = at.Format("2006-01-02")
	} else {
		e.Kind = "citation"
		e.Title = fmt.Sprintf("Official statement on %s", pl.rec.Code)
		e.Citation = fmt.Sprintf("%s, statement of %s, p. %d.", g.pick(publishers), at.Format("2 January 2006"), 1+g.rng.Intn(40))
		e.CitedOn = at.Format("2006-01-02")
	}
	if len(e.Title) > 200 {
		e.Title = e.Title[:200]
	}
	return e
}

// insertEvidence stores the evidence rows: first one verified item before
// each item's first "implemented" (the rules demand it), then the rest at
// random. It returns how many it stored, which exceeds --evidence when the
// rule needs more.
func (g *generator) insertEvidence(ctx context.Context, store *models.Store) (int, []models.Event, error) {
	var ev []models.Evidence
	for i := range g.plans {
		pl := &g.plans[i]
		if pl.firstImplemented.IsZero() {
			continue
		}
		at := g.between(pl.created, pl.firstImplemented.Add(-2*time.Second))
		e := g.evidenceItem(pl, at)
		v := g.verifier(e.AddedByID)
		vat := g.between(at, pl.firstImplemented.Add(-time.Second))
		e.VerifiedByID, e.VerifiedAt = &v.ID, &vat
		ev = append(ev, e)
	}
	for len(ev) < g.p.Evidence {
		pl := &g.plans[g.pickItem()]
		e := g.evidenceItem(pl, g.between(pl.created, g.now))
		switch x := g.rng.Intn(100); {
		case x < 40:
			v := g.verifier(e.AddedByID)
			at := g.between(e.CreatedAt, g.now)
			e.VerifiedByID, e.VerifiedAt = &v.ID, &at
		case x < 45:
			v := g.verifier(e.AddedByID)
			at := g.between(e.CreatedAt, g.now)
			e.RejectedByID, e.RejectedAt, e.RejectReason = &v.ID, &at, "The source does not show the measure was adopted."
		case x < 48:
			e.Removed = true
		}
		ev = append(ev, e)
	}
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].CreatedAt.Before(ev[j].CreatedAt) })
	if err := store.BulkInsert(ctx, &ev, 1000); err != nil {
		return 0, nil, err
	}
	var evs []models.Event
	for i := range ev {
		e := &ev[i]
		rec, ref, by := e.RecommendationID, e.ID, e.AddedByID
		evs = append(evs, models.Event{RecommendationID: &rec, ActorID: &by, Kind: models.EventEvidenceAdded, NewValue: e.Title, RefID: &ref, CreatedAt: e.CreatedAt})
		switch {
		case e.VerifiedAt != nil:
			evs = append(evs, models.Event{RecommendationID: &rec, ActorID: e.VerifiedByID, Kind: models.EventEvidenceVerified, NewValue: e.Title, RefID: &ref, CreatedAt: *e.VerifiedAt})
		case e.RejectedAt != nil:
			evs = append(evs, models.Event{RecommendationID: &rec, ActorID: e.RejectedByID, Kind: models.EventEvidenceRejected, NewValue: e.Title, Reason: e.RejectReason, RefID: &ref, CreatedAt: *e.RejectedAt})
		case e.Removed:
			at := g.between(e.CreatedAt, g.now)
			evs = append(evs, models.Event{RecommendationID: &rec, ActorID: &by, Kind: models.EventEvidenceRemoved, NewValue: e.Title, Reason: "Duplicate of another source.", RefID: &ref, CreatedAt: at})
		}
	}
	return len(ev), evs, nil
}
