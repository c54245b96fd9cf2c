package models

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

const goodPassword = "correct horse battery"

func mustUser(t *testing.T, s *Store, email string, role Role) *User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), nil, NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role, Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func fieldOf(err error) string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return ""
	}
	for k := range ve.Fields {
		return k
	}
	return ""
}

var argonEncoding = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestPasswordHashing(t *testing.T) {
	long := strings.Repeat("a long passphrase ", 5) // 90 bytes
	h1, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword(goodPassword)
	hLong, _ := HashPassword(long)
	t.Run("the hash is argon2id with OWASP parameters", func(t *testing.T) {
		if !argonEncoding.MatchString(h1) {
			t.Errorf("hash %q", h1)
		}
	})
	t.Run("each hash has its own salt", func(t *testing.T) {
		if h1 == h2 {
			t.Error("two hashes of one password are equal")
		}
	})
	cases := []struct {
		name    string
		hash    string
		pw      string
		matches bool
	}{
		{"the right password matches", h1, goodPassword, true},
		{"the right password matches another salt", h2, goodPassword, true},
		{"a wrong password fails", h1, "correct horse battery!", false},
		{"an empty password fails", h1, "", false},
		{"a passphrase over 72 bytes matches", hLong, long, true},
		{"a passphrase differing only after byte 72 fails", hLong, long[:80] + "X" + long[81:], false},
		{"a malformed hash fails", "$argon2id$v=19$m=x", goodPassword, false},
		{"an empty hash fails", "", goodPassword, false},
		{"a bcrypt hash fails", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", goodPassword, false},
		{"a hash with bad base64 fails", "$argon2id$v=19$m=19456,t=2,p=1$!!!$!!!", goodPassword, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckPassword(tc.hash, tc.pw); got != tc.matches {
				t.Errorf("CheckPassword = %v, want %v", got, tc.matches)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"nine characters are too short", "123456789", false},
		{"ten characters are enough", "1234567890", true},
		{"ten accented characters are enough", "éééééééééé", true},
		{"nine accented characters (18 bytes) are too short", "ééééééééé", false},
		{"256 bytes are accepted", strings.Repeat("x", 256), true},
		{"257 bytes are refused", strings.Repeat("x", 257), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePassword(tc.pw)
			if (err == nil) != tc.ok || (err != nil && fieldOf(err) != "password") {
				t.Errorf("ValidatePassword: %v", err)
			}
		})
	}
}

func TestCreateUserValidation(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	mustUser(t, s, "taken@example.org", RoleMember)
	cases := []struct {
		name  string
		in    NewUser
		field string
	}{
		{"a bad e-mail is refused", NewUser{Email: "not-an-email", Name: "X", Role: RoleMember, Password: goodPassword}, "email"},
		{"an e-mail with a display name is refused", NewUser{Email: "X <x@example.org>", Name: "X", Role: RoleMember, Password: goodPassword}, "email"},
		{"a taken e-mail is refused whatever its case", NewUser{Email: " Taken@Example.ORG ", Name: "X", Role: RoleMember, Password: goodPassword}, "email"},
		{"an empty name is refused", NewUser{Email: "x@example.org", Name: "  ", Role: RoleMember, Password: goodPassword}, "name"},
		{"an unknown role is refused", NewUser{Email: "x@example.org", Name: "X", Role: "owner", Password: goodPassword}, "role"},
		{"a short password is refused", NewUser{Email: "x@example.org", Name: "X", Role: RoleMember, Password: "short"}, "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, nil, tc.in)
			if fieldOf(err) != tc.field {
				t.Errorf("err %v, want a problem with %s", err, tc.field)
			}
		})
	}
	if n, _ := s.UserCount(ctx); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	t.Run("e-mails are stored normalised", func(t *testing.T) {
		u, err := s.CreateUser(ctx, nil, NewUser{Email: " Mixed@Example.org", Name: "Mixed", Role: RoleViewer, Password: goodPassword})
		if err != nil || u.Email != "mixed@example.org" {
			t.Fatalf("%+v %v", u, err)
		}
		if strings.Contains(u.PasswordHash, goodPassword) || !argonEncoding.MatchString(u.PasswordHash) {
			t.Error("password not hashed")
		}
	})
	t.Run("only an admin may create users through the app", func(t *testing.T) {
		lead := mustUser(t, s, "lead@example.org", RoleLead)
		_, err := s.CreateUser(ctx, lead, NewUser{Email: "y@example.org", Name: "Y", Role: RoleAdmin, Password: goodPassword})
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("err %v, want forbidden", err)
		}
	})
}

