package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"policytracker/models"
	"policytracker/seed"
)

// Browser tests drive Debian's Chromium against the real binary, started
// on 127.0.0.1:0 with a fresh data directory (like WTF Dial's cmd/wtfd
// tests). One browser serves the whole package; each test gets its own
// browser context (fresh cookies) and tab.

const chromiumPath = "/usr/bin/chromium"

var (
	tmpRoot string // removed after the tests: the binary, Chromium's profile

	binOnce sync.Once
	binPath string
	binErr  error

	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	browserCancel context.CancelFunc
	allocCancel   context.CancelFunc
)

func TestMain(m *testing.M) {
	var err error
	if tmpRoot, err = os.MkdirTemp("", "policytracker-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// A command that forgets --data must not write into the source tree.
	os.Setenv("PT_DATA", filepath.Join(tmpRoot, "default-data"))
	code := m.Run()
	if browserCancel != nil {
		browserCancel()
	}
	if allocCancel != nil {
		allocCancel()
	}
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// binary builds the program once per test run.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(tmpRoot, "policytracker")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// requireChromium skips without Chromium, unless PT_REQUIRE_BROWSER=1
// (set by .ci/run) makes its absence a failure.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("PT_REQUIRE_BROWSER") == "1" {
			t.Fatalf("PT_REQUIRE_BROWSER=1 but %s is missing: apt-get install chromium", chromiumPath)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install chromium to run it)", chromiumPath)
	}
}

func startBrowser() {
	profile := filepath.Join(tmpRoot, "chromium-profile")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	var allocCtx context.Context
	allocCtx, allocCancel = chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, browserCancel = chromedp.NewContext(allocCtx)
	// The first Do starts the browser; it must not carry a deadline (that
	// would end the browser), so the start-up limit is watched from here.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(browserCtx) }()
	select {
	case browserErr = <-done:
	case <-time.After(60 * time.Second):
		browserErr = errors.New("Chromium did not start within 60 s")
	}
}

// newTab opens a tab in a fresh browser context (no cookies shared with
// other tests). On failure it saves a screenshot and the page's HTML.
func newTab(t *testing.T) context.Context {
	t.Helper()
	requireChromium(t)
	browserOnce.Do(startBrowser)
	if browserErr != nil {
		t.Fatalf("start Chromium: %v", browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() && ctx.Err() == nil {
			saveFailure(t, ctx)
		}
	})
	return ctx
}

// closeTab ends the tab before the server is stopped, so that no keep-alive
// connection holds the graceful shutdown; a failure so far is saved first.
func closeTab(t *testing.T, ctx context.Context) {
	t.Helper()
	if t.Failed() {
		saveFailure(t, ctx)
	}
	chromedp.Cancel(ctx)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func saveFailure(t *testing.T, ctx context.Context) {
	// Outside t.TempDir, which is removed when the test ends.
	dir, err := os.MkdirTemp("", "policytracker-browser-"+unsafeName.ReplaceAllString(t.Name(), "_")+"-")
	if err != nil {
		t.Logf("cannot save the failure: %v", err)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o644)
	} else {
		t.Logf("no screenshot: %v", err)
	}
	if html, err := chromedp.Run(sctx, chromedp.OuterHTML("html")); err == nil {
		os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o644)
	} else {
		t.Logf("no page HTML: %v", err)
	}
	url, _ := chromedp.Run(sctx, chromedp.Location())
	t.Logf("browser state at failure (%s) saved in %s", url, dir)
}

// step runs browser actions with a deadline and fails the test with what
// was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitURL waits until the page's address matches re. A navigation that
// replaces the page while the check runs just means checking again.
func waitURL(t *testing.T, ctx context.Context, re string) string {
	t.Helper()
	expr := fmt.Sprintf(`new RegExp(%q).test(location.pathname + location.search)`, re)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, err := chromedp.Run(wctx, chromedp.Poll[bool](expr))
		if err == nil {
			break
		}
		if wctx.Err() != nil {
			url, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("the address never matched %s (it is %s): %v", re, url, err)
		}
	}
	return value(t, ctx, "read the address", chromedp.Location())
}

