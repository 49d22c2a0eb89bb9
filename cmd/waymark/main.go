// Command waymark runs Waymark: the server and its maintenance commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "waymark:", err)
		os.Exit(1)
	}
}

// env names the standard streams of a command.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":        {"Start the web server (the UI, the API and the background jobs).", runServe},
		"migrate":      {"Apply the database migrations.", runMigrate},
		"demo":         {"Fill an empty database with a realistic demo workspace.", runDemo},
		"user create":  {"Create an internal user.", runUserCreate},
		"token create": {"Create an API token and print it, alone, on stdout.", runTokenCreate},
		"import":       {"Import accounts or contacts from a CSV file: import accounts|contacts FILE.csv.", runImport},
		"backup":       {"Write a consistent copy of a live SQLite database to FILE: backup FILE (PostgreSQL: use pg_dump).", runBackup},
		"version":      {"Print the version.", runVersion},
	}
}

// Run runs the command named by args.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return flag.ErrHelp
	}
	name := args[0]
	rest := args[1:]
	if _, ok := commands[name]; !ok && len(args) > 1 {
		name, rest = args[0]+" "+args[1], args[2:]
	}
	c, ok := commands[name]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", strings.Join(args[:min(2, len(args))], " "))
	}
	return c.run(ctx, e, rest)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Waymark: journeys, live cases, feedback and health for B2B client accounts.")
	fmt.Fprintln(w, "\nUsage: waymark COMMAND [flags]   (waymark COMMAND --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set in the environment: --db is WAYMARK_DB, --base-url is WAYMARK_BASE_URL.")
}

// flags returns a flag set for a command whose --help prints its summary.
func flags(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("waymark "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "%s\n\nUsage: waymark %s [flags]\n\nFlags:\n", commands[name].summary, name)
		fs.PrintDefaults()
	}
	return fs
}

// envOr returns the value of WAYMARK_<NAME> or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv("WAYMARK_" + name); ok {
		return v
	}
	return def
}

// dbFlag adds the --db flag every command that opens the database shares.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", envOr("DB", "sqlite:waymark.db"), "database: sqlite:PATH or a postgres:// URL (WAYMARK_DB)")
}

// newLogger logs text on a terminal and JSON otherwise.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func runVersion(_ context.Context, e env, args []string) error {
	fs := flags(e, "version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "waymark", Version)
	return nil
}
