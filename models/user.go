package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"gorm.io/gorm"
)

// NewUser is the input for creating an account.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

// NormaliseEmail lowercases and trims an address so lookups are exact.
func NormaliseEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Validate checks a new account.
func (n *NewUser) Validate() error {
	v := &ValidationError{}
	n.Email = NormaliseEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || len(n.Email) > 254 {
		v.Add("email", "is not a valid e-mail address")
	}
	checkText(v, "name", n.Name)
	if n.Name == "" {
		v.Add("name", "is required")
	} else if len(n.Name) > 100 {
		v.Add("name", "is too long (100 characters at most)")
	}
	if !n.Role.Valid() {
		v.Add("role", "must be viewer, member, lead or admin")
	}
	if err := ValidatePassword(n.Password); err != nil {
		var ve *ValidationError
		errors.As(err, &ve)
		v.Add("password", ve.Fields["password"])
	}
	return v.Err()
}

// CreateUser adds an account. actor is nil for the CLI and first-run setup.
func (s *Store) CreateUser(ctx context.Context, actor *User, n NewUser) (*User, error) {
	if actor != nil && !CanAdminister(actor) {
		return nil, fmt.Errorf("models: create user: %w", ErrForbidden)
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: hash}
	err = s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return Invalid("email", "an account with this e-mail already exists")
			}
			return fmt.Errorf("models: create user: %w", err)
		}
		return tx.Create(&Event{ActorID: actorID(actor), Kind: "user_created", Field: "user", NewValue: u.Email + " (" + string(u.Role) + ")", RefID: &u.ID, CreatedAt: s.now()}).Error
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateFirstAdmin creates the first account, and only while none exists:
// the check and the insert share one write transaction, so two racing
// setup forms cannot both win.
func (s *Store) CreateFirstAdmin(ctx context.Context, n NewUser) (*User, error) {
	n.Role = RoleAdmin
	if err := n.Validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: n.Email, Name: n.Name, Role: RoleAdmin, PasswordHash: hash}
	err = s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockUsers(tx); err != nil {
			return err
		}
		var count int64
		if err := tx.Model(&User{}).Count(&count).Error; err != nil {
			return err
		}
		if count > 0 {
			return fmt.Errorf("models: setup is already done: %w", ErrForbidden)
		}
		if err := tx.Create(u).Error; err != nil {
			return fmt.Errorf("models: create first admin: %w", err)
		}
		return tx.Create(&Event{ActorID: &u.ID, Kind: "user_created", Field: "user", NewValue: u.Email + " (admin, first-run setup)", RefID: &u.ID, CreatedAt: s.now()}).Error
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserCount counts accounts; zero means first-run setup is open.
func (s *Store) UserCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.r(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// User loads an account by id.
func (s *Store) User(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.r(ctx).First(&u, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("models: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("models: load user %d: %w", id, err)
	}
	return &u, nil
}

// UserByEmail loads an account by e-mail.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	// No account can have such an address, and PostgreSQL would refuse the
	// query itself (a login form posting %00 got a 500).
	if TextProblem(email) != "" {
		return nil, fmt.Errorf("models: user %q: %w", email, ErrNotFound)
	}
	var u User
	err := s.r(ctx).First(&u, "email = ?", NormaliseEmail(email)).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("models: user %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("models: load user: %w", err)
	}
	return &u, nil
}

// Users lists every account, enabled first, by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	var us []User
	err := s.r(ctx).Order("disabled, name, id").Find(&us).Error
	if err != nil {
		return nil, fmt.Errorf("models: list users: %w", err)
	}
	return us, nil
}