// consoleErrors collects what the page reports as errors, such as a
// Content-Security-Policy violation.
func consoleErrors(ctx context.Context) func() []string {
	var mu sync.Mutex
	var msgs []string
	seq := chromedp.Console(ctx)
	go func() {
		for m, err := range seq {
			if err != nil {
				return
			}
			// Browsers ask for /favicon.ico on their own; the app has none.
			if strings.HasSuffix(m.URL, "/favicon.ico") {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				if !slices.Contains(msgs, m.Text) {
					msgs = append(msgs, m.Text)
				}
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), msgs...)
	}
}

// ---------------------------------------------------------------------------
// The server under test

type server struct {
	URL    string
	dir    string
	cmd    *exec.Cmd
	out    *syncBuffer
	done   chan error
	exited bool
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRe = regexp.MustCompile(`policytracker listening on (http://\S+)`)

// startServer runs the real binary on a free port and waits for it to say
// where it listens.
func startServer(t *testing.T, dir string) *server {
	t.Helper()
	s := &server{dir: dir, out: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(binary(t), "serve", "--data", dir, "--addr", "127.0.0.1:0")
	s.cmd.Stderr = s.out
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.out, line)
			if m := listenRe.FindStringSubmatch(line); m != nil {
				urls <- m[1]
			}
		}
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		if !s.exited {
			s.stop(t)
		}
		if t.Failed() {
			t.Logf("server output:\n%s", s.out.String())
		}
	})
	select {
	case s.URL = <-urls:
	case err := <-s.done:
		s.exited = true
		t.Fatalf("server exited before listening: %v\n%s", err, s.out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start within 30 s:\n%s", s.out.String())
	}
	return s
}

// stop sends SIGTERM and expects a graceful exit with status 0.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.exited = true
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: %v", err)
		return
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("server did not exit cleanly on SIGTERM: %v\n%s", err, s.out.String())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("graceful shutdown took %v", d)
		}
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		t.Errorf("server still running 20 s after SIGTERM")
	}
}

func addUser(t *testing.T, dir, email, name, role, password string) {
	t.Helper()
	code, _, errOut := cli(t, dir, password+"\n", "user", "add", "--email", email, "--name", name, "--role", role, "--password-stdin")
	if code != 0 {
		t.Fatalf("user add %s: %s", email, errOut)
	}
}

