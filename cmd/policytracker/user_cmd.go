package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"policytracker/models"
)

func cmdUser(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) error {
	if len(args) == 0 {
		return usageErr("user needs a subcommand: add, list, set-role, disable, enable")
	}
	sub, args := args[0], args[1:]
	var cfg Config
	fs := newFlags("user "+sub, errOut)
	cfg.addFlags(fs)
	email := fs.String("email", "", "the account's e-mail")
	name := fs.String("name", "", "full name (add)")
	role := fs.String("role", "", "viewer, member, lead or admin")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (add)")
	switch sub {
	case "add", "list", "set-role", "disable", "enable":
	default:
		return usageErr("unknown user subcommand %q (add, list, set-role, disable, enable)", sub)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if sub != "list" && *email == "" {
		return usageErr("--email is required")
	}
	if (sub == "add" || sub == "set-role") && !models.Role(*role).Valid() {
		return usageErr("--role must be viewer, member, lead or admin")
	}
	if sub == "add" && !*pwStdin {
		return usageErr("--password-stdin is required: passwords are never taken as arguments")
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "add":
		pw, err := readSecret(in)
		if err != nil {
			return err
		}
		u, err := store.CreateUser(ctx, nil, models.NewUser{Email: *email, Name: *name, Role: models.Role(*role), Password: pw})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "added user %d %s (%s)\n", u.ID, u.Email, u.Role)
	case "list":
		us, err := store.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATE")
		for _, u := range us {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, state)
		}
		return tw.Flush()
	case "set-role", "disable", "enable":
		u, err := store.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no user with e-mail %s", *email)
		}
		if sub == "set-role" {
			if _, err := store.SetRole(ctx, nil, u.ID, models.Role(*role)); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s is now %s\n", u.Email, *role)
			return nil
		}
		if _, err := store.SetDisabled(ctx, nil, u.ID, sub == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s %sd\n", u.Email, sub)
	}
	return nil
}

// readSecret reads one line (the password) from in, without its newline.
func readSecret(in io.Reader) (string, error) {
	r := bufio.NewReader(io.LimitReader(in, 4096))
	line, err := r.ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no password on stdin")
	}
	return line, nil
}
