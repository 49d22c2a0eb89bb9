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
