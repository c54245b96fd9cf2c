package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"policytracker/seed"
)

// A viewer filters the list, clicks its CSV export link, and gets a file
// that a CSV reader opens, holding exactly the listed items.
func TestBrowserDownloadsTheListAsCSV(t *testing.T) {
	requireChromium(t)
	dir := t.TempDir()
	addUser(t, dir, "vera@example.org", "Vera Viewer", "viewer", "viewer passphrase 1")
	srv := startServer(t, dir)
	ctx := newTab(t)
	errs := consoleErrors(ctx)

	step(t, ctx, "open the energy list", chromedp.Navigate(srv.URL+"/recommendations?domain=energy"))
	waitURL(t, ctx, `^/login\?next=`)
	signInThroughForm(t, ctx, "vera@example.org", "viewer passphrase 1")
	waitURL(t, ctx, `^/recommendations\?domain=energy$`)
	step(t, ctx, "wait for the list", chromedp.WaitVisible(chromedp.CSS(`table.items`)))

	downloads := t.TempDir()
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	begins := chromedp.Events(wctx, browser.DownloadWillBegin)
	progress := chromedp.Events(wctx, browser.DownloadProgress)
	events := true
	step(t, ctx, "let downloads go to a temporary folder", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		// The tab lives in its own browser context: the setting must name it.
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &events,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		return err
	}))
	step(t, ctx, "click the CSV export link", chromedp.Click(chromedp.CSS(`a.export[href*="format=csv"]`)))

	var suggested string
	for ev, err := range begins {
		if err != nil {
			t.Fatalf("no download started: %v", err)
		}
		suggested = ev.SuggestedFilename
		break
	}
	if !regexp.MustCompile(`^policy-tracker-\d{4}-\d{2}-\d{2}\.csv$`).MatchString(suggested) {
		t.Errorf("suggested file name %q", suggested)
	}
	var path string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("the download did not finish: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was canceled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			path = filepath.Join(downloads, ev.GUID)
			break
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the download is not CSV: %v", err)
	}
	entries, _ := seed.Catalog()
	want := map[string]bool{}
	for _, e := range entries {
		if e.Domain == "energy" {
			want[e.Code] = true
		}
	}
	if len(rows) != len(want)+1 || rows[0][0] != "code" {
		t.Fatalf("%d rows, want a header and the %d energy items", len(rows), len(want))
	}
	domainCol := -1
	for i, h := range rows[0] {
		if h == "domain" {
			domainCol = i
		}
	}
	for _, r := range rows[1:] {
		if !want[r[0]] || r[domainCol] != "energy" {
			t.Errorf("row %s of domain %s", r[0], r[domainCol])
		}
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("console errors: %s", strings.Join(e, "; "))
	}
}
