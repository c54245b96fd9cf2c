package models_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"policytracker/models"
	"policytracker/seed"
)

// trailEnv is a migrated, seeded store on a temp SQLite file with a fixed,
// settable clock, for the notes/evidence/history tests of this package.
type trailEnv struct {
	t     *testing.T
	s     *models.Store
	dir   string
	mu    sync.Mutex
	now   time.Time
	users int
}

func newTrailEnv(t *testing.T) *trailEnv {
	t.Helper()
	e := &trailEnv{t: t, dir: t.TempDir(), now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, err := models.Open(models.Options{DataDir: e.dir, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	e.s = s
	return e
}

func (e *trailEnv) clock() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
func (e *trailEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// user adds an account whose e-mail is the first name (lower case) at
// example.org, or first name and a number when that is taken.
func (e *trailEnv) user(role models.Role, name string) *models.User {
	e.t.Helper()
	e.users++
	local := strings.ToLower(strings.Fields(name)[0])
	if _, err := e.s.UserByEmail(context.Background(), local+"@example.org"); err == nil {
		local += strconv.Itoa(e.users)
	}
	u, err := e.s.CreateUser(context.Background(), nil, models.NewUser{Email: local + "@example.org",
		Name: name, Role: role, Password: "correct horse battery"})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *trailEnv) rec(code string) *models.Recommendation {
	e.t.Helper()
	r, err := e.s.RecommendationByCode(context.Background(), code)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// files lists every file under the evidence directory, temp files included.
func (e *trailEnv) files() []string {
	e.t.Helper()
	var out []string
	root := filepath.Join(e.dir, "evidence")
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !fi.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func (e *trailEnv) evidenceRows(recID int64) int {
	e.t.Helper()
	es, err := e.s.EvidenceOf(context.Background(), recID)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(es)
}

// brokenReader yields some bytes, then fails, like a client that drops the
// connection mid-upload.
type brokenReader struct{ sent bool }

func (b *brokenReader) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "%PDF-1.4\n"+strings.Repeat("x", 500)), nil
	}
	return 0, errors.New("connection reset by peer")
}

// cancelAtEOF cancels the request's context once the whole body was read,
// so the upload is complete on disk but its row cannot be written.
type cancelAtEOF struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

func docx(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "<x/>")
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func plainZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("payload.exe")
	io.WriteString(w, "MZ")
	zw.Close()
	return buf.Bytes()
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// Every upload either ends as one stored file plus one row, or leaves
// nothing behind: no row, no blob, no temporary file.
func TestFileUploadStoresEverythingOrNothing(t *testing.T) {
	pngHead := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	cases := []struct {
		name     string
		filename string
		body     func(t *testing.T) io.Reader
		limit    int64
		wantType string
		wantErr  error  // errors.Is target
		wantFld  string // validation field
	}{
		{"pdf is stored", "report.pdf", func(*testing.T) io.Reader { return bytes.NewReader(pdfBytes) }, 1 << 20, "application/pdf", nil, ""},
		{"png is stored", "chart.png", func(*testing.T) io.Reader { return bytes.NewReader(pngHead) }, 1 << 20, "image/png", nil, ""},
		{"docx is recognised by its parts", "memo.docx", func(t *testing.T) io.Reader { return bytes.NewReader(docx(t)) }, 1 << 20, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", nil, ""},
		{"csv is text named csv", "data.csv", func(*testing.T) io.Reader { return strings.NewReader("a,b\n1,2\n") }, 1 << 20, "text/csv; charset=utf-8", nil, ""},
		{"plain text is stored", "notes.txt", func(*testing.T) io.Reader { return strings.NewReader("minutes of the meeting") }, 1 << 20, "text/plain; charset=utf-8", nil, ""},
		{"oversize is refused", "big.pdf", func(*testing.T) io.Reader { return bytes.NewReader(append(pdfBytes, make([]byte, 2000)...)) }, 1024, "", models.ErrTooLarge, ""},
		{"empty file is refused", "empty.pdf", func(*testing.T) io.Reader { return strings.NewReader("") }, 1 << 20, "", nil, "file"},
		{"html named pdf is refused", "evil.pdf", func(*testing.T) io.Reader { return strings.NewReader("<html><script>alert(1)</script>") }, 1 << 20, "", nil, "file"},
		{"executable named pdf is refused", "setup.pdf", func(*testing.T) io.Reader { return strings.NewReader("MZ\x90\x00\x03\x00\x00\x00\x04\x00") }, 1 << 20, "", nil, "file"},
		{"plain zip named docx is refused", "memo.docx", func(t *testing.T) io.Reader { return bytes.NewReader(plainZip(t)) }, 1 << 20, "", nil, "file"},
		{"broken OLE file is refused", "old.doc", func(*testing.T) io.Reader {
			return bytes.NewReader(append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...))
		}, 1 << 20, "", nil, "file"},
		{"text with binary after the start is refused", "notes.txt", func(*testing.T) io.Reader {
			return io.MultiReader(strings.NewReader(strings.Repeat("words ", 200)), bytes.NewReader([]byte{0, 1, 2}))
		}, 1 << 20, "", nil, "file"},
		{"svg is refused", "logo.png", func(*testing.T) io.Reader { return strings.NewReader(`<?xml version="1.0"?><svg onload="alert(1)"/>`) }, 1 << 20, "", nil, "file"},
		{"interrupted upload is refused", "report.pdf", func(*testing.T) io.Reader { return &brokenReader{} }, 1 << 20, "", errors.New("any"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTrailEnv(t)
			m := e.user(models.RoleMember, "Mia Member")
			r := e.rec("R-03")
			ev, err := e.s.AddFileEvidence(context.Background(), m, r.ID, models.FileUpload{Filename: c.filename, Body: c.body(t), Limit: c.limit})
			if c.wantType != "" {
				if err != nil {
					t.Fatalf("upload: %v", err)
				}
				if ev.ContentType != c.wantType || ev.Title != c.filename || ev.Filename != c.filename {
					t.Fatalf("stored %q %q %q, want type %q", ev.ContentType, ev.Title, ev.Filename, c.wantType)
				}
				stored, err := e.s.Evidence(context.Background(), ev.ID)
				if err != nil || stored.SHA256 != ev.SHA256 || stored.Kind != models.EvidenceFile {
					t.Fatalf("read back: %+v %v", stored, err)
				}
				if got := e.files(); len(got) != 1 || got[0] != filepath.Join(ev.SHA256[:2], ev.SHA256) {
					t.Fatalf("files = %v", got)
				}
				return
			}
			var ve *models.ValidationError
			switch {
			case err == nil:
				t.Fatalf("upload accepted as %q", ev.ContentType)
			case c.wantErr == models.ErrTooLarge && !errors.Is(err, models.ErrTooLarge):
				t.Fatalf("err = %v, want too large", err)
			case c.wantFld != "" && (!errors.As(err, &ve) || ve.Fields[c.wantFld] == ""):
				t.Fatalf("err = %v, want a problem with %s", err, c.wantFld)
			}
			if got := e.files(); len(got) != 0 {
				t.Fatalf("left files behind: %v", got)
			}
			if n := e.evidenceRows(r.ID); n != 0 {
				t.Fatalf("left %d rows behind", n)
			}
		})
	}
}

func TestSameBytesTwiceAreStoredOnceWithTwoRows(t *testing.T) {
	e := newTrailEnv(t)
	m := e.user(models.RoleMember, "Mia Member")
	r := e.rec("R-03")
	ctx := context.Background()
	a, err := e.s.AddFileEvidence(ctx, m, r.ID, models.FileUpload{Title: "First", Filename: "a.pdf", Body: bytes.NewReader(pdfBytes), Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.s.AddFileEvidence(ctx, m, r.ID, models.FileUpload{Title: "Second", Filename: "b.pdf", Body: bytes.NewReader(pdfBytes), Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.SHA256 != b.SHA256 {
		t.Fatalf("rows %d/%d, sums %s/%s", a.ID, b.ID, a.SHA256, b.SHA256)
	}
	if got := e.files(); len(got) != 1 {
		t.Fatalf("files = %v, want one blob", got)
	}
	if n := e.evidenceRows(r.ID); n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}
	// Both rows serve the same bytes.
	for _, id := range []int64{a.ID, b.ID} {
		_, f, err := e.s.OpenEvidenceFile(ctx, m, id)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(got, pdfBytes) {
			t.Fatalf("evidence %d serves %q", id, got)
		}
	}
}

// When the row cannot be written after the file was stored, the file goes
// too, unless another row uses the same bytes.
func TestUploadWhoseRowFailsLeavesNoOrphanBlob(t *testing.T) {
	e := newTrailEnv(t)
	m := e.user(models.RoleMember, "Mia Member")
	r := e.rec("R-03")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := e.s.AddFileEvidence(ctx, m, r.ID, models.FileUpload{Filename: "a.pdf", Body: &cancelAtEOF{r: bytes.NewReader(pdfBytes), cancel: cancel}, Limit: 1 << 20})
	if err == nil {
		t.Fatal("upload succeeded with a cancelled request")
	}
	if got := e.files(); len(got) != 0 {
		t.Fatalf("files = %v, want none", got)
	}
	if n := e.evidenceRows(r.ID); n != 0 {
		t.Fatalf("rows = %d", n)
	}

	// The same failure after an earlier upload of the same bytes keeps the
	// earlier upload's file.
	first, err := e.s.AddFileEvidence(context.Background(), m, r.ID, models.FileUpload{Filename: "a.pdf", Body: bytes.NewReader(pdfBytes), Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	if _, err := e.s.AddFileEvidence(ctx2, m, r.ID, models.FileUpload{Filename: "b.pdf", Body: &cancelAtEOF{r: bytes.NewReader(pdfBytes), cancel: cancel2}, Limit: 1 << 20}); err == nil {
		t.Fatal("second upload succeeded with a cancelled request")
	}
	if got := e.files(); len(got) != 1 || !strings.HasSuffix(got[0], first.SHA256) {
		t.Fatalf("files = %v, want the first upload's blob", got)
	}
}

func TestCleanFilenameKeepsOnlyASafeBaseName(t *testing.T) {
	cases := map[string]string{
		"report.pdf":             "report.pdf",
		"../../etc/passwd":       "passwd",
		`C:\Users\x\secret.docx`: "secret.docx",
		"a\"b\r\nc.pdf":          "abc.pdf",
		"":                       "upload",
		"..":                     "upload",
		strings.Repeat("é", 150): strings.Repeat("é", 100),
	}
	for in, want := range cases {
		if got := models.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestViewerCannotUpload(t *testing.T) {
	e := newTrailEnv(t)
	v := e.user(models.RoleViewer, "Vic Viewer")
	_, err := e.s.AddFileEvidence(context.Background(), v, e.rec("R-03").ID, models.FileUpload{Filename: "a.pdf", Body: bytes.NewReader(pdfBytes), Limit: 1 << 20})
	if !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("err = %v, want forbidden", err)
	}
	if got := e.files(); len(got) != 0 {
		t.Fatalf("files = %v", got)
	}
}
