package models

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"gorm.io/gorm"
)

// Uploaded files live under <data dir>/evidence/<first 2 hex of sha256>/<sha256>,
// outside any web root, named by content so identical files are stored once.
// An upload is written to a temporary file in <data dir>/evidence (same file
// system, so the final rename is atomic) while it is hashed; a failed or
// interrupted upload removes its temporary file and never gets a row.

// FileUpload is one uploaded file with the title it is filed under.
type FileUpload struct {
	Title    string // defaults to the file name
	Filename string // as the client named it; only shown and offered back
	Body     io.Reader
	Limit    int64 // largest accepted size in bytes
}

// blobMu serialises "move the blob into place, insert its row, or clean up"
// so that a failed insert never deletes a blob another upload just reused.
// Uploads stream and hash in parallel; only this short step is serial.
var blobMu sync.Mutex

// AddFileEvidence stores an uploaded file as evidence of a recommendation.
// The type is taken from the content against an allow-list; the name the
// client gave plays no part in it.
func (s *Store) AddFileEvidence(ctx context.Context, actor *User, recID int64, up FileUpload) (*Evidence, error) {
	if !CanEdit(actor) {
		return nil, Forbidden("Viewers cannot add evidence.")
	}
	name := CleanFilename(up.Filename)
	title := strings.TrimSpace(up.Title)
	if title == "" {
		title = name
	}
	v := &ValidationError{}
	validateTitle(v, title)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := requireRecommendation(s.r(ctx), recID); err != nil {
		return nil, err
	}
	tmp, err := s.receiveBlob(up.Body, up.Limit)
	if err != nil {
		return nil, err
	}
	defer tmp.discard()
	ctype, err := sniffContent(tmp.path, tmp.size, name)
	if err != nil {
		return nil, err
	}
	e := &Evidence{RecommendationID: recID, Kind: EvidenceFile, Title: title, Filename: name, ContentType: ctype,
		Size: tmp.size, SHA256: tmp.sum, AddedByID: actor.ID}
	blobMu.Lock()
	defer blobMu.Unlock()
	if err := s.placeBlob(tmp); err != nil {
		return nil, err
	}
	err = s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireRecommendation(tx, recID); err != nil {
			return err
		}
		return s.insertEvidence(tx, e)
	})
	if err != nil {
		s.dropUnusedBlob(tmp.sum)
		return nil, err
	}
	e.AddedBy = actor
	return e, nil
}

// blobTemp is an upload received into a temporary file.
type blobTemp struct {
	path string
	size int64
	sum  string
}

func (b *blobTemp) discard() {
	if b.path != "" {
		_ = os.Remove(b.path)
	}
}

func (s *Store) evidenceDir() (string, error) {
	if s.dataDir == "" {
		return "", errors.New("models: no data directory for evidence files")
	}
	dir := filepath.Join(s.dataDir, "evidence")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("models: create evidence directory: %w", err)
	}
	return dir, nil
}

// receiveBlob copies r into a new temporary file while hashing it, reading
// at most limit+1 bytes so an oversized upload is refused without storing
// it. On any error the temporary file is gone.
func (s *Store) receiveBlob(r io.Reader, limit int64) (*blobTemp, error) {
	if r == nil {
		return nil, Invalid("file", "is required")
	}
	if limit <= 0 {
		return nil, errors.New("models: no upload size limit")
	}
	dir, err := s.evidenceDir()
	if err != nil {
		return nil, err
	}
	removeStaleUploads(dir, s.now())
	var rnd [12]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, ".upload-"+hex.EncodeToString(rnd[:]))
	// O_EXCL: never write into a file that someone else created there.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("models: create upload file: %w", err)
	}
	tmp := &blobTemp{path: path}
	fail := func(err error) (*blobTemp, error) {
		f.Close()
		tmp.discard()
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if err != nil {
		return fail(fmt.Errorf("models: receive upload: %w", err))
	}
	if n > limit {
		return fail(fmt.Errorf("models: upload larger than %d bytes: %w", limit, ErrTooLarge))
	}
	if n == 0 {
		return fail(Invalid("file", "is empty"))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("models: write upload: %w", err))
	}
	if err := f.Close(); err != nil {
		tmp.discard()
		return nil, fmt.Errorf("models: write upload: %w", err)
	}
	tmp.size, tmp.sum = n, hex.EncodeToString(h.Sum(nil))
	return tmp, nil
}

// removeStaleUploads deletes temporary files a crashed process left behind.
// A day is far longer than any upload takes.
func removeStaleUploads(dir string, now time.Time) {
	old, _ := filepath.Glob(filepath.Join(dir, ".upload-*"))
	for _, p := range old {
		if fi, err := os.Stat(p); err == nil && now.Sub(fi.ModTime()) > 24*time.Hour {
			_ = os.Remove(p)
		}
	}
}

// placeBlob moves a received file to its content address, or drops it when
// the same bytes are stored already. Call with blobMu held.
func (s *Store) placeBlob(tmp *blobTemp) error {
	final, err := s.blobPath(tmp.sum)
	if err != nil {
		return err
	}
	if _, err := os.Stat(final); err == nil {
		return nil // identical bytes are stored once; the temp file goes in discard
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return fmt.Errorf("models: create evidence directory: %w", err)
	}
	if err := os.Rename(tmp.path, final); err != nil {
		return fmt.Errorf("models: store upload: %w", err)
	}
	tmp.path = ""
	return nil
}

