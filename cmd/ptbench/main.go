// Command ptbench makes the synthetic data set of the speed targets
// (issues 2 and 5) and is the home of the benchmarks and the load script:
//
//	go run ./cmd/ptbench gen --data /tmp/ptbench        # 10,000 items, 100,000 events, …
//	cmd/ptbench/load.sh /tmp/ptbench                    # wrk runs against the real binary
//	go test ./cmd/ptbench -run '^$' -bench . -benchtime 200x
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"policytracker/models"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is main without os.Exit, so deferred cleanup runs.
func run(args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] != "gen" {
		fmt.Fprintln(errOut, "usage: ptbench gen --data DIR [--items 10000 --events 100000 --notes 100000 --evidence 20000 --seed 1]")
		return 2
	}
	if err := cmdGen(context.Background(), args[1:], out); err != nil {
		fmt.Fprintln(errOut, "ptbench gen: "+strings.TrimPrefix(err.Error(), "usage: "))
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

func cmdGen(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("data", "", "data directory to create (must not hold a database yet)")
	var p genParams
	fs.IntVar(&p.Items, "items", 10_000, "synthetic recommendations (the report's own catalog is added too)")
	fs.IntVar(&p.Events, "events", 100_000, "history entries of the items: one \"created\" each, the rest field changes")
	fs.IntVar(&p.Notes, "notes", 100_000, "notes")
	fs.IntVar(&p.Evidence, "evidence", 20_000, "evidence items (links and citations)")
	fs.Int64Var(&p.Seed, "seed", 1, "random seed: the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *dir == "" {
		return fmt.Errorf("%w: --data DIR is required", errUsage)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	dbPath := filepath.Join(*dir, "policytracker.db")
	if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("%s already exists: the generator only fills a fresh database (remove it or pick another --data)", dbPath)
	}
	start := time.Now()
	store, err := models.Open(models.Options{DataDir: *dir})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "ptbench: generating into %s (seed %d)\n", dbPath, p.Seed)
	res, err := generate(ctx, store, p, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "made: %d synthetic items (R-0001…) + %d of the report's catalog, %d sources, %d history events,\n",
		res.Items, res.Catalog, res.Sources, res.History)
	fmt.Fprintf(out, "      %d notes, %d evidence items, %d note/evidence events, %d users\n", res.Notes, res.Evidence, res.ActionEvents, res.Users)
	fmt.Fprintf(out, "took: %s\n", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(out, "login: %s / %s (every generated user has this password)\n", benchAdminEmail, benchPassword)
	fmt.Fprintf(out, "API token of %s:\n%s\n", benchAdminEmail, res.Token)
	return nil
}
