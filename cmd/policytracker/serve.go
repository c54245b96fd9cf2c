package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"policytracker/handlers"
	"policytracker/seed"
)

func cmdServe(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	var cfg Config
	fs := newFlags("serve", errOut)
	cfg.addFlags(fs)
	addr := fs.String("addr", envOr("PT_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT")
	secure := fs.Bool("secure-cookies", os.Getenv("PT_SECURE_COOKIES") == "1", "mark cookies Secure (serve behind HTTPS)")
	pageCache := fs.Bool("page-cache", os.Getenv("PT_PAGE_CACHE") != "off", "reuse rendered pages until the data changes (off only to measure)")
	maxUpload := fs.Int64("max-upload-mb", envInt("PT_MAX_UPLOAD_MB", 25), "largest evidence file, in MB")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usageErr("--addr %q is not HOST:PORT", *addr)
	}
	if *maxUpload < 1 || *maxUpload > 2048 {
		return usageErr("--max-upload-mb must be between 1 and 2048")
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := seed.Load(ctx, store)
	if err != nil {
		return err
	}
	log := slog.Default()
	log.Info("catalog loaded", "added", res.Added, "updated", res.Updated, "unchanged", res.Unchanged)
	app, err := handlers.New(store, handlers.Config{SecureCookies: *secure, MaxUpload: *maxUpload << 20, NoPageCache: !*pageCache, Location: cfg.Location, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// Printed on stdout so scripts and tests can learn the port of ":0".
	fmt.Fprintf(out, "policytracker listening on http://%s\n", ln.Addr())
	if n, err := store.UserCount(ctx); err == nil && n == 0 {
		fmt.Fprintf(out, "No account yet: open http://%s/setup to create the first admin.\n", ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case err := <-errc:
		return err
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	}
	// Shutdown with a deadline: plain Shutdown waits forever on keep-alive clients.
	if err := app.ShutdownWithTimeout(10 * time.Second); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Error("shutdown", "err", err)
	}
	return nil
}

func cmdSeed(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	var cfg Config
	fs := newFlags("seed", errOut)
	cfg.addFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := seed.Load(ctx, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "catalog: %d added, %d updated, %d unchanged\n", res.Added, res.Updated, res.Unchanged)
	return nil
}

func envInt(k string, def int64) int64 {
	if v := os.Getenv(k); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return def
}
