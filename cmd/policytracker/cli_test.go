package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"policytracker/models"
)

// cli runs the program in-process, as main would, on the data directory dir.
func cli(t *testing.T, dir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if dir != "" {
		args = append(args, "--data", dir)
	}
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// wantOneLine checks the contract's failure shape: a non-zero exit and
// exactly one line on stderr.
func wantOneLine(t *testing.T, code, wantCode int, stderr, contains string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("exit %d, want %d (stderr %q)", code, wantCode, stderr)
	}
	msg := strings.TrimSuffix(stderr, "\n")
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	if !strings.Contains(msg, contains) {
		t.Errorf("stderr %q lacks %q", msg, contains)
	}
}

// openData opens the store of a data directory the way the CLI does, for
// reading back what a command did.
func openData(t *testing.T, dir string) *models.Store {
	t.Helper()
	s, err := models.Open(models.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func userOf(t *testing.T, dir, email string) *models.User {
	t.Helper()
	s, err := models.Open(models.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	const pw = "a long enough passphrase"
	steps := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		contains string // in stdout when code is 0, else in the one-line stderr
		check    func(t *testing.T)
	}{
		{"add creates an account with the password from stdin", pw + "\n",
			[]string{"user", "add", "--email", "Ann@Example.org", "--name", "Ann Admin", "--role", "admin", "--password-stdin"}, 0, "ann@example.org",
			func(t *testing.T) {
				u := userOf(t, dir, "ann@example.org")
				if u.Role != models.RoleAdmin || u.Name != "Ann Admin" || !models.CheckPassword(u.PasswordHash, pw) {
					t.Errorf("stored %+v", u)
				}
			}},
		{"add accepts a password without a final newline", pw,
			[]string{"user", "add", "--email", "bob@example.org", "--name", "Bob", "--role", "member", "--password-stdin"}, 0, "bob@example.org",
			func(t *testing.T) {
				if u := userOf(t, dir, "bob@example.org"); !models.CheckPassword(u.PasswordHash, pw) {
					t.Error("password not stored as typed")
				}
			}},
		{"add refuses a duplicate e-mail", pw + "\n",
			[]string{"user", "add", "--email", "ANN@example.org", "--name", "Other", "--role", "viewer", "--password-stdin"}, 1, "already exists", nil},
		{"add refuses an unknown role", pw + "\n",
			[]string{"user", "add", "--email", "c@example.org", "--name", "C", "--role", "boss", "--password-stdin"}, 2, "--role", nil},
		{"add refuses a password given any other way", "",
			[]string{"user", "add", "--email", "c@example.org", "--name", "C", "--role", "member"}, 2, "--password-stdin", nil},
		{"add refuses an empty stdin", "",
			[]string{"user", "add", "--email", "c@example.org", "--name", "C", "--role", "member", "--password-stdin"}, 1, "no password", nil},
		{"add refuses a short password", "short\n",
			[]string{"user", "add", "--email", "c@example.org", "--name", "C", "--role", "member", "--password-stdin"}, 1, "password", nil},
		{"add refuses a bad e-mail", pw + "\n",
			[]string{"user", "add", "--email", "not-an-address", "--name", "C", "--role", "member", "--password-stdin"}, 1, "email", nil},
		{"add needs an e-mail", pw + "\n",
			[]string{"user", "add", "--name", "C", "--role", "member", "--password-stdin"}, 2, "--email", nil},
		{"list shows every account", "", []string{"user", "list"}, 0, "bob@example.org", func(t *testing.T) {
			_, out, _ := cli(t, dir, "", "user", "list")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.Contains(lines[0], "EMAIL") || !strings.Contains(out, "ann@example.org") || !strings.Contains(out, "admin") {
				t.Errorf("list:\n%s", out)
			}
		}},
		{"set-role changes the role", "", []string{"user", "set-role", "--email", "bob@example.org", "--role", "lead"}, 0, "lead",
			func(t *testing.T) {
				if u := userOf(t, dir, "bob@example.org"); u.Role != models.RoleLead {
					t.Errorf("role %s", u.Role)
				}
			}},
		{"set-role refuses to demote the last admin", "", []string{"user", "set-role", "--email", "ann@example.org", "--role", "member"}, 1, "last enabled admin",
			func(t *testing.T) {
				if u := userOf(t, dir, "ann@example.org"); u.Role != models.RoleAdmin {
					t.Errorf("role %s", u.Role)
				}
			}},
		{"set-role refuses an unknown role", "", []string{"user", "set-role", "--email", "bob@example.org", "--role", "god"}, 2, "--role", nil},
		{"set-role refuses an unknown user", "", []string{"user", "set-role", "--email", "nobody@example.org", "--role", "lead"}, 1, "nobody@example.org", nil},
		{"disable disables the account", "", []string{"user", "disable", "--email", "bob@example.org"}, 0, "disabled",
			func(t *testing.T) {
				if u := userOf(t, dir, "bob@example.org"); !u.Disabled {
					t.Error("not disabled")
				}
				_, out, _ := cli(t, dir, "", "user", "list")
				if !strings.Contains(out, "disabled") {
					t.Errorf("list does not show it:\n%s", out)
				}
			}},
		{"disable refuses the last admin", "", []string{"user", "disable", "--email", "ann@example.org"}, 1, "last enabled admin", nil},
		{"an unknown subcommand is a usage error", "", []string{"user", "remove", "--email", "bob@example.org"}, 2, "unknown user subcommand", nil},
		{"a missing subcommand is a usage error", "", []string{"user"}, 2, "subcommand", nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			args := st.args
			d := dir
			if len(args) == 1 { // "user" alone: no flags may follow
				d = ""
			}
			code, out, errOut := cli(t, d, st.stdin, args...)
			if st.code == 0 {
				if code != 0 || errOut != "" || !strings.Contains(out, st.contains) {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
				}
			} else {
				wantOneLine(t, code, st.code, errOut, st.contains)
				if strings.Contains(errOut, "a long enough passphrase") {
					t.Error("the password leaked into the message")
				}
			}
			if st.check != nil {
				st.check(t)
			}
		})
	}
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := cli(t, dir, "a long enough passphrase\n", "user", "add", "--email", "bot@example.org", "--name", "Bot", "--role", "member", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := cli(t, dir, "", "token", "create", "--email", "bot@example.org", "--name", "nightly export")
	if code != 0 || errOut != "" {
		t.Fatalf("create: exit %d, %q", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	secret := lines[len(lines)-1]
	if strings.ContainsAny(secret, " \t") || len(secret) < 30 {
		t.Fatalf("last line is not the token alone: %q", secret)
	}
	s := openData(t, dir)
	ctx := context.Background()
	t.Run("the printed token authenticates its user", func(t *testing.T) {
		u, err := s.UserByToken(ctx, secret)
		if err != nil || u.Email != "bot@example.org" {
			t.Fatalf("%+v %v", u, err)
		}
	})
	ts, _ := s.Tokens(ctx, userOf(t, dir, "bot@example.org").ID)
	if len(ts) != 1 || ts[0].Name != "nightly export" {
		t.Fatalf("tokens %+v", ts)
	}
	id := ts[0].ID
	failures := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"create for an unknown user fails", []string{"token", "create", "--email", "nobody@example.org"}, 1, "nobody@example.org"},
		{"create needs an e-mail", []string{"token", "create"}, 2, "--email"},
		{"revoke needs a numeric id", []string{"token", "revoke", "--id", "abc"}, 2, "--id"},
		{"revoke of an unknown id fails", []string{"token", "revoke", "--id", "999"}, 1, "policytracker token: token 999 not found"},
		{"an unknown token subcommand is a usage error", []string{"token", "rotate"}, 2, "unknown token subcommand"},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cli(t, dir, "", tc.args...)
			wantOneLine(t, code, tc.code, errOut, tc.contains)
		})
	}
	t.Run("list shows the token without its secret", func(t *testing.T) {
		code, out, _ := cli(t, dir, "", "token", "list", "--email", "bot@example.org")
		if code != 0 || !strings.Contains(out, "nightly export") || !strings.Contains(out, "active") || strings.Contains(out, secret) {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("revoke ends the token", func(t *testing.T) {
		if code, _, errOut := cli(t, dir, "", "token", "revoke", "--id", itoa(id)); code != 0 {
			t.Fatalf("revoke: %d %s", code, errOut)
		}
		if _, err := s.UserByToken(ctx, secret); err == nil {
			t.Error("a revoked token still works")
		}
	})
	t.Run("a disabled user's token stops working", func(t *testing.T) {
		_, out, _ := cli(t, dir, "", "token", "create", "--email", "bot@example.org")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		tok := lines[len(lines)-1]
		if _, err := s.UserByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		cli(t, dir, "", "user", "disable", "--email", "bot@example.org")
		if _, err := s.UserByToken(ctx, tok); err == nil {
			t.Error("token of a disabled user still works")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		args     []string
		contains string
	}{
		{"an unknown command", []string{"frobnicate"}, "unknown command"},
		{"an unknown flag of serve", []string{"serve", "--bogus", "--data", dir}, "bogus"},
		{"an unknown flag of user", []string{"user", "list", "--bogus", "--data", dir}, "bogus"},
		{"a bad listen address", []string{"serve", "--addr", "nowhere", "--data", dir}, "--addr"},
		{"a database URL that is not PostgreSQL", []string{"user", "list", "--db", "mysql://x"}, "--db"},
		{"an unknown time zone", []string{"seed", "--tz", "Mars/Olympus", "--data", dir}, "--tz"},
		{"backup without -o", []string{"backup", "--data", dir}, "-o"},
		{"a stray argument to seed", []string{"seed", "--data", dir, "extra"}, "extra"},
		{"a stray argument to backup", []string{"backup", "--data", dir, "-o", filepath.Join(dir, "b.db"), "extra"}, "extra"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" exits 2 with one line", func(t *testing.T) {
			code, out, errOut := cli(t, "", "", tc.args...)
			wantOneLine(t, code, 2, errOut, tc.contains)
			if out != "" {
				t.Errorf("stdout %q", out)
			}
		})
	}
	t.Run("help exits 0 and lists the commands", func(t *testing.T) {
		code, out, _ := cli(t, "", "", "help")
		for _, c := range []string{"serve", "user", "token", "backup", "seed"} {
			if !strings.Contains(out, c) {
				t.Errorf("help lacks %s", c)
			}
		}
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	})
}

func TestSeedAndBackup(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := cli(t, dir, "", "seed")
	if code != 0 || !strings.Contains(out, "46 added") {
		t.Fatalf("seed: %d %q %q", code, out, errOut)
	}
	if code, out, _ := cli(t, dir, "", "seed"); code != 0 || !strings.Contains(out, "0 added, 0 updated, 46 unchanged") {
		t.Fatalf("second seed: %d %q", code, out)
	}
	target := filepath.Join(t.TempDir(), "copy.db")
	t.Run("backup writes a database that opens as SQLite", func(t *testing.T) {
		code, out, errOut := cli(t, dir, "", "backup", "-o", target)
		if code != 0 || !strings.Contains(out, target) {
			t.Fatalf("backup: %d %q %q", code, out, errOut)
		}
		db, err := gorm.Open(sqlite.Open("file:"+target+"?mode=ro"), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		if d, err := db.DB(); err == nil {
			defer d.Close()
		}
		var check string
		var n int64
		db.Raw("PRAGMA integrity_check").Scan(&check)
		db.Raw("SELECT COUNT(*) FROM recommendations").Scan(&n)
		if check != "ok" || n != 46 {
			t.Errorf("copy: integrity %q, %d items", check, n)
		}
	})
	// The copy is checked through a file: URI; these characters in a raw
	// path made SQLite check (and create) some other file.
	for _, name := range []string{"a?b.db", "c#d.db", "e%41f.db", "g h.db"} {
		t.Run("backup to "+name+" writes and checks exactly that file", func(t *testing.T) {
			out := t.TempDir()
			target := filepath.Join(out, name)
			code, stdout, stderr := cli(t, dir, "", "backup", "-o", target)
			if code != 0 || !strings.Contains(stdout, target) {
				t.Fatalf("backup: %d %q %q", code, stdout, stderr)
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != 1 || entries[0].Name() != name {
				t.Fatalf("folder holds %v, want only %s", entries, name)
			}
			if fi, _ := entries[0].Info(); fi.Size() == 0 {
				t.Error("the copy is empty")
			}
		})
	}
	t.Run("backup refuses to overwrite a file", func(t *testing.T) {
		before, _ := os.ReadFile(target)
		code, _, errOut := cli(t, dir, "", "backup", "-o", target)
		wantOneLine(t, code, 1, errOut, "already exists")
		after, _ := os.ReadFile(target)
		if !bytes.Equal(before, after) {
			t.Error("the existing file was changed")
		}
	})
}

// TestFailureMessagesStayOnOneLine: a multi-line error (PostgreSQL's
// "failed to connect to …:" puts the cause on the next line) is joined,
// not cut, so the one line still says why.
func TestFailureMessagesStayOnOneLine(t *testing.T) {
	cases := []struct{ name, err, want string }{
		{"a one-line error is kept", "cannot read x.csv: no such file", "cannot read x.csv: no such file"},
		{"the usage marker is dropped", "usage: --format must be one of md, csv", "--format must be one of md, csv"},
		{"the cause on the next line is kept", "failed to connect to `user=pt`:\n\t127.0.0.1:1: connection refused",
			"failed to connect to `user=pt`: 127.0.0.1:1: connection refused"},
		{"blank and CRLF lines are dropped", "first\r\n\r\n  second  \n", "first second"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := oneLine(errors.New(c.err)); got != c.want {
				t.Errorf("oneLine = %q, want %q", got, c.want)
			}
		})
	}
}
