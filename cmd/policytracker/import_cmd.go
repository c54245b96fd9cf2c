package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"policytracker/models"
	"policytracker/models/importer"
)

// cmdImport reads recommendations from a YAML, JSON or CSV file. Every row
// is checked before anything is written: a file with one problem changes
// nothing, and every problem is listed with its line.
func cmdImport(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	var cfg Config
	fs := newFlags("import", errOut)
	cfg.addFlags(fs)
	dryRun := fs.Bool("dry-run", false, "check the file and say what would change, without writing")
	as := fs.String("as", "", "e-mail of the team member the tracking changes are made as (needed when the file changes status, owner…)")
	format := fs.String("format", "", "yaml, json or csv (default: from the file name or content)")
	// Flags may follow the file name: policytracker import FILE --dry-run.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		if err := parseFlags(fs, fs.Args()[1:]); err != nil {
			return err
		}
	}
	if fs.NArg() > 0 && fs.Arg(0) != file {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if file == "" {
		return usageErr("which file? policytracker import FILE [--dry-run]")
	}
	switch *format {
	case "", importer.YAML, importer.JSON, importer.CSV:
	default:
		return usageErr("--format must be yaml, json or csv")
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	data, err := readLimited(file, importer.MaxFileSize)
	if err != nil {
		return err
	}
	rows, problems, err := importer.Parse(*format, file, data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	var actor *models.User
	if *as != "" {
		if actor, err = store.UserByEmail(ctx, *as); err != nil || actor.Disabled {
			return usageErr("--as: no active team member with e-mail %s", *as)
		}
	}
	plan, err := store.PlanImport(ctx, actor, rows)
	if err != nil {
		return err
	}
	problems = append(problems, plan.Problems...)
	if len(problems) > 0 {
		// The list is the command's report (stdout); stderr keeps the
		// contract's one-line failure message.
		for _, p := range sortProblems(problems) {
			fmt.Fprintf(out, "%s: %s\n", file, p)
		}
		return fmt.Errorf("%s: %s (listed above); nothing was imported", file, plural(len(problems), "problem"))
	}
	for _, a := range plan.Actions {
		line := fmt.Sprintf("%-6s %s", a.Code, a.Action)
		if len(a.Changes) > 0 {
			line += ": " + strings.Join(a.Changes, "; ")
		}
		fmt.Fprintln(out, line)
	}
	summary := fmt.Sprintf("%d items: %d added, %d updated, %d unchanged", len(plan.Actions),
		plan.Count(models.ImportAdded), plan.Count(models.ImportUpdated), plan.Count(models.ImportUnchanged))
	if *dryRun {
		fmt.Fprintln(out, summary+" (dry run: nothing was written)")
		return nil
	}
	if err := store.ApplyImport(ctx, actor, plan); err != nil {
		return err
	}
	fmt.Fprintln(out, summary)
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// readLimited reads a whole file, refusing one larger than limit.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	// A directory opens fine and fails only on read, as "read DIR: is a directory".
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("cannot read %s: it is a directory, not a file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MB", path, limit>>20)
	}
	return data, nil
}

// sortProblems orders problems by line, keeping each line's order.
func sortProblems(ps []models.ImportProblem) []models.ImportProblem {
	out := append([]models.ImportProblem(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