// dropUnusedBlob removes a stored file that no evidence row refers to: the
// clean-up after a row could not be written. Call with blobMu held.
func (s *Store) dropUnusedBlob(sum string) {
	var n int64
	if err := s.db.Model(&Evidence{}).Where("sha256 = ?", sum).Count(&n).Error; err != nil || n > 0 {
		return
	}
	if p, err := s.blobPath(sum); err == nil {
		_ = os.Remove(p)
	}
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// blobPath is where the file with this SHA-256 lives. The sum is checked
// so that no stored value can steer the path elsewhere.
func (s *Store) blobPath(sum string) (string, error) {
	if !sha256Hex.MatchString(sum) {
		return "", fmt.Errorf("models: bad file hash %q", sum)
	}
	if s.dataDir == "" {
		return "", errors.New("models: no data directory for evidence files")
	}
	return filepath.Join(s.dataDir, "evidence", sum[:2], sum), nil
}

// OpenEvidenceFile opens the stored file of a file evidence item for a
// signed-in reader. Removed evidence is not served: it was taken out for a
// reason (a wrong or sensitive file); its record stays in the history.
func (s *Store) OpenEvidenceFile(ctx context.Context, actor *User, id int64) (*Evidence, *os.File, error) {
	if !CanRead(actor) {
		return nil, nil, ErrUnauthorized
	}
	e, err := loadEvidence(s.r(ctx), id)
	if err != nil {
		return nil, nil, err
	}
	if e.Kind != EvidenceFile {
		return nil, nil, fmt.Errorf("models: evidence %d has no file: %w", id, ErrNotFound)
	}
	if e.Removed {
		return nil, nil, &RuleError{Msg: "This evidence was removed; its file is no longer served.", Kind: ErrNotFound}
	}
	p, err := s.blobPath(e.SHA256)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, fmt.Errorf("models: open file of evidence %d: %w", id, err)
	}
	return e, f, nil
}

// CleanFilename keeps the last path element of a client's file name,
// without control characters, quotes or separators, at most 200 bytes.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '\uFFFD' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		name = "upload"
	}
	return name
}

// Allowed content types. Office formats are recognised by their container
// (a ZIP with the format's parts, or an OLE compound file with its streams),
// so a renamed archive or installer does not pass.
const (
	typePDF  = "application/pdf"
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	typeDOC  = "application/msword"
	typeXLS  = "application/vnd.ms-excel"
	typePPT  = "application/vnd.ms-powerpoint"
	typeCSV  = "text/csv; charset=utf-8"
)

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// InlineSafe reports whether a stored type may be shown in the browser
// rather than downloaded: images that cannot carry script. PDFs are
// downloaded: Chromium refuses to run its PDF viewer under the
// "Content-Security-Policy: sandbox" every download carries, which would
// show an empty page instead of the document.
func InlineSafe(contentType string) bool {
	switch contentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// AllowedUploads describes the allow-list for people.
const AllowedUploads = "PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, OpenDocument, plain text or CSV"

// sniffContent decides the type of a received file from its bytes.
func sniffContent(path string, size int64, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("models: read upload: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("models: read upload: %w", err)
	}
	head = head[:n]
	refuse := Invalid("file", "This type of file is not accepted. Upload "+AllowedUploads+". The type is read from the file's content, not its name.")
	if bytes.HasPrefix(head, oleMagic) {
		if t := oleType(f); t != "" {
			return t, nil
		}
		return "", refuse
	}
	detected := http.DetectContentType(head)
	switch {
	case detected == typePDF, detected == "image/png", detected == "image/jpeg", detected == "image/gif", detected == "image/webp":
		return detected, nil
	case detected == "application/zip":
		if t := zipType(f, size); t != "" {
			return t, nil
		}
		return "", refuse
	case strings.HasPrefix(detected, "text/plain"):
		// The first 512 bytes looked like text; make sure the rest holds
		// no binary either, so text/plain is an honest label.
		if ok, err := allText(f); err != nil {
			return "", err
		} else if !ok {
			return "", refuse
		}
		if strings.EqualFold(filepath.Ext(name), ".csv") {
			return typeCSV, nil
		}
		return detected, nil
	}
	return "", refuse
}

func allText(f *os.File) (bool, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if bytes.IndexByte(buf[:n], 0) >= 0 {
			return false, nil
		}
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("models: read upload: %w", err)
		}
	}
}

// zipType recognises Office Open XML and OpenDocument files by their parts.
func zipType(f *os.File, size int64) string {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return ""
	}
	names := map[string]*zip.File{}
	for _, zf := range zr.File {
		names[zf.Name] = zf
	}
	if _, ok := names["[Content_Types].xml"]; ok {
		switch {
		case names["word/document.xml"] != nil:
			return typeDOCX
		case names["xl/workbook.xml"] != nil:
			return typeXLSX
		case names["ppt/presentation.xml"] != nil:
			return typePPTX
		}
		return ""
	}
	if mt := names["mimetype"]; mt != nil && mt.UncompressedSize64 < 100 {
		rc, err := mt.Open()
		if err != nil {
			return ""
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 100))
		switch t := string(b); t {
		case "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
			"application/vnd.oasis.opendocument.presentation":
			return t
		}
	}
	return ""
}

// oleType recognises legacy Word, Excel and PowerPoint files by the streams
// of their compound file; other OLE files (installers, for one) are refused.
func oleType(f *os.File) (t string) {
	defer func() {
		// A malformed compound file must be refused, not crash the upload.
		if recover() != nil {
			t = ""
		}
	}()
	doc, err := mscfb.New(f)
	if err != nil {
		return ""
	}
	for _, e := range doc.File {
		switch e.Name {
		case "WordDocument":
			return typeDOC
		case "Workbook", "Book":
			return typeXLS
		case "PowerPoint Document":
			return typePPT
		}
	}
	return ""
}
