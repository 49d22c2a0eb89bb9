package httpapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/waymark/waymark"
)

// action stores an open action made by hand on a new account.
func (e *apiEnv) action(t testing.TB) *waymark.Action {
	t.Helper()
	now := time.Now().UTC()
	a := &waymark.Action{AccountID: e.account(t).ID, Source: waymark.SourceManual, Title: fmt.Sprintf("Call back %d", uniq.Add(1)), Status: waymark.ActionOpen,
		FirstContactDueAt: now.Add(24 * time.Hour), DueAt: now.Add(5 * 24 * time.Hour)}
	if _, err := e.db.CreateAction(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}
