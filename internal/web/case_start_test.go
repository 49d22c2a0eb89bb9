package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func TestMemberStartsACaseSeeingItsTrackFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.member)
		ctx := context.Background()
		countCases := func() int {
			cs, err := w.js.Cases(ctx, waymark.CaseFilter{Page: waymark.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			return len(cs)
		}
		jid, aid := fmt.Sprint(w.journey.ID), fmt.Sprint(w.account.ID)

		page := w.get("/cases/new?journey=" + jid)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, "Start a case", "Corporate lending", "Nordbank", `name="ind.amount"`)

		t.Run("the preview names the track the rules choose, and stores nothing", func(t *testing.T) {
			res := w.post("/cases/new", url.Values{"journey_id": {jid}, "account_id": {aid}, "title": {"Factory expansion"}, "ind.amount": {"6000000"}, "step": {"preview"}})
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Track: Advanced", "amount &gt; 5,000,000 → Advanced", "Start the case")
			if n := countCases(); n != 0 {
				t.Fatalf("a preview stored %d cases", n)
			}
		})
		t.Run("a word where a rule compares numbers is named, not read as a miss", func(t *testing.T) {
			res := w.post("/cases/new", url.Values{"journey_id": {jid}, "account_id": {aid}, "ind.amount": {"lots"}, "step": {"start"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, "Enter a number, like 5000000 (not &#34;lots&#34;).", `value="lots"`)
			if n := countCases(); n != 0 {
				t.Fatalf("a refused form stored %d cases", n)
			}
		})
		t.Run("a missing account is named and stores nothing", func(t *testing.T) {
			res := w.post("/cases/new", url.Values{"journey_id": {jid}, "step": {"start"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, "Choose an account.")
			if n := countCases(); n != 0 {
				t.Fatalf("a refused form stored %d cases", n)
			}
		})
		t.Run("a start date out of bounds is refused", func(t *testing.T) {
			res := w.post("/cases/new", url.Values{"journey_id": {jid}, "account_id": {aid}, "at": {"0001-01-01"}, "step": {"start"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, "must lie between 1900 and 2200")
			wantStatus(t, w.post("/cases/new", url.Values{"journey_id": {jid}, "account_id": {aid}, "at": {"1850-06-01"}, "step": {"start"}}), http.StatusUnprocessableEntity)
			if n := countCases(); n != 0 {
				t.Fatalf("a refused form stored %d cases", n)
			}
		})
		t.Run("confirming starts the case on that track", func(t *testing.T) {
			res := w.post("/cases/new", url.Values{"journey_id": {jid}, "account_id": {aid}, "title": {"Factory expansion"}, "ind.amount": {"6000000"}, "step": {"start"}})
			wantStatus(t, res, http.StatusSeeOther)
			wantBody(t, w.get(res.Header.Get("Location")), "The case is started on the Advanced track, at First meeting.")
			m := regexp.MustCompile(`^/cases/(\d+)`).FindStringSubmatch(res.Header.Get("Location"))
			if m == nil {
				t.Fatalf("redirected to %q, want the case page", res.Header.Get("Location"))
			}
			cs, err := w.js.Cases(ctx, waymark.CaseFilter{Page: waymark.Page{Limit: 10}})
			if err != nil || len(cs) != 1 {
				t.Fatalf("cases = %v (%v), want the one started", cs, err)
			}
			c := cs[0]
			if c.Track != "advanced" || c.Title != "Factory expansion" || c.AccountID != w.account.ID || c.Indicators["amount"] != float64(6000000) {
				t.Fatalf("started %+v", c)
			}
		})
	})
}

func TestViewerCannotStartACase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.viewer)
		wantStatus(t, w.get("/cases/new"), http.StatusForbidden)
		wantNoBody(t, w.get(fmt.Sprintf("/cases?journey=%d", w.journey.ID)), "start-case-link")
		res := w.post("/cases/new", url.Values{"journey_id": {fmt.Sprint(w.journey.ID)}, "account_id": {fmt.Sprint(w.account.ID)}, "step": {"start"}})
		wantStatus(t, res, http.StatusForbidden)
		preview := w.post("/cases/new", url.Values{"journey_id": {fmt.Sprint(w.journey.ID)}, "account_id": {fmt.Sprint(w.account.ID)}, "step": {"preview"}})
		wantStatus(t, preview, http.StatusForbidden)
		wantNoBody(t, preview, "Start the case")
		cs, err := w.js.Cases(context.Background(), waymark.CaseFilter{Page: waymark.Page{Limit: 10}})
		if err != nil || len(cs) != 0 {
			t.Fatalf("a viewer's post started %d cases (%v)", len(cs), err)
		}
	})
}

func TestAccountPageListsItsOpenAndRecentCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		open := w.start("Working capital line", w.account, time.Hour, nil)
		done := w.start("Bridge <loan>", w.account, 2*time.Hour, nil)
		w.move(done, waymark.EventCancel, "", "client withdrew")
		path := fmt.Sprintf("/accounts/%d", w.account.ID)

		w.loginAs(w.member)
		page := w.get(path)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, fmt.Sprintf(`href="/cases/%d">Working capital line</a>`, open.ID),
			fmt.Sprintf(`href="/cases/%d">Bridge &lt;loan&gt;</a>`, done.ID), "Cancelled", "1 open", "account-start-case")

		w.loginAs(w.viewer)
		page = w.get(path)
		wantBody(t, page, "Working capital line")
		wantNoBody(t, page, "account-start-case")
	})
}

func TestSearchFindsCasesByTitleAndNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.viewer)
		c := w.start("Working capital <line>", w.account, time.Hour, nil)
		other := w.start("Bridge loan", w.account, time.Hour, nil)
		link := fmt.Sprintf(`href="/cases/%d"`, c.ID)

		res := w.get("/search?q=capital")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, link, "Working capital &lt;line&gt;", "Corporate lending · Nordbank")
		wantNoBody(t, res, fmt.Sprintf(`href="/cases/%d"`, other.ID))

		res = w.get(fmt.Sprintf("/search?q=%d", c.ID))
		wantBody(t, res, link)
		live := w.get("/search?q=capital", "HX-Request", "true", "HX-Target", "search-results")
		wantBody(t, live, "Cases", link)
	})
}
