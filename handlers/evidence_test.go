package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"policytracker/handlers"
	"policytracker/models"
)

var testPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// multipartBody builds a form with fields and, when filename is set, one
// file part named "file".
func multipartBody(t *testing.T, fields map[string]string, filename string, content []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		w, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// apiUpload posts a multipart evidence upload with a bearer token.
func (e *env) apiUpload(recID int64, token string, fields map[string]string, filename string, content []byte) (*http.Response, map[string]any) {
	e.t.Helper()
	body, ctype := multipartBody(e.t, fields, filename, content)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/recommendations/"+itoa(recID)+"/evidence", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	raw := readBody(e.t, resp)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal([]byte(raw), &out)
	}
	return resp, out
}

// upload submits the item page's file form like a browser.
func (b *browser) upload(recID int64, title, filename string, content []byte) (*http.Response, string) {
	b.e.t.Helper()
	path := "/recommendations/" + itoa(recID)
	body, ctype := multipartBody(b.e.t, map[string]string{"_csrf": b.csrf(path), "kind": "file", "title": title}, filename, content)
	req := httptest.NewRequest(http.MethodPost, path+"/evidence", body)
	req.Header.Set("Content-Type", ctype)
	resp := b.do(req)
	return resp, readBody(b.e.t, resp)
}

// evidenceFiles lists every file under the data directory's evidence
// folder, temporary files included.
func (e *env) evidenceFiles() []string {
	e.t.Helper()
	var out []string
	root := filepath.Join(e.dir, "evidence")
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func (e *env) evidenceOf(recID int64) []models.Evidence {
	e.t.Helper()
	es, err := e.store.EvidenceOf(context.Background(), recID)
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func testDocx(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := zw.Create(n)
		io.WriteString(w, "<x/>")
	}
	zw.Close()
	return buf.Bytes()
}

// Uploads through the API: each case says what status the client gets and
// whether a file and a row exist afterwards.
func TestUploadThroughAPI(t *testing.T) {
	const limit = 4096
	cases := []struct {
		name     string
		filename string
		content  []byte
		status   int
		code     string // error code
		ctype    string
	}{
		{"pdf is stored", "report.pdf", testPDF, 201, "", "application/pdf"},
		{"docx is stored", "memo.docx", nil, 201, "", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"oversize answers 413", "big.pdf", append(append([]byte{}, testPDF...), make([]byte, limit)...), 413, "too_large", ""},
		{"disguised html answers 422", "fine.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 422, "invalid", ""},
		{"executable answers 422", "fine.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), 422, "invalid", ""},
		{"empty file answers 422", "empty.pdf", []byte{}, 422, "invalid", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnvWith(t, handlers.Config{MaxUpload: limit})
			m := e.user(models.RoleMember)
			tok := e.token(m)
			r := e.rec("R-11")
			content := c.content
			if content == nil {
				content = testDocx(t)
			}
			resp, out := e.apiUpload(r.ID, tok, map[string]string{"title": "Proof"}, c.filename, content)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, c.status, out)
			}
			rows := e.evidenceOf(r.ID)
			files := e.evidenceFiles()
			if c.status != 201 {
				if errBody, _ := out["error"].(map[string]any); errBody["code"] != c.code {
					t.Fatalf("error %v, want code %s", out, c.code)
				}
				if len(rows) != 0 || len(files) != 0 {
					t.Fatalf("left behind rows %d, files %v", len(rows), files)
				}
				return
			}
			if len(rows) != 1 || rows[0].ContentType != c.ctype || rows[0].Title != "Proof" || rows[0].Filename != c.filename {
				t.Fatalf("rows: %+v", rows)
			}
			if len(files) != 1 || !strings.HasSuffix(files[0], rows[0].SHA256) {
				t.Fatalf("files: %v", files)
			}
			for _, k := range []string{"id", "kind", "title", "added_by", "verified_by", "created_at", "filename", "size", "sha256", "download_url"} {
				if _, ok := out[k]; !ok {
					t.Errorf("response lacks %q: %v", k, out)
				}
			}
			if out["sha256"] != rows[0].SHA256 || out["download_url"] != "/api/v1/evidence/"+itoa(rows[0].ID)+"/download" || out["verified_by"] != nil {
				t.Errorf("response: %v", out)
			}
		})
	}
}

