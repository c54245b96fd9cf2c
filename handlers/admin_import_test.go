package handlers_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"policytracker/models"
)

const importYAML = `- code: R-90
  title: Open a joint demining training centre
  summary: A test item added by an admin import.
  domain: humanitarian
  actor: United States
  strength: could
  keywords: [demining]
  sources:
    - chapter: conclusion
      line: 3200
      page: 91
      quote: A made-up passage for the import test.
`

// The admin import page checks a whole file first, writes nothing on a
// problem or a check-only run, and imports through the same rules as the CLI.
func TestAdminImportPage(t *testing.T) {
	e := newEnv(t)
	admin := e.user(models.RoleAdmin)
	b := e.browser()
	b.login(admin)

	t.Run("check only writes nothing", func(t *testing.T) {
		resp, body := b.post("/admin/import", url.Values{"content": {importYAML}, "dry_run": {"1"}}, "/admin/import")
		if resp.StatusCode != 200 || !strings.Contains(body, "1 added") || !strings.Contains(body, "Nothing was written") {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		if _, err := e.store.RecommendationByCode(t.Context(), "R-90"); err == nil {
			t.Fatal("a check-only run wrote the item")
		}
	})

	t.Run("a file with a problem is refused whole, with its line", func(t *testing.T) {
		bad := strings.Replace(importYAML, "domain: humanitarian", "domain: astrology", 1) + strings.Replace(importYAML, "R-90", "R-91", 1)
		resp, body := b.post("/admin/import", url.Values{"content": {bad}}, "/admin/import")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "line ") || !strings.Contains(body, "nothing was imported") {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		for _, code := range []string{"R-90", "R-91"} {
			if _, err := e.store.RecommendationByCode(t.Context(), code); err == nil {
				t.Errorf("%s was written from a refused file", code)
			}
		}
	})

	t.Run("an uploaded file is imported", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("_csrf", b.csrf("/admin/import"))
		fw, _ := mw.CreateFormFile("file", "extra.yaml")
		fw.Write([]byte(importYAML))
		mw.Close()
		req := httptest.NewRequest(http.MethodPost, "/admin/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp := b.do(req)
		body := readBody(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "Imported extra.yaml") {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		r, err := e.store.RecommendationByCode(t.Context(), "R-90")
		if err != nil || r.Title != "Open a joint demining training centre" || len(r.Sources) != 1 || r.Sources[0].Page != 91 {
			t.Fatalf("stored: %+v %v", r, err)
		}
	})

	t.Run("empty input and a bad format say what is wrong", func(t *testing.T) {
		for _, form := range []url.Values{{"content": {""}}, {"content": {importYAML}, "format": {"xml"}}} {
			resp, body := b.post("/admin/import", form, "/admin/import")
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "field-error") {
				t.Errorf("%v: status %d", form, resp.StatusCode)
			}
		}
	})
}
