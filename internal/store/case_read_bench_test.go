package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/waymark/waymark/internal/store/storetest"
)

// BenchmarkReadCase reads one case with its steps and cell, as every case
// move does before the writer.
func BenchmarkReadCase(b *testing.B) {
	db := storetest.MustOpen(b, "sqlite")
	j, a := lendingJourney(b, db)
	c := insertCase(b, db, j, a, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Case(ctx, c.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
