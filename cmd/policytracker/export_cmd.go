package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"policytracker/models"
	"policytracker/models/export"
)

func cmdExport(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	var cfg Config
	fs := newFlags("export", errOut)
	cfg.addFlags(fs)
	format := fs.String("format", "", "md, csv, json, xlsx, pdf or zip")
	asOf := fs.String("as-of", "", "WHEN: YYYY-MM-DD (end of that day) or an RFC 3339 time (default: now)")
	since := fs.String("since", "", "WHEN the period of changes starts (default: 30 days before --as-of)")
	status := fs.String("status", "", "only items in this status (as of --as-of), or open / closed")
	domain := fs.String("domain", "", "only items of this domain")
	owner := fs.String("owner", "", "only items of this owner (e-mail), or none")
	query := fs.String("q", "", "only items whose text matches")
	bom := fs.Bool("bom", false, "CSV: start with a UTF-8 byte order mark, for Excel")
	dest := fs.String("o", "", "write to FILE (default: standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if !export.ValidFormat(*format) {
		return usageErr("--format must be one of %s", strings.Join(export.Formats, ", "))
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	f := models.Filter{Status: *status, Domain: *domain, Query: *query}
	if err := f.Validate(); err != nil {
		return usageErr("%s", flagProblems(err))
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	at, from, err := models.ParsePeriod(*asOf, *since, store.Now(), cfg.Location)
	if err != nil {
		return usageErr("%s", flagProblems(err))
	}
	if *owner != "" && *owner != "none" {
		u, err := store.UserByEmail(ctx, *owner)
		if err != nil {
			return usageErr("--owner: no user with e-mail %s", *owner)
		}
		f.Owner = strconv.FormatInt(u.ID, 10)
	} else {
		f.Owner = *owner
	}
	rep, err := export.Prepare(ctx, store, export.Options{Format: *format, AsOf: at, Since: from, Filter: f, BOM: *bom})
	if err != nil {
		return err
	}
	if *dest == "" {
		bw := bufio.NewWriterSize(out, 64<<10)
		if err := rep.Write(ctx, bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := writeFileAtomically(*dest, func(w io.Writer) error { return rep.Write(ctx, w) }); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "%s: %d recommendations as of %s written to %s\n", export.Label(*format), rep.Summary.Total, at.Format("2006-01-02 15:04 MST"), *dest)
	return nil
}

// writeFileAtomically writes to a temporary file beside dest and renames it
// into place only when everything was written, so a failed export never
// leaves half a file (nor clobbers an older good one).
func writeFileAtomically(dest string, write func(io.Writer) error) (err error) {
	// Checked first: the rename would fail only at the end, with a message
	// naming the temporary file, after a temporary file was made in the
	// directory's parent.
	if fi, serr := os.Stat(dest); serr == nil && fi.IsDir() {
		return fmt.Errorf("cannot write %s: it is a directory", dest)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", dest, errors.Unwrap(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}

// flagProblems words a validation error with the CLI's flag names.
func flagProblems(err error) string {
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	names := map[string]string{"as_of": "--as-of", "since": "--since", "q": "--q"}
	var parts []string
	for _, k := range sortedKeys(ve.Fields) {
		name := names[k]
		if name == "" {
			name = "--" + k
		}
		parts = append(parts, name+" "+ve.Fields[k])
	}
	return strings.Join(parts, "; ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