func signInThroughForm(t *testing.T, ctx context.Context, email, password string) {
	t.Helper()
	step(t, ctx, "sign in",
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"] input[name="email"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
}

// changeStatus uses the item page's tracking form and waits for the saved page.
func changeStatus(t *testing.T, ctx context.Context, status string) {
	t.Helper()
	step(t, ctx, "change the status to "+status,
		chromedp.WaitVisible(chromedp.ID("status")),
		chromedp.SetValue(chromedp.ID("status"), status),
		chromedp.Click(chromedp.CSS(`form:has(#status) button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	)
	if flash := value(t, ctx, "read the flash", chromedp.Text(chromedp.CSS(`.flash-ok`))); !strings.Contains(flash, "Saved.") {
		t.Fatalf("after saving the page says %q", flash)
	}
}

func storedStatus(t *testing.T, dir, code string) (*models.Recommendation, []models.Event) {
	t.Helper()
	s := openData(t, dir)
	r, err := s.RecommendationByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(context.Background(), models.EventFilter{RecommendationID: r.ID, Kind: "field"})
	if err != nil {
		t.Fatal(err)
	}
	return r, evs
}

// ---------------------------------------------------------------------------
// Journeys

// Issue 2: sign in, open the list, filter by a domain, open an item, change
// its status through the form, reload, and see it kept.
func TestBrowserFilterOpenAndChangeStatus(t *testing.T) {
	requireChromium(t)
	dir := t.TempDir()
	addUser(t, dir, "mira@example.org", "Mira Member", "member", "member passphrase 1")
	srv := startServer(t, dir)
	ctx := newTab(t)
	errs := consoleErrors(ctx)

	step(t, ctx, "open the list", chromedp.Navigate(srv.URL+"/recommendations"))
	waitURL(t, ctx, `^/login\?next=`)
	signInThroughForm(t, ctx, "mira@example.org", "member passphrase 1")
	waitURL(t, ctx, `^/recommendations$`)

	step(t, ctx, "filter by the energy domain",
		chromedp.WaitVisible(chromedp.CSS(`table.items`)),
		chromedp.SetValue(chromedp.CSS(`select[name="domain"]`), "energy"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
	)
	waitURL(t, ctx, `[?&]domain=energy`)
	step(t, ctx, "wait for the filtered list", chromedp.WaitVisible(chromedp.CSS(`table.items`)))
	domains := value(t, ctx, "read the rows", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('table.items td[data-label="Domain"]')].map(td => td.textContent.trim())`))
	entries, _ := seed.Catalog()
	energy := 0
	for _, e := range entries {
		if e.Domain == "energy" {
			energy++
		}
	}
	if len(domains) != energy {
		t.Fatalf("%d rows, want the %d energy items", len(domains), energy)
	}
	for _, d := range domains {
		if d != "Energy" {
			t.Fatalf("row of domain %q in the energy list", d)
		}
	}

	code := value(t, ctx, "read the first code", chromedp.Text(chromedp.CSS(`table.items td.code`)))
	step(t, ctx, "open the first item",
		chromedp.Click(chromedp.CSS(`table.items td.title a`)),
		chromedp.WaitVisible(chromedp.ID("status")),
	)
	waitURL(t, ctx, `^/recommendations/\d+$`)
	changeStatus(t, ctx, "partially_implemented")

	step(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("status")))
	if v := value(t, ctx, "read the status field", chromedp.Value(chromedp.ID("status"))); v != "partially_implemented" {
		t.Fatalf("after reload the form shows %q", v)
	}
	if badge := value(t, ctx, "read the status badge", chromedp.Text(chromedp.CSS(`.page-head .badge`))); badge != "Partially implemented" {
		t.Fatalf("after reload the badge says %q", badge)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("the pages reported errors: %q", e)
	}

	// Then the change must be in the database, with its event.
	closeTab(t, ctx)
	srv.stop(t)
	r, evs := storedStatus(t, dir, code)
	if r.Status != models.StatusPartiallyImplemented || r.Progress != 60 {
		t.Errorf("%s stored as %s %d%%", code, r.Status, r.Progress)
	}
	if len(evs) == 0 || evs[0].Field != "status" || evs[0].NewValue != "partially_implemented" || evs[0].Actor == nil || evs[0].Actor.Email != "mira@example.org" {
		t.Errorf("events %+v", evs)
	}
}

// Issue 3: first-run setup on an empty instance lands signed in; change a
// status; log out; a protected page then sends you to the login page.
func TestBrowserFirstRunSetupToLogout(t *testing.T) {
	requireChromium(t)
	dir := t.TempDir()
	srv := startServer(t, dir)
	ctx := newTab(t)
	errs := consoleErrors(ctx)

	step(t, ctx, "open the site", chromedp.Navigate(srv.URL+"/"))
	waitURL(t, ctx, `^/setup$`)
	step(t, ctx, "create the first admin",
		chromedp.WaitVisible(chromedp.CSS(`form[action="/setup"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "ada@example.org"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "first admin passphrase"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password2"]`), "first admin passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	waitURL(t, ctx, `^/$`)
	if flash := value(t, ctx, "read the welcome", chromedp.Text(chromedp.CSS(`.flash-ok`))); !strings.Contains(flash, "Welcome") {
		t.Errorf("after setup the page says %q", flash)
	}
	if me := value(t, ctx, "read the signed-in name", chromedp.Text(chromedp.CSS(`.me`))); !strings.Contains(me, "Ada Admin") || !strings.Contains(me, "Admin") {
		t.Errorf("header shows %q", me)
	}

	step(t, ctx, "open an item", chromedp.Navigate(srv.URL+"/recommendations?q=backbone"),
		chromedp.WaitVisible(chromedp.CSS(`table.items td.title a`)),
		chromedp.Click(chromedp.CSS(`table.items td.title a`)))
	changeStatus(t, ctx, "in_progress")
	if badge := value(t, ctx, "read the status badge", chromedp.Text(chromedp.CSS(`.page-head .badge`))); badge != "In progress" {
		t.Errorf("badge says %q", badge)
	}

	step(t, ctx, "log out",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
	waitURL(t, ctx, `^/login$`)
	step(t, ctx, "open a protected page", chromedp.Navigate(srv.URL+"/recommendations"))
	waitURL(t, ctx, `^/login\?next=%2Frecommendations$`)
	step(t, ctx, "see the login form", chromedp.WaitVisible(chromedp.CSS(`form[action="/login"] input[name="password"]`)))
	step(t, ctx, "setup is closed now", chromedp.Navigate(srv.URL+"/setup"))
	waitURL(t, ctx, `^/login$`)
	if e := errs(); len(e) > 0 {
		t.Errorf("the pages reported errors: %q", e)
	}

	closeTab(t, ctx)
	srv.stop(t)
	if !strings.Contains(srv.out.String(), "open "+srv.URL+"/setup") {
		t.Errorf("start-up output does not point to /setup:\n%s", srv.out.String())
	}
	r, _ := storedStatus(t, dir, "R-01")
	if r.Status != models.StatusInProgress {
		t.Errorf("R-01 stored as %s", r.Status)
	}
	s := openData(t, dir)
	if sessions, _ := s.Sessions(context.Background(), 1); len(sessions) != 0 {
		t.Errorf("%d sessions after logout", len(sessions))
	}
}

// TestListScreenshot refreshes the README's screenshot of the list when
// PT_SCREENSHOT=1: a team's instance with some progress recorded, at 1280×900.
func TestListScreenshot(t *testing.T) {
	if os.Getenv("PT_SCREENSHOT") != "1" {
		t.Skip("set PT_SCREENSHOT=1 to write .github/screenshot-list.png")
	}
	requireChromium(t)
	dir := t.TempDir()
	addUser(t, dir, "lena@example.org", "Lena Lead", "lead", "lead passphrase 12")
	addUser(t, dir, "omar@example.org", "Omar Member", "member", "member passphrase 1")
	fillDemoData(t, dir)
	srv := startServer(t, dir)
	ctx := newTab(t)
	step(t, ctx, "open the login page", chromedp.Navigate(srv.URL+"/login"))
	signInThroughForm(t, ctx, "lena@example.org", "lead passphrase 12")
	step(t, ctx, "open the list", chromedp.Navigate(srv.URL+"/recommendations"), chromedp.WaitVisible(chromedp.CSS(`table.items`)))
	png := value(t, ctx, "take the screenshot", chromedp.CaptureScreenshot())
	dest := filepath.Join("..", "..", ".github", "screenshot-list.png")
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dest, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dest)
	t.Logf("wrote %s (%d bytes)", abs, len(png))
	closeTab(t, ctx)
	srv.stop(t)
}

// fillDemoData records some plausible progress for the screenshot.
func fillDemoData(t *testing.T, dir string) {
	t.Helper()
	s, err := models.Open(models.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	// Due dates relative to today, so the picture stays plausible: one
	// item overdue, the rest ahead.
	in := func(days int) string { return time.Now().AddDate(0, 0, days).Format("2006-01-02") }
	lead, _ := s.UserByEmail(ctx, "lena@example.org")
	member, _ := s.UserByEmail(ctx, "omar@example.org")
	plan := []struct {
		code     string
		status   models.Status
		progress int
		priority models.Priority
		owner    *models.User
		due      string
		tags     []string
	}{
		{"R-01", models.StatusInProgress, 40, models.PriorityHigh, lead, in(45), []string{"summit"}},
		{"R-02", models.StatusPartiallyImplemented, 60, models.PriorityHigh, lead, in(20), nil},
		{"R-03", models.StatusInProgress, 25, models.PriorityMedium, member, in(120), []string{"energy-security"}},
		{"R-04", models.StatusStalled, 10, models.PriorityMedium, member, in(-12), nil},
		{"R-06", models.StatusInProgress, 35, models.PriorityLow, member, "", nil},
		{"R-07", models.StatusPartiallyImplemented, 70, models.PriorityHigh, lead, in(200), []string{"middle-corridor"}},
		{"R-09", models.StatusInProgress, 15, models.PriorityLow, nil, "", nil},
	}
	for _, p := range plan {
		r, err := s.RecommendationByCode(ctx, p.code)
		if err != nil {
			t.Fatal(err)
		}
		ch := models.Change{Version: r.Version, Status: &p.status, Progress: &p.progress, Priority: &p.priority, DueDate: &p.due, Tags: &p.tags}
		if p.owner != nil {
			ch.OwnerID = &p.owner.ID
		}
		if _, err := s.UpdateRecommendation(ctx, lead, r.ID, ch); err != nil {
			t.Fatalf("%s: %v", p.code, err)
		}
	}
}
