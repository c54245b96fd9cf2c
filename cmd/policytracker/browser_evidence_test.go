package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"policytracker/models"
)

// Issue 4: a member adds a note and uploads a file and asks for a review; a
// lead (a second person) verifies the file from the review queue and closes
// the item as implemented; the item's timeline then shows every step.
// With PT_SCREENSHOT_DIR set, the review queue, the item page and the
// activity feed are saved there as PNG files.
func TestBrowserNoteEvidenceVerifyClose(t *testing.T) {
	requireChromium(t)
	dir := t.TempDir()
	addUser(t, dir, "mira@example.org", "Mira Member", "member", "member passphrase 1")
	addUser(t, dir, "lena@example.org", "Lena Lead", "lead", "lead passphrase 12")
	pdf := filepath.Join(t.TempDir(), "signed-agreement.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, dir)

	// The member's side.
	ctx := newTab(t)
	errs := consoleErrors(ctx)
	step(t, ctx, "open the login page", chromedp.Navigate(srv.URL+"/login"))
	signInThroughForm(t, ctx, "mira@example.org", "member passphrase 1")
	step(t, ctx, "find R-10",
		chromedp.Navigate(srv.URL+"/recommendations?q=r-10"),
		chromedp.WaitVisible(chromedp.CSS(`table.items td.title a`)),
		chromedp.Click(chromedp.CSS(`table.items td.title a`)),
		chromedp.WaitVisible(chromedp.ID("note-body")),
	)
	item := waitURL(t, ctx, `^/recommendations/\d+$`)
	step(t, ctx, "add a note",
		chromedp.SendKeys(chromedp.ID("note-body"), "Agreement signed on 2 March, @lena — scan attached. Related: R-11."),
		chromedp.Click(chromedp.CSS(`form.note-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
		chromedp.WaitVisible(chromedp.CSS(`.note-body .mention`)),
	)
	if link := value(t, ctx, "read the code link", chromedp.Text(chromedp.CSS(`.note-body a.code-ref`))); link != "R-11" {
		t.Errorf("the note links %q", link)
	}
	step(t, ctx, "upload a file",
		chromedp.Click(chromedp.CSS(`details.ev-add-file > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#evidence input[type="file"]`)),
		chromedp.SendKeys(chromedp.CSS(`#evidence form[enctype="multipart/form-data"] input[name="title"]`), "Signed agreement"),
		chromedp.SetUploadFiles(chromedp.CSS(`#evidence input[type="file"]`), []string{pdf}),
		chromedp.Click(chromedp.CSS(`#evidence form[enctype="multipart/form-data"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
		chromedp.WaitVisible(chromedp.CSS(`#evidence .ev-wait`)),
	)
	step(t, ctx, "request a review",
		chromedp.Click(chromedp.CSS(`form[action$="/review-request"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.review-flag`)),
	)
	if e := errs(); len(e) > 0 {
		t.Errorf("the member's pages reported errors: %q", e)
	}
	closeTab(t, ctx)

	// The lead's side, in a fresh browser context.
	ctx = newTab(t)
	errs = consoleErrors(ctx)
	step(t, ctx, "open the login page", chromedp.Navigate(srv.URL+"/login"))
	signInThroughForm(t, ctx, "lena@example.org", "lead passphrase 12")
	step(t, ctx, "open the review queue", chromedp.Navigate(srv.URL+"/review"), chromedp.WaitVisible(chromedp.CSS(`.evidence`)))
	queue := value(t, ctx, "read the queue", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(queue, "Signed agreement") || !strings.Contains(queue, "Review requested (1)") {
		t.Fatalf("the queue shows:\n%s", queue)
	}
	screenshot(t, ctx, "review.png")
	step(t, ctx, "verify the file",
		chromedp.Click(chromedp.CSS(`form[action$="/verify"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	)
	if flash := value(t, ctx, "read the flash", chromedp.Text(chromedp.CSS(`.flash-ok`))); !strings.Contains(flash, "Evidence verified") {
		t.Fatalf("after verifying the page says %q", flash)
	}
	step(t, ctx, "open the item", chromedp.Navigate(item), chromedp.WaitVisible(chromedp.CSS(`#evidence .ev-ok`)))
	changeStatus(t, ctx, "implemented")
	history := value(t, ctx, "read the timeline", chromedp.Text(chromedp.ID("history")))
	for _, want := range []string{
		"Lena Lead closed the item: status from Not started to Implemented",
		"Lena Lead verified evidence: Signed agreement",
		"Mira Member requested a review",
		"Mira Member added evidence: Signed agreement",
		"Mira Member added a note",
	} {
		if !strings.Contains(strings.Join(strings.Fields(history), " "), want) {
			t.Errorf("the timeline lacks %q:\n%s", want, history)
		}
	}
	screenshot(t, ctx, "item.png")
	// The same page as of a moment ago: read-only, and already closed.
	step(t, ctx, "view the item as of now", chromedp.Navigate(item+"?as_of="+url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano))),
		chromedp.WaitVisible(chromedp.CSS(`#history`)))
	if head := value(t, ctx, "read the heading", chromedp.Text(chromedp.CSS(`.page-head`))); !strings.Contains(head, "Viewed as of") || !strings.Contains(head, "Implemented") {
		t.Errorf("the past view's heading says %q", head)
	}
	if forms := value(t, ctx, "count the forms", chromedp.Evaluate[int](`document.querySelectorAll('main form[method="post"]').length`)); forms != 0 {
		t.Errorf("the past view has %d forms that change something", forms)
	}
	screenshot(t, ctx, "item-as-of.png")
	step(t, ctx, "open the activity feed", chromedp.Navigate(srv.URL+"/activity"), chromedp.WaitVisible(chromedp.CSS(`.activity`)))
	screenshot(t, ctx, "activity.png")
	if e := errs(); len(e) > 0 {
		t.Errorf("the lead's pages reported errors: %q", e)
	}
	closeTab(t, ctx)
	srv.stop(t)

	// And in the database: implemented, with the verified file behind it.
	s := openData(t, dir)
	r, err := s.RecommendationByCode(context.Background(), "R-10")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.EvidenceOf(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != models.StatusImplemented || r.ReviewRequested || len(evs) != 1 || evs[0].VerifiedBy == nil ||
		evs[0].VerifiedBy.Email != "lena@example.org" || evs[0].AddedBy.Email != "mira@example.org" || evs[0].ContentType != "application/pdf" {
		t.Fatalf("stored: %+v, evidence %+v", r, evs)
	}
}

// screenshot saves the whole page as name in PT_SCREENSHOT_DIR, if set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	out := os.Getenv("PT_SCREENSHOT_DIR")
	if out == "" {
		return
	}
	png := value(t, ctx, "take a screenshot", chromedp.FullScreenshot(100)) // quality 100: PNG
	if err := os.WriteFile(filepath.Join(out, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
