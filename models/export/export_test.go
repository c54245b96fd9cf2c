package export_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"policytracker/models"
	"policytracker/models/export"
	"policytracker/seed"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// fixture is the seeded catalog on a real SQLite file with a short, known
// history on:
//
//	Mar 2 09:00  catalog seeded
//	Mar 3 09:00  R-01 in progress, owned by Ağa Əliyev, due Mar 20, tag "=cmd";
//	             a note starting with "=HYPERLINK"; a link and a file as evidence
//	Mar 4 09:00  both verified by the lead
//	Mar 5 09:00  R-01 implemented (closed); R-02 in progress
type fixture struct {
	store        *models.Store
	clk          *clock
	dir          string
	member, lead *models.User
	r1, r2       int64
	file         *models.Evidence
	fileBody     []byte
}

const noteText = "=HYPERLINK(\"http://evil.example\",\"click\") — progress with Baku"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	store, err := models.Open(models.Options{DataDir: dir, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{store: store, clk: clk, dir: dir}
	mk := func(email, name string, role models.Role) *models.User {
		u, err := store.CreateUser(ctx, nil, models.NewUser{Email: email, Name: name, Role: role, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	fx.member, fx.lead = mk("aga@example.org", "Ağa Əliyev", models.RoleMember), mk("lead@example.org", "Lead Person", models.RoleLead)
	r1, err := store.RecommendationByCode(ctx, "R-01")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := store.RecommendationByCode(ctx, "R-02")
	if err != nil {
		t.Fatal(err)
	}
	fx.r1, fx.r2 = r1.ID, r2.ID
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	st := func(s models.Status) *models.Status { return &s }
	str := func(s string) *string { return &s }

	clk.Set(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	must(store.UpdateRecommendation(ctx, fx.member, fx.r1, models.Change{Version: 1, Status: st(models.StatusInProgress),
		OwnerID: &fx.member.ID, DueDate: str("2026-03-20"), Tags: &[]string{"=cmd", "energy"}}))
	must(store.AddNote(ctx, fx.member, fx.r1, noteText))
	link, err := store.AddEvidence(ctx, fx.member, fx.r1, models.NewEvidence{Kind: "link", Title: "Ministry statement", URL: "https://example.org/statement"})
	must(link, err)
	fx.fileBody = []byte("Signed memorandum, page 1.\n")
	fx.file, err = store.AddFileEvidence(ctx, fx.member, fx.r1, models.FileUpload{Title: "Signed memo", Filename: "Memo: v2*final.txt", Body: bytes.NewReader(fx.fileBody), Limit: 1 << 20})
	must(fx.file, err)

	clk.Set(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
	must(store.VerifyEvidence(ctx, fx.lead, link.ID))
	must(store.VerifyEvidence(ctx, fx.lead, fx.file.ID))

	clk.Set(time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC))
	must(store.UpdateRecommendation(ctx, fx.lead, fx.r1, models.Change{Version: 2, Status: st(models.StatusImplemented)}))
	must(store.UpdateRecommendation(ctx, fx.member, fx.r2, models.Change{Version: 1, Status: st(models.StatusInProgress)}))
	clk.Set(time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC))
	return fx
}

// export runs one export as of asOf (zero: now) with changes since Mar 1.
func (fx *fixture) export(t *testing.T, opt export.Options) []byte {
	t.Helper()
	if opt.AsOf.IsZero() {
		opt.AsOf = fx.clk.Now()
	}
	if opt.Since.IsZero() {
		opt.Since = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	rep, err := export.Prepare(context.Background(), fx.store, opt)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.Write(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readCSV(t *testing.T, b []byte) (map[string]int, [][]string) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	return col, rows[1:]
}

func rowOf(t *testing.T, rows [][]string, code string) []string {
	t.Helper()
	for _, r := range rows {
		if r[0] == code {
			return r
		}
	}
	t.Fatalf("no row %s", code)
	return nil
}

func TestCSVExportHasEveryItemWithTrackingFieldsCountsAndLatestNote(t *testing.T) {
	fx := newFixture(t)
	col, rows := readCSV(t, fx.export(t, export.Options{Format: "csv"}))
	if len(col) != len(export.CSVColumns) || len(rows) != 46 {
		t.Fatalf("%d columns, %d rows", len(col), len(rows))
	}
	r1 := rowOf(t, rows, "R-01")
	want := map[string]string{
		"status": "implemented", "progress": "100", "owner_email": "aga@example.org", "owner_name": "Ağa Əliyev", "due_date": "2026-03-20",
		"tags": "'=cmd, energy", "notes_count": "1", "evidence_count": "2", "verified_evidence_count": "2",
		"latest_note": "'" + noteText, "latest_note_by": "Ağa Əliyev", "domain": "diplomacy", "chapter": "non-energy-economy", "page": "85",
	}
	for k, v := range want {
		if got := r1[col[k]]; got != v {
			t.Errorf("R-01 %s = %q, want %q", k, got, v)
		}
	}
	if !strings.HasPrefix(r1[col["quote"]], "The agreements reached on August 8, 2025") {
		t.Errorf("quote %q", r1[col["quote"]])
	}
}

func TestCSVExportAsOfAPastDateShowsThatDay(t *testing.T) {
	fx := newFixture(t)
	asOf := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC) // before review and closing
	col, rows := readCSV(t, fx.export(t, export.Options{Format: "csv", AsOf: asOf}))
	r1 := rowOf(t, rows, "R-01")
	for k, v := range map[string]string{"status": "in_progress", "progress": "25", "evidence_count": "2", "verified_evidence_count": "0", "notes_count": "1"} {
		if got := r1[col[k]]; got != v {
			t.Errorf("R-01 %s = %q, want %q as of Mar 3", k, got, v)
		}
	}
	if r2 := rowOf(t, rows, "R-02"); r2[col["status"]] != "not_started" {
		t.Errorf("R-02 status %q as of Mar 3", r2[col["status"]])
	}
}

func TestCSVExportBOMOnlyWhenAsked(t *testing.T) {
	fx := newFixture(t)
	if b := fx.export(t, export.Options{Format: "csv"}); bytes.HasPrefix(b, []byte(export.UTF8BOM)) {
		t.Fatal("BOM without asking")
	}
	b := fx.export(t, export.Options{Format: "csv", BOM: true})
	if !bytes.HasPrefix(b, []byte(export.UTF8BOM)) {
		t.Fatal("no BOM")
	}
	if _, rows := readCSV(t, b[len(export.UTF8BOM):]); len(rows) != 46 {
		t.Fatalf("%d rows after the BOM", len(rows))
	}
}

func TestExportFiltersApplyToTheStateThen(t *testing.T) {
	fx := newFixture(t)
	cases := []struct {
		name  string
		asOf  time.Time
		f     models.Filter
		codes []string
	}{
		{"in progress now", time.Time{}, models.Filter{Status: "in_progress"}, []string{"R-02"}},
		{"in progress on March 3", time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), models.Filter{Status: "in_progress"}, []string{"R-01"}},
		{"closed, by domain", time.Time{}, models.Filter{Status: "closed", Domain: "diplomacy"}, []string{"R-01"}},
		{"owner", time.Time{}, models.Filter{Owner: itoa(fx.member.ID)}, []string{"R-01"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rows := readCSV(t, fx.export(t, export.Options{Format: "csv", AsOf: c.asOf, Filter: c.f}))
			var codes []string
			for _, r := range rows {
				codes = append(codes, r[0])
			}
			if strings.Join(codes, ",") != strings.Join(c.codes, ",") {
				t.Fatalf("rows %v, want %v", codes, c.codes)
			}
		})
	}
}

func TestBatchesDoNotChangeTheOutput(t *testing.T) {
	fx := newFixture(t)
	for _, f := range []string{"csv", "json", "md"} {
		whole := fx.export(t, export.Options{Format: f})
		batched := fx.export(t, export.Options{Format: f, BatchSize: 7})
		if !bytes.Equal(whole, batched) {
			t.Fatalf("%s differs with batches of 7", f)
		}
	}
}

func TestNeutraliseCell(t *testing.T) {
	cases := []struct{ in, out string }{
		{"=1+1", "'=1+1"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"\x00x", "'\x00x"},
		{"plain", "plain"}, {"", ""}, {"a=b", "a=b"}, {"2026-03-20", "2026-03-20"},
		{"'quoted", "'quoted"}, {"'=already", "''=already"}, {"''=twice", "'''=twice"}, {"'", "'"},
	}
	for _, c := range cases {
		if got := export.NeutraliseCell(c.in); got != c.out {
			t.Errorf("NeutraliseCell(%q) = %q, want %q", c.in, got, c.out)
		}
		if back := export.RestoreCell(export.NeutraliseCell(c.in)); back != c.in {
			t.Errorf("RestoreCell(NeutraliseCell(%q)) = %q", c.in, back)
		}
	}
}

func TestXLSXExportHasFiveFilterableSheetsWithTextNotFormulas(t *testing.T) {
	fx := newFixture(t)
	f, err := excelize.OpenReader(bytes.NewReader(fx.export(t, export.Options{Format: "xlsx"})))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Recommendations,Notes,Evidence,History" {
		t.Fatalf("sheets %s", got)
	}
	rows, err := f.GetRows("Recommendations")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 47 || strings.Join(rows[0], ",") != strings.Join(export.CSVColumns, ",") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	// R-01 is row 2; latest_note is column O.
	if v, _ := f.GetCellValue("Recommendations", "O2"); v != noteText {
		t.Fatalf("latest note %q", v)
	}
	if formula, _ := f.GetCellFormula("Recommendations", "O2"); formula != "" {
		t.Fatalf("note stored as a formula: %q", formula)
	}
	if typ, _ := f.GetCellType("Recommendations", "E2"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Fatalf("progress stored as text (%v)", typ)
	}
	counts := map[string]int{"Notes": 2, "Evidence": 3}
	for sheet, want := range counts {
		rs, _ := f.GetRows(sheet)
		if len(rs) != want {
			t.Errorf("%s: %d rows, want %d", sheet, len(rs), want)
		}
	}
	hist, _ := f.GetRows("History")
	if len(hist) < 48 { // a header and 46 "created" events at least
		t.Errorf("history has %d rows", len(hist))
	}
	for _, sheet := range []string{"Recommendations", "Notes", "Evidence", "History"} {
		tables, err := f.GetTables(sheet)
		if err != nil || len(tables) != 1 {
			t.Errorf("%s: tables %v %v, want one filterable table", sheet, tables, err)
		}
	}
	if v, _ := f.GetCellValue("Summary", "A1"); v != "Progress summary" {
		t.Errorf("summary title %q", v)
	}
}

func TestJSONExportIsCompleteAndVersioned(t *testing.T) {
	fx := newFixture(t)
	var doc struct {
		SchemaVersion   int               `json:"schema_version"`
		AsOf            time.Time         `json:"as_of"`
		Since           time.Time         `json:"since"`
		GeneratedAt     time.Time         `json:"generated_at"`
		Filters         map[string]string `json:"filters"`
		Summary         json.RawMessage   `json:"summary"`
		Recommendations []export.JSONItem `json:"recommendations"`
	}
	b := fx.export(t, export.Options{Format: "json", Filter: models.Filter{Domain: "diplomacy"}})
	// Strict on the items: every field they carry is a documented one.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var sum models.Summary
	if err := json.Unmarshal(doc.Summary, &sum); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 1 || !doc.AsOf.Equal(fx.clk.Now()) || doc.Filters["domain"] != "diplomacy" {
		t.Fatalf("header %+v", doc)
	}
	if sum.Total != len(doc.Recommendations) || sum.Total != 4 || sum.Implemented != 1 || sum.Changes.Closed != 1 || !sum.AsOf.Equal(doc.AsOf) {
		t.Fatalf("summary %+v for %d items", sum, len(doc.Recommendations))
	}
	var r1 *export.JSONItem
	for i := range doc.Recommendations {
		if doc.Recommendations[i].Code == "R-01" {
			r1 = &doc.Recommendations[i]
		}
	}
	if r1 == nil {
		t.Fatal("no R-01")
	}
	if len(r1.Sources) != 2 || r1.Sources[0].Quote == "" || r1.Sources[0].Page != 85 || r1.Chapter == "" || r1.Quote != r1.Sources[0].Quote {
		t.Fatalf("sources %+v", r1.Sources)
	}
	if len(r1.Notes) != 1 || r1.Notes[0].Body != noteText || r1.Notes[0].Author.Email != "aga@example.org" {
		t.Fatalf("notes %+v", r1.Notes)
	}
	if len(r1.Evidence) != 2 || r1.Evidence[1].State != "verified" || r1.Evidence[1].SHA256 != fx.file.SHA256 || r1.Evidence[1].VerifiedBy.Name != "Lead Person" {
		t.Fatalf("evidence %+v", r1.Evidence)
	}
	kinds := map[string]bool{}
	for _, e := range r1.Events {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"created", "field", "note_added", "evidence_added", "evidence_verified", "closed"} {
		if !kinds[k] {
			t.Errorf("no %s event in %v", k, kinds)
		}
	}
}

func TestPDFExportHoldsRealTextAndTransliteratesNames(t *testing.T) {
	fx := newFixture(t)
	b := fx.export(t, export.Options{Format: "pdf", UncompressedPDF: true})
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:10])
	}
	// Uncompressed page streams show each text run as "(…) Tj".
	for _, s := range []string{"(Progress summary)", "Recommendations by domain and status", "Diplomacy & institutions", "Conclude the Charter on Strategic",
		"Aga Eliyev", "evidence verified: Ministry statement", "(R-01)"} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("PDF lacks %q", s)
		}
	}
	if bytes.Contains(b, []byte("Əliyev")) || bytes.Contains(b, []byte("A.a .liyev")) {
		t.Error("a name went into the PDF unencoded or as dots")
	}
	if compressed := fx.export(t, export.Options{Format: "pdf"}); bytes.Contains(compressed, []byte("(Progress summary)")) || len(compressed) >= len(b) {
		t.Error("production PDFs should be compressed")
	}
}

