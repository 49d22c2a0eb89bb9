package demo

import (
	"context"
	"sort"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
)

// SampleContact picks a client contact to show the client portal with: at
// the account with the most open cases, its treasurer (who follows the
// applications day to day), else its CFO, else any contact who has not
// opted out. It reads the workspace, so it works on any database the demo
// was loaded into, and fails when no account has an open case.
func SampleContact(ctx context.Context, db *store.DB) (*waymark.Contact, error) {
	open := map[int64]int{}
	var order []int64 // accounts in the order of their first open case
	for after := int64(0); ; {
		page, err := db.Cases(ctx, waymark.CaseFilter{Status: "open", Page: waymark.Page{After: after, Limit: 500}})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			if open[c.AccountID] == 0 {
				order = append(order, c.AccountID)
			}
			open[c.AccountID]++
		}
		after = page[len(page)-1].ID
	}
	// Most open cases first; ties keep the order of the first open case.
	sort.SliceStable(order, func(a, b int) bool { return open[order[a]] > open[order[b]] })
	personas, err := db.Personas(ctx, waymark.Page{Limit: 500})
	if err != nil {
		return nil, err
	}
	name := map[int64]string{}
	for _, p := range personas {
		name[p.ID] = p.Name
	}
	rank := func(c *waymark.Contact) int {
		if c.PersonaID == nil {
			return 3
		}
		switch name[*c.PersonaID] {
		case pTreasurer:
			return 0
		case pCFO:
			return 1
		}
		return 2
	}
	for _, accountID := range order {
		contacts, err := db.Contacts(ctx, waymark.ContactFilter{AccountID: accountID, Page: waymark.Page{Limit: 500}})
		if err != nil {
			return nil, err
		}
		var pick *waymark.Contact
		for _, c := range contacts {
			if !c.OptedOut && (pick == nil || rank(c) < rank(pick)) {
				pick = c
			}
		}
		if pick != nil {
			return pick, nil
		}
	}
	return nil, waymark.Errorf(waymark.ENOTFOUND, "No account with open cases has a contact to show the client portal to.")
}
