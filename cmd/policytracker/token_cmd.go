package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"policytracker/models"
)

func cmdToken(ctx context.Context, args []string, _ io.Reader, out, errOut io.Writer) error {
	if len(args) == 0 {
		return usageErr("token needs a subcommand: create, revoke, list")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "create", "revoke", "list":
	default:
		return usageErr("unknown token subcommand %q (create, revoke, list)", sub)
	}
	var cfg Config
	fs := newFlags("token "+sub, errOut)
	cfg.addFlags(fs)
	email := fs.String("email", "", "whose token (create, list)")
	name := fs.String("name", "", "a label for the token (create)")
	idStr := fs.String("id", "", "the token's id (revoke)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	var id int64
	if sub == "revoke" {
		n, err := strconv.ParseInt(*idStr, 10, 64)
		if err != nil || n < 1 {
			return usageErr("--id must be a token id (a positive number)")
		}
		id = n
	} else if *email == "" {
		return usageErr("--email is required")
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "create":
		u, err := store.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no user with e-mail %s", *email)
		}
		t, secret, err := store.CreateToken(ctx, nil, u.ID, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "token %d for %s (%s); shown once:\n%s\n", t.ID, u.Email, t.Name, secret)
	case "revoke":
		if err := store.RevokeToken(ctx, nil, id); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return fmt.Errorf("token %d not found", id)
			}
			return err
		}
		fmt.Fprintf(out, "token %d revoked\n", id)
	case "list":
		u, err := store.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no user with e-mail %s", *email)
		}
		ts, err := store.Tokens(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			state := "active"
			if t.RevokedAt != nil {
				state = "revoked"
			}
			fmt.Fprintf(out, "%d\t%s\t%s\n", t.ID, t.Name, state)
		}
	}
	return nil
}
