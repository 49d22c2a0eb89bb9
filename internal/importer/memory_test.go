package importer_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestImportMemoryDoesNotGrowWithTheFile imports 100,000 generated contacts
// and measures the live heap (after a collection) when a fifth of the file
// has been read and again at its last row. Keeping anything per row, even
// a 16-byte key, would grow it by more than the limit.
func TestImportMemoryDoesNotGrowWithTheFile(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 100,000 rows")
	}
	const rows = 100_000
	const limit = 1 << 20 // 1 MiB for 80,000 rows: 13 bytes a row
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedAccounts(t, db)
		var at20, atEnd, alloc20, allocEnd uint64
		measure := func(live, total *uint64) {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			*live, *total = m.HeapAlloc, m.TotalAlloc
		}
		g := &genReader{n: rows, onRow: func(i int) {
			switch i {
			case rows / 5:
				measure(&at20, &alloc20)
			case rows:
				measure(&atEnd, &allocEnd)
			}
		}}
		res, err := importer.Import(context.Background(), db, importer.Contacts, g)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != rows {
			t.Fatalf("created %d contacts; want %d", res.Created, rows)
		}
		growth := int64(atEnd) - int64(at20)
		perRow := (allocEnd - alloc20) / (rows - rows/5)
		t.Logf("live heap %0.1f MiB at row %d, %0.1f MiB at row %d (growth %+d bytes); %d bytes allocated a row",
			float64(at20)/(1<<20), rows/5, float64(atEnd)/(1<<20), rows, growth, perRow)
		if growth > limit {
			t.Errorf("the live heap grew by %d bytes over %d rows; it must stay flat (limit %d)", growth, rows-rows/5, limit)
		}
		// A sanity bound, far above what a row needs: a row that allocated
		// this much would be copying the file around.
		if perRow > 16<<10 {
			t.Errorf("%d bytes allocated a row", perRow)
		}
	})
}
