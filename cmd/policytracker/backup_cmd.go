package main

import (
	"context"
	"fmt"
	"io"
)

func cmdBackup(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	var cfg Config
	fs := newFlags("backup", errOut)
	cfg.addFlags(fs)
	dest := fs.String("o", "", "the backup file to write (must not exist)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if *dest == "" {
		return usageErr("-o FILE is required")
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, *dest); err != nil {
		return err
	}
	fmt.Fprintf(out, "backup written to %s\n", *dest)
	return nil
}
