package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/importer"
	"golang.org/x/term"
)

func runImport(ctx context.Context, e env, args []string) error {
	fs := flags(e, "import")
	dbURL := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON, as the API answers it")
	fs.Usage = func() { importUsage(e.stderr, fs) }
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("usage: waymark import accounts|contacts FILE.csv (see waymark import --help)")
	}
	kind, ok := importer.ParseKind(pos[0])
	if !ok {
		return fmt.Errorf("cannot import %q: import accounts or contacts", pos[0])
	}
	in, size, err := openInput(e, pos[1])
	if err != nil {
		return err
	}
	defer in.Close()

	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()

	var r io.Reader = in
	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription("importing "+string(kind)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowTotalBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(),
		)
		r = io.TeeReader(in, bar)
	}
	// The audit log names the command line as who imported the file.
	name := "standard input"
	if pos[1] != "-" {
		name = filepath.Base(pos[1])
	}
	cli := waymark.WithPrincipal(ctx, waymark.Principal{Name: "command line", Role: waymark.RoleAdmin})
	res, err := importer.New(db, nil).Import(cli, kind, name, r)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		if waymark.ErrorCode(err) != waymark.EINVALID {
			return err
		}
		for _, f := range waymark.ErrorFields(err) {
			if f.Line > 0 {
				fmt.Fprintf(e.stderr, "line %d: %s: %s\n", f.Line, f.Field, f.Message)
			} else {
				fmt.Fprintf(e.stderr, "%s: %s\n", f.Field, f.Message)
			}
		}
		return errors.New(waymark.ErrorMessage(err))
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(e.stdout, "Imported %d %s: %d created, %d updated.\n", res.Rows, kind, res.Created, res.Updated)
	cols := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		cols[i] = fmt.Sprintf("%s → %s", c.Column, c.Field)
	}
	fmt.Fprintf(e.stdout, "Columns read: %s.\n", strings.Join(cols, ", "))
	if len(res.IgnoredColumns) > 0 {
		fmt.Fprintf(e.stdout, "Columns ignored: %s.\n", strings.Join(res.IgnoredColumns, ", "))
	}
	return nil
}

// parseWithArgs parses flags that may come before, between or after the
// positional arguments, which it returns.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// openInput opens the file to import, or stdin for "-"; size is -1 when
// it is not known.
func openInput(e env, name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

func importUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Import accounts or contacts from a CSV file.

Usage: waymark import accounts|contacts FILE.csv [flags]     (FILE "-" reads stdin)

The file needs a header line naming its columns; Waymark's own names and
those of the usual CRM exports (HubSpot, Salesforce …) are recognised, in
any case and with any punctuation. Columns it does not know are ignored and
listed. Commas, semicolons (Excel in much of Europe) and tabs are read, with
or without a byte order mark; UTF-16 text too.

A row updates the account with its external id, or the contact of its
account with its email, when there is one, and creates one otherwise. An
empty cell leaves its field as it is. All or nothing: when any row is bad,
nothing is written and every bad row is listed with its line and reason.
`)
	for _, kind := range []importer.Kind{importer.Accounts, importer.Contacts} {
		fmt.Fprintf(w, "\nColumns of %s:\n", kind)
		for _, c := range importer.Columns(kind) {
			// Headers[0] is the field's own name.
			switch also := strings.Join(c.Headers[1:], ", "); {
			case also == "":
				fmt.Fprintf(w, "  %-21s %s\n", c.Field, c.About)
			case c.About == "":
				fmt.Fprintf(w, "  %-21s or %s\n", c.Field, also)
			default:
				fmt.Fprintf(w, "  %-21s or %s\n  %-21s %s\n", c.Field, also, "", c.About)
			}
		}
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.PrintDefaults()
}