// SetRole changes an account's role.
func (s *Store) SetRole(ctx context.Context, actor *User, id int64, role Role) (*User, error) {
	if actor != nil && !CanAdminister(actor) {
		return nil, fmt.Errorf("models: set role: %w", ErrForbidden)
	}
	if !role.Valid() {
		return nil, Invalid("role", "must be viewer, member, lead or admin")
	}
	var u User
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&u, "id = ?", id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("models: user %d: %w", id, ErrNotFound)
			}
			return err
		}
		if u.Role == role {
			return nil
		}
		if u.Role == RoleAdmin {
			if err := ensureAnotherAdmin(tx, u.ID); err != nil {
				return err
			}
		}
		old := u.Role
		u.Role = role
		if err := tx.Model(&u).Updates(map[string]any{"role": role, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return tx.Create(&Event{ActorID: actorID(actor), Kind: "role_changed", Field: "role", OldValue: string(old), NewValue: string(role), Reason: u.Email, RefID: &u.ID, CreatedAt: s.now()}).Error
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// ensureAnotherAdmin refuses to demote or disable the last enabled admin,
// which would lock the team out of its own instance.
func ensureAnotherAdmin(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&User{}).Where("role = ? AND disabled = ? AND id <> ?", RoleAdmin, false, id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return Invalid("role", "this is the last enabled admin; make someone else admin first")
	}
	return nil
}

// SetDisabled disables (or re-enables) an account. Disabling ends every
// session and revokes every token of the account at once.
func (s *Store) SetDisabled(ctx context.Context, actor *User, id int64, disabled bool) (*User, error) {
	if actor != nil && !CanAdminister(actor) {
		return nil, fmt.Errorf("models: disable user: %w", ErrForbidden)
	}
	var u User
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&u, "id = ?", id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("models: user %d: %w", id, ErrNotFound)
			}
			return err
		}
		if u.Disabled == disabled {
			return nil
		}
		if disabled && u.Role == RoleAdmin {
			if err := ensureAnotherAdmin(tx, u.ID); err != nil {
				return err
			}
		}
		now := s.now()
		if err := tx.Model(&u).Updates(map[string]any{"disabled": disabled, "updated_at": now}).Error; err != nil {
			return err
		}
		u.Disabled = disabled
		kind := "user_enabled"
		if disabled {
			kind = "user_disabled"
			if err := tx.Where("user_id = ?", u.ID).Delete(&Session{}).Error; err != nil {
				return err
			}
			if err := tx.Model(&Token{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		return tx.Create(&Event{ActorID: actorID(actor), Kind: kind, Field: "user", NewValue: u.Email, RefID: &u.ID, CreatedAt: now}).Error
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// SetPassword replaces an account's password. Changing your own keeps the
// current session (keepSession) and ends all others; an admin reset ends all.
func (s *Store) SetPassword(ctx context.Context, actor *User, id int64, pw string, keepSession int64) error {
	if actor != nil && actor.ID != id && !CanAdminister(actor) {
		return fmt.Errorf("models: set password: %w", ErrForbidden)
	}
	if err := ValidatePassword(pw); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	return s.w(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{"password_hash": hash, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("models: user %d: %w", id, ErrNotFound)
		}
		if err := tx.Where("user_id = ? AND id <> ?", id, keepSession).Delete(&Session{}).Error; err != nil {
			return err
		}
		return tx.Create(&Event{ActorID: actorID(actor), Kind: "password_changed", Field: "user", RefID: &id, CreatedAt: s.now()}).Error
	})
}

// Authenticate checks an e-mail and password. Failures are recorded as
// events and always return the same error, whatever went wrong.
func (s *Store) Authenticate(ctx context.Context, email, pw, client string) (*User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if u == nil {
		CheckPassword(dummyHash, pw)
	}
	if u == nil || !CheckPassword(u.PasswordHash, pw) || u.Disabled {
		var ref *int64
		if u != nil {
			ref = &u.ID
		}
		_ = s.w(ctx).Create(&Event{Kind: "login_failed", Field: "user", NewValue: truncate(NormaliseEmail(email), 254), Reason: client, RefID: ref, CreatedAt: s.now()}).Error
		return nil, ErrUnauthorized
	}
	now := s.now()
	if err := s.w(ctx).Model(u).Update("last_login_at", now).Error; err != nil {
		return nil, err
	}
	u.LastLoginAt = &now
	_ = s.w(ctx).Create(&Event{ActorID: &u.ID, Kind: "login", Field: "user", NewValue: u.Email, Reason: client, RefID: &u.ID, CreatedAt: now}).Error
	return u, nil
}

func actorID(u *User) *int64 {
	if u == nil {
		return nil
	}
	id := u.ID
	return &id
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
