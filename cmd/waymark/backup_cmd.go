package main

import (
	"context"
	"errors"
)

func runBackup(ctx context.Context, e env, args []string) error {
	return errors.New("not built yet")
}
