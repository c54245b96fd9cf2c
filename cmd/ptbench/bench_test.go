package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/handlers"
	"policytracker/models"
)

// Benchmarks of the speed targets, on the full synthetic data set (10,000
// items, 100,000 events, 100,000 notes, 20,000 evidence rows). They only run
// with -bench, e.g.
//
//	go test ./cmd/ptbench -run '^$' -bench . -benchtime 200x
//
// The data set is generated once (≈10 s) and cached under os.TempDir(),
// keyed by its parameters and genVersion; later runs open the cache and
// apply any new migration to it.

// genVersion changes whenever the generator's output changes, so a stale
// cache is never reused.
const genVersion = 2

var benchParams = genParams{Items: 10_000, Events: 100_000, Notes: 100_000, Evidence: 20_000, Seed: 1}

var (
	benchOnce  sync.Once
	benchStore *models.Store
	benchErr   error
)

// benchData opens (and on first use generates) the cached data set.
func benchData(b *testing.B) *models.Store {
	b.Helper()
	benchOnce.Do(func() {
		p := benchParams
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("ptbench-cache-g%d-i%d-e%d-n%d-v%d-s%d", genVersion, p.Items, p.Events, p.Notes, p.Evidence, p.Seed))
		if _, err := os.Stat(filepath.Join(dir, "policytracker.db")); err != nil {
			benchErr = buildCache(dir, p)
			if benchErr != nil {
				return
			}
		}
		benchStore, benchErr = models.Open(models.Options{DataDir: dir})
		if benchErr == nil {
			benchErr = benchStore.Migrate(context.Background())
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// buildCache generates into a scratch directory and renames it into place,
// so an interrupted run never leaves a half-filled cache behind.
func buildCache(dir string, p genParams) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	store, err := models.Open(models.Options{DataDir: tmp})
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return err
	}
	if _, err := generate(ctx, store, p, io.Discard); err != nil {
		store.Close()
		return err
	}
	if err := store.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// cpuTime is the process's user+system CPU time so far. Per operation it is
// the cost that bounds throughput, and unlike wall time it barely moves when
// other work shares the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportMs adds wall and CPU milliseconds per operation since cpu0.
func reportMs(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkSearch is one text search of the list (count + first page), the
// "text search under 20 ms per query" target.
func BenchmarkSearch(b *testing.B) {
	store := benchData(b)
	ctx := context.Background()
	for _, q := range []string{"pipeline", "section 907", "demining caspian", "nothing-matches-this"} {
		b.Run(q, func(b *testing.B) {
			var total int64
			cpu0 := cpuTime()
			for b.Loop() {
				res, err := store.Recommendations(ctx, models.Filter{Query: q})
				if err != nil {
					b.Fatal(err)
				}
				total = res.Total
			}
			reportMs(b, cpu0)
			b.ReportMetric(float64(total), "matches")
		})
	}
}

// BenchmarkListFiltered is the list's query with a filter that leaves a few
// hundred items (50 on the page).
func BenchmarkListFiltered(b *testing.B) {
	store := benchData(b)
	ctx := context.Background()
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := store.Recommendations(ctx, models.Filter{Domain: "energy", Status: "in_progress"})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Items) != models.DefaultPerPage {
			b.Fatalf("got %d rows, want a full page", len(res.Items))
		}
	}
	reportMs(b, cpu0)
}

// BenchmarkRecommendation loads one item with its sources and owner.
func BenchmarkRecommendation(b *testing.B) {
	store := benchData(b)
	ctx := context.Background()
	i := int64(0)
	cpu0 := cpuTime()
	for b.Loop() {
		i++
		if _, err := store.Recommendation(ctx, 47+i%int64(benchParams.Items)); err != nil {
			b.Fatal(err)
		}
	}
	reportMs(b, cpu0)
}

// BenchmarkRecommendationsAsOfYearAgo rebuilds every item as it stood a year
// ago from the event log (the as-of summary's core).
func BenchmarkRecommendationsAsOfYearAgo(b *testing.B) {
	store := benchData(b)
	ctx := context.Background()
	t := time.Now().AddDate(-1, 0, 0)
	cpu0 := cpuTime()
	for b.Loop() {
		recs, err := store.RecommendationsAsOf(ctx, t)
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) < benchParams.Items {
			b.Fatalf("got %d items a year ago, want %d", len(recs), benchParams.Items)
		}
	}
	reportMs(b, cpu0)
}

// benchApp is the real app on the cached data, with a signed-in admin.
// fresh turns the page cache off, so every request builds its page.
func benchApp(b *testing.B, fresh bool) (*fiber.App, string) {
	b.Helper()
	store := benchData(b)
	ctx := context.Background()
	u, err := store.UserByEmail(ctx, benchAdminEmail)
	if err != nil {
		b.Fatal(err)
	}
	_, secret, err := store.CreateSession(ctx, u, "bench", models.DefaultSessionPolicy)
	if err != nil {
		b.Fatal(err)
	}
	app, err := handlers.New(store, handlers.Config{Location: time.UTC, Logger: quietLogger(), NoPageCache: fresh})
	if err != nil {
		b.Fatal(err)
	}
	return app, secret
}

// BenchmarkPages serves whole pages through the real app (middleware,
// session lookup, queries, templates), without the network: the CPU cost
// per request that bounds requests/s on two cores. "fresh" builds every
// page (the first view after a change); "reused" serves the page cache's
// content (every later view until the next change).
func BenchmarkPages(b *testing.B) {
	for _, mode := range []string{"fresh", "reused"} {
		b.Run(mode, func(b *testing.B) { benchPages(b, mode == "fresh") })
	}
}

func benchPages(b *testing.B, fresh bool) {
	app, secret := benchApp(b, fresh)
	for _, pg := range []struct{ name, path string }{
		{"list", "/recommendations?domain=energy&status=in_progress"},
		{"item", "/recommendations/5046"},
		{"search", "/recommendations?q=pipeline"},
		{"dashboard", "/"},
		{"api-list", "/api/v1/recommendations?domain=energy&status=in_progress"},
	} {
		path := pg.path
		b.Run(pg.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(&http.Cookie{Name: "pt_session", Value: secret})
				resp, err := app.Test(req, -1)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d", path, resp.StatusCode)
				}
			}
			reportMs(b, cpu0)
		})
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// BenchmarkPagesParallel serves pages from 64 goroutines at once, like wrk's
// 64 connections: ns/op is the inverse of throughput, and it shows whether
// the connection pools or locks, rather than the CPU, are the limit.
func BenchmarkPagesParallel(b *testing.B) {
	app, secret := benchApp(b, true)
	for _, pg := range []struct{ name, path string }{
		{"list", "/recommendations?domain=energy&status=in_progress"},
		{"api-list", "/api/v1/recommendations?domain=energy&status=in_progress"},
	} {
		b.Run(pg.name, func(b *testing.B) {
			b.SetParallelism(32) // × GOMAXPROCS (2) = 64 clients
			cpu0 := cpuTime()
			b.RunParallel(func(p *testing.PB) {
				for p.Next() {
					req := httptest.NewRequest(http.MethodGet, pg.path, nil)
					req.AddCookie(&http.Cookie{Name: "pt_session", Value: secret})
					resp, err := app.Test(req, -1)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("GET %s: %d", pg.path, resp.StatusCode)
						return
					}
				}
			})
			reportMs(b, cpu0)
		})
	}
}
