package main

import (
	"context"
	"fmt"
	"io"
)

func cmdExport(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	return fmt.Errorf("export is not available yet")
}

func cmdImport(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	return fmt.Errorf("import is not available yet")
}
