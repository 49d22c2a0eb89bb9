package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/portal"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestFeedbackIsCheckedAndScopedToItsAccount: the text is trimmed, required
// and limited; a contact or case of another account is not found; a contact
// sends at most portal.FeedbackPerDay messages a day; nothing refused is
// stored.
func TestFeedbackIsCheckedAndScopedToItsAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := apptest.New(t, db, nil).Portal
		a := &waymark.Account{Name: "Nordbank"}
		b := &waymark.Account{Name: "Elevator Works"}
		for _, acc := range []*waymark.Account{a, b} {
			if err := db.CreateAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
		}
		anna := &waymark.Contact{AccountID: a.ID, Name: "Anna", Email: "anna@nordbank.example"}
		if err := db.CreateContact(ctx, anna); err != nil {
			t.Fatal(err)
		}

		f := &waymark.PortalFeedback{AccountID: a.ID, ContactID: &anna.ID, Text: "  Clear and quick <b>thanks</b>  "}
		if err := svc.SendFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		if f.ID == 0 || f.Text != "Clear and quick <b>thanks</b>" {
			t.Errorf("stored %+v", f)
		}
		// A contact of another account, or a case that is not the account's,
		// is not found; nothing is stored.
		if err := svc.SendFeedback(ctx, &waymark.PortalFeedback{AccountID: b.ID, ContactID: &anna.ID, Text: "x"}); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("feedback for another account's contact: %v", err)
		}
		missing := int64(999999)
		if err := svc.SendFeedback(ctx, &waymark.PortalFeedback{AccountID: a.ID, ContactID: &anna.ID, CaseID: &missing, Text: "x"}); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("feedback about a case that is not the account's: %v", err)
		}
		for _, text := range []string{"   ", strings.Repeat("é", portal.MaxFeedback+1)} {
			if err := svc.SendFeedback(ctx, &waymark.PortalFeedback{AccountID: a.ID, ContactID: &anna.ID, Text: text}); waymark.ErrorCode(err) != waymark.EINVALID {
				t.Errorf("feedback of %d characters: %v", len([]rune(text)), err)
			}
		}
		if err := svc.SendFeedback(ctx, &waymark.PortalFeedback{AccountID: a.ID, ContactID: &anna.ID, Text: strings.Repeat("é", portal.MaxFeedback)}); err != nil {
			t.Errorf("feedback of exactly the limit: %v", err)
		}

		got, err := db.AccountPortalFeedback(ctx, a.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[1].ID != f.ID || got[1].ContactName != "Anna" || got[1].CaseID != nil {
			t.Errorf("account A's feedback: %+v", got)
		}
		if other, err := db.AccountPortalFeedback(ctx, b.ID, 10); err != nil || len(other) != 0 {
			t.Errorf("account B's feedback: %+v, %v", other, err)
		}
		n, err := db.CountPortalFeedbackSince(ctx, anna.ID, time.Now().Add(-time.Hour))
		if err != nil || n != 2 {
			t.Errorf("count: %d, %v", n, err)
		}
		for i := n; i < portal.FeedbackPerDay; i++ {
			if err := svc.SendFeedback(ctx, &waymark.PortalFeedback{AccountID: a.ID, ContactID: &anna.ID, Text: "more"}); err != nil {
				t.Fatalf("message %d of the day: %v", i+1, err)
			}
		}
		if err := svc.SendFeedback(ctx, &waymark.PortalFeedback{AccountID: a.ID, ContactID: &anna.ID, Text: "one too many"}); waymark.ErrorCode(err) != waymark.ERATELIMIT {
			t.Errorf("message %d of the day: %v, want rate limited", portal.FeedbackPerDay+1, err)
		}
		if n, _ := db.CountPortalFeedbackSince(ctx, anna.ID, time.Now().Add(-time.Hour)); n != portal.FeedbackPerDay {
			t.Errorf("%d messages stored, want %d", n, portal.FeedbackPerDay)
		}
	})
}
