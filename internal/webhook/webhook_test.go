package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
	"github.com/waymark/waymark/internal/webhook"
)

// verifySpec checks a delivery as the Standard Webhooks spec describes it,
// written here from the spec, apart from the library the server signs
// with: the secret is the base64 after "whsec_"; the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>"; the header lists
// space-separated "v1,<base64 HMAC-SHA256>" signatures.
func verifySpec(secret string, h http.Header, body []byte) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q", ts)
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp out of tolerance")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(sigs) {
		if v, sig, ok := strings.Cut(s, ","); ok && v == "v1" && hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("no matching signature")
}

type received struct {
	header http.Header
	body   []byte
}

// receiver answers 500 to the first fail requests, then 204.
type receiver struct {
	mu   sync.Mutex
	fail int
	got  []received
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, received{r.Header.Clone(), b})
	if len(rc.got) <= rc.fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var admin = waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleAdmin, Name: "admin"})

func TestDeliveryIsSignedRetriedAndLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.Start(t, db, nil)
		rc := &receiver{fail: 2}
		srv := httptest.NewServer(rc)
		defer srv.Close()

		h := &waymark.Webhook{URL: srv.URL + "/hook", Events: []string{waymark.IncidentCreated}}
		if err := a.Webhooks.Create(admin, h); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h.Secret, "whsec_") {
			t.Fatalf("secret %q", h.Secret)
		}
		if got, _ := a.Webhooks.Webhook(admin, h.ID); got.Secret != "" {
			t.Fatal("the secret is shown again")
		}
		acc := &waymark.Account{Name: "Acme"}
		if err := db.CreateAccount(admin, acc); err != nil {
			t.Fatal(err)
		}
		inc := &waymark.Incident{AccountID: acc.ID, Title: "Outage", Severity: waymark.SeverityMajor}
		if err := a.Incidents.Create(admin, inc); err != nil {
			t.Fatal(err)
		}
		// Not subscribed: resolving sends nothing.
		if _, err := a.Incidents.Update(admin, inc.ID, func(i *waymark.Incident) error { i.Status = waymark.IncidentResolved; return nil }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "three attempts", func() bool { return rc.count() >= 3 })
		time.Sleep(500 * time.Millisecond) // nothing more comes
		if rc.count() != 3 {
			t.Fatalf("%d requests, want 3 (two failures, one success)", rc.count())
		}
		var id string
		for i, g := range rc.got {
			if err := verifySpec(h.Secret, g.header, g.body); err != nil {
				t.Fatalf("attempt %d: the spec's check fails: %v", i+1, err)
			}
			lib, _ := standardwebhooks.NewWebhook(h.Secret)
			if err := lib.Verify(g.body, g.header); err != nil {
				t.Fatalf("attempt %d: the official library's check fails: %v", i+1, err)
			}
			if i == 0 {
				id = g.header.Get("webhook-id")
			} else if g.header.Get("webhook-id") != id {
				t.Fatalf("the webhook-id changed between retries: %q then %q", id, g.header.Get("webhook-id"))
			}
			var p webhook.Payload
			if err := json.Unmarshal(g.body, &p); err != nil || p.Type != waymark.IncidentCreated || p.AccountID != acc.ID {
				t.Fatalf("payload %s (%v)", g.body, err)
			}
		}
		// A tampered body fails the check.
		if verifySpec(h.Secret, rc.got[2].header, append([]byte(" "), rc.got[2].body...)) == nil {
			t.Fatal("a tampered body passes")
		}
		ds, err := a.Webhooks.Deliveries(admin, h.ID, waymark.Page{Limit: 50})
		if err != nil || len(ds) != 3 {
			t.Fatalf("%d attempts logged (%v), want 3", len(ds), err)
		}
		if ds[0].StatusCode != 204 || ds[0].Attempt != 3 || ds[2].StatusCode != 500 || ds[2].Error == "" || ds[2].Attempt != 1 {
			t.Fatalf("log %+v", ds)
		}
		got, _ := a.Webhooks.Webhook(admin, h.ID)
		if got.Failures != 0 || got.Disabled {
			t.Fatalf("after a success: %+v", got)
		}
		// A redelivery by hand keeps the id.
		if err := a.Webhooks.Redeliver(admin, h.ID, ds[0].EventID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the redelivery", func() bool { return rc.count() == 4 })
		if rc.got[3].header.Get("webhook-id") != id {
			t.Fatal("the redelivery has another webhook-id")
		}
	})
}

func TestFailingEndpointIsDisabledWithAnAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.Start(t, db, nil)
		rc := &receiver{fail: 1 << 30}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		h := &waymark.Webhook{URL: srv.URL}
		if err := a.Webhooks.Create(admin, h); err != nil {
			t.Fatal(err)
		}
		acc := &waymark.Account{Name: "Acme"}
		db.CreateAccount(admin, acc)
		for range 2 {
			if err := a.Commitments.Create(admin, &waymark.Commitment{AccountID: acc.ID, Description: "x", DueAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the endpoint to be disabled", func() bool {
			got, _ := a.Webhooks.Webhook(admin, h.ID)
			return got.Disabled
		})
		got, _ := a.Webhooks.Webhook(admin, h.ID)
		if got.Failures < webhook.DisableAfter || got.DisabledReason == "" || got.DisabledAt == nil {
			t.Fatalf("disabled webhook %+v", got)
		}
		var n int
		db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events WHERE type = 'webhook.disabled'`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d webhook.disabled alerts, want 1", n)
		}
		before := rc.count()
		time.Sleep(time.Second)
		if rc.count() != before {
			t.Fatal("a disabled endpoint still gets requests")
		}
		// Enabled again by hand: failures start from zero.
		got, err := a.Webhooks.Update(admin, h.ID, func(w *waymark.Webhook) error { w.Disabled = false; return nil })
		if err != nil || got.Disabled || got.Failures != 0 {
			t.Fatalf("enable: %+v %v", got, err)
		}
	})
}

func TestURLsArePublicHTTPUnlessAllowed(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := webhook.New(db, slog.New(slog.DiscardHandler), nil, nil, webhook.Options{})
	for _, bad := range []string{"ftp://example.com/x", "example.com/hook", "http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x",
		"http://192.168.1.1/x", "http://[::1]/x", "http://169.254.169.254/latest", "http://[::ffff:127.0.0.1]/x", "http://user:pw@example.com/", "http://0.0.0.0/"} {
		if err := s.CheckURL(context.Background(), bad); waymark.ErrorCode(err) != waymark.EINVALID {
			t.Errorf("%s accepted (%v)", bad, err)
		}
	}
	for _, good := range []string{"https://93.184.215.14/hook", "http://203.0.113.9:8443/x"} {
		if err := s.CheckURL(context.Background(), good); err != nil {
			t.Errorf("%s refused: %v", good, err)
		}
	}
	allowed := webhook.New(db, slog.New(slog.DiscardHandler), nil, nil, webhook.Options{AllowPrivate: true})
	if err := allowed.CheckURL(context.Background(), "http://127.0.0.1:9/x"); err != nil {
		t.Errorf("allowed private refused: %v", err)
	}
}

// The address is checked again when the delivery dials, after DNS: a
// webhook stored while private addresses were allowed does not reach one
// once they are not.
func TestDeliveryChecksTheAddressItDials(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	a := apptest.Start(t, db, nil) // private allowed: store the webhook
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := &waymark.Webhook{URL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)}
	if err := a.Webhooks.Create(admin, h); err != nil {
		t.Fatal(err)
	}
	strict := webhook.New(db, slog.New(slog.DiscardHandler), a.Events, nil, webhook.Options{})
	err := strict.DeliverNow(context.Background(), h.ID, 0)
	if err == nil || !strings.Contains(err.Error(), "private or loopback") {
		t.Fatalf("delivery to loopback: %v", err)
	}
	if rc.count() != 0 {
		t.Fatal("the request reached a loopback address")
	}
}
