package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/store"
)

// demoHelp says what `waymark demo` makes, for --help.
const demoHelp = `The demo workspace is a European corporate bank and its business clients:
the bank's teams (Sales, Credit Risk, Legal, Payments Operations, Treasury
Services), users of every role, the clients' stakeholder personas (CEO, CFO,
treasurer, procurement, legal, payments officers and other users), 40 client
accounts and about 200 contacts; the journey maps of corporate lending
(express, standard and advanced tracks), export financing and onboarding,
with about 300 cases over the last 18 months, 40 of them still open. It is
the same every time; dates are relative to today. It prints the admin's
login and a link into the client portal. docs/demo.md says who is who.

The database is migrated first. The command refuses a database that already
holds users, teams, personas or accounts.`

func runDemo(ctx context.Context, e env, args []string) error {
	fs := flags(e, "demo")
	dbURL := dbFlag(fs)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintf(e.stderr, "\n%s\n", demoHelp)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("demo takes no arguments, got %q", fs.Arg(0))
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("the database %s is not empty: it has users, teams, personas or accounts. waymark demo only fills an empty database; name a new one with --db, e.g. --db sqlite:demo.db", store.RedactURL(*dbURL))
	}
	log := newLogger(e.stderr, slog.LevelWarn)
	if err := demo.Load(ctx, db, log); err != nil {
		return err
	}
	arg := store.RedactURL(*dbURL)
	if strings.ContainsAny(arg, "&?;*[ ") { // quoted so that it can be pasted into a shell
		arg = "'" + arg + "'"
	}
	serve := "waymark serve --db " + arg
	if *dbURL == "sqlite:waymark.db" {
		serve += "   (or: make run)"
	}
	portal, err := demoPortalLink(ctx, db, demoBaseURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `Demo workspace loaded into %s.

Start the server:  %s
Open:              %s
Log in as:         %s
Password:          %s

Every demo user has this password; docs/demo.md says who is who.

Client portal:     %s
`, store.RedactURL(*dbURL), serve, demoBaseURL, demo.AdminEmail, demo.Password, portal)
	return nil
}

// demoBaseURL is where `waymark serve` listens by default.
const demoBaseURL = "http://127.0.0.1:8080"

// demoPortalLink makes a magic link into the client portal for the demo's
// sample contact, and says whose it is and how long it lasts.
func demoPortalLink(ctx context.Context, db *store.DB, base string) (string, error) {
	c, err := demo.SampleContact(ctx, db)
	if err != nil {
		return "", err
	}
	a, err := db.Account(ctx, c.AccountID)
	if err != nil {
		return "", err
	}
	secret, expires, err := db.CreatePortalLink(ctx, c.ID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/portal/enter/%s\n                   (as %s, %s at %s; the link works once, until %s)",
		strings.TrimSuffix(base, "/"), secret, c.Name, c.Title, a.Name, expires.UTC().Format("2 January 2006 15:04 UTC")), nil
}