func TestUploadingTheSameBytesTwiceKeepsOneFileAndTwoRows(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.user(models.RoleMember))
	r := e.rec("R-11")
	for _, title := range []string{"First copy", "Second copy"} {
		if resp, out := e.apiUpload(r.ID, tok, map[string]string{"title": title}, "same.pdf", testPDF); resp.StatusCode != 201 {
			t.Fatalf("%s: %d %v", title, resp.StatusCode, out)
		}
	}
	rows := e.evidenceOf(r.ID)
	if len(rows) != 2 || rows[0].SHA256 != rows[1].SHA256 || rows[0].Title != "First copy" || rows[1].Title != "Second copy" {
		t.Fatalf("rows: %+v", rows)
	}
	if files := e.evidenceFiles(); len(files) != 1 {
		t.Fatalf("files: %v", files)
	}
}

// The same through the item page's form: problems come back on the page,
// next to the file field, with the right status.
func TestUploadThroughTheForm(t *testing.T) {
	e := newEnvWith(t, handlers.Config{MaxUpload: 2 << 20})
	m := e.user(models.RoleMember)
	b := e.browser()
	b.login(m)
	r := e.rec("R-12")

	resp, body := b.upload(r.ID, "Too big", "big.pdf", append(append([]byte{}, testPDF...), make([]byte, 2<<20)...))
	if resp.StatusCode != 413 || !strings.Contains(body, "is larger than 2 MB") {
		t.Fatalf("oversize: %d\n%s", resp.StatusCode, body)
	}
	resp, body = b.upload(r.ID, "Sneaky", "sneaky.pdf", []byte("<html><body onload=alert(1)>"))
	if resp.StatusCode != 422 || !strings.Contains(body, "This type of file is not accepted") || !strings.Contains(body, `value="Sneaky"`) {
		t.Fatalf("disguised: %d\n%s", resp.StatusCode, body)
	}
	resp, body = b.upload(r.ID, "Nothing", "", nil)
	if resp.StatusCode != 422 || !strings.Contains(body, "Choose a file to upload.") {
		t.Fatalf("no file: %d\n%s", resp.StatusCode, body)
	}
	if rows, files := e.evidenceOf(r.ID), e.evidenceFiles(); len(rows) != 0 || len(files) != 0 {
		t.Fatalf("after refusals: rows %d files %v", len(rows), files)
	}
	resp, body = b.upload(r.ID, "Signed agreement", "agreement.pdf", testPDF)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good upload: %d\n%s", resp.StatusCode, body)
	}
	_, page := b.get("/recommendations/" + itoa(r.ID))
	if !strings.Contains(page, "Signed agreement") || !strings.Contains(page, "awaiting verification") {
		t.Fatalf("item page does not show the upload:\n%s", page)
	}
}

