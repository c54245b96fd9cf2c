package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"policytracker/models"
)

func TestItemDetailCarriesNotesAndEvidence(t *testing.T) {
	e := newEnv(t)
	m, lead := e.user(models.RoleMember), e.user(models.RoleLead)
	tm, tl := e.token(m), e.token(lead)
	r := e.rec("R-29")
	base := "/api/v1/recommendations/" + itoa(r.ID)
	e.api("POST", base+"/notes", tm, map[string]any{"body": "hello"})
	_, link := e.api("POST", base+"/evidence", tm, map[string]any{"kind": "link", "url": "https://example.org/x", "title": "Link", "publisher": "Gov"})
	_, file := e.apiUpload(r.ID, tm, map[string]string{"title": "Scan"}, "scan.pdf", testPDF)
	if resp, out := e.api("POST", "/api/v1/evidence/"+itoa(int64(link["id"].(float64)))+"/verify", tl, nil); resp.StatusCode != 200 {
		t.Fatalf("verify: %d %v", resp.StatusCode, out)
	}
	if resp, out := e.api("POST", "/api/v1/evidence/"+itoa(int64(file["id"].(float64)))+"/reject", tl, map[string]any{"reason": "unreadable"}); resp.StatusCode != 200 || out["reject_reason"] != "unreadable" || out["state"] != "rejected" {
		t.Fatalf("reject: %d %v", resp.StatusCode, out)
	}
	resp, item := e.api("GET", base, tm, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("get: %d", resp.StatusCode)
	}
	notes, evs := item["notes"].([]any), item["evidence"].([]any)
	if len(notes) != 1 || notes[0].(map[string]any)["body"] != "hello" {
		t.Fatalf("notes: %v", notes)
	}
	if len(evs) != 2 {
		t.Fatalf("evidence: %v", evs)
	}
	l, f := evs[0].(map[string]any), evs[1].(map[string]any)
	if l["kind"] != "link" || l["url"] != "https://example.org/x" || l["publisher"] != "Gov" || l["verified_by"].(map[string]any)["email"] != lead.Email || l["added_by"].(map[string]any)["email"] != m.Email {
		t.Fatalf("link: %v", l)
	}
	if f["kind"] != "file" || f["filename"] != "scan.pdf" || f["size"].(float64) != float64(len(testPDF)) || f["verified_by"] != nil || f["rejected_by"].(map[string]any)["email"] != lead.Email {
		t.Fatalf("file: %v", f)
	}
	// download_url works with the token.
	req := httptest.NewRequest("GET", f["download_url"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+tm)
	dl, err := e.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(dl.Body)
	if dl.StatusCode != 200 || string(got) != string(testPDF) {
		t.Fatalf("download: %d %q", dl.StatusCode, got)
	}
	// Removing through the API keeps the row, marked removed.
	resp, out := e.api("DELETE", "/api/v1/evidence/"+itoa(int64(f["id"].(float64))), tm, map[string]any{"reason": "wrong scan"})
	if resp.StatusCode != 200 || out["removed"] != true {
		t.Fatalf("remove: %d %v", resp.StatusCode, out)
	}
	_, item = e.api("GET", base, tm, nil)
	if evs := item["evidence"].([]any); len(evs) != 2 || evs[1].(map[string]any)["removed"] != true {
		t.Fatalf("after removal: %v", evs)
	}
}

// TestMalformedMultipartUploadAnswersJSON422: a multipart body that does
// not parse is a 422 in the API's envelope, like any other bad upload.
// fasthttp used to parse it while reading the request and answer by itself,
// with the request line wiped: an HTML 400 page quoting its parser.
func TestMalformedMultipartUploadAnswersJSON422(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.user(models.RoleMember))
	r := e.rec("R-11")
	cases := []struct{ name, body string }{
		{"a body that is not multipart", "garbage"},
		{"a file part cut short", "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 cut"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/recommendations/"+itoa(r.ID)+"/evidence", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := e.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			var js map[string]any
			raw := readBody(t, resp)
			if err := json.Unmarshal([]byte(raw), &js); err != nil {
				t.Fatalf("status %d, not JSON: %.200s", resp.StatusCode, raw)
			}
			errObj := wantAPIError(t, resp, js, http.StatusUnprocessableEntity, "invalid")
			if fields, _ := errObj["fields"].(map[string]any); fields["file"] == nil {
				t.Errorf("fields %v lack file", errObj["fields"])
			}
			if rows, files := e.evidenceOf(r.ID), e.evidenceFiles(); len(rows) != 0 || len(files) != 0 {
				t.Errorf("left behind rows %d, files %v", len(rows), files)
			}
		})
	}
}