func TestLastAdminProtection(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		setup   func(t *testing.T, s *Store) // extra accounts
		act     func(s *Store, admin *User) error
		refused bool
	}{
		{"demoting the only admin is refused", nil,
			func(s *Store, a *User) error { _, err := s.SetRole(ctx, a, a.ID, RoleLead); return err }, true},
		{"disabling the only admin is refused", nil,
			func(s *Store, a *User) error { _, err := s.SetDisabled(ctx, a, a.ID, true); return err }, true},
		{"a disabled second admin does not count", func(t *testing.T, s *Store) {
			b := mustUser(t, s, "b@example.org", RoleAdmin)
			if _, err := s.SetDisabled(ctx, nil, b.ID, true); err != nil {
				t.Fatal(err)
			}
		}, func(s *Store, a *User) error { _, err := s.SetRole(ctx, nil, a.ID, RoleViewer); return err }, true},
		{"demoting one of two admins is allowed", func(t *testing.T, s *Store) { mustUser(t, s, "b@example.org", RoleAdmin) },
			func(s *Store, a *User) error { _, err := s.SetRole(ctx, a, a.ID, RoleMember); return err }, false},
		{"disabling one of two admins is allowed", func(t *testing.T, s *Store) { mustUser(t, s, "b@example.org", RoleAdmin) },
			func(s *Store, a *User) error { _, err := s.SetDisabled(ctx, nil, a.ID, true); return err }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openMigrated(t)
			admin := mustUser(t, s, "a@example.org", RoleAdmin)
			if tc.setup != nil {
				tc.setup(t, s)
			}
			err := tc.act(s, admin)
			after, _ := s.User(ctx, admin.ID)
			if tc.refused {
				if fieldOf(err) != "role" || after.Role != RoleAdmin || after.Disabled {
					t.Errorf("err %v; admin now %s disabled=%v", err, after.Role, after.Disabled)
				}
			} else if err != nil {
				t.Errorf("err %v", err)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	s, clk := openMigrated(t)
	ctx := context.Background()
	u := mustUser(t, s, "ann@example.org", RoleMember)
	gone := mustUser(t, s, "gone@example.org", RoleMember)
	if _, err := s.SetDisabled(ctx, nil, gone.ID, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, email, pw string
		ok              bool
	}{
		{"the right password signs in", "ann@example.org", goodPassword, true},
		{"the e-mail is matched whatever its case", " ANN@example.org", goodPassword, true},
		{"a wrong password is refused", "ann@example.org", "wrong password!", false},
		{"an unknown e-mail is refused", "nobody@example.org", goodPassword, false},
		{"a disabled account is refused", "gone@example.org", goodPassword, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Authenticate(ctx, tc.email, tc.pw, "192.0.2.1")
			if tc.ok {
				if err != nil || got.ID != u.ID || got.LastLoginAt == nil || !got.LastLoginAt.Equal(clk.Now()) {
					t.Errorf("%+v %v", got, err)
				}
				return
			}
			// Every refusal is the same error: nothing tells which part was wrong.
			if err != ErrUnauthorized || got != nil {
				t.Errorf("err %v (%T), want exactly ErrUnauthorized", err, err)
			}
		})
	}
	evs, _ := s.Events(ctx, EventFilter{Kind: "login_failed"})
	if len(evs) != 3 || evs[0].Reason != "192.0.2.1" {
		t.Errorf("failed-login events: %+v", evs)
	}
}

func TestSessions(t *testing.T) {
	s, clk := openMigrated(t)
	ctx := context.Background()
	p := SessionPolicy{Idle: time.Hour, Absolute: 3 * time.Hour}
	u := mustUser(t, s, "ann@example.org", RoleMember)
	t.Run("the cookie secret is not stored", func(t *testing.T) {
		sess, secret, err := s.CreateSession(ctx, u, "ua", p)
		if err != nil || len(secret) < 40 || sess.Hash == secret || sess.Hash != hashSecret(secret) || sess.CSRFToken == "" {
			t.Errorf("%+v %q %v", sess, secret, err)
		}
	})
	cases := []struct {
		name  string
		steps []time.Duration
		alive bool
	}{
		{"a fresh session is found", nil, true},
		{"use within the idle window keeps it", []time.Duration{50 * time.Minute, 50 * time.Minute, 50 * time.Minute}, true},
		{"idleness ends it", []time.Duration{61 * time.Minute}, false},
		{"the absolute limit ends it however active", []time.Duration{50 * time.Minute, 50 * time.Minute, 50 * time.Minute, 50 * time.Minute}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, secret, err := s.CreateSession(ctx, u, "ua", p)
			if err != nil {
				t.Fatal(err)
			}
			var got *Session
			for _, d := range tc.steps {
				clk.Advance(d)
				got, err = s.SessionBySecret(ctx, secret, p)
			}
			if tc.steps == nil {
				got, err = s.SessionBySecret(ctx, secret, p)
			}
			if tc.alive != (err == nil) {
				t.Fatalf("alive=%v, err %v", err == nil, err)
			}
			if tc.alive && got.User.ID != u.ID {
				t.Errorf("session of %d", got.User.ID)
			}
			if !tc.alive {
				// An expired session is deleted, not just refused.
				var n int64
				s.r(ctx).Model(&Session{}).Where("hash = ?", hashSecret(secret)).Count(&n)
				if n != 0 {
					t.Error("expired session still stored")
				}
			}
		})
	}
	t.Run("made-up and oversized secrets are refused", func(t *testing.T) {
		for _, secret := range []string{"", "nope", strings.Repeat("a", 101)} {
			if _, err := s.SessionBySecret(ctx, secret, p); err != ErrUnauthorized {
				t.Errorf("%q: %v", secret, err)
			}
		}
	})
}