func TestLinksAndCitationsAreChecked(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	tok := e.token(m)
	r := e.rec("R-13")
	path := "/api/v1/recommendations/" + itoa(r.ID) + "/evidence"
	cases := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"link is added", map[string]any{"kind": "link", "url": "https://gov.example/act", "title": "The act", "published_on": "2025-05-01"}, 201, ""},
		{"citation is added", map[string]any{"kind": "citation", "title": "Statement", "citation": "Statement of the Ministry, 3 May 2025", "date": "2025-05-03"}, 201, ""},
		{"javascript url is refused", map[string]any{"kind": "link", "url": "javascript:alert(1)", "title": "x"}, 422, "url"},
		{"data url is refused", map[string]any{"kind": "link", "url": "data:text/html,<script>alert(1)</script>", "title": "x"}, 422, "url"},
		{"relative url is refused", map[string]any{"kind": "link", "url": "/admin", "title": "x"}, 422, "url"},
		{"title is required", map[string]any{"kind": "link", "url": "https://example.org"}, 422, "title"},
		{"bad date is refused", map[string]any{"kind": "link", "url": "https://example.org", "title": "x", "published_on": "2025-02-30"}, 422, "published_on"},
		{"citation text is required", map[string]any{"kind": "citation", "title": "x"}, 422, "citation"},
		{"unknown kind is refused", map[string]any{"kind": "video", "title": "x"}, 422, "kind"},
		{"unknown field is refused", map[string]any{"kind": "link", "url": "https://example.org", "title": "x", "colour": "red"}, 422, "colour"},
		{"not json is refused", "kind=link", 422, "body"},
		{"a NUL in the title is refused", `{"kind": "link", "url": "https://example.org", "title": "x\u0000"}`, 422, "title"},
		{"a NUL in the citation is refused", `{"kind": "citation", "title": "x", "citation": "Act\u0000"}`, 422, "citation"},
		{"text after the object is refused", `{"kind": "link", "url": "https://example.org", "title": "x"} }`, 422, "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.evidenceOf(r.ID))
			resp, out := e.api(http.MethodPost, path, tok, c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, c.status, out)
			}
			after := len(e.evidenceOf(r.ID))
			if c.status == 201 {
				if after != before+1 || out["added_by"].(map[string]any)["email"] != m.Email {
					t.Fatalf("rows %d→%d, response %v", before, after, out)
				}
				return
			}
			fields, _ := out["error"].(map[string]any)["fields"].(map[string]any)
			if fields[c.field] == nil || after != before {
				t.Fatalf("fields %v (want %s), rows %d→%d", fields, c.field, before, after)
			}
		})
	}
}

func TestViewerCannotAddEvidenceOrNotes(t *testing.T) {
	e := newEnv(t)
	v := e.user(models.RoleViewer)
	tok := e.token(v)
	r := e.rec("R-14")
	if resp, _ := e.apiUpload(r.ID, tok, nil, "a.pdf", testPDF); resp.StatusCode != 403 {
		t.Fatalf("viewer upload: %d", resp.StatusCode)
	}
	if resp, _ := e.api("POST", "/api/v1/recommendations/"+itoa(r.ID)+"/evidence", tok, map[string]any{"kind": "link", "url": "https://example.org", "title": "x"}); resp.StatusCode != 403 {
		t.Fatalf("viewer link: %d", resp.StatusCode)
	}
	if resp, _ := e.api("POST", "/api/v1/recommendations/"+itoa(r.ID)+"/notes", tok, map[string]any{"body": "hi"}); resp.StatusCode != 403 {
		t.Fatalf("viewer note: %d", resp.StatusCode)
	}
	b := e.browser()
	b.login(v)
	path := "/recommendations/" + itoa(r.ID)
	_, page := b.get(path)
	if strings.Contains(page, `action="`+path+`/notes"`) || strings.Contains(page, `action="`+path+`/evidence"`) {
		t.Fatal("viewer sees the note or evidence forms")
	}
	if resp, _ := b.post(path+"/notes", url.Values{"body": {"hi"}}, path); resp.StatusCode != 403 {
		t.Fatalf("viewer note form: %d", resp.StatusCode)
	}
	if resp, _ := b.upload(r.ID, "x", "a.pdf", testPDF); resp.StatusCode != 403 {
		t.Fatalf("viewer upload form: %d", resp.StatusCode)
	}
	if rows, files := e.evidenceOf(r.ID), e.evidenceFiles(); len(rows) != 0 || len(files) != 0 {
		t.Fatalf("rows %d files %v", len(rows), files)
	}
	if notes, _ := e.store.Notes(context.Background(), r.ID); len(notes) != 0 {
		t.Fatalf("notes: %d", len(notes))
	}
}
