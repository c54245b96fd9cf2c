package export

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"policytracker/models"
)

// The evidence bundle is for readers outside the team: the memo, the
// complete JSON, every evidence file as stored, and MANIFEST.sha256 in
// sha256sum's format so that `sha256sum -c MANIFEST.sha256` proves nothing
// was altered after export. Problems (a missing stored file, a file whose
// bytes no longer match the SHA-256 recorded at upload) are written as
// comment lines of the manifest, which sha256sum ignores, and in README.txt.

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// EvidencePath is where an uploaded evidence file is stored:
// <data dir>/evidence/<first two hex digits>/<sha256>. The hash is checked
// so that a bad value can never point outside that folder.
func EvidencePath(dataDir, sum string) (string, error) {
	if !sha256Hex.MatchString(sum) {
		return "", fmt.Errorf("export: %q is not a SHA-256", sum)
	}
	return filepath.Join(dataDir, "evidence", sum[:2], sum), nil
}

// bundleName is the evidence file's name inside the zip: its id and its
// original name made safe (no folders, no control characters).
func bundleName(e *models.Evidence) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, e.Filename)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		name = "file"
	}
	return fmt.Sprintf("evidence/%d-%s", e.ID, clip(name, 120))
}

type zipBundle struct {
	zw       *zip.Writer
	manifest []string
	problems []string
	r        *Report
}

// add writes one entry, hashing exactly the bytes stored.
func (b *zipBundle) add(name string, write func(io.Writer) error) (string, error) {
	fw, err := b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: b.r.GeneratedAt})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if err := write(io.MultiWriter(fw, h)); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	b.manifest = append(b.manifest, sum+"  "+name)
	return sum, nil
}

func (r *Report) writeZip(ctx context.Context, w io.Writer) error {
	b := &zipBundle{zw: zip.NewWriter(w), r: r}
	if _, err := b.add("summary.md", func(w io.Writer) error { return r.writeMarkdown(ctx, w) }); err != nil {
		return err
	}
	if _, err := b.add("summary.json", func(w io.Writer) error { return r.writeJSON(ctx, w) }); err != nil {
		return err
	}
	files := 0
	err := r.each(ctx, models.DetailOptions{Evidence: true}, func(batch []Item) error {
		for _, it := range batch {
			for i := range it.Evidence {
				e := &it.Evidence[i]
				if e.SHA256 == "" {
					continue // links and citations have no file
				}
				ok, err := b.addEvidence(it.Code, e)
				if err != nil {
					return err
				}
				if ok {
					files++
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := b.add("README.txt", func(w io.Writer) error { return r.bundleReadme(w, files, b.problems) }); err != nil {
		return err
	}
	fw, err := b.zw.CreateHeader(&zip.FileHeader{Name: "MANIFEST.sha256", Method: zip.Deflate, Modified: r.GeneratedAt})
	if err != nil {
		return err
	}
	var sb strings.Builder
	for _, p := range b.problems {
		sb.WriteString("# " + p + "\n")
	}
	for _, line := range b.manifest {
		sb.WriteString(line + "\n")
	}
	if _, err := io.WriteString(fw, sb.String()); err != nil {
		return err
	}
	return b.zw.Close()
}

// addEvidence copies one stored file into the bundle. A missing file is a
// problem to report, not a reason to fail the whole export.
func (b *zipBundle) addEvidence(code string, e *models.Evidence) (bool, error) {
	name := bundleName(e)
	path, err := EvidencePath(b.r.store.DataDir(), e.SHA256)
	if err != nil {
		b.problems = append(b.problems, fmt.Sprintf("%s: %s of %s has an invalid SHA-256 on record; file left out", name, e.Title, code))
		return false, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		b.problems = append(b.problems, fmt.Sprintf("missing: %s (%s) — the stored file is missing; recorded SHA-256 %s", name, code, e.SHA256))
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	sum, err := b.add(name, func(w io.Writer) error { _, err := io.Copy(w, f); return err })
	if err != nil {
		return false, err
	}
	if sum != e.SHA256 {
		b.problems = append(b.problems, fmt.Sprintf("altered: %s (%s) — its bytes no longer match the SHA-256 recorded at upload (%s)", name, code, e.SHA256))
	}
	return true, nil
}

func (r *Report) bundleReadme(w io.Writer, files int, problems []string) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Policy Tracker — evidence bundle\r\n\r\n%s.\r\nGenerated %s.\r\n", r.period(), r.stamp(r.GeneratedAt))
	if f := r.filterText(); f != "" {
		fmt.Fprintf(&sb, "Filters: %s.\r\n", f)
	}
	fmt.Fprintf(&sb, "\r\nContents:\r\n  summary.md       the briefing memo\r\n  summary.json     every item with its notes, evidence and history (schema_version %d)\r\n", SchemaVersion)
	fmt.Fprintf(&sb, "  evidence/        %d evidence files, named <evidence id>-<original name>\r\n", files)
	fmt.Fprintf(&sb, "  MANIFEST.sha256  the SHA-256 of every other file\r\n\r\n")
	fmt.Fprintf(&sb, "To check that nothing was altered, unpack the bundle and run in its folder:\r\n  sha256sum -c MANIFEST.sha256\r\n")
	fmt.Fprintf(&sb, "Each evidence file's SHA-256 is also recorded at upload in summary.json (evidence[].sha256).\r\n")
	if len(problems) > 0 {
		fmt.Fprintf(&sb, "\r\nProblems found while exporting:\r\n")
		for _, p := range problems {
			fmt.Fprintf(&sb, "  - %s\r\n", p)
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
