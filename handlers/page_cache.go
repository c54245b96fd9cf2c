package handlers

import (
	"bytes"
	"container/list"
	"fmt"
	"html/template"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The list, item and dashboard pages are read far more often than anything
// changes. Their main content is kept here, rendered, and reused until the
// data changes. "Changed" is the highest event id (models.DataVersion):
// every change of an item, note, evidence or account writes an event, from
// this process or another (the CLI), so nothing is ever served stale on
// SQLite, where ids commit in order. PostgreSQL can commit ids out of
// order, so there entries also expire after a few seconds.
//
// Measured with cmd/ptbench (10,000 items): the item page cost ~14 CPU-ms
// and the list page ~3.5 CPU-ms to build; a reused fragment costs a
// session lookup, one index read and the layout.
//
// Content is per user (their items, their own notes' buttons, their role)
// and per day (overdue marks). Forms inside it carry the session's CSRF
// token, so the token is rendered as a per-process random mark and put in
// at serving time.

const (
	pageCacheBytes = 32 << 20 // bound on memory, whatever the query strings
	pageCacheTTLPG = 5 * time.Second
)

type fragment struct {
	key     string
	version int64
	at      time.Time
	title   string
	nav     string
	html    []byte
}

type pageCache struct {
	mu    sync.Mutex
	ll    *list.List // most recently used first
	byKey map[string]*list.Element
	bytes int
	ttl   time.Duration // 0: no expiry
	mark  string        // stands for the CSRF token in stored content
}

func newPageCache(ttl time.Duration) *pageCache {
	return &pageCache{ll: list.New(), byKey: map[string]*list.Element{}, ttl: ttl, mark: "csrf" + newSecret()}
}

func (pc *pageCache) get(key string, version int64) *fragment {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	el, ok := pc.byKey[key]
	if !ok {
		return nil
	}
	f := el.Value.(*fragment)
	if f.version != version || (pc.ttl > 0 && time.Since(f.at) > pc.ttl) {
		pc.remove(el)
		return nil
	}
	pc.ll.MoveToFront(el)
	return f
}

func (pc *pageCache) put(f *fragment) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if el, ok := pc.byKey[f.key]; ok {
		pc.remove(el)
	}
	if len(f.html) > pageCacheBytes/8 {
		return
	}
	pc.byKey[f.key] = pc.ll.PushFront(f)
	pc.bytes += len(f.html)
	for pc.bytes > pageCacheBytes {
		pc.remove(pc.ll.Back())
	}
}

func (pc *pageCache) remove(el *list.Element) {
	f := el.Value.(*fragment)
	pc.ll.Remove(el)
	delete(pc.byKey, f.key)
	pc.bytes -= len(f.html)
}

// builtPage is what a cached page's builder returns: the page data, a
// pointer to its Base, and whether it may be stored (a page that shows a
// problem, with a 4xx status, is served once and never reused).
type builtPage struct {
	data      any
	base      *Base
	cacheable bool
}

// renderCachedPage serves page name from the cache, or builds it with
// build, stores its content and serves it.
func (s *Server) renderCachedPage(c *fiber.Ctx, name string, build func() (builtPage, error)) error {
	if s.cache == nil {
		bp, err := build()
		if err != nil {
			return err
		}
		return s.renderPage(c, name, bp.data)
	}
	version, err := s.store.DataVersion(c.UserContext())
	if err != nil {
		return err
	}
	u := currentUser(c)
	if u == nil {
		return fmt.Errorf("handlers: cached page %s without a user", name)
	}
	today := s.store.Now().In(s.cfg.Location).Format("2006-01-02")
	key := fmt.Sprintf("%s|%d|%s|%s|%s", name, u.ID, today, c.Path(), c.Request().URI().QueryString())
	if f := s.cache.get(key, version); f != nil {
		b := s.base(c, f.title)
		b.Nav = f.nav
		return s.serveFragment(c, name, b, f)
	}
	bp, err := build()
	if err != nil {
		return err
	}
	if !bp.cacheable {
		return s.renderPage(c, name, bp.data)
	}
	data, b := bp.data, bp.base
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("handlers: no page template %q", name)
	}
	real := b.CSRF
	b.CSRF = s.cache.mark
	var buf bytes.Buffer
	err = t.ExecuteTemplate(&buf, "content", data)
	b.CSRF = real
	if err != nil {
		return fmt.Errorf("handlers: render %s: %w", name, err)
	}
	f := &fragment{key: key, version: version, at: time.Now(), title: b.Title, nav: b.Nav, html: buf.Bytes()}
	s.cache.put(f)
	return s.serveFragment(c, name, *b, f)
}

// serveFragment puts stored content into the layout for this request.
func (s *Server) serveFragment(c *fiber.Ctx, name string, b Base, f *fragment) error {
	html := bytes.ReplaceAll(f.html, []byte(s.cache.mark), []byte(b.CSRF))
	b.CachedContent = template.HTML(html) // rendered and escaped by our own templates
	return s.renderPage(c, name, &b)
}