func TestMarkdownMemoHasFiguresChangesAndEachItem(t *testing.T) {
	fx := newFixture(t)
	md := string(fx.export(t, export.Options{Format: "md"}))
	for _, s := range []string{
		"# Progress summary", "**46** recommendations: **1** implemented (2.2%)", "| Diplomacy & institutions | 4 |",
		"## Changes since", "closed: In progress → Implemented (Lead Person)",
		"### R-01 Conclude the Charter", "- **Owner:** Ağa Əliyev", "**Notes:** 1 · **Evidence:** 2 (2 verified)",
		"  > " + noteText, "  - [verified] Ministry statement — <https://example.org/statement> (added by Ağa Əliyev, verified by Lead Person)",
		"file Memo: v2\\*final.txt",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("memo lacks %q", s)
		}
	}
}

func readZip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = data
	}
	return files
}

// verifyManifest recomputes every hash the manifest lists and returns its
// comment lines.
func verifyManifest(t *testing.T, files map[string][]byte) []string {
	t.Helper()
	listed := map[string]bool{}
	var comments []string
	sc := bufio.NewScanner(bytes.NewReader(files["MANIFEST.sha256"]))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			comments = append(comments, line)
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("bad manifest line %q", line)
		}
		got := sha256.Sum256(files[name])
		if _, exists := files[name]; !exists || hex.EncodeToString(got[:]) != sum {
			t.Fatalf("manifest: %s does not match", name)
		}
		listed[name] = true
	}
	for name := range files {
		if name != "MANIFEST.sha256" && !listed[name] {
			t.Fatalf("%s is not in the manifest", name)
		}
	}
	return comments
}

