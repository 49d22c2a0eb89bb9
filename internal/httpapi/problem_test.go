package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/waymark/waymark/internal/httpapi"
)

// TestAClientThatLeftIsNotAnInternalError: a request whose client closed
// the connection fails with the context's error; that is answered 499 and
// not logged as an internal error (which pages someone).
func TestAClientThatLeftIsNotAnInternalError(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/api/v1/accounts", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	httpapi.WriteError(w, r, log, fmt.Errorf("create account: %w", ctx.Err()))
	if w.Code != httpapi.StatusClientClosed || strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("status %d, log %q; want 499 and no error logged", w.Code, logged.String())
	}
	logged.Reset()

	// The same error while the client is still there is an internal error.
	r = httptest.NewRequest("POST", "/api/v1/accounts", nil)
	w = httptest.NewRecorder()
	httpapi.WriteError(w, r, log, fmt.Errorf("create account: %w", context.Canceled))
	if w.Code != 500 || !strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("status %d, log %q; want 500, logged", w.Code, logged.String())
	}
}