func TestTokens(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	u := mustUser(t, s, "ann@example.org", RoleMember)
	other := mustUser(t, s, "bob@example.org", RoleMember)
	tok, secret, err := s.CreateToken(ctx, u, u.ID, "script")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the token works and only its hash is stored", func(t *testing.T) {
		if !strings.HasPrefix(secret, "pt_") || tok.Hash == secret || tok.Hash != hashSecret(secret) {
			t.Errorf("token %+v secret %q", tok, secret)
		}
		got, err := s.UserByToken(ctx, secret)
		if err != nil || got.ID != u.ID {
			t.Fatalf("%+v %v", got, err)
		}
		ts, _ := s.Tokens(ctx, u.ID)
		if ts[0].LastUsedAt == nil {
			t.Error("last use not noted")
		}
	})
	t.Run("someone else may not revoke it", func(t *testing.T) {
		if err := s.RevokeToken(ctx, other, tok.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("someone else may not create one for you", func(t *testing.T) {
		if _, _, err := s.CreateToken(ctx, other, u.ID, "sneaky"); !errors.Is(err, ErrForbidden) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("a revoked token stops working", func(t *testing.T) {
		if err := s.RevokeToken(ctx, u, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByToken(ctx, secret); err != ErrUnauthorized {
			t.Errorf("err %v", err)
		}
	})
	t.Run("a disabled user's tokens stop working", func(t *testing.T) {
		_, secret2, _ := s.CreateToken(ctx, nil, other.ID, "")
		if _, err := s.SetDisabled(ctx, nil, other.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByToken(ctx, secret2); err != ErrUnauthorized {
			t.Errorf("err %v", err)
		}
		if _, _, err := s.CreateToken(ctx, nil, other.ID, ""); fieldOf(err) != "email" {
			t.Errorf("token for a disabled user: %v", err)
		}
	})
	t.Run("made-up tokens are refused", func(t *testing.T) {
		for _, secret := range []string{"", "pt_", "pt_madeup", "nope", "pt_" + strings.Repeat("a", 100)} {
			if _, err := s.UserByToken(ctx, secret); err != ErrUnauthorized {
				t.Errorf("%q: %v", secret, err)
			}
		}
	})
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	p := DefaultSessionPolicy
	u := mustUser(t, s, "ann@example.org", RoleMember)
	here, hereSecret, _ := s.CreateSession(ctx, u, "here", p)
	_, thereSecret, _ := s.CreateSession(ctx, u, "there", p)
	if err := s.SetPassword(ctx, u, u.ID, "a new long passphrase", here.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionBySecret(ctx, hereSecret, p); err != nil {
		t.Errorf("the current session ended: %v", err)
	}
	if _, err := s.SessionBySecret(ctx, thereSecret, p); err == nil {
		t.Error("the other session survived")
	}
	if _, err := s.Authenticate(ctx, u.Email, "a new long passphrase", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := s.Authenticate(ctx, u.Email, goodPassword, ""); err == nil {
		t.Error("the old password still works")
	}
}
