package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/store"
)

func TestDemoFillsAnEmptyDatabaseOnly(t *testing.T) {
	ctx := context.Background()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	var out, errOut bytes.Buffer
	if err := Run(ctx, []string{"demo", "--db", dbURL}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("waymark demo: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{demo.AdminEmail, demo.Password, "http://127.0.0.1:8080", "waymark serve --db " + dbURL} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output does not say %q:\n%s", want, out.String())
		}
	}

	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accounts, err := db.Accounts(ctx, waymark.AccountFilter{Page: waymark.Page{Limit: 500}})
	if err != nil || len(accounts) != 40 {
		t.Fatalf("after waymark demo: %d accounts, %v; want 40", len(accounts), err)
	}
	if _, err := db.Authenticate(ctx, demo.AdminEmail, demo.Password); err != nil {
		t.Fatalf("the printed login does not work: %v", err)
	}
	// The printed portal link enters the client portal as a contact of an
	// account with open cases.
	_, link, ok := strings.Cut(out.String(), "http://127.0.0.1:8080/portal/enter/")
	if !ok {
		t.Fatalf("the output has no client-portal link:\n%s", out.String())
	}
	secret, _, _ := strings.Cut(link, "\n")
	session, err := db.RedeemPortalLink(ctx, strings.TrimSpace(secret))
	if err != nil {
		t.Fatalf("the printed portal link does not work: %v", err)
	}
	contact, err := db.PortalContact(ctx, session)
	if err != nil {
		t.Fatal(err)
	}
	if open, err := db.Cases(ctx, waymark.CaseFilter{AccountID: contact.AccountID, Status: "open", Page: waymark.Page{Limit: 500}}); err != nil || len(open) == 0 {
		t.Fatalf("the portal link is for %s, whose account has %d open cases (%v); want some", contact.Name, len(open), err)
	}
	if !strings.Contains(out.String(), contact.Name) {
		t.Errorf("the output does not say whose the portal link is (%s):\n%s", contact.Name, out.String())
	}

	out.Reset()
	err = Run(ctx, []string{"demo", "--db", dbURL}, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a second waymark demo on the same database = %v; want a refusal saying it is not empty", err)
	}
	if again, _ := db.Accounts(ctx, waymark.AccountFilter{Page: waymark.Page{Limit: 500}}); len(again) != 40 {
		t.Fatalf("the refused second run left %d accounts, want 40", len(again))
	}
}

func TestDemoHelpSaysWhatItMakes(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"demo", "--help"}, strings.NewReader(""), &out, &errOut)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("demo --help = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"-db", "corporate bank", "empty"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("demo --help does not mention %q:\n%s", want, errOut.String())
		}
	}
}
