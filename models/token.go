package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// tokenPrefix makes tokens recognisable in logs and secret scanners.
const tokenPrefix = "pt_"

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a personal API token for user id. The secret is
// returned once; only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, actor *User, userID int64, name string) (*Token, string, error) {
	if actor != nil && actor.ID != userID && !CanAdminister(actor) {
		return nil, "", fmt.Errorf("models: create token: %w", ErrForbidden)
	}
	name = strings.TrimSpace(name)
	if len(name) > 100 {
		return nil, "", Invalid("name", "is too long (100 characters at most)")
	}
	if msg := TextProblem(name); msg != "" {
		return nil, "", Invalid("name", msg)
	}
	if name == "" {
		name = "API token"
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	if u.Disabled {
		return nil, "", Invalid("email", "this account is disabled")
	}
	secret := tokenPrefix + randomToken(32)
	t := &Token{UserID: userID, Name: name, Hash: hashSecret(secret)}
	err = s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("User").Create(t).Error; err != nil {
			return fmt.Errorf("models: create token: %w", err)
		}
		return tx.Create(&Event{ActorID: actorID(actor), Kind: "token_created", Field: "token", NewValue: name, Reason: u.Email, RefID: &t.ID, CreatedAt: s.now()}).Error
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// Tokens lists a user's tokens, newest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	var ts []Token
	err := s.r(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&ts).Error
	return ts, err
}

// RevokeToken revokes a token; its owner or an admin may.
func (s *Store) RevokeToken(ctx context.Context, actor *User, id int64) error {
	return s.w(ctx).Transaction(func(tx *gorm.DB) error {
		var t Token
		if err := tx.First(&t, "id = ?", id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("models: token %d: %w", id, ErrNotFound)
			}
			return err
		}
		if actor != nil && actor.ID != t.UserID && !CanAdminister(actor) {
			return fmt.Errorf("models: revoke token: %w", ErrForbidden)
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := s.now()
		if err := tx.Model(&t).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Create(&Event{ActorID: actorID(actor), Kind: "token_revoked", Field: "token", NewValue: t.Name, RefID: &t.ID, CreatedAt: now}).Error
	})
}

// UserByToken resolves a bearer token to its enabled user and notes its use.
func (s *Store) UserByToken(ctx context.Context, secret string) (*User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return nil, ErrUnauthorized
	}
	var t Token
	err := s.r(ctx).Preload("User").First(&t, "hash = ? AND revoked_at IS NULL", hashSecret(secret)).Error
	if err != nil || t.User == nil || t.User.Disabled {
		return nil, ErrUnauthorized
	}
	now := s.now()
	// Only write last-used once a minute, so API reads stay reads.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		_ = s.w(ctx).Model(&Token{}).Where("id = ?", t.ID).Update("last_used_at", now).Error
	}
	return t.User, nil
}
