package models

import (
	"context"
	"fmt"
	"time"
)

// SessionPolicy bounds how long a login lasts.
type SessionPolicy struct {
	Idle     time.Duration // ended after this long without a request
	Absolute time.Duration // ended this long after login, active or not
}

// DefaultSessionPolicy: a working day of idleness, a week at most.
var DefaultSessionPolicy = SessionPolicy{Idle: 8 * time.Hour, Absolute: 7 * 24 * time.Hour}

// CreateSession starts a login for u and returns the cookie secret. A new
// random id is issued at every login, so a session id planted before login
// is worthless (no fixation).
func (s *Store) CreateSession(ctx context.Context, u *User, userAgent string, p SessionPolicy) (*Session, string, error) {
	secret := randomToken(32)
	now := s.now()
	sess := &Session{UserID: u.ID, Hash: hashSecret(secret), CSRFToken: randomToken(32), UserAgent: truncate(userAgent, 200),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(p.Absolute)}
	if err := s.w(ctx).Omit("User").Create(sess).Error; err != nil {
		return nil, "", fmt.Errorf("models: create session: %w", err)
	}
	return sess, secret, nil
}

// SessionBySecret resolves a cookie to a live session of an enabled user,
// ending it if it has expired, and slides its idle window.
func (s *Store) SessionBySecret(ctx context.Context, secret string, p SessionPolicy) (*Session, error) {
	if secret == "" || len(secret) > 100 {
		return nil, ErrUnauthorized
	}
	var sess Session
	if err := s.r(ctx).Preload("User").First(&sess, "hash = ?", hashSecret(secret)).Error; err != nil {
		return nil, ErrUnauthorized
	}
	now := s.now()
	if sess.User == nil || sess.User.Disabled || now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > p.Idle {
		_ = s.w(ctx).Delete(&Session{}, "id = ?", sess.ID).Error
		return nil, ErrUnauthorized
	}
	// Refresh last-seen at most once a minute: most requests stay read-only.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.w(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error; err == nil {
			sess.LastSeenAt = now
		}
	}
	return &sess, nil
}

// DeleteSession ends one session (logout).
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	return s.w(ctx).Delete(&Session{}, "id = ?", id).Error
}

// DeleteOtherSessions ends every session of the user but keep.
func (s *Store) DeleteOtherSessions(ctx context.Context, userID, keep int64) (int64, error) {
	res := s.w(ctx).Where("user_id = ? AND id <> ?", userID, keep).Delete(&Session{})
	return res.RowsAffected, res.Error
}

// Sessions lists a user's live sessions.
func (s *Store) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	var ss []Session
	err := s.r(ctx).Where("user_id = ? AND expires_at > ?", userID, s.now()).Order("last_seen_at DESC").Find(&ss).Error
	return ss, err
}
