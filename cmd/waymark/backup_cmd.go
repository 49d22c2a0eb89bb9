package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/waymark/waymark/internal/store"
)

func runBackup(ctx context.Context, e env, args []string) error {
	fs := flags(e, "backup")
	dbURL := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("backup needs one FILE to write")
	}
	db, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "backup written to %s\n", fs.Arg(0))
	return nil
}
