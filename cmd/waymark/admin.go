package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/access"
	"github.com/waymark/waymark/internal/store"
	"golang.org/x/term"
)

// openDB opens and migrates the database for a maintenance command.
func openDB(ctx context.Context, url string) (*store.DB, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := migrateAll(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := flags(e, "migrate")
	dbURL := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(e.stderr, "migrations applied")
	return nil
}

func runUserCreate(ctx context.Context, e env, args []string) error {
	fs := flags(e, "user create")
	dbURL := dbFlag(fs)
	email := fs.String("email", "", "email address, used to log in (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "member", "admin, manager, member or viewer")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin instead of asking")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pw, err := readPassword(e, *fromStdin)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	u := &waymark.User{Email: *email, Name: *name, Role: waymark.Role(*role)}
	if _, err := access.New(db, newLogger(e.stderr, slog.LevelWarn)).CreateUser(commandLine(ctx), u, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "user %d created: %s (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

// readPassword reads a password from stdin's first line, or asks for it
// on the terminal without echo.
func readPassword(e env, fromStdin bool) (string, error) {
	if !fromStdin {
		if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			fmt.Fprint(e.stderr, "Password: ")
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			if err != nil {
				return "", err
			}
			return string(b), waymark.ValidatePassword("password", string(b))
		}
		return "", fmt.Errorf("stdin is not a terminal: use --password-stdin")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	return pw, waymark.ValidatePassword("password", pw)
}

func runTokenCreate(ctx context.Context, e env, args []string) error {
	fs := flags(e, "token create")
	dbURL := dbFlag(fs)
	name := fs.String("name", "", "what the token is for, e.g. \"CRM sync\" (required)")
	role := fs.String("role", "member", "admin, manager, member or viewer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, err := access.New(db, newLogger(e.stderr, slog.LevelWarn)).CreateToken(commandLine(ctx), &waymark.Token{Name: *name, Role: waymark.Role(*role)})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}

// commandLine is the principal of the admin commands: whoever may run the
// binary against the database may do what an admin may, and the audit log
// says it was done from the command line.
func commandLine(ctx context.Context) context.Context {
	return waymark.WithPrincipal(ctx, waymark.Principal{Name: "command line", Role: waymark.RoleAdmin})
}