func TestZipBundleManifestVerifies(t *testing.T) {
	fx := newFixture(t)
	files := readZip(t, fx.export(t, export.Options{Format: "zip"}))
	if comments := verifyManifest(t, files); len(comments) != 0 {
		t.Fatalf("problems reported: %v", comments)
	}
	name := "evidence/" + itoa(fx.file.ID) + "-Memo_ v2_final.txt"
	if !bytes.Equal(files[name], fx.fileBody) {
		t.Fatalf("evidence file %s: %q (files %v)", name, files[name], keys(files))
	}
	for _, want := range []string{"summary.md", "summary.json", "README.txt"} {
		if len(files[want]) == 0 {
			t.Errorf("no %s", want)
		}
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
	}
	if err := json.Unmarshal(files["summary.json"], &doc); err != nil || doc.SchemaVersion != 1 {
		t.Fatalf("summary.json: %v %+v", err, doc)
	}
}

func TestZipBundleNotesAMissingOrAlteredFile(t *testing.T) {
	cases := []struct {
		name    string
		damage  func(path string) error
		comment string
		present bool
	}{
		{"missing", os.Remove, "# missing: evidence/", false},
		{"altered", func(p string) error { return os.WriteFile(p, []byte("forged"), 0o600) }, "# altered: evidence/", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fx := newFixture(t)
			path, err := export.EvidencePath(fx.store.DataDir(), fx.file.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, 0o600)
			if err := c.damage(path); err != nil {
				t.Fatal(err)
			}
			files := readZip(t, fx.export(t, export.Options{Format: "zip"}))
			comments := verifyManifest(t, files)
			if len(comments) != 1 || !strings.HasPrefix(comments[0], c.comment) {
				t.Fatalf("comments %v", comments)
			}
			_, present := files["evidence/"+itoa(fx.file.ID)+"-Memo_ v2_final.txt"]
			if present != c.present || !bytes.Contains(files["README.txt"], []byte(strings.TrimPrefix(c.comment, "# "))) {
				t.Fatalf("file present %v; README %s", present, files["README.txt"])
			}
		})
	}
}

func TestEvidencePathRefusesAnythingButAHash(t *testing.T) {
	for _, bad := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("a", 63)} {
		if _, err := export.EvidencePath("/data", bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	sum := strings.Repeat("ab", 32)
	if p, err := export.EvidencePath("/data", sum); err != nil || p != "/data/evidence/ab/"+sum {
		t.Errorf("path %q %v", p, err)
	}
}

func TestUnknownFormatIsAFieldError(t *testing.T) {
	fx := newFixture(t)
	_, err := export.Prepare(context.Background(), fx.store, export.Options{Format: "docx", AsOf: fx.clk.Now(), Since: fx.clk.Now().Add(-time.Hour)})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || ve.Fields["format"] == "" {
		t.Fatalf("err %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
