//go:build clientgen

package waymarkclient

import (
	"context"
	"net/http"
	"os"
	"slices"
	"testing"
)

// TestScenario drives the generated client against the server at
// $WAYMARK_API_URL with the manager token $WAYMARK_API_TOKEN: create, read,
// list page by page with the cursor, and errors read as problems.
func TestScenario(t *testing.T) {
	url, token := os.Getenv("WAYMARK_API_URL"), os.Getenv("WAYMARK_API_TOKEN")
	if url == "" || token == "" {
		t.Skip("run by internal/httpapi's TestGeneratedClients, which sets WAYMARK_API_URL and WAYMARK_API_TOKEN")
	}
	ctx := context.Background()
	c, err := NewClientWithResponses(url, WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}

	// Create: money keeps every digit (format: double, not float32).
	value, tier := 1234567.89, A
	created, err := c.CreateAccountWithResponse(ctx, nil, AccountCreate{Name: "Generated Ltd", AnnualValue: &value, Tier: &tier, ExternalId: ptr("GEN-1")})
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil {
		t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
	}
	a := created.JSON201
	if a.AnnualValue != value || a.Tier != A || a.Status != AccountStatusActive || a.ExternalId == nil || *a.ExternalId != "GEN-1" {
		t.Errorf("created %+v", a)
	}

	// Read, by external id.
	got, err := c.GetAccountWithResponse(ctx, "ext:GEN-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.JSON200 == nil || got.JSON200.Id != a.Id || got.JSON200.AnnualValue != 1234567.89 {
		t.Fatalf("read: %d %s", got.StatusCode(), got.Body)
	}

	// A contact takes the documented defaults when the fields are absent.
	var ref AccountRef
	if err := ref.FromAccountRef0(a.Id); err != nil {
		t.Fatal(err)
	}
	contact, err := c.CreateContactWithResponse(ctx, nil, ContactCreate{AccountId: ref, Name: "Grace Hopper", Email: "grace@generated.example"})
	if err != nil {
		t.Fatal(err)
	}
	if contact.JSON201 == nil || contact.JSON201.Language != "en" || contact.JSON201.OptedOut {
		t.Fatalf("contact: %d %s", contact.StatusCode(), contact.Body)
	}

	// List two at a time, following next_cursor to the last page.
	for _, name := range []string{"Second Ltd", "Third Ltd"} {
		r, err := c.CreateAccountWithResponse(ctx, nil, AccountCreate{Name: name})
		if err != nil || r.JSON201 == nil {
			t.Fatalf("create %s: %v %s", name, err, r.Body)
		}
	}
	var names []string
	params := &ListAccountsParams{Limit: ptr(2)}
	for pages := 1; ; pages++ {
		l, err := c.ListAccountsWithResponse(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if l.JSON200 == nil {
			t.Fatalf("list: %d %s", l.StatusCode(), l.Body)
		}
		for _, it := range l.JSON200.Items {
			names = append(names, it.Name)
		}
		if l.JSON200.NextCursor == "" {
			if pages < 2 {
				t.Errorf("three accounts came in %d page of two", pages)
			}
			break
		}
		if pages > 10 {
			t.Fatal("the cursor does not end")
		}
		params.Cursor = &l.JSON200.NextCursor
	}
	if !slices.Equal(names, []string{"Generated Ltd", "Second Ltd", "Third Ltd"}) {
		t.Errorf("listed %v", names)
	}

	// Errors are problems that name the field.
	bad, err := c.CreateAccountWithResponse(ctx, nil, AccountCreate{Name: "", Tier: ptr(Tier("Z"))})
	if err != nil {
		t.Fatal(err)
	}
	if bad.ApplicationproblemJSON422 == nil {
		t.Fatalf("bad account: %d %s", bad.StatusCode(), bad.Body)
	}
	var fields []string
	for _, e := range bad.ApplicationproblemJSON422.Errors {
		fields = append(fields, e.Field)
	}
	if !slices.Contains(fields, "name") || !slices.Contains(fields, "tier") {
		t.Errorf("422 names %v", fields)
	}
	missing, err := c.GetAccountWithResponse(ctx, "ext:NOPE")
	if err != nil {
		t.Fatal(err)
	}
	if missing.ApplicationproblemJSON404 == nil || missing.ApplicationproblemJSON404.Status != 404 {
		t.Errorf("missing account: %d %s", missing.StatusCode(), missing.Body)
	}
}

func ptr[T any](v T) *T { return &v }
