package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"policytracker/models"
)

// seededData is a data directory with the catalog, a lead and one change
// (R-03 in progress) made through the models, as the server would.
func seededData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, errOut := cli(t, dir, "", "seed"); code != 0 {
		t.Fatalf("seed: %s", errOut)
	}
	if code, _, errOut := cli(t, dir, "lead passphrase 2026\n", "user", "add", "--email", "lead@example.org", "--name", "Lead", "--role", "lead", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	s := openData(t, dir)
	ctx := context.Background()
	lead, err := s.UserByEmail(ctx, "lead@example.org")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.RecommendationByCode(ctx, "R-03")
	if err != nil {
		t.Fatal(err)
	}
	st := models.StatusInProgress
	if _, err := s.UpdateRecommendation(ctx, lead, r.ID, models.Change{Version: r.Version, Status: &st, OwnerID: &lead.ID}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return dir
}

func csvRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExportCommandWritesFilesAndStdout(t *testing.T) {
	dir := seededData(t)
	out := filepath.Join(t.TempDir(), "summary.csv")
	code, stdout, stderr := cli(t, dir, "", "export", "--format", "csv", "-o", out, "--bom")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "46 recommendations") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\uFEFF")) || len(csvRows(t, b[3:])) != 47 {
		t.Fatal("CSV file")
	}

	code, stdout, _ = cli(t, dir, "", "export", "--format", "json", "--status", "in_progress", "--as-of", "2099-01-01T00:00:00Z")
	if code != 2 {
		t.Fatalf("a future as-of: exit %d", code)
	}
	code, stdout, stderr = cli(t, dir, "", "export", "--format", "json", "--status", "in_progress")
	var doc struct {
		SchemaVersion   int `json:"schema_version"`
		Recommendations []struct {
			Code  string `json:"code"`
			Owner struct {
				Email string `json:"email"`
			} `json:"owner"`
		} `json:"recommendations"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); code != 0 || err != nil {
		t.Fatalf("exit %d, %v, stderr %q", code, err, stderr)
	}
	if doc.SchemaVersion != 1 || len(doc.Recommendations) != 1 || doc.Recommendations[0].Code != "R-03" || doc.Recommendations[0].Owner.Email != "lead@example.org" {
		t.Fatalf("json %+v", doc)
	}

	// As of a day before anything changed, R-03 was not started.
	code, stdout, _ = cli(t, dir, "", "export", "--format", "csv", "--status", "in_progress", "--as-of", "2000-01-01", "--since", "1999-12-01")
	if rows := csvRows(t, []byte(stdout)); code != 0 || len(rows) != 1 {
		t.Fatalf("exit %d, rows %v", code, rows)
	}
}

func TestExportCommandRefusesBadInput(t *testing.T) {
	dir := seededData(t)
	cases := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"unknown format", []string{"--format", "docx"}, 2, "--format must be one of md, csv, xlsx, json, pdf, zip"},
		{"no format", nil, 2, "--format"},
		{"bad as-of", []string{"--format", "csv", "--as-of", "31/12/2025"}, 2, "--as-of must be a date"},
		{"since after as-of", []string{"--format", "csv", "--as-of", "2026-01-01", "--since", "2026-02-01"}, 2, "--since must not be after"},
		{"unknown status", []string{"--format", "csv", "--status", "done"}, 2, "--status unknown status"},
		{"unknown owner", []string{"--format", "csv", "--owner", "nobody@example.org"}, 2, "--owner"},
		{"stray argument", []string{"--format", "csv", "extra"}, 2, "unexpected argument"},
		{"folder that does not exist", []string{"--format", "csv", "-o", filepath.Join(dir, "no", "such", "x.csv")}, 1, "cannot write"},
		{"a folder as the output file", []string{"--format", "csv", "-o", dir}, 1, "cannot write " + dir + ": it is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := cli(t, dir, "", append([]string{"export"}, c.args...)...)
			wantOneLine(t, code, c.code, stderr, c.contains)
		})
	}
}

// A failed export leaves neither a half file nor its temporary file.
func TestExportCommandFailureLeavesNoFile(t *testing.T) {
	dir := seededData(t)
	outDir := t.TempDir()
	target := filepath.Join(outDir, "taken")
	if err := os.Mkdir(target, 0o755); err != nil { // a folder where the file should go
		t.Fatal(err)
	}
	code, _, stderr := cli(t, dir, "", "export", "--format", "md", "-o", target)
	if code != 1 {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 1 || !entries[0].IsDir() {
		t.Fatalf("left behind: %v", entries)
	}
}

func eventCount(t *testing.T, dir string) int64 {
	t.Helper()
	s := openData(t, dir)
	evs, err := s.Events(context.Background(), models.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	return int64(len(evs))
}

func statusOf(t *testing.T, dir, code string) models.Status {
	t.Helper()
	s := openData(t, dir)
	defer s.Close()
	r, err := s.RecommendationByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

func TestImportRoundTripOfTheExportChangesNothing(t *testing.T) {
	dir := seededData(t)
	for _, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "all."+format)
			if code, _, stderr := cli(t, dir, "", "export", "--format", format, "-o", file); code != 0 {
				t.Fatal(stderr)
			}
			before := eventCount(t, dir)
			code, stdout, stderr := cli(t, dir, "", "import", file)
			if code != 0 || !strings.Contains(stdout, "46 items: 0 added, 0 updated, 46 unchanged") {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			if after := eventCount(t, dir); after != before {
				t.Fatalf("events %d → %d", before, after)
			}
		})
	}
}

func TestImportDryRunChangesNothing(t *testing.T) {
	dir := seededData(t)
	file := filepath.Join(t.TempDir(), "changes.csv")
	os.WriteFile(file, []byte("code,status,priority\nR-05,stalled,high\n"), 0o644)
	before := eventCount(t, dir)
	code, stdout, stderr := cli(t, dir, "", "import", file, "--dry-run", "--as", "lead@example.org")
	if code != 0 || !strings.Contains(stdout, "R-05   updated: status not_started → stalled; priority medium → high") || !strings.Contains(stdout, "dry run") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if eventCount(t, dir) != before || statusOf(t, dir, "R-05") != models.StatusNotStarted {
		t.Fatal("a dry run wrote")
	}
	// The same file for real, as the lead: the change and its events.
	if code, stdout, stderr = cli(t, dir, "", "import", file, "--as", "lead@example.org"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if statusOf(t, dir, "R-05") != models.StatusStalled || eventCount(t, dir) != before+2 {
		t.Fatalf("status %s, events %d → %d", statusOf(t, dir, "R-05"), before, eventCount(t, dir))
	}
}

func TestImportInvalidFileReportsEveryRowAndChangesNothing(t *testing.T) {
	dir := seededData(t)
	file := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(file, []byte("code,status,progress,title\nR-05,stalled,,Renamed\nR-06,done,,\nR-07,,lots,\nR-99,,,Brand new\n"), 0o644)
	before := eventCount(t, dir)
	code, stdout, stderr := cli(t, dir, "", "import", file, "--as", "lead@example.org")
	wantOneLine(t, code, 1, stderr, "problems (listed above); nothing was imported")
	for _, want := range []string{"line 3 (R-06): status: unknown status", "line 4 (R-07): progress: must be a whole number",
		"line 4 (R-07): title: is required", "line 5 (R-99)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if eventCount(t, dir) != before || statusOf(t, dir, "R-05") != models.StatusNotStarted {
		t.Fatal("an invalid file changed the data")
	}
	if code, _, stderr := cli(t, dir, "", "import"); code != 2 || !strings.Contains(stderr, "which file") {
		t.Fatalf("no file: exit %d %s", code, stderr)
	}
}

// TestImportOfWhatCannotBeReadSaysWhy: one line naming the file once with
// the reason, and nothing changes.
func TestImportOfWhatCannotBeReadSaysWhy(t *testing.T) {
	dir := seededData(t)
	tmp := t.TempDir()
	cases := []struct{ name, path, contains string }{
		{"a file that does not exist", filepath.Join(tmp, "nope.csv"), "no such file or directory"},
		{"a folder", tmp, "cannot read " + tmp + ": it is a directory, not a file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := eventCount(t, dir)
			code, stdout, stderr := cli(t, dir, "", "import", c.path)
			wantOneLine(t, code, 1, stderr, c.contains)
			if n := strings.Count(stderr, c.path); n != 1 {
				t.Errorf("the path appears %d times: %q", n, stderr)
			}
			if stdout != "" || eventCount(t, dir) != before {
				t.Errorf("stdout %q, events %d → %d", stdout, before, eventCount(t, dir))
			}
		})
	}
}

// TestImportOfTextNoDatabaseCanHoldIsAProblemOfItsRow: a CSV saved in
// Latin-1, or with a NUL, is refused row by row like any other problem.
// SQLite used to store the bytes, and the exports stopped being UTF-8.
func TestImportOfTextNoDatabaseCanHoldIsAProblemOfItsRow(t *testing.T) {
	dir := seededData(t)
	file := filepath.Join(t.TempDir(), "latin1.csv")
	os.WriteFile(file, []byte("code,title,summary\nR-05,Caf\xe9 policy,\nR-06,Fine,a\x00b\n"), 0o644)
	code, stdout, stderr := cli(t, dir, "", "import", file)
	wantOneLine(t, code, 1, stderr, "nothing was imported")
	for _, want := range []string{"line 2 (R-05): title: is not valid UTF-8 text", "line 3 (R-06): summary: must not contain the NUL character"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	s := openData(t, dir)
	if r, err := s.RecommendationByCode(context.Background(), "R-05"); err != nil || strings.Contains(r.Title, "Caf") {
		t.Errorf("R-05 %q, %v", r.Title, err)
	}
}
