package handlers_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"policytracker/models"
)

// The dashboard through the real app: figures, server-drawn charts with
// their text equivalents and links, and the four lists.
func TestDashboardShowsFiguresChartsAndLists(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.user(models.RoleMember)
	other := e.user(models.RoleMember)
	r4 := e.rec("R-04")
	st, due := models.StatusInProgress, "2026-02-15" // before the clock's today (2026-03-02)
	if _, err := e.store.UpdateRecommendation(ctx, m, r4.ID, models.Change{Version: r4.Version, Status: &st, DueDate: &due, OwnerID: &m.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RequestReview(ctx, m, r4.ID, ""); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(m)
	resp, body := b.get("/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<svg class="chart" role="img" aria-labelledby="chart-domain-title chart-domain-desc"`,
		`<title id="chart-domain-title">Recommendations by domain and status</title>`,
		`<desc id="chart-domain-desc">46 recommendations in 9 domains`,
		`<a href="/recommendations?domain=energy" tabindex="-1" class="chart-bar">`,
		`<a href="/recommendations?status=in_progress" tabindex="-1" class="chart-bar">`,
		`<caption>By domain</caption>`, `<a href="/recommendations?domain=energy">Energy</a>`,
		`<span class="num">1</span><span>overdue</span>`, `<span class="num">1</span><span>awaiting review</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	sections := map[string]string{"overdue-h": "R-04", "review-h": "R-04", "recent-h": "R-04", "mine-h": "R-04"}
	for id, code := range sections {
		if !strings.Contains(section(body, id), code) {
			t.Errorf("section %s lacks %s", id, code)
		}
	}
	if strings.Contains(body, ` style=`) || strings.Contains(body, `<script>`) {
		t.Error("inline style or script: the CSP would block it")
	}

	// Another member owns nothing: their list says so; the team lists stay.
	b2 := e.browser()
	b2.login(other)
	_, body = b2.get("/")
	if !strings.Contains(section(body, "mine-h"), "You own no open item.") || !strings.Contains(section(body, "overdue-h"), "R-04") {
		t.Error("second member's dashboard")
	}
}

// section is the HTML of the <section> labelled by the heading id.
func section(body, headingID string) string {
	re := regexp.MustCompile(`(?s)<section[^>]*aria-labelledby="` + regexp.QuoteMeta(headingID) + `".*?</section>`)
	return re.FindString(body)
}

func TestDashboardBarWidthsFollowTheCounts(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(e.user(models.RoleViewer))
	_, body := b.get("/")
	status := section(body, "bystatus-h")
	// All 46 items are not started: that bar is full width, the others empty.
	full := regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)" height="\d+" class="seg-not_started"`).FindStringSubmatch(status)
	if full == nil || full[1] != "220" {
		t.Fatalf("not-started bar %v", full)
	}
	if strings.Contains(status, `class="seg-in_progress"`) {
		t.Error("a bar drawn for an empty status")
	}
}
