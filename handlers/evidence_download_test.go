package handlers_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"policytracker/models"
)

func TestEvidenceDownload(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	v := e.user(models.RoleViewer)
	tok := e.token(m)
	r := e.rec("R-15")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	csv := []byte("name,value\n=cmd|' /C calc'!A0,1\n")
	ids := map[string]int64{}
	for name, content := range map[string][]byte{"report.pdf": testPDF, "chart.png": png, "data.csv": csv, "Überblick 2025.pdf": append(append([]byte{}, testPDF...), 'x')} {
		resp, out := e.apiUpload(r.ID, tok, nil, name, content)
		if resp.StatusCode != 201 {
			t.Fatalf("upload %s: %d %v", name, resp.StatusCode, out)
		}
		ids[name] = int64(out["id"].(float64))
	}
	link, err := e.store.AddEvidence(context.Background(), m, r.ID, models.NewEvidence{Kind: "link", Title: "x", URL: "https://example.org"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("anonymous page visitor is sent to the login", func(t *testing.T) {
		resp, _ := e.browser().get("/evidence/" + itoa(ids["report.pdf"]) + "/download")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("anonymous API caller gets 401", func(t *testing.T) {
		resp, out := e.api("GET", "/api/v1/evidence/"+itoa(ids["report.pdf"])+"/download", "", nil)
		if resp.StatusCode != 401 || out["error"].(map[string]any)["code"] != "unauthorized" {
			t.Fatalf("status %d %v", resp.StatusCode, out)
		}
	})

	cases := []struct {
		name, file, ctype, disposition string
		content                        []byte
	}{
		{"pdf is downloaded", "report.pdf", "application/pdf", `attachment; filename=report.pdf`, testPDF},
		{"png is shown inline", "chart.png", "image/png", `inline; filename=chart.png`, png},
		{"csv is downloaded, as stored", "data.csv", "text/csv; charset=utf-8", `attachment; filename=data.csv`, csv},
		{"a name outside ASCII is encoded", "Überblick 2025.pdf", "application/pdf", `attachment; filename*=utf-8''%C3%9Cberblick%202025.pdf`, nil},
	}
	b := e.browser()
	b.login(v)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, via := range []string{"page", "api"} {
				var resp *http.Response
				var body string
				if via == "page" {
					resp, body = b.get("/evidence/" + itoa(ids[c.file]) + "/download")
				} else {
					req := httptest.NewRequest("GET", "/api/v1/evidence/"+itoa(ids[c.file])+"/download", nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					resp, _ = e.app.Test(req, -1)
					raw, _ := io.ReadAll(resp.Body)
					body = string(raw)
				}
				h := resp.Header
				if resp.StatusCode != 200 || h.Get("Content-Type") != c.ctype || h.Get("Content-Disposition") != c.disposition ||
					h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "sandbox" {
					t.Fatalf("%s: %d %v", via, resp.StatusCode, h)
				}
				if c.content != nil && !bytes.Equal([]byte(body), c.content) {
					t.Fatalf("%s: body %q", via, body)
				}
			}
		})
	}
	t.Run("a link has nothing to download", func(t *testing.T) {
		if resp, _ := b.get("/evidence/" + itoa(link.ID) + "/download"); resp.StatusCode != 404 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("removed evidence is no longer served", func(t *testing.T) {
		mb := e.browser()
		mb.login(m)
		id := ids["data.csv"]
		path := "/recommendations/" + itoa(r.ID)
		if resp, body := mb.post("/evidence/"+itoa(id)+"/remove", url.Values{"reason": {"wrong file"}}, path); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d %s", resp.StatusCode, body)
		}
		if resp, _ := mb.get("/evidence/" + itoa(id) + "/download"); resp.StatusCode != 404 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		ev, err := e.store.Evidence(context.Background(), id)
		if err != nil || !ev.Removed {
			t.Fatalf("row: %+v %v", ev, err)
		}
		if len(e.evidenceFiles()) != 4 {
			t.Fatalf("the removed file's blob was deleted: %v", e.evidenceFiles())
		}
	})
	t.Run("unknown id is 404", func(t *testing.T) {
		for _, p := range []string{"/evidence/99999/download", "/evidence/abc/download", "/evidence/-1/download"} {
			if resp, _ := b.get(p); resp.StatusCode != 404 {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
		}
	})
}
