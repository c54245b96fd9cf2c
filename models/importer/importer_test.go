package importer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"policytracker/models"
	"policytracker/models/export"
	"policytracker/models/importer"
	"policytracker/seed"
)

type world struct {
	store        *models.Store
	member, lead *models.User
}

// newWorld is the seeded catalog with tracking values that need care in a
// round trip: a tag and a formula-looking owner-less item, an owner, a due
// date, a closed item.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s, err := models.Open(models.Options{DataDir: t.TempDir(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	w := &world{store: s}
	for _, u := range []struct {
		email string
		role  models.Role
		dst   **models.User
	}{{"member@example.org", models.RoleMember, &w.member}, {"lead@example.org", models.RoleLead, &w.lead}} {
		if *u.dst, err = s.CreateUser(ctx, nil, models.NewUser{Email: u.email, Name: u.email, Role: u.role, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := s.RecommendationByCode(ctx, "R-02")
	st, due := models.StatusNotImplemented, "2026-06-30"
	if _, err := s.UpdateRecommendation(ctx, w.lead, r.ID, models.Change{Version: 1, Status: &st, Reason: "Overtaken by events.",
		OwnerID: &w.member.ID, DueDate: &due, Tags: &[]string{"=cmd", "-minus", "plain"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) exportBytes(t *testing.T, format string, bom bool) []byte {
	t.Helper()
	rep, err := export.Prepare(context.Background(), w.store, export.Options{Format: format, AsOf: w.store.Now(), Since: w.store.Now().Add(-time.Hour), BOM: bom})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.Write(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (w *world) plan(t *testing.T, actor *models.User, name string, data []byte) *models.ImportPlan {
	t.Helper()
	rows, problems, err := importer.Parse("", name, data)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := w.store.PlanImport(context.Background(), actor, rows)
	if err != nil {
		t.Fatal(err)
	}
	plan.Problems = append(problems, plan.Problems...)
	return plan
}

func TestExportImportRoundTripChangesNothing(t *testing.T) {
	w := newWorld(t)
	catalog, err := os.ReadFile("../../seed/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		file string
		data []byte
	}{
		{"CSV", "x.csv", w.exportBytes(t, "csv", false)},
		{"CSV with a BOM, told by its content", "download", w.exportBytes(t, "csv", true)},
		{"JSON export", "x.json", w.exportBytes(t, "json", false)},
		{"the seed catalog as YAML", "catalog.yaml", catalog},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := w.plan(t, w.lead, c.file, c.data)
			if len(plan.Problems) > 0 || plan.Count(models.ImportUnchanged) != 46 {
				t.Fatalf("problems %v; %d unchanged; actions %+v", plan.Problems, plan.Count(models.ImportUnchanged), plan.Actions)
			}
		})
	}
}

func TestImportAddsAndUpdatesThroughTheRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	yaml := []byte(`- code: R-47
  title: "Open a consulate in Ganja"
  summary: "New."
  domain: diplomacy
  actor: "United States"
  strength: could
  keywords: [consulate]
  status: in_progress
  owner: member@example.org
  sources:
    - chapter: conclusion
      line: 3100
      page: 90
      quote: "A consulate could be opened."
- code: R-01
  title: "Conclude the Charter (renamed)"
`)
	plan := w.plan(t, w.member, "new.yaml", yaml)
	if len(plan.Problems) > 0 || plan.Count(models.ImportAdded) != 1 || plan.Count(models.ImportUpdated) != 1 {
		t.Fatalf("problems %v, actions %+v", plan.Problems, plan.Actions)
	}
	if err := w.store.ApplyImport(ctx, w.member, plan); err != nil {
		t.Fatal(err)
	}
	r47, err := w.store.RecommendationByCode(ctx, "R-47")
	if err != nil {
		t.Fatal(err)
	}
	if r47.Status != models.StatusInProgress || r47.Progress != 25 || r47.Owner == nil || r47.Owner.Email != "member@example.org" ||
		len(r47.Sources) != 1 || r47.Sources[0].ChapterTitle == "" || r47.Sources[0].EndPage != 90 {
		t.Fatalf("R-47 %+v", r47)
	}
	evs, _ := w.store.Events(ctx, models.EventFilter{RecommendationID: r47.ID})
	// Created, then status, progress and owner, each recorded as the member.
	if len(evs) != 4 || evs[0].Kind != "created" {
		t.Fatalf("events %+v", evs)
	}
	for _, e := range evs {
		if e.ActorID == nil || *e.ActorID != w.member.ID {
			t.Fatalf("event %s %s by %v", e.Kind, e.Field, e.ActorID)
		}
	}
	r1, _ := w.store.RecommendationByCode(ctx, "R-01")
	if r1.Title != "Conclude the Charter (renamed)" || len(r1.Sources) != 2 {
		t.Fatalf("R-01 %q with %d sources", r1.Title, len(r1.Sources))
	}
}

func TestImportCSVWithTrackingColumnsOnly(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	csv := []byte("code,status,progress,owner_email,due_date,tags\nR-04,in_progress,40,lead@example.org,2026-09-01,\"pipeline, Caspian Sea\"\n")
	plan := w.plan(t, w.member, "t.csv", csv)
	if len(plan.Problems) > 0 || plan.Actions[0].Action != models.ImportUpdated {
		t.Fatalf("%v %+v", plan.Problems, plan.Actions)
	}
	if err := w.store.ApplyImport(ctx, w.member, plan); err != nil {
		t.Fatal(err)
	}
	r, _ := w.store.RecommendationByCode(ctx, "R-04")
	if r.Status != models.StatusInProgress || r.Progress != 40 || r.Owner.Email != "lead@example.org" || r.DueDate != "2026-09-01" ||
		r.Tags != "caspian-sea,pipeline" || len(r.Sources) != 2 {
		t.Fatalf("R-04 %+v", r)
	}
	// The same file again changes nothing.
	if plan := w.plan(t, w.member, "t.csv", csv); plan.Actions[0].Action != models.ImportUnchanged {
		t.Fatalf("second import %+v", plan.Actions)
	}
}

func TestImportProblemsNameTheirLines(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name, file, data string
		actor            bool
		want             []string
	}{
		{"new CSV item without quote and page", "x.csv", "code,title,domain\nR-01,Same,diplomacy\nR-50,New,energy\n", true,
			[]string{"line 3 (R-50): quote: a new item needs a quote and its page"}},
		{"unknown CSV column", "x.csv", "code,colour\nR-01,red\n", true, []string{"line 1: colour: unknown column"}},
		{"short CSV row", "x.csv", "code,title\nR-01\n", true, []string{"line 2: has 1 cells, the header has 2"}},
		{"member may not close", "x.csv", "code,status\nR-05,implemented\n", false, []string{"line 2 (R-05): Only a lead or admin can close an item."}},
		{"implemented needs verified evidence", "x.csv", "code,status\nR-05,implemented\n", true,
			[]string{"line 2 (R-05): status: An item can be marked implemented only with at least one verified evidence item."}},
		{"member may not reopen", "x.csv", "code,status\nR-02,in_progress\n", false, []string{"line 2 (R-02): Only a lead or admin can reopen a closed item."}},
		{"not implemented needs a reason", "x.csv", "code,status\nR-06,not_implemented\n", true, []string{"line 2 (R-06): reason: Say why"}},
		{"unknown owner", "x.csv", "code,owner_email\nR-06,ghost@example.org\n", true, []string{"line 2 (R-06): owner_email: no team member has the e-mail ghost@example.org"}},
		{"bad due date", "x.csv", "code,due_date\nR-06,31/12/2026\n", true, []string{"line 2 (R-06): due_date: must be a date like 2026-03-31"}},
		{"YAML field and type errors", "x.yaml", "- code: R-01\n  colour: red\n- code: R-02\n  progress: lots\n", true,
			[]string{"line 2 (R-01): colour: unknown field", "line 4 (R-02): progress: must be a whole number"}},
		{"duplicate codes", "x.yaml", "- code: R-01\n  title: A\n- code: R-01\n  title: B\n", true, []string{"line 3 (R-01): code: appears twice (also on line 1)"}},
		{"JSON item lines", "x.json", "[\n {\"code\": \"R-01\"},\n {\"code\": \"R-02\",\n  \"status\": 3}\n]", true, []string{"line 3 (R-02): status: must be text"}},
		{"bad code", "x.json", `[{"code": "X-1"}]`, true, []string{"line 1 (X-1): code: must look like R-01"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			actor := w.member
			if c.actor {
				actor = w.lead
			}
			plan := w.plan(t, actor, c.file, []byte(c.data))
			var got []string
			for _, p := range plan.Problems {
				got = append(got, p.String())
			}
			all := strings.Join(got, "\n")
			for _, want := range c.want {
				if !strings.Contains(all, want) {
					t.Errorf("problems lack %q:\n%s", want, all)
				}
			}
			if err := w.store.ApplyImport(context.Background(), actor, plan); !errors.Is(err, models.ErrImportInvalid) {
				t.Fatalf("apply: %v", err)
			}
		})
	}
}

func TestTrackingChangesNeedAnActor(t *testing.T) {
	w := newWorld(t)
	plan := w.plan(t, nil, "x.csv", []byte("code,title,status\nR-01,Conclude the Charter on Strategic Partnership via the Strategic Working Group,in_progress\n"))
	if len(plan.Problems) != 1 || !strings.Contains(plan.Problems[0].Msg, "--as EMAIL") {
		t.Fatalf("problems %v", plan.Problems)
	}
}

func TestUnreadableFilesAreErrors(t *testing.T) {
	cases := []struct{ name, file, data, want string }{
		{"broken YAML", "x.yaml", "- code: [", "not valid YAML"},
		{"YAML that is not a list", "x.yaml", "code: R-01\n", "must be a list"},
		{"broken JSON", "x.json", `[{"code": "R-01",`, "not valid JSON"},
		{"a newer JSON export", "x.json", `{"schema_version": 2, "recommendations": []}`, "schema_version 2 is not supported"},
		{"CSV without code", "x.csv", "title\nX\n", `no "code" column`},
		{"broken CSV quoting", "x.csv", "code,title\nR-01,\"open\n", "not valid CSV"},
		{"empty", "x.csv", "", "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := importer.Parse("", c.file, []byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"a.YML", "", importer.YAML}, {"a.json", "", importer.JSON}, {"a.csv", "", importer.CSV},
		{"upload", "\uFEFF[{}]", importer.JSON}, {"upload", "  {\"schema_version\":1}", importer.JSON},
		{"upload", "- code: R-01", importer.YAML}, {"upload", "# catalog\n- code: R-01", importer.YAML},
		{"upload", "code,title\n", importer.CSV},
	}
	for _, c := range cases {
		if got := importer.Detect(c.name, []byte(c.data)); got != c.want {
			t.Errorf("Detect(%q, %q) = %s, want %s", c.name, c.data, got, c.want)
		}
	}
}
