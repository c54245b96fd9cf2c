package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"policytracker/models"
)

// errUsage marks a mistake in the command line; the message says what.
var errUsage = errors.New("usage")

// Config is what every command shares: where the data is and the clock's zone.
type Config struct {
	DataDir  string
	DBURL    string
	TZ       string
	Location *time.Location
}

func (c *Config) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", envOr("PT_DATA", "./data"), "data directory (SQLite file and uploads)")
	fs.StringVar(&c.DBURL, "db", os.Getenv("DATABASE_URL"), "database URL (postgres://…) instead of SQLite in --data")
	fs.StringVar(&c.TZ, "tz", os.Getenv("PT_TZ"), "the instance's time zone, e.g. Asia/Baku (default: the machine's)")
}

// Validate checks the shared settings and resolves the time zone.
func (c *Config) Validate() error {
	if c.DBURL != "" && !strings.HasPrefix(c.DBURL, "postgres://") && !strings.HasPrefix(c.DBURL, "postgresql://") {
		return fmt.Errorf("--db must be a postgres:// URL (SQLite is used from --data without --db)")
	}
	if c.DBURL == "" && strings.TrimSpace(c.DataDir) == "" {
		return fmt.Errorf("--data must not be empty")
	}
	c.Location = time.Local
	if c.TZ != "" {
		loc, err := time.LoadLocation(c.TZ)
		if err != nil {
			return fmt.Errorf("--tz %q is not a known time zone", c.TZ)
		}
		c.Location = loc
	}
	return nil
}

// openStore opens and migrates the database.
func (c *Config) openStore(ctx context.Context) (*models.Store, error) {
	store, err := models.Open(models.Options{DataDir: c.DataDir, URL: c.DBURL})
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

type command struct {
	name, help string
	run        func(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server (the default)", cmdServe},
		{"user", "user add|list|set-role|disable|enable", cmdUser},
		{"token", "token create|revoke|list", cmdToken},
		{"export", "write a progress summary (md, csv, json, xlsx, pdf, zip)", cmdExport},
		{"import", "import recommendations from YAML, JSON or CSV", cmdImport},
		{"backup", "write a consistent copy of the database", cmdBackup},
		{"seed", "load the report's catalog (serve does this at start)", cmdSeed},
	}
}

// run is main without os.Exit, so deferred cleanup always runs and tests
// can call it.
func run(args []string, in io.Reader, out, errOut io.Writer) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelInfo})))
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "--help" || name == "-h" {
		usage(out)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(context.Background(), args, in, out, errOut)
		if err == nil || errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(errOut, "policytracker "+name+": "+oneLine(err))
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(errOut, "policytracker: unknown command %q (try 'policytracker help')\n", name)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: policytracker [command] [flags]")
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.help)
	}
	fmt.Fprintln(w, "Every command takes --data DIR (env PT_DATA, default ./data) or --db postgres://… (env DATABASE_URL).")
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, errOut io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	return fs
}

// parseFlags parses and wraps flag errors as usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, a...)...)
}

// oneLine joins a message's lines: cutting at the first one lost the cause
// of errors that put it on the next line (PostgreSQL's "failed to connect
// to …:" is followed by why).
func oneLine(err error) string {
	msg := strings.TrimPrefix(err.Error(), "usage: ")
	var parts []string
	for _, line := range strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, " ")
}
