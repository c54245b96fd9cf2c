package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"policytracker/models"
)

// download fetches a path with a bearer token (or through a browser's
// session when b is set) and returns the raw body.
func download(t *testing.T, e *env, b *browser, path, token string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	var resp *http.Response
	if b != nil {
		resp = b.do(req)
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
		var err error
		if resp, err = e.app.Test(req, -1); err != nil {
			t.Fatal(err)
		}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestAPIExportEveryFormatOpensWithItsReader(t *testing.T) {
	e := newEnv(t)
	history(t, e)
	tok := e.token(e.user(models.RoleViewer))
	cases := []struct {
		format, contentType string
		check               func(t *testing.T, b []byte)
	}{
		{"md", "text/markdown; charset=utf-8", func(t *testing.T, b []byte) {
			if !bytes.HasPrefix(b, []byte("# Progress summary")) || !bytes.Contains(b, []byte("### R-04 ")) {
				t.Fatal("memo")
			}
		}},
		{"csv", "text/csv; charset=utf-8", func(t *testing.T, b []byte) {
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(rows) != 47 || rows[0][0] != "code" {
				t.Fatalf("csv: %v, %d rows", err, len(rows))
			}
		}},
		{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", func(t *testing.T, b []byte) {
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if rows, _ := f.GetRows("Recommendations"); len(rows) != 47 {
				t.Fatalf("%d rows", len(rows))
			}
		}},
		{"json", "application/json", func(t *testing.T, b []byte) {
			var doc struct {
				SchemaVersion   int              `json:"schema_version"`
				Recommendations []map[string]any `json:"recommendations"`
			}
			if err := json.Unmarshal(b, &doc); err != nil || doc.SchemaVersion != 1 || len(doc.Recommendations) != 46 {
				t.Fatalf("json: %v, version %d, %d items", err, doc.SchemaVersion, len(doc.Recommendations))
			}
		}},
		{"pdf", "application/pdf", func(t *testing.T, b []byte) {
			if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("%%EOF")) {
				t.Fatal("not a whole PDF")
			}
		}},
		{"zip", "application/zip", func(t *testing.T, b []byte) {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil || len(zr.File) < 4 {
				t.Fatalf("zip: %v", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			resp, body := download(t, e, nil, "/api/v1/export?format="+c.format+"&since=2026-03-01", tok)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != c.contentType {
				t.Errorf("content type %q", ct)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="policy-tracker-2026-03-09.`+c.format+`"` {
				t.Errorf("content disposition %q", cd)
			}
			c.check(t, body)
		})
	}
}

func TestExportRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.user(models.RoleViewer))
	b := e.browser()
	b.login(e.user(models.RoleViewer))
	cases := []struct{ query, field string }{
		{"format=docx", "format"},
		{"", "format"},
		{"format=csv&as_of=31/12/2025", "as_of"},
		{"format=csv&as_of=2026-02-01&since=2026-03-01", "since"},
		{"format=csv&owner=nobody", "owner"},
		{"format=csv&per_page=-1", "per_page"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			resp, js := e.api(http.MethodGet, "/api/v1/export?"+c.query, tok, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("API status %d", resp.StatusCode)
			}
			if f := js["error"].(map[string]any)["fields"].(map[string]any); f[c.field] == nil {
				t.Fatalf("fields %v", f)
			}
			resp, body := download(t, e, b, "/export?"+c.query, "")
			if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Content-Disposition") != "" ||
				!strings.Contains(string(body), c.field) {
				t.Fatalf("page status %d, disposition %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
			}
		})
	}
}

// The list page's export links carry its filters; following one gives a
// file of exactly the listed items.
func TestListExportLinksHonourTheFilters(t *testing.T) {
	e := newEnv(t)
	history(t, e)
	b := e.browser()
	b.login(e.user(models.RoleViewer))
	_, page := b.get("/recommendations?domain=energy&status=in_progress")
	var csvLink string
	for _, m := range exportHref.FindAllStringSubmatch(page, -1) {
		if strings.Contains(m[1], "format=csv") {
			csvLink = html.UnescapeString(m[1])
		}
	}
	if csvLink == "" {
		t.Fatal("no CSV link on the list page")
	}
	resp, body := download(t, e, b, csvLink, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][0] != "R-05" || rows[1][3] != "in_progress" {
		t.Fatalf("rows %v", rows)
	}
}

func TestExportAsOfShowsThatDay(t *testing.T) {
	e := newEnv(t)
	history(t, e)
	tok := e.token(e.user(models.RoleViewer))
	resp, body := download(t, e, nil, "/api/v1/export?format=json&as_of=2026-03-03&domain=energy", tok)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var doc struct {
		AsOf            string `json:"as_of"`
		Recommendations []struct {
			Code   string           `json:"code"`
			Status string           `json:"status"`
			Notes  []map[string]any `json:"notes"`
		} `json:"recommendations"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Recommendations {
		want := "not_started"
		if r.Code == "R-04" {
			want = "in_progress"
		}
		if r.Status != want || len(r.Notes) != 0 {
			t.Errorf("%s as of Mar 3: %s with %d notes", r.Code, r.Status, len(r.Notes))
		}
	}
	if doc.AsOf != "2026-03-03T23:59:59.999999999Z" {
		t.Errorf("as_of %s", doc.AsOf)
	}
}

func TestExportNeedsAnAccount(t *testing.T) {
	e := newEnv(t)
	e.user(models.RoleViewer) // past first-run setup
	if resp, _ := e.api(http.MethodGet, "/api/v1/export?format=csv", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API: %d", resp.StatusCode)
	}
	resp, _ := e.browser().get("/export?format=csv")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
