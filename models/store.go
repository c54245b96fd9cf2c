package models

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store is the application's only door to the database. It is created once
// in cmd/ and passed to whoever needs it; there is no global handle.
type Store struct {
	db      *gorm.DB // writer (and reader on PostgreSQL)
	read    *gorm.DB // reader pool; same as db on PostgreSQL
	dialect string   // "sqlite" or "postgres"
	now     func() time.Time
	dataDir string

	dash  dashboardCache // the dashboard's team-wide part (dashboard_cache.go)
	codes codeCache      // recommendation codes for note links (note.go)
}

// Options says where the data lives.
type Options struct {
	DataDir string // directory holding policytracker.db and uploads
	URL     string // postgres://… overrides DataDir's SQLite file
	Now     func() time.Time
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(opt Options) (*Store, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	utcNow := func() time.Time { return now().UTC() }
	cfg := &gorm.Config{
		NowFunc:        utcNow,
		Logger:         logger.Discard,
		TranslateError: true,
	}
	s := &Store{now: utcNow, dataDir: opt.DataDir}
	if strings.HasPrefix(opt.URL, "postgres://") || strings.HasPrefix(opt.URL, "postgresql://") {
		db, err := gorm.Open(postgres.New(postgres.Config{DSN: opt.URL}), cfg)
		if err != nil {
			return nil, fmt.Errorf("models: open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		if err := sqlDB.Ping(); err != nil {
			return nil, fmt.Errorf("models: connect postgres: %w", err)
		}
		sqlDB.SetMaxOpenConns(16)
		s.db, s.read, s.dialect = db, db, "postgres"
		return s, nil
	}
	if opt.URL != "" {
		return nil, fmt.Errorf("models: unsupported database URL (want postgres://…)")
	}
	if opt.DataDir == "" {
		return nil, fmt.Errorf("models: no data directory")
	}
	if err := os.MkdirAll(opt.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("models: create data directory: %w", err)
	}
	path := filepath.Join(opt.DataDir, "policytracker.db")
	// Settings, each on purpose (see shared/STACK.md):
	//   _journal_mode=WAL   readers never block the writer and vice versa;
	//   _busy_timeout=5000  a second process (backup, CLI) waits instead of failing;
	//   _foreign_keys=on    per connection, so it belongs in the DSN;
	//   _txlock=immediate   a transaction takes the write lock up front, which
	//                       avoids "database is locked" on read-then-write upgrades.
	base := "file:" + path + "?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=NORMAL"
	w, err := gorm.Open(sqlite.Open(base+"&_txlock=immediate"), cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, err
	}
	// One writer connection: SQLite allows one writer anyway, and a single
	// connection serialises writes in Go instead of in busy-wait loops.
	wdb.SetMaxOpenConns(1)
	if err := wdb.Ping(); err != nil {
		return nil, fmt.Errorf("models: open %s: %w", path, err)
	}
	r, err := gorm.Open(sqlite.Open(base+"&_query_only=1"), cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open reader %s: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		return nil, err
	}
	// A read pool as wide as the machine: WAL lets these run beside the
	// writer, and SQLite work is CPU-bound, so more connections than cores
	// only add contention. On 2 cores (cmd/ptbench/load.sh, 64 connections)
	// 2 readers gave a p99 of 21–28 ms on the list, item and dashboard
	// pages, 4 readers 44–58 ms and 16 readers 61–100 ms, at equal req/s.
	readers := max(2, runtime.NumCPU())
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	s.db, s.read, s.dialect = w, r, "sqlite"
	return s, nil
}

// Close releases both handles.
func (s *Store) Close() error {
	var first error
	for _, g := range []*gorm.DB{s.read, s.db} {
		if g == nil {
			continue
		}
		if d, err := g.DB(); err == nil {
			if err := d.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Now is the store's clock (UTC), injectable for tests.
func (s *Store) Now() time.Time { return s.now() }

// DataDir is where uploads and the SQLite file live.
func (s *Store) DataDir() string { return s.dataDir }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	d, err := s.read.DB()
	if err != nil {
		return err
	}
	return d.PingContext(ctx)
}

func (s *Store) r(ctx context.Context) *gorm.DB { return s.read.WithContext(ctx) }
func (s *Store) w(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }
